"""Hyperparameter checks of the optimizers and learning-rate schedulers, shared by both
backends.

``dlref.numpy.optim`` and ``dlref.torch.optim`` take torch's hyperparameters with
torch's names; each rule on them lives here once, with one message, and both backends
call it. A wrong type is a ``TypeError``, a value out of range (NaN included) a
``ValueError``; every message names the argument, what was expected and what came.

One function per rule (``check_lr``, ``check_betas``, ...), then one function per
optimizer that applies its rules to a parameter group (``check_sgd_group``, ...): the
optimizers run it on their defaults and on every group added, so a group's own ``lr=-1``
is refused as well. Then the rules on what an optimizer is given besides hyperparameters
(``param_list``, ``group_params``, ``check_distinct_params``, ``check_closure``,
``check_optimizer_state_dict``) and the schedulers' (``check_last_epoch``, ...,
``check_scheduler_state_dict``): torch's own checks of these raise ``KeyError``s and
messages that name no argument, or come only at a later ``step``, or never.

This module imports only `dlref._checks` (no torch, no backend of dlref).
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

from dlref._checks import (
    check_bool,
    check_floating,
    check_int,
    check_positive_int,
    check_real,
    shape_of,
)

__all__ = [
    "check_lr",
    "check_momentum",
    "check_dampening",
    "check_weight_decay",
    "check_eps",
    "check_betas",
    "check_alpha",
    "check_lr_decay",
    "check_initial_accumulator_value",
    "check_nesterov",
    "check_sgd_group",
    "check_adagrad_group",
    "check_rmsprop_group",
    "check_adam_group",
    "param_list",
    "group_params",
    "check_param_dtype",
    "check_distinct_params",
    "check_added_group",
    "check_closure",
    "check_optimizer_state_dict",
    "adam_state_keys",
    "adagrad_state_keys",
    "rmsprop_state_keys",
    "check_last_epoch",
    "check_resumable",
    "check_step_size",
    "check_gamma",
    "check_T_max",
    "check_eta_min",
    "check_start_factor",
    "check_end_factor",
    "check_total_iters",
    "check_step_lr",
    "check_exponential_lr",
    "check_cosine_annealing_lr",
    "check_linear_lr",
    "check_scheduler_state_dict",
]


# --- optimizer hyperparameters: one rule each -----------------------------------------


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
    r"""Adam's ``betas``: a pair $(\beta_1, \beta_2)$ of real numbers, each in
    $[0, 1)$."""
    if (
        isinstance(betas, (str, bytes))
        or not hasattr(betas, "__len__")
        or len(betas) != 2
    ):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        check_real(f"betas[{i}]", beta, low=0.0, high=1.0, high_inclusive=False)


def check_alpha(alpha) -> None:
    r"""RMSprop's smoothing constant $\alpha$: in $[0, 1]$ (torch also takes
    $\alpha > 1$, and returns NaN)."""
    check_real("alpha", alpha, low=0.0, high=1.0)


def check_lr_decay(lr_decay) -> None:
    r"""Adagrad's learning-rate decay $\eta$: a real number $\ge 0$."""
    check_real("lr_decay", lr_decay, low=0.0)


def check_initial_accumulator_value(initial_accumulator_value) -> None:
    r"""Adagrad's $s_0$: a real number $\ge 0$ (it sits under a square root)."""
    check_real("initial_accumulator_value", initial_accumulator_value, low=0.0)


def check_nesterov(nesterov, momentum, dampening) -> None:
    """``nesterov`` is a bool, and ``True`` only with ``momentum > 0`` and
    ``dampening == 0`` (as torch)."""
    check_bool("nesterov", nesterov)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "nesterov=True requires momentum > 0 and dampening = 0, "
            f"got momentum={momentum} and dampening={dampening}"
        )


# --- optimizer hyperparameters: the rules of each optimizer, on one parameter group ---


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
    """The hyperparameters of an Adam or AdamW parameter group
    (``torch.optim.Adam``'s)."""
    check_lr(group["lr"])
    check_eps(group["eps"])
    check_betas(group["betas"])
    check_weight_decay(group["weight_decay"])
    check_bool("amsgrad", group["amsgrad"])
    check_bool("maximize", group["maximize"])
    check_bool("decoupled_weight_decay", group["decoupled_weight_decay"])


