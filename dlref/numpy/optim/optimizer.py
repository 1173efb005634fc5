"""`Optimizer`: the base class of the NumPy optimizers, with torch.optim's interface."""

from __future__ import annotations

import copy
from typing import Callable, Iterable, Iterator

import numpy as np

from dlref.numpy.nn.module import Module, Parameter


def _as_numpy(value) -> np.ndarray:
    """A NumPy copy of an array-like, a torch tensor (any device) included."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.array(value)


class Optimizer:
    """Base class of ``dlref.numpy.optim`` optimizers, like ``torch.optim.Optimizer``.

    An optimizer holds ``param_groups``: a list of dicts, each with a ``"params"`` list of
    `Parameter` objects and that group's hyperparameters (the constructor's defaults unless
    the group sets its own, as in torch). Per-parameter state (momentum buffers, moment
    estimates, step counts) lives in ``state[param]``.

    Subclasses implement ``step()``, reading ``p.grad`` and updating ``p.data`` in place,
    and ``_check_group(group)``, which raises ``ValueError`` naming the hyperparameter that
    is out of range. It runs on the constructor's defaults (before anything else) and on
    every group added, so a group's own ``lr=-1`` is refused too.

    Args:
        params: an iterable of `Parameter` (e.g. ``model.parameters()``), or of dicts that
            each define a parameter group (``{"params": [...], "lr": 0.1}``).
        defaults: the hyperparameters of groups that do not set them.

    PyTorch equivalent: ``torch.optim.Optimizer``; ``state_dict()`` has the same layout
    (``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``), and
    ``load_state_dict`` also accepts the ``state_dict()`` of the matching ``torch.optim``
    optimizer (tensors become arrays of each parameter's dtype).

    Differences from PyTorch: hyperparameters of groups are checked too (torch checks only
    the constructor's); ``state_dict()`` returns copies (torch returns the live tensors);
    the step count ``state[p]["step"]`` is an int (torch keeps a float tensor).
    """

    def __init__(self, params: Iterable, defaults: dict):
        self._check_group(defaults)
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: dict[Parameter, dict] = {}
        if isinstance(params, (Parameter, np.ndarray)):
            raise TypeError(
                f"params must be an iterable of Parameters or of dicts, got a single {type(params).__name__}"
            )
        if isinstance(params, Module):
            raise TypeError("params must be an iterable of Parameters or of dicts, got a Module; "
                            "pass module.parameters()")
        groups = list(params)
        if not groups:
            raise ValueError("params is empty: the optimizer got no parameters to optimize")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _check_group(self, group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming a hyperparameter of ``group`` that is invalid."""

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (the others from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        params = [params] if isinstance(params, Parameter) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"params[{i}] must be a dlref.numpy.nn.Parameter, got {type(p).__name__}"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group holds the same parameter twice")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _params_with_grad(self, group: dict) -> Iterator[Parameter]:
        """The parameters of ``group`` that have a gradient (the others are skipped, as in torch)."""
        for p in group["params"]:
            if p.grad is not None:
                yield p

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to ``None`` by default, as torch does)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.data)

    def step(self, closure: Callable[[], float] | None = None):
        """Update every parameter that has a gradient; return ``closure()`` when given."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    def state_dict(self) -> dict:
        """The state and hyperparameters, with parameters replaced by their index (torch's layout)."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: copy.deepcopy(v) for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` returned (the same groups, in the same order and sizes).

        ``state_dict`` may also come from the ``torch.optim`` twin: tensors are turned into
        NumPy arrays of the parameter's dtype and ``"step"`` into an int, as torch casts
        state to each parameter's dtype and device (the step excepted).
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("state_dict must be a dict with 'state' and 'param_groups' entries")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"state_dict has {len(groups)} parameter groups, the optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"state_dict's parameter group {i} has {len(saved['params'])} parameters, "
                    f"the optimizer's has {len(group['params'])}"
                )
            by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for i, saved_state in state_dict["state"].items():
            if i not in by_index:
                raise ValueError(f"state_dict's state refers to parameter {i}, which no group holds")
            p = by_index[i]
            state[p] = {}
            for key, value in saved_state.items():
                if key == "step":
                    state[p][key] = int(float(value))
                elif hasattr(value, "shape"):  # an array or a tensor: the parameter's dtype
                    array = _as_numpy(value).astype(p.data.dtype, copy=False)
                    if array.shape != p.data.shape:
                        raise ValueError(f"state_dict's state[{i}][{key!r}] has shape {array.shape}, "
                                         f"the parameter has shape {p.data.shape}")
                    state[p][key] = array
                else:
                    state[p][key] = copy.deepcopy(value)
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
