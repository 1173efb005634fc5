"""`Optimizer`: the base class of the NumPy optimizers, with torch.optim's interface."""

from __future__ import annotations

import copy
from typing import Callable, Iterable, Iterator

import numpy as np

from dlref._optim_args import (
    check_added_group,
    check_distinct_params,
    check_optimizer_state_dict,
    check_param_dtype,
    group_params,
    param_list,
)
from dlref.numpy.nn.module import Parameter


def _as_numpy(value) -> np.ndarray:
    """A NumPy copy of an array-like, a torch tensor (any device) included."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.array(value)


class Optimizer:
    """Base class of ``dlref.numpy.optim`` optimizers, like ``torch.optim.Optimizer``.

    An optimizer holds ``param_groups``: a list of dicts, each with a ``"params"`` list
    of `Parameter` objects and that group's hyperparameters (the constructor's defaults
    unless the group sets its own, as in torch). Per-parameter state (momentum buffers,
    moment estimates, step counts) lives in ``state[param]``.

    Subclasses implement ``step()``, reading ``p.grad`` and updating ``p.data`` in
    place, and ``_check_group(group)``, which raises ``ValueError`` naming the
    hyperparameter that is out of range. It runs on the constructor's defaults (before
    anything else) and on every group added, so a group's own ``lr=-1`` is refused too;
    ``_state_keys(group)`` names the state entries ``step`` reads, which a loaded state
    dict must hold. The rules live in `dlref._optim_args`, shared with
    ``dlref.torch.optim``.

    Args:
        params: an iterable of `Parameter` (e.g. ``model.parameters()``), or of dicts
            that each define a parameter group (``{"params": [...], "lr": 0.1}``).
        defaults: the hyperparameters of groups that do not set them.

    PyTorch equivalent: ``torch.optim.Optimizer``; ``state_dict()`` has the same layout
    (``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``), and
    ``load_state_dict`` also accepts the ``state_dict()`` of the matching
    ``torch.optim`` optimizer (tensors become arrays of each parameter's dtype).

    Differences from PyTorch: hyperparameters of groups are checked too (torch checks
    only the constructor's), and a parameter listed twice is refused (torch warns, then
    updates it twice per step); parameters must have a floating-point dtype. ``step``
    first checks that every ``.grad`` is an array of its parameter's shape and dtype
    (torch refuses any other when it is assigned), and ``load_state_dict`` that the
    state dict fits before it loads anything: as many groups and parameters, every
    hyperparameter valid, the state entries the step reads, of the parameters' shapes,
    and no state for a parameter no group holds (torch drops that one silently, and
    fails on the others at the next step, if at all). ``state_dict()`` returns copies
    (torch returns the live tensors); the step count ``state[p]["step"]`` is an int
    (torch keeps a float tensor).
    """

    def __init__(self, params: Iterable, defaults: dict):
        if not isinstance(defaults, dict):
            raise TypeError(
                "defaults must be a dict of hyperparameters, got "
                f"{type(defaults).__name__}"
            )
        self._check_group(defaults)
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: dict[Parameter, dict] = {}
        groups = param_list(params)
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _check_group(self, group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming a hyperparameter of ``group`` that
        is invalid."""

    def _state_keys(self, group: dict) -> tuple[str, ...]:
        """The state entries ``step`` reads for a parameter of ``group`` once it has
        state (none here)."""
        return ()

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (the others from
        ``defaults``)."""
        params = group_params(param_group)
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"param_group['params'][{i}] must be a dlref.numpy.nn.Parameter, "
                    f"got {type(p).__name__}"
                )
            check_param_dtype(f"param_group['params'][{i}]", p.data)
        check_distinct_params(params, self.param_groups)
        group = {**self.defaults, **param_group, "params": params}
        check_added_group(self._check_group, group)
        self.param_groups.append(group)

    def _check_grads(self) -> None:
        """Every gradient an update will read is an array of its parameter's shape and
        dtype.

        torch refuses such a ``.grad`` when it is assigned; a NumPy attribute cannot, so
        ``step`` checks before it changes any parameter.
        """
        for k, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                where = f"param_groups[{k}]['params'][{i}].grad"
                if not isinstance(grad, np.ndarray):
                    raise TypeError(
                        f"{where} must be a NumPy array or None, got "
                        f"{type(grad).__name__}"
                    )
                if grad.dtype != p.data.dtype:
                    raise TypeError(
                        f"{where} must have the parameter's dtype {p.data.dtype}, "
                        f"got {grad.dtype}"
                    )
                if grad.shape != p.data.shape:
                    raise ValueError(
                        f"{where} must have the parameter's shape {p.data.shape}, "
                        f"got {grad.shape}"
                    )

    def _params_with_grad(self, group: dict) -> Iterator[Parameter]:
        """The parameters of ``group`` that have a gradient (the others are skipped, as
        in torch)."""
        for p in group["params"]:
            if p.grad is not None:
                yield p

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to ``None`` by default, as torch
        does)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = (
                    None if set_to_none or p.grad is None else np.zeros_like(p.data)
                )

    def step(self, closure: Callable[[], float] | None = None):
        """Update every parameter that has a gradient; return ``closure()`` when
        given."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    def state_dict(self) -> dict:
        """The state and hyperparameters, with parameters replaced by their index
        (torch's layout)."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append(
                {
                    **{k: copy.deepcopy(v) for k, v in group.items() if k != "params"},
                    "params": ids,
                }
            )
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` returned (the same groups, in the same order and
        sizes).

        ``state_dict`` may also come from the ``torch.optim`` twin: tensors are turned
        into NumPy arrays of the parameter's dtype and ``"step"`` into an int, as torch
        casts state to each parameter's dtype and device (the step excepted).
        """
        shapes = [
            [p.data.shape for p in group["params"]] for group in self.param_groups
        ]
        check_optimizer_state_dict(
            state_dict, shapes, self.defaults, self._state_keys, self._check_group
        )
        groups = state_dict["param_groups"]
        by_index = {}
        for saved, group in zip(groups, self.param_groups):
            by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for i, saved_state in state_dict["state"].items():
            p = by_index[i]
            state[p] = {}
            for key, value in saved_state.items():
                if key == "step":
                    state[p][key] = (
                        int(float(_as_numpy(value).reshape(())))
                        if hasattr(value, "shape")
                        else int(value)
                    )
                # an array or a tensor: the parameter's dtype
                elif hasattr(value, "shape"):
                    state[p][key] = _as_numpy(value).astype(p.data.dtype, copy=False)
                else:
                    state[p][key] = copy.deepcopy(value)
        for saved, group in zip(groups, self.param_groups):
            group.update(
                {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            )
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [
                f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"
            ]
        return "\n".join(lines) + "\n)"
