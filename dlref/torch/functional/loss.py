"""Loss functions from torch tensor primitives; autograd gives the backward pass.

Same names, arguments and rules as ``dlref.numpy.functional`` (see there for the math):
no broadcasting between ``input`` and ``target``, a floating ``target``, ``weight`` or
``pos_weight`` has ``input``'s dtype (another precision is a ``TypeError``), bad
arguments raise ``ValueError``/``TypeError`` naming them (the checks live once, for both
backends, in `dlref._loss_args`). Nothing here calls the ``torch.nn.functional`` loss it
mirrors, nor ``log_softmax``/``softplus``/``xlogy``: the tests compare against those.
"""

from __future__ import annotations

import torch

from dlref._checks import check_real
from dlref._loss_args import (
    check_binary,
    check_cross_entropy,
    check_kl_div,
    check_multi_margin,
    check_nll,
    check_pointwise,
    check_probabilities,
    is_probability_target,
    num_classes,
)

# torch floors each log of binary_cross_entropy at -100
_BCE_LOG_FLOOR = -100.0


# -- shared helpers --------------------------------------------------------------------


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply ``reduction`` (the mean of nothing is NaN, as in torch)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / loss.numel()


# -- regression ------------------------------------------------------------------------


def mse_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""Mean squared error $\ell_i = (x_i - y_i)^2$; see
    ``dlref.numpy.functional.mse_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.mse_loss``.
    """
    check_pointwise(input, target, reduction)
    y = target
    # l_i = (x_i - y_i)^2
    loss = (input - y) ** 2
    return _reduce(loss, reduction)


def l1_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""Mean absolute error $\ell_i = |x_i - y_i|$; see
    ``dlref.numpy.functional.l1_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.l1_loss``.
    """
    check_pointwise(input, target, reduction)
    y = target
    # l_i = |x_i - y_i|   (autograd: sign(x - y), 0 at x = y, as torch's l1_loss)
    loss = torch.abs(input - y)
    return _reduce(loss, reduction)


def huber_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
) -> torch.Tensor:
    r"""Huber loss, quadratic inside $|d| < \delta$ and linear outside; see
    ``dlref.numpy.functional.huber_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.huber_loss``.
    """
    check_pointwise(input, target, reduction)
    check_real("delta", delta, 0.0, None, low_inclusive=False)
    y = target
    d = input - y
    abs_d = torch.abs(d)
    # l_i = d^2 / 2 inside |d| < delta, delta (|d| - delta / 2) outside
    loss = torch.where(abs_d < delta, 0.5 * d * d, delta * (abs_d - 0.5 * delta))
    return _reduce(loss, reduction)


# -- binary classification -------------------------------------------------------------


def binary_cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy on probabilities, each log floored at -100 as torch does.

    $\ell_i = -w_i\,[\,y_i \log x_i + (1 - y_i)\log(1 - x_i)\,]$; see
    ``dlref.numpy.functional.binary_cross_entropy``.

    Shape:
        input and target: the same shape ``(*)``; weight (and pos_weight): broadcastable
        to ``(*)``; output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.binary_cross_entropy``.

    Differences from PyTorch: the gradient is autograd's gradient of this forward as
    written. Torch's own backward is $w (x - y) / \max(x(1-x), 10^{-12})$: the same
    except within about $10^{-12}$ of 0 or 1, where torch caps the gradient near
    $10^{12}$. Here it is the exact $-y/x + (1-y)/(1-x)$ while the logs are above
    their floor (so it can be far larger), and a floored log contributes 0.
    """
    check_binary(input, target, weight, reduction)
    check_probabilities(input, target)
    x = input
    y = target
    # log x and log(1 - x), floored at -100; the where keeps log's backward off 0
    # (1/0 times a zero gradient would be NaN)
    log_x = torch.where(
        x > 0,
        torch.log(torch.where(x > 0, x, 1.0)).clamp(min=_BCE_LOG_FLOOR),
        torch.full_like(x, _BCE_LOG_FLOOR),
    )
    log_1mx = torch.where(
        x < 1,
        torch.log1p(-torch.where(x < 1, x, 0.0)).clamp(min=_BCE_LOG_FLOOR),
        torch.full_like(x, _BCE_LOG_FLOOR),
    )
    # l_i = -[y log x + (1 - y) log(1 - x)]
    loss = -(y * log_x + (1 - y) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    pos_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on logits, stable; see
    ``dlref.numpy.functional.binary_cross_entropy_with_logits``.

    $\max(-x, 0)$ is $-$``torch.minimum(x, 0)`` and $-|x|$ is
    $\min(x, 0) - \max(x, 0)$: at a tie ``maximum``/``minimum`` split the gradient
    in half, which makes autograd's derivative at $x = 0$ the true one,
    $\sigma(0) - y = 1/2 - y$ (``abs`` and ``clamp`` would give $-y$ or
    $1 - y$ there).

    Shape:
        input and target: the same shape ``(*)``; weight (and pos_weight): broadcastable
        to ``(*)``; output: a scalar, or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Differences from PyTorch: as
    ``dlref.numpy.functional.binary_cross_entropy_with_logits`` (a target or weight of
    another dtype than ``input`` raises ``TypeError``).
    """
    check_binary(input, target, weight, reduction, pos_weight)
    x = input
    y = target
    zero = torch.zeros_like(x)
    x_neg = torch.minimum(x, zero)  # min(x, 0)
    neg_abs_x = x_neg - torch.maximum(x, zero)  # -|x|
    # softplus(-x) = max(-x, 0) + log(1 + e^{-|x|}) = -log sigma(x);
    # max(-x, 0) = -min(x, 0)
    softplus_neg_x = -x_neg + torch.log1p(torch.exp(neg_abs_x))
    if pos_weight is None:
        # l = (1 - y) x + softplus(-x)
        # (torch's formula: x = +inf, y < 1 gives +inf, not NaN)
        loss = (1 - y) * x + softplus_neg_x
    else:
        p = pos_weight
        # l = (1 - y) x + (1 + (p - 1) y) softplus(-x)
        loss = (1 - y) * x + (1 + (p - 1) * y) * softplus_neg_x
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# -- multi-class classification --------------------------------------------------------


