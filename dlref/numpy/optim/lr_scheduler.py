"""Learning-rate schedulers with the interface and the numbers of
``torch.optim.lr_scheduler``.

A scheduler wraps an optimizer and rewrites ``group["lr"]`` in each of its parameter
groups every time its ``step()`` is called (usually once per epoch, after
``optimizer.step()``).

Like torch, each scheduler here updates the learning rate *recursively*: the new rate is
computed from the rate the group holds now, not from the epoch number alone. The closed
form in each docstring is what the recursion gives when nothing else touches the rate.
The recursive form is what makes schedulers *chainable*: stepping two schedulers on one
optimizer multiplies their factors (torch's ``ChainedScheduler``), which is how a linear
warm-up and a cosine decay combine. Following torch's arithmetic operation for operation
also makes the rates equal to torch's to the last bit or two, not just close.
"""

from __future__ import annotations

import copy
import math

from dlref._optim_args import (
    check_cosine_annealing_lr,
    check_end_factor,
    check_eta_min,
    check_exponential_lr,
    check_gamma,
    check_last_epoch,
    check_linear_lr,
    check_resumable,
    check_scheduler_state_dict,
    check_start_factor,
    check_step_lr,
    check_step_size,
    check_T_max,
    check_total_iters,
)
from dlref.numpy.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]