# --- the state each optimizer's step reads (what a loaded state dict must hold) -------


def adam_state_keys(group: dict) -> tuple[str, ...]:
    """Adam's and AdamW's state per parameter, once it has one (``amsgrad`` adds the
    running maximum)."""
    return ("step", "exp_avg", "exp_avg_sq") + (
        ("max_exp_avg_sq",) if group["amsgrad"] else ()
    )


def adagrad_state_keys(group: dict) -> tuple[str, ...]:
    """Adagrad's state per parameter."""
    return ("step", "sum")


def rmsprop_state_keys(group: dict) -> tuple[str, ...]:
    """RMSprop's state per parameter (a momentum buffer with ``momentum > 0``, a mean
    gradient if ``centered``)."""
    return (
        ("step", "square_avg")
        + (("momentum_buffer",) if group["momentum"] > 0 else ())
        + (("grad_avg",) if group["centered"] else ())
    )


# --- what an optimizer is given: parameters, groups, closures, state dicts ------------


def param_list(params) -> list:
    """An optimizer's ``params`` as a list: a non-empty iterable of parameters or of
    group dicts.

    Refused with a ``TypeError``: ``None``, a number, a string, a dict (one group must
    be wrapped in a list), a single array or parameter, and a module (pass
    ``module.parameters()``). An empty iterable is a ``ValueError``; so is a generator
    that an earlier optimizer already used up.
    """
    if isinstance(params, dict):
        raise TypeError(
            "params must be an iterable of parameters or of dicts, got a dict: "
            "wrap a single parameter group in a list, [group]"
        )
    if callable(getattr(params, "parameters", None)):
        raise TypeError(
            "params must be an iterable of parameters or of dicts, got a Module; "
            "pass module.parameters()"
        )
    if (
        hasattr(params, "shape")
        or isinstance(params, (str, bytes))
        or not hasattr(params, "__iter__")
    ):
        raise TypeError(
            "params must be an iterable of parameters or of dicts (e.g. "
            f"model.parameters()), got a single {type(params).__name__}"
        )
    params = list(params)
    if not params:
        raise ValueError(
            "params is empty: the optimizer got no parameters to optimize (a "
            "generator such as model.parameters() is used up by the first optimizer "
            "it is given to)"
        )
    return params


def group_params(param_group) -> list:
    """The parameters of a parameter group, as a list (``param_group["params"]``: one,
    or an ordered collection)."""
    if not isinstance(param_group, dict):
        raise TypeError(
            "param_group must be a dict with a 'params' entry, got "
            f"{type(param_group).__name__}"
        )
    if "params" not in param_group:
        raise ValueError(
            "param_group must have a 'params' entry (the parameters of the group), "
            f"got the entries {sorted(param_group)}"
        )
    params = param_group["params"]
    if hasattr(params, "shape"):  # a single parameter
        return [params]
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "param_group['params'] must be an ordered collection (a list or a "
            "tuple), got a set, whose order changes between runs"
        )
    if isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
        raise TypeError(
            f"param_group['params'] must be a parameter or an iterable of parameters, "
            f"got {type(params).__name__}"
        )
    return list(params)


def check_param_dtype(name: str, data) -> None:
    """A parameter's values have a floating-point dtype (an update ``lr * g`` is never
    an integer)."""
    check_floating(name, data)


def check_distinct_params(params: list, param_groups: list[dict]) -> None:
    """No parameter twice in ``params``, nor in ``params`` and one of the
    ``param_groups`` already held."""
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if id(p) in seen:
            raise ValueError(
                f"param_group['params'] holds the same parameter twice (at positions "
                f"{seen[id(p)]} and {i})"
            )
        seen[id(p)] = i
    for k, group in enumerate(param_groups):
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(
                f"param_group['params'] holds a parameter of parameter group {k}: some "
                "parameters would appear in more than one parameter group"
            )


def check_added_group(check_group: Callable[[dict], None], group: dict) -> None:
    """``check_group(group)`` for a group being added; the message says it is
    ``param_group``'s value."""
    try:
        check_group(group)
    except (TypeError, ValueError) as error:
        raise type(error)(f"param_group: {error}") from None


