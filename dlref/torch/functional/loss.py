"""Loss functions from torch tensor primitives; autograd gives the backward pass.

Same names, arguments and rules as ``dlref.numpy.functional`` (see there for the math):
no broadcasting between ``input`` and ``target``, the result has ``input``'s dtype, bad
arguments raise ``ValueError``/``TypeError`` naming them. Nothing here calls the
``torch.nn.functional`` loss it mirrors, nor ``log_softmax``/``softplus``: the tests
compare against those.
"""

from __future__ import annotations

import numbers

import torch

from dlref._checks import (check_class_targets, check_floating, check_real, check_reduction,
                           check_same_shape, shape_of)

# torch floors each log of binary_cross_entropy at -100
_BCE_LOG_FLOOR = -100.0


# -- shared helpers ------------------------------------------------------------------------

def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply ``reduction`` (the mean of nothing is NaN, as in torch)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / loss.numel()


def _check_broadcasts_to(name: str, w, shape: tuple) -> None:
    """Raise unless ``w`` is a floating tensor that broadcasts to ``shape`` without enlarging it."""
    check_floating(name, w)
    try:
        joint = tuple(torch.broadcast_shapes(tuple(w.shape), tuple(shape)))
    except RuntimeError:
        joint = None
    if joint != tuple(shape):
        raise ValueError(f"{name} of shape {shape_of(w)} must broadcast to the input's shape {tuple(shape)}")


def _check_pointwise(input, target, reduction: str) -> None:
    check_floating("input", input)
    check_floating("target", target)
    check_same_shape("input", input, "target", target)
    check_reduction(reduction)


# -- regression -----------------------------------------------------------------------------

def mse_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Mean squared error $\ell_i = (x_i - y_i)^2$; see ``dlref.numpy.functional.mse_loss``."""
    _check_pointwise(input, target, reduction)
    y = target.to(input.dtype)
    # l_i = (x_i - y_i)^2
    loss = (input - y) ** 2
    return _reduce(loss, reduction)


def l1_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error $\ell_i = |x_i - y_i|$; see ``dlref.numpy.functional.l1_loss``."""
    _check_pointwise(input, target, reduction)
    y = target.to(input.dtype)
    # l_i = |x_i - y_i|   (autograd: sign(x - y), 0 at x = y, as torch's l1_loss)
    loss = torch.abs(input - y)
    return _reduce(loss, reduction)


def huber_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean",
               delta: float = 1.0) -> torch.Tensor:
    r"""Huber loss, quadratic inside $|d| < \delta$ and linear outside; see ``dlref.numpy.functional.huber_loss``."""
    _check_pointwise(input, target, reduction)
    check_real("delta", delta, 0.0, None, low_inclusive=False)
    y = target.to(input.dtype)
    d = input - y
    abs_d = torch.abs(d)
    # l_i = d^2 / 2 inside |d| < delta, delta (|d| - delta / 2) outside
    loss = torch.where(abs_d < delta, 0.5 * d * d, delta * (abs_d - 0.5 * delta))
    return _reduce(loss, reduction)


# -- binary classification --------------------------------------------------------------------

def _check_unit_interval(name: str, x) -> None:
    if x.numel() and not bool(((x >= 0) & (x <= 1)).all()):  # NaN fails too
        raise ValueError(f"{name} must hold values in [0, 1], got values in [{x.min().item()}, {x.max().item()}]")


def _check_bce(input, target, weight, reduction) -> None:
    _check_pointwise(input, target, reduction)
    if weight is not None:
        _check_broadcasts_to("weight", weight, input.shape)


