"""Learning-rate schedulers for torch optimizers, with the interface and the numbers of
``torch.optim.lr_scheduler``.

Each scheduler wraps a ``torch.optim.Optimizer`` (``dlref.torch.optim``'s or torch's
own) and rewrites ``group["lr"]`` in each of its parameter groups every time its
``step()`` is called (usually once per epoch, after ``optimizer.step()``).

As the optimizers subclass ``torch.optim.Optimizer`` and write only ``step``, the
schedulers subclass torch's base class ``torch.optim.lr_scheduler.LRScheduler`` (which
keeps ``last_epoch``, ``base_lrs``, ``step()``, ``get_last_lr()``, ``state_dict()``) and
write only ``get_lr()``, the schedule itself, and the checks of their arguments and of a
loaded state dict; they never use the torch classes they mirror
(``torch.optim.lr_scheduler.StepLR``, ...). Being torch schedulers, they chain with
torch's ``ChainedScheduler`` and ``SequentialLR`` and plug into any training loop that
expects one.

As in torch, each rate is computed *recursively* from the rate the group holds now, not
from the epoch number alone, operation for operation as torch does, so the rates equal
torch's exactly (not just closely) and schedulers chain: stepping two of them on one
optimizer multiplies their factors, which is how a linear warm-up and a cosine decay
combine. The closed form in each docstring is what the recursion gives when nothing else
touches the rate. The NumPy twin, `dlref.numpy.optim.lr_scheduler`, writes the base
class out as well.
"""

from __future__ import annotations

import math

import torch

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

__all__ = ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]


def _check_optimizer_and_last_epoch(optimizer, last_epoch) -> None:
    """The base class's arguments, checked before anything changes (torch raises
    KeyError on a bad resume)."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    check_last_epoch(last_epoch)
    check_resumable(optimizer.param_groups, last_epoch)


def _current_lrs(optimizer: torch.optim.Optimizer) -> list:
    """The learning rate each parameter group holds now."""
    return [group["lr"] for group in optimizer.param_groups]


class _CheckedScheduler(torch.optim.lr_scheduler.LRScheduler):
    """torch's ``LRScheduler`` whose ``load_state_dict`` checks its input first, by the
    NumPy twins' rules.

    torch's updates the scheduler with whatever dict it gets (a missing entry keeps its
    value, a ``step_size`` of 0 fails at the next ``step``); subclasses set
    ``_check_values`` to the constructor's rules, from `dlref._optim_args`.
    """

    @staticmethod
    def _check_values(state: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming a hyperparameter of ``state`` that
        is invalid."""

    def load_state_dict(self, state_dict: dict) -> None:
        """As torch's, after checking that ``state_dict`` holds this scheduler's public
        entries, valid."""
        check_scheduler_state_dict(
            state_dict, self, len(self.optimizer.param_groups), self._check_values
        )
        super().load_state_dict(state_dict)


class StepLR(_CheckedScheduler):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    $$\eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}$$

    with $\eta_0$ the group's initial rate, $t$ the epoch (``last_epoch``) and $s$ the
    ``step_size``. Computed recursively, as torch does: at every epoch $t > 0$ that is a
    multiple of $s$, the group's current rate is multiplied by $\gamma$.

    Args:
        optimizer: a ``torch.optim.Optimizer``.
        step_size: the period $s$ of the decay, in epochs (an int >= 1).
        gamma: the factor $\gamma > 0$ (default 0.1).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.StepLR``.

    Differences from PyTorch: ``step_size`` must be an int >= 1 (torch takes a float, a
    negative one, which decays every epoch, and 0, which fails with a
    ``ZeroDivisionError`` at the first step) and ``gamma`` finite and > 0 (torch takes
    0, negative, NaN and infinite factors); so is ``last_epoch`` checked, and resuming
    without ``"initial_lr"`` is a ``ValueError`` (torch: ``KeyError``), raised before
    any group changes. ``load_state_dict`` refuses a state dict that lacks a public
    entry (``base_lrs``, ``last_epoch``, a hyperparameter), whose ``base_lrs`` is not
    one rate per group, or whose values the constructor would refuse (torch's copies in
    whatever it is given, and fails at the next ``step``, if at all).
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        step_size: int,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        _check_optimizer_and_last_epoch(optimizer, last_epoch)
        check_step_size(step_size)
        check_gamma(gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_step_lr)

    def get_lr(self) -> list[float]:
        """The rate of each group at epoch ``last_epoch``, from the rate it holds now
        (torch's recursion)."""
        # eta_t = eta_{t-1} * gamma at t = s, 2s, 3s, ...; unchanged otherwise
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self.optimizer)
        return [lr * self.gamma for lr in _current_lrs(self.optimizer)]


