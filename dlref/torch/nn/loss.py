"""Loss modules (``torch.nn.Module``) over ``dlref.torch.functional.loss``.

``weight`` and ``pos_weight`` are registered as buffers, as in torch, so
``ours.load_state_dict(theirs.state_dict())`` works. Differences from PyTorch: the
deprecated ``size_average`` and ``reduce`` arguments are not accepted, and options after
``weight`` are keyword-only.
"""

from __future__ import annotations

import torch

from dlref._checks import check_floating, check_real, check_reduction
from dlref.torch.functional import loss as F


def _check_weight(name: str, weight):
    if weight is not None:
        check_floating(name, weight)
    return weight


def _check_ignore_index(ignore_index) -> None:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")


class MSELoss(torch.nn.Module):
    r"""Mean squared error; see ``dlref.torch.functional.mse_loss``. PyTorch equivalent: ``torch.nn.MSELoss``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(torch.nn.Module):
    r"""Mean absolute error; see ``dlref.torch.functional.l1_loss``. PyTorch equivalent: ``torch.nn.L1Loss``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(torch.nn.Module):
    r"""Huber loss; see ``dlref.torch.functional.huber_loss``. PyTorch equivalent: ``torch.nn.HuberLoss``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__()
        check_reduction(reduction)
        check_real("delta", delta, 0.0, None, low_inclusive=False)
        self.reduction = reduction
        self.delta = delta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(torch.nn.Module):
    r"""Binary cross-entropy on probabilities; see ``dlref.torch.functional.binary_cross_entropy``.

    PyTorch equivalent: ``torch.nn.BCELoss`` (``weight`` is a buffer).
    """

    def __init__(self, weight: torch.Tensor | None = None, *, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _check_weight("weight", weight))
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(torch.nn.Module):
    r"""Stable sigmoid + binary cross-entropy; see ``dlref.torch.functional.binary_cross_entropy_with_logits``.

    PyTorch equivalent: ``torch.nn.BCEWithLogitsLoss`` (``weight`` and ``pos_weight`` are buffers).
    """

    def __init__(self, weight: torch.Tensor | None = None, *, reduction: str = "mean",
                 pos_weight: torch.Tensor | None = None):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _check_weight("weight", weight))
        self.register_buffer("pos_weight", _check_weight("pos_weight", pos_weight))
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(torch.nn.Module):
    r"""Cross-entropy from logits; see ``dlref.torch.functional.cross_entropy``.

    PyTorch equivalent: ``torch.nn.CrossEntropyLoss`` (``weight`` is a buffer).
    """

    def __init__(self, weight: torch.Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__()
        check_reduction(reduction)
        check_real("label_smoothing", label_smoothing, 0.0, 1.0)
        _check_ignore_index(ignore_index)
        self.register_buffer("weight", _check_weight("weight", weight))
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(torch.nn.Module):
    r"""Negative log-likelihood of class indices; see ``dlref.torch.functional.nll_loss``.

    PyTorch equivalent: ``torch.nn.NLLLoss`` (``weight`` is a buffer).
    """

    def __init__(self, weight: torch.Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        _check_ignore_index(ignore_index)
        self.register_buffer("weight", _check_weight("weight", weight))
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)
