"""Hyperparameter checks of the optimizers and learning-rate schedulers, shared by both backends.

``dlref.numpy.optim`` and ``dlref.torch.optim`` take torch's hyperparameters with torch's
names; each rule on them lives here once, with one message, and both backends call it. A
wrong type is a ``TypeError``, a value out of range (NaN included) a ``ValueError``; every
message names the argument, what was expected and what came.

One function per rule (``check_lr``, ``check_betas``, ...), then one function per
optimizer that applies its rules to a parameter group (``check_sgd_group``, ...): the
optimizers run it on their defaults and on every group added, so a group's own ``lr=-1``
is refused as well.

This module imports only `dlref._checks` (no torch, no backend of dlref).
"""

from __future__ import annotations

import math

from dlref._checks import check_bool, check_int, check_positive_int, check_real

__all__ = [
    "check_lr", "check_momentum", "check_dampening", "check_weight_decay", "check_eps",
    "check_betas", "check_alpha", "check_lr_decay", "check_initial_accumulator_value",
    "check_nesterov",
    "check_sgd_group", "check_adagrad_group", "check_rmsprop_group", "check_adam_group",
    "check_last_epoch", "check_resumable", "check_step_size", "check_gamma", "check_T_max",
    "check_eta_min", "check_start_factor", "check_end_factor", "check_total_iters",
]


# --- optimizer hyperparameters: one rule each ---------------------------------------------

def check_lr(lr) -> None:
    r"""The learning rate $\gamma$: a real number $\ge 0$."""
    check_real("lr", lr, low=0.0)


def check_momentum(momentum) -> None:
    r"""The momentum factor $\mu$ (SGD, RMSprop): a real number $\ge 0$."""
    check_real("momentum", momentum, low=0.0)


def check_dampening(dampening) -> None:
    r"""SGD's dampening $\tau$: any real number (torch sets no range)."""
    check_real("dampening", dampening)


def check_weight_decay(weight_decay) -> None:
    r"""The weight decay $\lambda$: a real number $\ge 0$."""
    check_real("weight_decay", weight_decay, low=0.0)


def check_eps(eps) -> None:
    r"""The $\epsilon$ added to a denominator: a real number $\ge 0$."""
    check_real("eps", eps, low=0.0)


def check_betas(betas) -> None:
    r"""Adam's ``betas``: a pair $(\beta_1, \beta_2)$ of real numbers, each in $[0, 1)$."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        check_real(f"betas[{i}]", beta, low=0.0, high=1.0, high_inclusive=False)


def check_alpha(alpha) -> None:
    r"""RMSprop's smoothing constant $\alpha$: in $[0, 1]$ (torch also takes $\alpha > 1$, and returns NaN)."""
    check_real("alpha", alpha, low=0.0, high=1.0)


def check_lr_decay(lr_decay) -> None:
    r"""Adagrad's learning-rate decay $\eta$: a real number $\ge 0$."""
    check_real("lr_decay", lr_decay, low=0.0)


def check_initial_accumulator_value(initial_accumulator_value) -> None:
    r"""Adagrad's $s_0$: a real number $\ge 0$ (it sits under a square root)."""
    check_real("initial_accumulator_value", initial_accumulator_value, low=0.0)


def check_nesterov(nesterov, momentum, dampening) -> None:
    """``nesterov`` is a bool, and ``True`` only with ``momentum > 0`` and ``dampening == 0`` (as torch)."""
    check_bool("nesterov", nesterov)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "nesterov=True requires momentum > 0 and dampening = 0, "
            f"got momentum={momentum} and dampening={dampening}"
        )


# --- optimizer hyperparameters: the rules of each optimizer, on one parameter group ---------

def check_sgd_group(group: dict) -> None:
    """The hyperparameters of an SGD parameter group (``torch.optim.SGD``'s)."""
    check_lr(group["lr"])
    check_momentum(group["momentum"])
    check_dampening(group["dampening"])
    check_weight_decay(group["weight_decay"])
    check_nesterov(group["nesterov"], group["momentum"], group["dampening"])
    check_bool("maximize", group["maximize"])