class ExponentialLR(_CheckedScheduler):
    r"""Multiply the learning rate by ``gamma`` every epoch.

    $$\eta_t = \eta_0\,\gamma^{t}$$

    Computed recursively, as torch does: $\eta_t = \gamma\,\eta_{t-1}$ for $t \ge 1$.

    Args:
        optimizer: a ``torch.optim.Optimizer``.
        gamma: the factor $\gamma > 0$ per epoch.
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.ExponentialLR``.

    Differences from PyTorch: ``gamma`` is checked to be a positive finite number (torch
    takes 0, negative, NaN and infinite factors), and ``last_epoch`` and
    ``load_state_dict`` as in `StepLR`.
    """

    def __init__(
        self, optimizer: torch.optim.Optimizer, gamma: float, last_epoch: int = -1
    ):
        _check_optimizer_and_last_epoch(optimizer, last_epoch)
        check_gamma(gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_exponential_lr)

    def get_lr(self) -> list[float]:
        """The rate of each group at epoch ``last_epoch``, from the rate it holds now
        (torch's recursion)."""
        # the constructor's step (also when resuming) keeps the rate
        if self._is_initial:
            return _current_lrs(self.optimizer)
        # eta_t = gamma * eta_{t-1}
        return [lr * self.gamma for lr in _current_lrs(self.optimizer)]