def binary_cross_entropy(input: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                         reduction: str = "mean") -> torch.Tensor:
    r"""Binary cross-entropy on probabilities, each log floored at -100 as torch does.

    $\ell_i = -w_i\,[\,y_i \log x_i + (1 - y_i)\log(1 - x_i)\,]$; see
    ``dlref.numpy.functional.binary_cross_entropy``.

    Differences from PyTorch: the gradient is autograd's gradient of this forward as
    written. Torch's own backward is $w (x - y) / \max(x(1-x), 10^{-12})$: the same
    except within about $10^{-12}$ of 0 or 1, where torch caps the gradient near
    $10^{12}$. Here it is the exact $-y/x + (1-y)/(1-x)$ while the logs are above
    their floor (so it can be far larger), and a floored log contributes 0.
    """
    _check_bce(input, target, weight, reduction)
    _check_unit_interval("input", input)
    _check_unit_interval("target", target)
    x = input
    y = target.to(x.dtype)
    # log x and log(1 - x), floored at -100; the where keeps log's backward off 0
    # (1/0 times a zero gradient would be NaN)
    log_x = torch.where(x > 0, torch.log(torch.where(x > 0, x, 1.0)).clamp(min=_BCE_LOG_FLOOR),
                        torch.full_like(x, _BCE_LOG_FLOOR))
    log_1mx = torch.where(x < 1, torch.log1p(-torch.where(x < 1, x, 0.0)).clamp(min=_BCE_LOG_FLOOR),
                          torch.full_like(x, _BCE_LOG_FLOOR))
    # l_i = -[y log x + (1 - y) log(1 - x)]
    loss = -(y * log_x + (1 - y) * log_1mx)
    if weight is not None:
        loss = loss * weight.to(x.dtype)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                                     reduction: str = "mean",
                                     pos_weight: torch.Tensor | None = None) -> torch.Tensor:
    r"""Binary cross-entropy on logits, stable; see ``dlref.numpy.functional.binary_cross_entropy_with_logits``.

    $\max(x, 0)$ is ``torch.maximum(x, 0)`` and $-|x|$ is
    $\min(x, 0) - \max(x, 0)$: at a tie ``maximum``/``minimum`` split the gradient
    in half, which makes autograd's derivative at $x = 0$ the true one,
    $\sigma(0) - y = 1/2 - y$ (``abs`` and ``clamp`` would give $-y$ or
    $1 - y$ there).
    """
    _check_bce(input, target, weight, reduction)
    if pos_weight is not None:
        _check_broadcasts_to("pos_weight", pos_weight, input.shape)
    x = input
    y = target.to(x.dtype)
    zero = torch.zeros_like(x)
    x_pos = torch.maximum(x, zero)                  # max(x, 0)
    neg_abs_x = torch.minimum(x, zero) - x_pos      # -|x|
    # log(1 + e^{-|x|}), never overflows
    log1p_exp_neg_abs = torch.log1p(torch.exp(neg_abs_x))
    if pos_weight is None:
        # l = max(x, 0) - x y + log(1 + e^{-|x|})
        loss = x_pos - x * y + log1p_exp_neg_abs
    else:
        p = pos_weight.to(x.dtype)
        # softplus(-x) = max(-x, 0) + log(1 + e^{-|x|}),  max(-x, 0) = max(x, 0) - x
        softplus_neg_x = (x_pos - x) + log1p_exp_neg_abs
        # l = (1 - y) x + (1 + (p - 1) y) softplus(-x)
        loss = (1 - y) * x + (1 + (p - 1) * y) * softplus_neg_x
    if weight is not None:
        loss = loss * weight.to(x.dtype)
    return _reduce(loss, reduction)


# -- multi-class classification -------------------------------------------------------------

def _class_last(a: torch.Tensor) -> torch.Tensor:
    """Move the class dimension last: (N, C, d1, ...) -> (N, d1, ..., C); (C,) stays."""
    return torch.movedim(a, 1, -1) if a.dim() > 1 else a


def _log_softmax_last(z: torch.Tensor) -> torch.Tensor:
    r"""Stable log-softmax over the last dimension: $(z - m) - \log \sum e^{z - m}$, $m = \max z$."""
    m = z.amax(dim=-1, keepdim=True).detach()   # (..., 1); the shift cancels, so no gradient needed
    s = z - m                                    # (..., C), max entry 0
    return s - torch.log(torch.exp(s).sum(dim=-1, keepdim=True))


def _check_class_input(input, weight, reduction: str, ignore_index) -> int:
    check_floating("input", input)
    if input.dim() < 1:
        raise ValueError(f"input must have shape (C,), (N, C) or (N, C, d1, ...), got shape {shape_of(input)}")
    C = input.shape[1 if input.dim() > 1 else 0]
    if C < 1:
        raise ValueError(f"input must have at least one class along dimension {1 if input.dim() > 1 else 0}, "
                         f"got shape {shape_of(input)}")
    check_reduction(reduction)
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
    if weight is not None:
        check_floating("weight", weight)
        if shape_of(weight) != (C,):
            raise ValueError(f"weight must have shape (C,) = ({C},), one weight per class, got {shape_of(weight)}")
    return C


def _index_target_shape(input) -> tuple:
    shape = shape_of(input)
    return shape[:1] + shape[2:] if len(shape) > 1 else ()


