"""The base of the torch optimizers: ``torch.optim.Optimizer``, with every group's
hyperparameters checked."""

from __future__ import annotations

from typing import Iterable

import torch

from dlref._optim_args import (
    check_added_group,
    check_distinct_params,
    check_optimizer_state_dict,
    check_param_dtype,
    group_params,
    param_list,
)


class _CheckedOptimizer(torch.optim.Optimizer):
    """``torch.optim.Optimizer`` whose constructor, ``add_param_group`` and
    ``load_state_dict`` check their input.

    Subclasses set ``_check_group``: a function of one parameter group (a dict) that
    raises ``ValueError``/``TypeError`` naming a hyperparameter that is invalid (the
    rules live in `dlref._optim_args`, shared with ``dlref.numpy.optim``). It runs on
    the constructor's defaults before anything else, and on every group added with the
    defaults filled in, so a group's own ``lr=-1`` is refused too (torch checks only the
    constructor's). ``_state_keys(group)`` names the state entries ``step`` reads, which
    a loaded state dict must hold. The parameters and state dicts are checked by the
    same rules as the NumPy twins', before torch's own code runs, so each error names
    the argument.

    Everything else (``param_groups``, ``state``, ``zero_grad``, ``state_dict``,
    loading, hooks) is torch's: only ``step`` is written here, by each subclass.
    """

    def __init__(self, params: Iterable, defaults: dict):
        self._check_group(defaults)
        super().__init__(param_list(params), defaults)

    @staticmethod
    def _check_group(group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming an invalid hyperparameter of
        ``group``."""

    @staticmethod
    def _state_keys(group: dict) -> tuple[str, ...]:
        """The state entries ``step`` reads for a parameter of ``group`` once it has
        state (none here)."""
        return ()

    def add_param_group(self, param_group: dict) -> None:
        """As ``torch.optim.Optimizer.add_param_group``, after checking the group and
        its parameters."""
        params = group_params(param_group)
        for i, p in enumerate(params):
            name = f"param_group['params'][{i}]"
            if not isinstance(p, torch.Tensor):
                raise TypeError(
                    f"{name} must be a torch.Tensor, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name} is not a leaf tensor (it was computed from others): "
                    "optimize the tensors it was computed from"
                )
            check_param_dtype(name, p)
        check_distinct_params(params, self.param_groups)
        check_added_group(self._check_group, {**self.defaults, **param_group})
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: dict) -> None:
        """As ``torch.optim.Optimizer.load_state_dict``, after checking that
        ``state_dict`` fits this optimizer."""
        shapes = [
            [tuple(p.shape) for p in group["params"]] for group in self.param_groups
        ]
        check_optimizer_state_dict(
            state_dict, shapes, self.defaults, self._state_keys, self._check_group
        )
        super().load_state_dict(state_dict)