class CosineAnnealingLR(_CheckedScheduler):
    r"""Anneal the learning rate from $\eta_0$ to ``eta_min`` along half a cosine over
    ``T_max`` epochs.

    $$\eta_t = \eta_{\min} + \tfrac12\,(\eta_0 - \eta_{\min})\,\Big(1 +
    \cos\frac{\pi t}{T_{\max}}\Big)$$

    for every epoch $t$, also past $T_{\max}$, where the rate climbs back along the
    cosine (period $2T_{\max}$). Computed recursively, as torch does: with
    $c_t = 1 + \cos(\pi t / T_{\max})$,

    $$\eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})\,\frac{c_t}{c_{t-1}},$$

    except where $c_{t-1} = 0$ (at $t - 1 = T_{\max}, 3T_{\max}, \dots$), where the step
    adds $\tfrac12(\eta_0 - \eta_{\min})(1 - \cos(\pi / T_{\max}))$ instead.

    Args:
        optimizer: a ``torch.optim.Optimizer``.
        T_max: the number of epochs of the half cosine (an int >= 1).
        eta_min: the smallest rate $\eta_{\min} \ge 0$ (default 0).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    Differences from PyTorch: ``T_max`` must be an int >= 1 and ``eta_min`` a finite
    number >= 0 (torch checks neither); ``last_epoch`` and ``load_state_dict`` as in
    `StepLR`. Torch's branch for a first ``step()`` with ``last_epoch > 0`` is left out:
    its constructor's step is always the first, so the branch never runs.

    References:
        Loshchilov, I., Hutter, F. (2017). SGDR: Stochastic Gradient Descent with Warm
        Restarts. ICLR. <https://arxiv.org/abs/1608.03983>.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        T_max: int,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        _check_optimizer_and_last_epoch(optimizer, last_epoch)
        check_T_max(T_max)
        check_eta_min(eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_cosine_annealing_lr)

    def get_lr(self) -> list[float]:
        """The rate of each group at epoch ``last_epoch``, from the rate it holds now
        (torch's recursion)."""
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        # the constructor's step (also when resuming) keeps the rate
        if self._is_initial:
            return _current_lrs(self.optimizer)
        if (t - 1 - T) % (2 * T) == 0:
            # eta_{t-1} = eta_min, c_{t-1} = 0:
            # eta_t = eta_{t-1} + (eta_0 - eta_min)(1 - cos(pi / T)) / 2
            return [
                lr + (eta_0 - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for eta_0, lr in zip(
                    self.base_lrs, _current_lrs(self.optimizer), strict=True
                )
            ]
        # eta_t = eta_min + (eta_{t-1} - eta_min) * c_t / c_{t-1},
        # c_t = 1 + cos(pi t / T)
        return [
            (1 + math.cos(math.pi * t / T))
            / (1 + math.cos(math.pi * (t - 1) / T))
            * (lr - eta_min)
            + eta_min
            for lr in _current_lrs(self.optimizer)
        ]


class LinearLR(_CheckedScheduler):
    r"""Scale the learning rate by a factor that moves linearly from ``start_factor`` to
    ``end_factor``.

    $$\eta_t = \eta_0\,\Big(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\Big)$$

    with $f_s$ = ``start_factor``, $f_e$ = ``end_factor`` and $T$ = ``total_iters``;
    with $f_s$ small and $f_e = 1$ this is the usual linear warm-up. Computed
    recursively, as torch does: $\eta_0 f_s$ at $t = 0$, then for $1 \le t \le T$

    $$\eta_t = \eta_{t-1}\,\Big(1 + \frac{f_e - f_s}{T f_s + (t - 1)(f_e - f_s)}\Big).$$

    Args:
        optimizer: a ``torch.optim.Optimizer``.
        start_factor: $f_s \in (0, 1]$, the factor at epoch 0 (default 1/3).
        end_factor: $f_e \in [0, 1]$, the factor from epoch ``total_iters`` on (default
            1).
        total_iters: $T$, the number of epochs the change takes (an int >= 1, default
            5).
        last_epoch: the index of the last epoch done; -1 starts a new schedule.

    PyTorch equivalent: ``torch.optim.lr_scheduler.LinearLR``.

    Differences from PyTorch: the error messages name the argument; ``total_iters`` must
    be an int >= 1 (torch takes a float, or 0 or less, and then the rate stays at
    ``start_factor`` for ever) and NaN factors are refused (torch's range check lets NaN
    through); ``last_epoch`` and ``load_state_dict`` as in `StepLR`.

    References:
        Goyal, P. et al. (2017). Accurate, Large Minibatch SGD: Training ImageNet in 1
        Hour. <https://arxiv.org/abs/1706.02677>. (Linear warm-up over the first
        epochs.)
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        _check_optimizer_and_last_epoch(optimizer, last_epoch)
        check_start_factor(start_factor)
        check_end_factor(end_factor)
        check_total_iters(total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    _check_values = staticmethod(check_linear_lr)

    def get_lr(self) -> list[float]:
        """The rate of each group at epoch ``last_epoch``, from the rate it holds now
        (torch's recursion)."""
        t, T, f_s, f_e = (
            self.last_epoch,
            self.total_iters,
            self.start_factor,
            self.end_factor,
        )
        if t == 0:
            # eta_0 = lr * f_s
            return [lr * f_s for lr in _current_lrs(self.optimizer)]
        if self._is_initial or t > T:
            return _current_lrs(self.optimizer)
        # eta_t = eta_{t-1} * (f_s + (f_e - f_s) t / T) / (f_s + (f_e - f_s)(t - 1) / T)
        return [
            lr * (1.0 + (f_e - f_s) / (T * f_s + (t - 1) * (f_e - f_s)))
            for lr in _current_lrs(self.optimizer)
        ]