class LRScheduler:
    r"""Base class of the schedulers: sets each group's learning rate when ``step()`` is
    called.

    On construction with ``last_epoch=-1`` (a new schedule), each parameter group gets
    an ``"initial_lr"`` entry holding its current ``"lr"`` (unless it already has one,
    as when a second scheduler wraps the same optimizer); these are the ``base_lrs``
    $\eta_0$ of the formulas. The constructor then takes one step, to epoch 0, so the
    optimizer already holds the epoch-0 rate before training starts. Each later
    ``step()`` advances ``last_epoch`` by one and writes the rate for that epoch into
    every group.

    Subclasses implement ``get_lr()``: the new rate of each group, computed from
    ``last_epoch`` (already advanced), ``base_lrs`` and the groups' current ``"lr"``.

    Args:
        optimizer: a ``dlref.numpy.optim`` optimizer.
        last_epoch: the index of the last epoch done; ``-1`` (default) starts a new
            schedule. A value $\ge 0$ resumes one, and then every group must already
            hold ``"initial_lr"`` (from the optimizer's ``load_state_dict``).

    Attributes:
        optimizer: the wrapped optimizer.
        base_lrs: each group's ``initial_lr``, $\eta_0$.
        last_epoch: the epoch whose rate the groups hold now (0 after construction).

    PyTorch equivalent: ``torch.optim.lr_scheduler.LRScheduler``; ``state_dict()`` holds
    the same entries under the same names.

    Differences from PyTorch: resuming with ``last_epoch >= 0`` when a group lacks
    ``"initial_lr"`` raises a ``ValueError`` (torch: ``KeyError``); ``load_state_dict``
    refuses a state dict that lacks a public entry (``base_lrs``, ``last_epoch``, a
    hyperparameter), whose ``base_lrs`` is not one rate per group, or whose values the
    constructor would refuse (torch's copies in whatever it is given, and fails at the
    next ``step``, if at all); the deprecated ``step(epoch)`` argument is not supported;
    ``optimizer.step`` is not patched, so calling ``scheduler.step()`` before
    ``optimizer.step()`` gives no warning.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                "optimizer must be a dlref.numpy.optim.Optimizer, got "
                f"{type(optimizer).__name__}"
            )
        check_last_epoch(last_epoch)
        check_resumable(optimizer.param_groups, last_epoch)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        self.optimizer = optimizer
        self.base_lrs: list[float] = [
            group["initial_lr"] for group in optimizer.param_groups
        ]
        self.last_epoch = last_epoch
        # the first step, to epoch 0 (torch's _initial_step); get_lr can tell it apart
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each parameter group at epoch ``last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything the scheduler holds except the optimizer (torch's keys)."""
        return {
            key: copy.deepcopy(value)
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    @staticmethod
    def _check_values(state: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming a hyperparameter of ``state`` that
        is invalid (none here)."""

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned (a torch scheduler's ``state_dict()``
        works too).

        ``state_dict`` must hold every public entry (``base_lrs``, ``last_epoch`` and
        the hyperparameters), valid by the constructor's rules; a private entry it lacks
        keeps its value, and entries this scheduler does not hold (torch keeps a private
        flag more) are ignored.
        """
        check_scheduler_state_dict(
            state_dict, self, len(self.optimizer.param_groups), self._check_values
        )
        for key in [key for key in self.__dict__ if key != "optimizer"]:
            if key in state_dict:
                setattr(self, key, copy.deepcopy(state_dict[key]))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(last_epoch={self.last_epoch}, "
            f"last_lr={self._last_lr})"
        )


class StepLR(LRScheduler):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    $$\eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}$$

    with $\eta_0$ the group's initial rate, $t$ the epoch (``last_epoch``) and $s$ the
    ``step_size``. Computed recursively, as torch does: at every epoch $t > 0$ that is a
    multiple of $s$, the group's current rate is multiplied by $\gamma$.

    Args:
        optimizer: a ``dlref.numpy.optim`` optimizer.
        step_size: the period $s$ of the decay, in epochs (an int >= 1).
        gamma: the factor $\gamma > 0$ (default 0.1).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.StepLR``.

    Differences from PyTorch: ``step_size`` must be an int >= 1 (torch takes a float, a
    negative one, which decays every epoch, and 0, which fails with a
    ``ZeroDivisionError`` at the first step) and ``gamma`` finite and > 0 (torch takes
    0, negative, NaN and infinite factors); ``load_state_dict`` as in `LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        step_size: int,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        check_step_size(step_size)
        check_gamma(gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_step_lr)

    def get_lr(self) -> list[float]:
        # eta_t = eta_{t-1} * gamma at t = s, 2s, 3s, ...; unchanged otherwise
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    r"""Multiply the learning rate by ``gamma`` every epoch.

    $$\eta_t = \eta_0\,\gamma^{t}$$

    Computed recursively, as torch does: $\eta_t = \gamma\,\eta_{t-1}$ for $t \ge 1$.

    Args:
        optimizer: a ``dlref.numpy.optim`` optimizer.
        gamma: the factor $\gamma > 0$ per epoch (0.95 halves the rate in about 14
            epochs).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.ExponentialLR``.

    Differences from PyTorch: ``gamma`` is checked to be a positive finite number (torch
    takes 0, negative, NaN and infinite factors); ``load_state_dict`` as in
    `LRScheduler`.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        check_gamma(gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_exponential_lr)

    def get_lr(self) -> list[float]:
        # the constructor's step (also when resuming) keeps the rate
        if self._is_initial:
            return self._current_lrs()
        # eta_t = gamma * eta_{t-1}
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the learning rate from $\eta_0$ to ``eta_min`` along half a cosine over
    ``T_max`` epochs.

    $$\eta_t = \eta_{\min} + \tfrac12\,(\eta_0 - \eta_{\min})\,\Big(1 +
    \cos\frac{\pi t}{T_{\max}}\Big)$$

    for every epoch $t$, also past $T_{\max}$: the schedule does not stay at
    $\eta_{\min}$ but climbs back along the cosine, reaching $\eta_0$ again at
    $t = 2T_{\max}$ (period $2T_{\max}$). Set ``T_max`` to the number of epochs you
    train for.

    Computed recursively, as torch does, so that it can be chained with other
    schedulers: with $c_t = 1 + \cos(\pi t / T_{\max})$,

    $$\eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})\,\frac{c_t}{c_{t-1}},$$

    except where $c_{t-1} = 0$ (at $t - 1 = T_{\max}, 3T_{\max}, \dots$), where the rate
    $\eta_{\min}$ carries no memory of $\eta_0$ and the step adds
    $\tfrac12(\eta_0 - \eta_{\min})(1 - \cos(\pi / T_{\max}))$ instead.

    Args:
        optimizer: a ``dlref.numpy.optim`` optimizer.
        T_max: the number of epochs of the half cosine (an int >= 1).
        eta_min: the smallest rate $\eta_{\min} \ge 0$ (default 0).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    References:
        Loshchilov, I., Hutter, F. (2017). SGDR: Stochastic Gradient Descent with Warm
        Restarts. ICLR. <https://arxiv.org/abs/1608.03983>.

    Differences from PyTorch: ``T_max`` must be an int >= 1 and ``eta_min`` a finite
    number >= 0 (torch checks neither); ``load_state_dict`` as in `LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_max: int,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        check_T_max(T_max)
        check_eta_min(eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_cosine_annealing_lr)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        # the constructor's step (also when resuming) keeps the rate
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            # eta_{t-1} = eta_min, c_{t-1} = 0:
            # eta_t = eta_{t-1} + (eta_0 - eta_min)(1 - cos(pi / T)) / 2
            return [
                lr + (eta_0 - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for eta_0, lr in zip(self.base_lrs, self._current_lrs(), strict=True)
            ]
        # eta_t = eta_min + (eta_{t-1} - eta_min) * c_t / c_{t-1},
        # c_t = 1 + cos(pi t / T)
        return [
            (1 + math.cos(math.pi * t / T))
            / (1 + math.cos(math.pi * (t - 1) / T))
            * (lr - eta_min)
            + eta_min
            for lr in self._current_lrs()
        ]


class LinearLR(LRScheduler):
    r"""Scale the learning rate by a factor that moves linearly from ``start_factor`` to
    ``end_factor``.

    $$\eta_t = \eta_0\,\Big(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\Big)$$

    with $f_s$ = ``start_factor``, $f_e$ = ``end_factor`` and $T$ = ``total_iters``; the
    rate stays at $f_e\,\eta_0$ from epoch $T$ on. With $f_s$ small and $f_e = 1$ this
    is the usual linear warm-up.

    Computed recursively, as torch does: $\eta_0 f_s$ at $t = 0$, then for
    $1 \le t \le T$

    $$\eta_t = \eta_{t-1}\,\Big(1 + \frac{f_e - f_s}{T f_s + (t - 1)(f_e - f_s)}\Big),$$

    the ratio of two consecutive factors.

    Args:
        optimizer: a ``dlref.numpy.optim`` optimizer.
        start_factor: $f_s \in (0, 1]$, the factor at epoch 0 (default 1/3).
        end_factor: $f_e \in [0, 1]$, the factor from epoch ``total_iters`` on (default
            1).
        total_iters: $T$, the number of epochs the change takes (an int >= 1, default
            5).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.LinearLR``.

    References:
        Goyal, P. et al. (2017). Accurate, Large Minibatch SGD: Training ImageNet in 1
        Hour. <https://arxiv.org/abs/1706.02677>. (Linear warm-up over the first
        epochs.)

    Differences from PyTorch: the error messages name the argument; ``total_iters`` must
    be an int >= 1 (torch takes a float, or 0 or less, and then the rate stays at
    ``start_factor`` for ever) and NaN factors are refused (torch's range check lets NaN
    through); ``load_state_dict`` as in `LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        check_start_factor(start_factor)
        check_end_factor(end_factor)
        check_total_iters(total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_linear_lr)

    def get_lr(self) -> list[float]:
        t, T, f_s, f_e = (
            self.last_epoch,
            self.total_iters,
            self.start_factor,
            self.end_factor,
        )
        if t == 0:
            # eta_0 = lr * f_s
            return [lr * f_s for lr in self._current_lrs()]
        if self._is_initial or t > T:
            return self._current_lrs()
        # eta_t = eta_{t-1} * (f_s + (f_e - f_s) t / T) / (f_s + (f_e - f_s)(t - 1) / T)
        return [
            lr * (1.0 + (f_e - f_s) / (T * f_s + (t - 1) * (f_e - f_s)))
            for lr in self._current_lrs()
        ]
