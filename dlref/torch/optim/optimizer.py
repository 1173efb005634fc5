"""The base of the torch optimizers: ``torch.optim.Optimizer``, with every group's hyperparameters checked."""

from __future__ import annotations

from typing import Iterable

import torch


class _CheckedOptimizer(torch.optim.Optimizer):
    """``torch.optim.Optimizer`` whose constructor and ``add_param_group`` check hyperparameters.

    Subclasses set ``_check_group``: a function of one parameter group (a dict) that raises
    ``ValueError``/``TypeError`` naming a hyperparameter that is invalid (the rules live in
    `dlref._optim_args`, shared with ``dlref.numpy.optim``). It runs on the constructor's
    defaults before anything else, and on every group added with the defaults filled in,
    so a group's own ``lr=-1`` is refused too (torch checks only the constructor's).

    Everything else (``param_groups``, ``state``, ``zero_grad``, ``state_dict``,
    ``load_state_dict``, hooks) is torch's: only ``step`` is written here, by each subclass.
    """

    def __init__(self, params: Iterable, defaults: dict):
        self._check_group(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_group(group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming an invalid hyperparameter of ``group``."""

    def add_param_group(self, param_group: dict) -> None:
        """As ``torch.optim.Optimizer.add_param_group``, after checking the group's hyperparameters."""
        if isinstance(param_group, dict):  # torch's own TypeError otherwise
            self._check_group({**self.defaults, **param_group})
        super().add_param_group(param_group)