def _check_index_target(input, target, C: int, ignore_index: int, probabilities_allowed: bool) -> None:
    expected = _index_target_shape(input)
    if shape_of(target) != expected:
        also = f" (class indices) or {shape_of(input)} (class probabilities)" if probabilities_allowed else \
            " (class indices)"
        raise ValueError(
            f"target must have shape {expected}{also} for input of shape {shape_of(input)}, "
            f"got {shape_of(target)}"
        )
    check_class_targets("target", target, C, ignore_index)


def _target_distribution(input, target, weight, ignore_index: int, label_smoothing: float):
    r"""Weighted target $q = w \odot ((1-\varepsilon) t + \varepsilon/C)$ (class last) and the mean's denominator."""
    C = input.shape[1 if input.dim() > 1 else 0]
    dtype = input.dtype
    w = torch.ones(C, dtype=dtype, device=input.device) if weight is None else weight.to(dtype)
    if tuple(target.shape) == tuple(input.shape):  # class probabilities
        t = _class_last(target.to(dtype))                                 # (N, d1, ..., C)
        valid = torch.ones(t.shape[:-1], dtype=torch.bool, device=input.device)
        denominator = torch.tensor(float(valid.numel()), dtype=dtype, device=input.device)
    else:  # class indices
        valid = target != ignore_index                                    # (N, d1, ...)
        y = torch.where(valid, target, 0).long()
        classes = torch.arange(C, device=input.device)
        # t = one_hot(y), zero on ignored positions                          (N, d1, ..., C)
        t = ((classes == y[..., None]) & valid[..., None]).to(dtype)
        # torch's weighted mean: divide by the sum of the target classes' weights
        denominator = (w[y] * valid).sum()
    # t~ = (1 - eps) t + eps / C on the positions that count; q = w t~
    t_smooth = (1 - label_smoothing) * t + (label_smoothing / C) * valid[..., None].to(dtype)
    q = w * t_smooth                                                      # (N, d1, ..., C)
    return q, denominator


def _weighted_mean(loss: torch.Tensor, denominator: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if bool(denominator == 0):
        # every target ignored: the loss is NaN and its gradient 0, as in torch
        return total * 0 + float("nan")
    return total / denominator


def cross_entropy(input: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> torch.Tensor:
    r"""Cross-entropy from logits, $\ell_n = -\sum_c q_{n,c} \log \operatorname{softmax}(z_n)_c$.

    Class indices or probabilities, class weights, ``ignore_index`` and label smoothing
    exactly as ``torch.nn.functional.cross_entropy``; see
    ``dlref.numpy.functional.cross_entropy`` for the formulas and shapes.
    """
    C = _check_class_input(input, weight, reduction, ignore_index)
    check_real("label_smoothing", label_smoothing, 0.0, 1.0)
    if tuple(target.shape) == tuple(input.shape):
        if not target.dtype.is_floating_point:
            raise TypeError(
                f"target has the shape of input {shape_of(input)}, so it is read as class probabilities "
                f"and must be floating point, got dtype {target.dtype} (class indices have shape "
                f"{_index_target_shape(input)})"
            )
        if ignore_index >= 0:
            raise ValueError(f"ignore_index is not supported with class-probability targets, got {ignore_index}")
    else:
        _check_index_target(input, target, C, ignore_index, probabilities_allowed=True)
    q, denominator = _target_distribution(input, target, weight, ignore_index, label_smoothing)
    log_p = _log_softmax_last(_class_last(input))   # (N, d1, ..., C)
    # l_n = -sum_c q_{n,c} log p_{n,c}               (N, d1, ...)
    loss = (q * -log_p).sum(dim=-1)
    return _weighted_mean(loss, denominator, reduction)


def nll_loss(input: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> torch.Tensor:
    r"""Negative log-likelihood $\ell_n = -w_{y_n} x_{n, y_n}$ of log-probabilities; see ``dlref.numpy.functional.nll_loss``."""
    C = _check_class_input(input, weight, reduction, ignore_index)
    _check_index_target(input, target, C, ignore_index, probabilities_allowed=False)
    q, denominator = _target_distribution(input, target, weight, ignore_index, 0.0)
    # l_n = -sum_c q_{n,c} x_{n,c} = -w_{y_n} x_{n,y_n}       (N, d1, ...)
    loss = (q * -_class_last(input)).sum(dim=-1)
    return _weighted_mean(loss, denominator, reduction)