def check_closure(closure) -> None:
    """``step``'s ``closure``: ``None`` or a callable that recomputes the loss."""
    if closure is not None and not callable(closure):
        raise TypeError(
            "closure must be None or a callable that returns the loss, got "
            f"{type(closure).__name__}"
        )


def check_optimizer_state_dict(
    state_dict,
    shapes: list[list[tuple[int, ...]]],
    hyperparameters,
    state_keys: Callable[[dict], tuple[str, ...]],
    check_group: Callable[[dict], None],
) -> None:
    """``state_dict`` fits an optimizer whose parameters have ``shapes`` (a list per
    group).

    What ``load_state_dict`` needs to hold before anything is loaded: a dict with
    ``"state"`` and ``"param_groups"``; as many groups as the optimizer has, each with
    as many parameters and every hyperparameter (the names of ``hyperparameters``),
    valid by ``check_group``; state only for parameters the groups hold, each entry a
    dict with the keys ``state_keys(group)`` the optimizer's step reads, arrays of the
    parameter's shape, and a number for ``"step"``. Raises ``TypeError``/``ValueError``
    naming ``state_dict``.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(
            f"state_dict must be a dict with 'state' and 'param_groups' entries, "
            f"got {type(state_dict).__name__}"
        )
    missing = [key for key in ("state", "param_groups") if key not in state_dict]
    if missing:
        raise ValueError(
            "state_dict must be a dict with 'state' and 'param_groups' entries, it "
            f"lacks {missing}"
        )
    saved_groups, state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(saved_groups, (list, tuple)) or not all(
        isinstance(g, dict) for g in saved_groups
    ):
        raise TypeError(
            "state_dict['param_groups'] must be a list of dicts, one per parameter "
            "group"
        )
    if not isinstance(state, dict):
        raise TypeError(
            "state_dict['state'] must be a dict (parameter index -> state), got "
            f"{type(state).__name__}"
        )
    if len(saved_groups) != len(shapes):
        raise ValueError(
            f"state_dict has {len(saved_groups)} parameter groups, the optimizer has "
            f"{len(shapes)}"
        )
    where = {}
    for i, (saved, group_shapes) in enumerate(zip(saved_groups, shapes)):
        lacking = [key for key in ("params", *hyperparameters) if key not in saved]
        if lacking:
            raise ValueError(
                f"state_dict's parameter group {i} lacks the entries {lacking}"
            )
        if len(saved["params"]) != len(group_shapes):
            raise ValueError(
                f"state_dict's parameter group {i} has {len(saved['params'])} "
                f"parameters, the optimizer's has {len(group_shapes)}"
            )
        try:
            check_group(saved)
        except (TypeError, ValueError) as error:
            raise type(error)(f"state_dict's parameter group {i}: {error}") from None
        where.update(
            (index, (saved, shape))
            for index, shape in zip(saved["params"], group_shapes)
        )
    for index, entry in state.items():
        if index not in where:
            raise ValueError(
                f"state_dict's state refers to parameter {index!r}, which no group "
                "holds"
            )
        saved, shape = where[index]
        if not isinstance(entry, dict):
            raise TypeError(
                f"state_dict['state'][{index!r}] must be a dict, got "
                f"{type(entry).__name__}"
            )
        # {}: a fresh state
        lacking = (
            [key for key in state_keys(saved) if key not in entry] if entry else []
        )
        if lacking:
            raise ValueError(
                f"state_dict['state'][{index!r}] lacks the entries {lacking}, which "
                "the step reads"
            )
        for key, value in entry.items():
            if key == "step":
                is_number = isinstance(value, numbers.Real) and not isinstance(
                    value, bool
                )
                if not is_number and not (
                    hasattr(value, "shape") and math.prod(shape_of(value)) == 1
                ):
                    raise TypeError(
                        f"state_dict['state'][{index!r}]['step'] must be a number, "
                        f"got {type(value).__name__}"
                    )
            elif hasattr(value, "shape") and shape_of(value) != shape:
                raise ValueError(
                    f"state_dict['state'][{index!r}][{key!r}] has shape "
                    f"{shape_of(value)}, the parameter has shape {shape}"
                )


# --- learning-rate schedulers ---------------------------------------------------------


def check_last_epoch(last_epoch) -> None:
    r"""A scheduler's ``last_epoch``: an int $\ge -1$ (-1 starts a new schedule)."""
    check_int("last_epoch", last_epoch)
    if last_epoch < -1:
        raise ValueError(
            f"last_epoch must be >= -1 (-1 starts a new schedule), got {last_epoch}"
        )