def check_adagrad_group(group: dict) -> None:
    """The hyperparameters of an Adagrad parameter group (``torch.optim.Adagrad``'s)."""
    check_lr(group["lr"])
    check_lr_decay(group["lr_decay"])
    check_weight_decay(group["weight_decay"])
    check_initial_accumulator_value(group["initial_accumulator_value"])
    check_eps(group["eps"])
    check_bool("maximize", group["maximize"])


def check_rmsprop_group(group: dict) -> None:
    """The hyperparameters of an RMSprop parameter group (``torch.optim.RMSprop``'s)."""
    check_lr(group["lr"])
    check_alpha(group["alpha"])
    check_eps(group["eps"])
    check_weight_decay(group["weight_decay"])
    check_momentum(group["momentum"])
    check_bool("centered", group["centered"])
    check_bool("maximize", group["maximize"])


def check_adam_group(group: dict) -> None:
    """The hyperparameters of an Adam or AdamW parameter group (``torch.optim.Adam``'s)."""
    check_lr(group["lr"])
    check_eps(group["eps"])
    check_betas(group["betas"])
    check_weight_decay(group["weight_decay"])
    check_bool("amsgrad", group["amsgrad"])
    check_bool("maximize", group["maximize"])
    check_bool("decoupled_weight_decay", group["decoupled_weight_decay"])


# --- learning-rate schedulers -------------------------------------------------------------

def check_last_epoch(last_epoch) -> None:
    r"""A scheduler's ``last_epoch``: an int $\ge -1$ (-1 starts a new schedule)."""
    check_int("last_epoch", last_epoch)
    if last_epoch < -1:
        raise ValueError(f"last_epoch must be >= -1 (-1 starts a new schedule), got {last_epoch}")


def check_resumable(param_groups, last_epoch: int) -> None:
    """Resuming a schedule (``last_epoch >= 0``) needs every group's ``"initial_lr"``."""
    if last_epoch == -1:
        return
    for i, group in enumerate(param_groups):
        if "initial_lr" not in group:
            raise ValueError(
                f"last_epoch={last_epoch} resumes a schedule, but optimizer.param_groups[{i}] has "
                "no 'initial_lr': load the optimizer's state_dict first, or pass last_epoch=-1"
            )


def check_step_size(step_size) -> None:
    r"""StepLR's period $s$: an int $\ge 1$ (torch takes 0, then divides by it)."""
    check_positive_int("step_size", step_size)


def check_gamma(gamma) -> None:
    r"""The multiplicative factor $\gamma$ of StepLR and ExponentialLR: finite and $> 0$."""
    check_real("gamma", gamma, low=0.0, high=math.inf, low_inclusive=False, high_inclusive=False)


def check_T_max(T_max) -> None:  # noqa: N802 (torch's name)
    r"""CosineAnnealingLR's half period $T_{\max}$: an int $\ge 1$."""
    check_positive_int("T_max", T_max)


def check_eta_min(eta_min) -> None:
    r"""CosineAnnealingLR's floor $\eta_{\min}$: finite and $\ge 0$."""
    check_real("eta_min", eta_min, low=0.0, high=math.inf, high_inclusive=False)


def check_start_factor(start_factor) -> None:
    """LinearLR's factor at epoch 0: in $(0, 1]$, as torch requires."""
    check_real("start_factor", start_factor, low=0.0, high=1.0, low_inclusive=False)


def check_end_factor(end_factor) -> None:
    """LinearLR's factor from epoch ``total_iters`` on: in $[0, 1]$, as torch requires."""
    check_real("end_factor", end_factor, low=0.0, high=1.0)


def check_total_iters(total_iters) -> None:
    r"""LinearLR's length $T$, in epochs: an int $\ge 1$ (torch divides by it)."""
    check_positive_int("total_iters", total_iters)