def _class_last(a: torch.Tensor) -> torch.Tensor:
    """Move the class dimension last: (N, C, d1, ...) -> (N, d1, ..., C); (C,) stays."""
    return torch.movedim(a, 1, -1) if a.dim() > 1 else a


def _log_softmax_last(z: torch.Tensor) -> torch.Tensor:
    r"""Stable log-softmax over the last dimension: $(z - m) - \log \sum e^{z - m}$,
    $m = \max z$."""
    # (..., 1); the shift cancels, so no gradient needed
    m = z.amax(dim=-1, keepdim=True).detach()
    s = z - m  # (..., C), max entry 0
    return s - torch.log(torch.exp(s).sum(dim=-1, keepdim=True))


def _target_distribution(
    input, target, weight, ignore_index: int, label_smoothing: float
):
    r"""Weighted target $q = w \odot ((1-\varepsilon) t + \varepsilon/C)$ (class last)
    and the mean's denominator."""
    C = num_classes(input)
    dtype = input.dtype
    w = torch.ones(C, dtype=dtype, device=input.device) if weight is None else weight
    if is_probability_target(input, target):  # class probabilities
        t = _class_last(target)  # (N, d1, ..., C)
        valid = torch.ones(t.shape[:-1], dtype=torch.bool, device=input.device)
        denominator = torch.tensor(
            float(valid.numel()), dtype=dtype, device=input.device
        )
    else:  # class indices
        valid = target != ignore_index  # (N, d1, ...)
        y = torch.where(valid, target, 0).long()
        classes = torch.arange(C, device=input.device)
        # t = one_hot(y), zero on ignored positions   (N, d1, ..., C)
        t = ((classes == y[..., None]) & valid[..., None]).to(dtype)
        # torch's weighted mean: divide by the sum of the target classes' weights
        denominator = torch.where(valid, w[y], 0.0).sum()
    # t~ = (1 - eps) t + eps / C on the positions that count; q = w t~
    t_smooth = (1 - label_smoothing) * t + (label_smoothing / C) * valid[..., None].to(
        dtype
    )
    q = w * t_smooth  # (N, d1, ..., C)
    return q, denominator


def _weighted_mean(
    loss: torch.Tensor, denominator: torch.Tensor, reduction: str
) -> torch.Tensor:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if bool(denominator == 0):
        # every target ignored: the loss is NaN and its gradient 0, as in torch
        return total * 0 + float("nan")
    return total / denominator


def cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    r"""Cross-entropy from logits, $\ell_n = -\sum_c q_{n,c} \log
    \operatorname{softmax}(z_n)_c$.

    Class indices or probabilities, class weights, ``ignore_index`` and label smoothing
    exactly as ``torch.nn.functional.cross_entropy``; see
    ``dlref.numpy.functional.cross_entropy`` for the formulas.

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target: class indices ``()``,
        ``(N,)`` or ``(N, d1, ...)`` (or, for cross-entropy, probabilities of the
        input's shape); output: a scalar, or the class-index shape with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.cross_entropy``.
    """
    check_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    q, denominator = _target_distribution(
        input, target, weight, ignore_index, label_smoothing
    )
    log_p = _log_softmax_last(_class_last(input))  # (N, d1, ..., C)
    # l_n = -sum_c q_{n,c} log p_{n,c}               (N, d1, ...)
    loss = (q * -log_p).sum(dim=-1)
    return _weighted_mean(loss, denominator, reduction)


def nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood $\ell_n = -w_{y_n} x_{n, y_n}$ of log-probabilities; see
    ``dlref.numpy.functional.nll_loss``.

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target: class indices ``()``,
        ``(N,)`` or ``(N, d1, ...)`` (or, for cross-entropy, probabilities of the
        input's shape); output: a scalar, or the class-index shape with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.nll_loss``.
    """
    check_nll(input, target, weight, ignore_index, reduction)
    q, denominator = _target_distribution(input, target, weight, ignore_index, 0.0)
    # l_n = -sum_c q_{n,c} x_{n,c} = -w_{y_n} x_{n,y_n}       (N, d1, ...)
    loss = (q * -_class_last(input)).sum(dim=-1)
    return _weighted_mean(loss, denominator, reduction)


def multi_margin_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multiclass hinge loss, $\ell_n = \frac{w_{y_n}}{C}\sum_{i \ne y_n} \max(0, m -
    x_{n,y_n} + x_{n,i})^p$.

    See ``dlref.numpy.functional.multi_margin_loss`` for the arguments. Autograd's
    gradient is torch's: a margin met exactly ($z = 0$) gives 0, because the hinge is a
    ``where`` on $z > 0$ (``clamp`` would pass the gradient at 0).

    Shape:
        input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()``; weight ``(C,)``;
        output: a scalar, or ``(N,)`` / ``()`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.multi_margin_loss``.

    Differences from PyTorch: as ``dlref.numpy.functional.multi_margin_loss``.
    """
    check_multi_margin(input, target, p, margin, weight, reduction)
    C = input.shape[-1]
    y = target.long()[..., None]  # (N, 1), or (1,) for one example
    x_y = torch.gather(input, -1, y)  # (N, 1): the target class's score
    # z_{n,i} = margin - x_{n,y_n} + x_{n,i}                            (N, C)
    z = margin - x_y + input
    is_target = torch.arange(C, device=input.device) == y  # (N, C)
    active = (z > 0) & ~is_target  # violated margins, wrong classes only
    hinge = torch.where(active, z, 0.0)  # (N, C)
    w = (
        torch.ones(C, dtype=input.dtype, device=input.device)
        if weight is None
        else weight
    )
    hinge_sum = (hinge**p).sum(dim=-1)  # (N,)
    # w_{y_n}, taken as 0 without a violated margin: the loss is then 0 whatever the
    # weight (an infinite one too, as torch), and no inf * 0 reaches autograd
    w_y = torch.where(hinge_sum != 0, w[y[..., 0]], 0.0)  # (N,) or ()
    # l_n = w_{y_n} / C * sum_{i != y_n} max(0, z_{n,i})^p              (N,)
    loss = w_y * hinge_sum / C
    return _reduce(loss, reduction)


# -- distributions ---------------------------------------------------------------------


def kl_div(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> torch.Tensor:
    r"""Kullback-Leibler divergence, $\ell_i = p_i(\log p_i - x_i)$ with $x = \log q$.

    See ``dlref.numpy.functional.kl_div`` for the arguments.

    Where $p_i = 0$ the term is 0; the ``where`` on safe values keeps autograd off
    $\log 0$. The gradient for ``input`` is $-p_i$, as torch's.

    Shape:
        input and target: the same shape ``(*)``, usually ``(N, C)``; output: a scalar,
        or ``(*)`` with ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.kl_div``.

    Differences from PyTorch: as ``dlref.numpy.functional.kl_div``; and the gradient for
    ``target`` is finite where $p_i = 0$ (0; torch's is NaN).
    """
    check_kl_div(input, target, reduction, log_target)
    t = target
    if log_target:
        p = torch.exp(t)
        counts = p > 0
        log_p = torch.where(counts, t, 0.0)
    else:
        p = t
        counts = p > 0
        # log 1 = 0 where p = 0: no log(0) computed
        log_p = torch.log(torch.where(counts, p, 1.0))
    # l_i = p_i (log p_i - x_i) where p_i > 0, else 0 (x is read only where p > 0)
    loss = torch.where(counts, p * (log_p - torch.where(counts, input, 0.0)), 0.0)
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    # batchmean: the sum over the size of dimension 0 (a 0-D input: the sum), as torch
    n = input.shape[0] if input.dim() > 0 else 1
    return loss.sum() / n