def check_resumable(param_groups, last_epoch: int) -> None:
    """Resuming a schedule (``last_epoch >= 0``) needs every group's
    ``"initial_lr"``."""
    if last_epoch == -1:
        return
    for i, group in enumerate(param_groups):
        if "initial_lr" not in group:
            raise ValueError(
                f"last_epoch={last_epoch} resumes a schedule, but "
                f"optimizer.param_groups[{i}] has no 'initial_lr': load the "
                "optimizer's state_dict first, or pass last_epoch=-1"
            )


def check_step_size(step_size) -> None:
    r"""StepLR's period $s$: an int $\ge 1$ (torch takes 0, then divides by it)."""
    check_positive_int("step_size", step_size)


def check_gamma(gamma) -> None:
    r"""The multiplicative factor $\gamma$ of StepLR and ExponentialLR: finite and
    $> 0$."""
    check_real(
        "gamma",
        gamma,
        low=0.0,
        high=math.inf,
        low_inclusive=False,
        high_inclusive=False,
    )


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
    """LinearLR's factor from epoch ``total_iters`` on: in $[0, 1]$, as torch
    requires."""
    check_real("end_factor", end_factor, low=0.0, high=1.0)


def check_total_iters(total_iters) -> None:
    r"""LinearLR's length $T$, in epochs: an int $\ge 1$ (with 0 torch never leaves
    ``start_factor``)."""
    check_positive_int("total_iters", total_iters)


def check_step_lr(values: dict) -> None:
    """StepLR's hyperparameters, as a dict (what its ``state_dict()`` holds)."""
    check_step_size(values["step_size"])
    check_gamma(values["gamma"])


def check_exponential_lr(values: dict) -> None:
    """ExponentialLR's hyperparameters, as a dict."""
    check_gamma(values["gamma"])


def check_cosine_annealing_lr(values: dict) -> None:
    """CosineAnnealingLR's hyperparameters, as a dict."""
    check_T_max(values["T_max"])
    check_eta_min(values["eta_min"])


def check_linear_lr(values: dict) -> None:
    """LinearLR's hyperparameters, as a dict."""
    check_start_factor(values["start_factor"])
    check_end_factor(values["end_factor"])
    check_total_iters(values["total_iters"])


def check_scheduler_state_dict(
    state_dict, scheduler, num_groups: int, check_values: Callable[[dict], None]
) -> None:
    """``state_dict`` fits ``scheduler`` (over ``num_groups`` parameter groups), before
    anything is loaded.

    A dict holding every public entry of the scheduler's state (``base_lrs``,
    ``last_epoch`` and its hyperparameters; private bookkeeping may be missing), with
    ``base_lrs`` one number per group and the values valid by ``check_values`` (the
    constructor's checks). Raises ``TypeError``/``ValueError`` naming ``state_dict``.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")
    own = [
        key for key in vars(scheduler) if not key.startswith("_") and key != "optimizer"
    ]
    missing = [key for key in own if key not in state_dict]
    if missing:
        raise ValueError(
            f"state_dict is missing the entries {missing} of {type(scheduler).__name__}"
        )
    base_lrs = state_dict["base_lrs"]
    if not isinstance(base_lrs, (list, tuple)) or len(base_lrs) != num_groups:
        raise ValueError(
            f"state_dict['base_lrs'] must hold one learning rate per parameter group "
            f"({num_groups}), got {base_lrs!r}"
        )
    try:
        for lr in base_lrs:
            check_lr(lr)
        check_last_epoch(state_dict["last_epoch"])
        check_values(state_dict)
    except (TypeError, ValueError) as error:
        raise type(error)(f"state_dict: {error}") from None
