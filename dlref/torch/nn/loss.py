"""Loss modules (``torch.nn.Module``) over ``dlref.torch.functional.loss``.

``weight`` and ``pos_weight`` are registered as buffers, as in torch, so
``ours.load_state_dict(theirs.state_dict())`` works. Differences from PyTorch: the
deprecated ``size_average`` and ``reduce`` arguments are not accepted, options after
``weight`` are keyword-only, and the target and the weight buffers must have the input's
dtype at ``forward`` (``module.to(dtype)`` converts the buffers, as in torch).
"""

from __future__ import annotations

import torch

from dlref._checks import check_bool, check_choice, check_real, check_reduction
from dlref._loss_args import (
    KL_DIV_REDUCTIONS,
    check_ignore_index,
    check_margin_options,
    check_optional_weight,
)
from dlref.torch.functional import loss as F


def _weight_buffer(name: str, weight):
    """A checked ``weight`` or ``pos_weight`` (None or a floating tensor), registered as
    a buffer."""
    check_optional_weight(name, weight)
    return weight


class MSELoss(torch.nn.Module):
    r"""Mean squared error; see ``dlref.torch.functional.mse_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.MSELoss``.
    """

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(torch.nn.Module):
    r"""Mean absolute error; see ``dlref.torch.functional.l1_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.L1Loss``.
    """

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(torch.nn.Module):
    r"""Huber loss; see ``dlref.torch.functional.huber_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.HuberLoss``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__()
        check_reduction(reduction)
        check_real("delta", delta, 0.0, None, low_inclusive=False)
        self.reduction = reduction
        self.delta = delta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(torch.nn.Module):
    r"""Binary cross-entropy on probabilities; see
    ``dlref.torch.functional.binary_cross_entropy``.

    Shape:
        input and target: the same shape ``(*)``; weight broadcastable to ``(*)``;
        output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.BCELoss`` (``weight`` is a buffer).
    """

    def __init__(self, weight: torch.Tensor | None = None, *, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(
            input, target, weight=self.weight, reduction=self.reduction
        )


class BCEWithLogitsLoss(torch.nn.Module):
    r"""Stable sigmoid + binary cross-entropy; see
    ``dlref.torch.functional.binary_cross_entropy_with_logits``.

    Shape:
        input and target: the same shape ``(*)``; weight and pos_weight broadcastable to
        ``(*)``; output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.BCEWithLogitsLoss`` (``weight`` and ``pos_weight``
    are buffers).
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        reduction: str = "mean",
        pos_weight: torch.Tensor | None = None,
    ):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.register_buffer("pos_weight", _weight_buffer("pos_weight", pos_weight))
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class CrossEntropyLoss(torch.nn.Module):
    r"""Cross-entropy from logits; see ``dlref.torch.functional.cross_entropy``.

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target: class indices ``()``,
        ``(N,)`` or ``(N, d1, ...)``, or probabilities of the input's shape; weight
        ``(C,)``; output: a scalar, or the class-index shape with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.CrossEntropyLoss`` (``weight`` is a buffer).
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ):
        super().__init__()
        check_reduction(reduction)
        check_real("label_smoothing", label_smoothing, 0.0, 1.0)
        check_ignore_index(ignore_index)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(torch.nn.Module):
    r"""Negative log-likelihood of class indices; see
    ``dlref.torch.functional.nll_loss``.

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target ``()``, ``(N,)`` or
        ``(N, d1, ...)``; weight ``(C,)``; output: a scalar, or the target's shape with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.NLLLoss`` (``weight`` is a buffer).
    """

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
    ):
        super().__init__()
        check_reduction(reduction)
        check_ignore_index(ignore_index)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class MultiMarginLoss(torch.nn.Module):
    r"""Multiclass hinge (SVM) loss; see ``dlref.torch.functional.multi_margin_loss``.

    Shape:
        input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()``; weight ``(C,)``;
        output: a scalar, or ``(N,)`` / ``()`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.MultiMarginLoss`` (``weight`` is a buffer; ``p``,
    ``margin``, ``weight`` positional as in torch, ``reduction`` keyword-only).
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: torch.Tensor | None = None,
        *,
        reduction: str = "mean",
    ):
        super().__init__()
        check_margin_options(p, margin)
        check_reduction(reduction)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.p = p
        self.margin = margin
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.multi_margin_loss(
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )


class KLDivLoss(torch.nn.Module):
    r"""Kullback-Leibler divergence of a target from log-probabilities; see
    ``dlref.torch.functional.kl_div``.

    Shape:
        input and target: the same shape ``(*)``, usually ``(N, C)``; output: a scalar,
        or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.KLDivLoss`` (``reduction='batchmean'`` gives the
    divergence per example).
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__()
        check_choice("reduction", reduction, KL_DIV_REDUCTIONS)
        check_bool("log_target", log_target)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.kl_div(
            input, target, reduction=self.reduction, log_target=self.log_target
        )
