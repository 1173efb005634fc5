"""Loss modules: ``forward(input, target)`` returns the loss, ``backward()`` the
gradient for ``input``.

Each module holds its options (``reduction``, ``weight``, ...) and calls the function of
the same name in ``dlref.numpy.functional.loss``. ``weight`` and ``pos_weight`` are
buffers, as in torch, so they appear in ``state_dict()`` when given.

``backward(grad_output=None)``: ``None`` stands for $\\partial L/\\partial L = 1$ (a
scalar for a reduced loss, ones of the loss's shape for ``reduction='none'``), which is
what ``loss.backward()`` means in torch.

Differences from PyTorch: the deprecated ``size_average`` and ``reduce`` arguments are
not accepted; options after ``weight`` are keyword-only
(``CrossEntropyLoss(w, ignore_index=0)``), so a call written for torch's positional
order fails loudly instead of misassigning; the target, ``weight`` and ``pos_weight``
must have the input's dtype at ``forward`` (a ``TypeError`` otherwise, as in the
functions: no silent promotion or cast).
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_choice, check_real, check_reduction
from dlref._loss_args import (
    KL_DIV_REDUCTIONS,
    check_grad_output_type,
    check_ignore_index,
    check_margin_options,
    check_optional_weight,
)
from dlref.numpy.functional import loss as F
from dlref.numpy.nn.module import Module


def _upstream(grad_output, loss_shape: tuple, dtype) -> np.ndarray:
    """``grad_output`` (a float or a floating array), or dL/dL = 1 (ones of the loss's
    shape) when it is ``None``."""
    if grad_output is None:
        return np.ones(loss_shape, dtype=dtype)
    check_grad_output_type(grad_output)
    return np.asarray(grad_output, dtype=dtype)


def _weight_buffer(name: str, weight) -> np.ndarray | None:
    """A checked ``weight`` or ``pos_weight`` as a NumPy array (a torch tensor is
    converted), or None."""
    check_optional_weight(name, weight)
    return None if weight is None else np.asarray(weight)


class MSELoss(Module):
    r"""Mean squared error $\ell_i = (x_i - y_i)^2$; see
    ``dlref.numpy.functional.mse_loss``.

    Args:
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.MSELoss``.
    """

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.mse_loss(input, target, reduction=self.reduction)
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.mse_loss_backward(g, input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class L1Loss(Module):
    r"""Mean absolute error $\ell_i = |x_i - y_i|$; see
    ``dlref.numpy.functional.l1_loss``.

    Args:
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.L1Loss``.
    """

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.l1_loss(input, target, reduction=self.reduction)
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.l1_loss_backward(g, input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class HuberLoss(Module):
    r"""Huber loss, quadratic inside $|x - y| < \delta$, linear outside; see
    ``dlref.numpy.functional.huber_loss``.

    Args:
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.
        delta: the threshold $\delta > 0$ (default 1).

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.HuberLoss`` (same positional order: reduction,
    delta).
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__()
        check_reduction(reduction)
        check_real("delta", delta, 0.0, None, low_inclusive=False)
        self.reduction = reduction
        self.delta = delta

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.huber_loss_backward(
            g, input, target, reduction=self.reduction, delta=self.delta
        )

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class BCELoss(Module):
    r"""Binary cross-entropy on probabilities (logs floored at -100); see
    ``dlref.numpy.functional.binary_cross_entropy``.

    Args:
        weight: rescaling weight broadcastable to the input (a buffer; default none).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (keyword-only).

    Shape:
        input and target: the same shape ``(*)``; weight broadcastable to ``(*)``;
        output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.BCELoss``. Prefer ``BCEWithLogitsLoss``.
    """

    def __init__(self, weight: np.ndarray | None = None, *, reduction: str = "mean"):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.reduction = reduction

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.binary_cross_entropy(
            input, target, weight=self.weight, reduction=self.reduction
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.binary_cross_entropy_backward(
            g, input, target, weight=self.weight, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class BCEWithLogitsLoss(Module):
    r"""Sigmoid and binary cross-entropy in one stable step; see
    ``dlref.numpy.functional.binary_cross_entropy_with_logits``.

    Args:
        weight: rescaling weight broadcastable to the input (a buffer; default none).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (keyword-only).
        pos_weight: weight of the positive term, broadcastable to the input, usually one
            per class ``(C,)`` (a buffer; keyword-only; default none).

    Shape:
        input and target: the same shape ``(*)``; weight and pos_weight broadcastable to
        ``(*)``; output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.BCEWithLogitsLoss``.
    """

    def __init__(
        self,
        weight: np.ndarray | None = None,
        *,
        reduction: str = "mean",
        pos_weight: np.ndarray | None = None,
    ):
        super().__init__()
        check_reduction(reduction)
        self.register_buffer("weight", _weight_buffer("weight", weight))
        self.register_buffer("pos_weight", _weight_buffer("pos_weight", pos_weight))
        self.reduction = reduction

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.binary_cross_entropy_with_logits_backward(
            g,
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(Module):
    r"""Cross-entropy from logits; see ``dlref.numpy.functional.cross_entropy``.

    Takes raw scores (no softmax before it): class indices ``(N,)`` / ``(N, d1, ...)``
    or class probabilities of the input's shape as targets.

    Args:
        weight: a weight per class, shape ``(C,)`` (a buffer; default none).
        ignore_index: target value that is skipped (keyword-only; default -100).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (keyword-only).
        label_smoothing: $\varepsilon \in [0, 1]$ (keyword-only; default 0).

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target: class indices ``()``,
        ``(N,)`` or ``(N, d1, ...)``, or probabilities of the input's shape; weight
        ``(C,)``; output: a scalar, or the class-index shape with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.CrossEntropyLoss``.
    """

    def __init__(
        self,
        weight: np.ndarray | None = None,
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

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.cross_entropy_backward(
            g,
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        return (
            f"ignore_index={self.ignore_index}, reduction={self.reduction!r}, "
            f"label_smoothing={self.label_smoothing}"
        )


class NLLLoss(Module):
    r"""Negative log-likelihood of class indices given log-probabilities; see
    ``dlref.numpy.functional.nll_loss``.

    Args:
        weight: a weight per class, shape ``(C,)`` (a buffer; default none).
        ignore_index: target value that is skipped (keyword-only; default -100).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (keyword-only).

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target ``()``, ``(N,)`` or
        ``(N, d1, ...)``; weight ``(C,)``; output: a scalar, or the target's shape with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.NLLLoss``.
    """

    def __init__(
        self,
        weight: np.ndarray | None = None,
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

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.nll_loss_backward(
            g,
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return f"ignore_index={self.ignore_index}, reduction={self.reduction!r}"


class MultiMarginLoss(Module):
    r"""Multiclass hinge (SVM) loss on scores; see
    ``dlref.numpy.functional.multi_margin_loss``.

    Args:
        p: the power, 1 (default) or 2.
        margin: the required lead of the target class's score (default 1).
        weight: a weight per class, shape ``(C,)`` (a buffer; default none).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'`` (keyword-only).

    Shape:
        input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()``; weight ``(C,)``;
        output: a scalar, or ``(N,)`` / ``()`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.MultiMarginLoss`` (same positional order: p, margin,
    weight).
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: np.ndarray | None = None,
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

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.multi_margin_loss(
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.multi_margin_loss_backward(
            g,
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return f"p={self.p}, margin={self.margin}, reduction={self.reduction!r}"


class KLDivLoss(Module):
    r"""Kullback-Leibler divergence of a target from log-probabilities; see
    ``dlref.numpy.functional.kl_div``.

    Args:
        reduction: ``'mean'`` (default, over all elements), ``'batchmean'`` (the
            divergence per example), ``'sum'`` or ``'none'``.
        log_target: whether the target holds log-probabilities (default False).

    ``backward()`` returns the gradient for ``input`` only.

    Shape:
        input and target: the same shape ``(*)``, usually ``(N, C)``; output: a scalar,
        or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.KLDivLoss``.
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__()
        check_choice("reduction", reduction, KL_DIV_REDUCTIONS)
        check_bool("log_target", log_target)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: np.ndarray, target: np.ndarray):
        loss = F.kl_div(
            input, target, reduction=self.reduction, log_target=self.log_target
        )
        self._save(input=input, target=target, loss_shape=np.shape(loss))
        return loss

    def backward(self, grad_output=None) -> np.ndarray:
        input, target, loss_shape = self._saved("input", "target", "loss_shape")
        g = _upstream(grad_output, loss_shape, input.dtype)
        return F.kl_div_backward(
            g, input, target, reduction=self.reduction, log_target=self.log_target
        )

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"
