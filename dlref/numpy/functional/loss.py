"""Loss functions and their backward passes.

Regression: ``mse_loss``, ``l1_loss``, ``huber_loss``. Classification:
``binary_cross_entropy`` (on probabilities), ``binary_cross_entropy_with_logits``
(on logits, the stable one), ``cross_entropy`` (on logits), ``nll_loss`` (on
log-probabilities) and ``multi_margin_loss`` (the multiclass hinge loss of SVMs).
Distributions: ``kl_div`` (on log-probabilities).

Every loss ``f(input, target, ..., reduction)`` has ``f_backward(grad_output, input,
target, ...)`` with the same keywords, returning
$\\partial L / \\partial\\,\\text{input}$ (targets get no gradient here).
``grad_output`` is a float or a floating array: a scalar for a reduced loss and an array
of the unreduced loss's shape for ``reduction='none'``; anything else (``None``, a list,
an integer array, a wrong shape) raises.

Rules shared by all of them: ``input`` and ``target`` are never broadcast against each
other (a shape mismatch raises ``ValueError``); a floating ``target``, ``weight`` or
``pos_weight`` must have ``input``'s dtype (another precision raises ``TypeError``:
torch promotes for some losses, casts for others and raises for the rest), and the
result has that dtype. ``grad_output`` may have any floating dtype (it is cast, as
autograd does). The argument checks live once, for both backends, in `dlref._loss_args`.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_real
from dlref._loss_args import (
    check_binary,
    check_cross_entropy,
    check_grad_output,
    check_grad_output_type,
    check_kl_div,
    check_multi_margin,
    check_nll,
    check_pointwise,
    check_probabilities,
    is_probability_target,
    num_classes,
)

# torch floors each log of binary_cross_entropy at -100, and its backward divides by
# max(x (1 - x), 1e-12); both constants are torch's.
_BCE_LOG_FLOOR = -100.0
_BCE_GRAD_EPS = 1e-12


# -- shared helpers --------------------------------------------------------------------


def _reduce(loss: np.ndarray, reduction: str):
    """Apply ``reduction`` to the per-element losses (mean of nothing is NaN, as in
    torch)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if loss.size == 0:
        return loss.dtype.type(np.nan)
    return loss.mean()


def _grad_per_element(
    grad_output, loss_shape: tuple, reduction: str, dtype, count: int | None = None
) -> np.ndarray:
    r"""Upstream gradient for each unreduced loss element
    $\partial L / \partial \ell_i$.

    mean: $g / n$ ($n$ the number of elements, or ``count`` where the mean divides by
    something else); sum: $g$; none: ``grad_output`` itself (same shape as the loss).
    ``grad_output`` is checked here: a float or floating array of the loss's shape.
    """
    check_grad_output(grad_output, loss_shape, reduction)
    g = np.asarray(grad_output, dtype=dtype)
    if reduction == "none":
        return g
    n = int(np.prod(loss_shape)) if count is None else count
    if reduction in ("mean", "batchmean") and n > 0:
        g = g / n
    return np.broadcast_to(g, loss_shape)


# -- regression ------------------------------------------------------------------------


def mse_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    r"""Mean squared error, $\ell_i = (x_i - y_i)^2$.

    Args:
        input: predictions $x$, floating point.
        target: targets $y$, floating point, same shape as ``input``.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    Returns:
        The loss, in ``input``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.mse_loss``.

    Differences from PyTorch: a shape mismatch raises ``ValueError`` (torch broadcasts
    with a warning); an integer ``target``, or one of another floating dtype than
    ``input``, raises ``TypeError`` (torch promotes).
    """
    check_pointwise(input, target, reduction)
    y = target
    # l_i = (x_i - y_i)^2
    loss = (input - y) ** 2
    return _reduce(loss, reduction)


def mse_loss_backward(
    grad_output, input: np.ndarray, target: np.ndarray, reduction: str = "mean"
) -> np.ndarray:
    r"""Gradient of ``mse_loss`` for ``input``: $\partial \ell_i/\partial x_i = 2 (x_i -
    y_i)$."""
    check_grad_output_type(grad_output)
    check_pointwise(input, target, reduction)
    y = target
    g = _grad_per_element(grad_output, input.shape, reduction, input.dtype)
    # dl_i/dx_i = 2 (x_i - y_i)
    return g * (2 * (input - y))


def l1_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    r"""Mean absolute error, $\ell_i = |x_i - y_i|$.

    Args and returns as ``mse_loss``.

    Shape:
        input and target: the same shape ``(*)``; output: a scalar, or ``(*)`` with
        ``reduction='none'``.

    PyTorch equivalent: ``torch.nn.functional.l1_loss``.

    Differences from PyTorch: as ``mse_loss``.
    """
    check_pointwise(input, target, reduction)
    y = target
    # l_i = |x_i - y_i|
    loss = np.abs(input - y)
    return _reduce(loss, reduction)


def l1_loss_backward(
    grad_output, input: np.ndarray, target: np.ndarray, reduction: str = "mean"
) -> np.ndarray:
    r"""Gradient of ``l1_loss``: $\operatorname{sign}(x_i - y_i)$, 0 where $x_i = y_i$
    (as torch).

    Also 0 where $x_i - y_i$ is NaN: torch's sign is $[d > 0] - [d < 0]$.
    """
    check_grad_output_type(grad_output)
    check_pointwise(input, target, reduction)
    y = target
    g = _grad_per_element(grad_output, input.shape, reduction, input.dtype)
    d = input - y
    # dl_i/dx_i = sign(d_i) = [d_i > 0] - [d_i < 0]
    return g * ((d > 0).astype(input.dtype) - (d < 0))


def huber_loss(
    input: np.ndarray, target: np.ndarray, reduction: str = "mean", delta: float = 1.0
):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    $$
    \ell_i = \begin{cases} \tfrac12 d_i^2 & |d_i| < \delta \\
             \delta\,(|d_i| - \tfrac12\delta) & \text{otherwise} \end{cases}
    \qquad d_i = x_i - y_i
    $$

    Args:
        input: predictions $x$, floating point.
        target: targets $y$, floating point, same shape as ``input``.
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.
        delta: where the quadratic part turns linear, $\delta > 0$ (default 1).

    Shape:
        As ``mse_loss``.

    Returns:
        The loss, in ``input``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.huber_loss`` (with ``delta=1`` it equals
    ``smooth_l1_loss`` with ``beta=1``).

    Differences from PyTorch: as ``mse_loss``.

    References: Huber, P. J. (1964). Robust Estimation of a Location Parameter.
    Annals of Mathematical Statistics 35(1). https://doi.org/10.1214/aoms/1177703732
    """
    check_pointwise(input, target, reduction)
    check_real("delta", delta, 0.0, None, low_inclusive=False)
    y = target
    d = input - y
    abs_d = np.abs(d)
    # l_i = d^2 / 2 inside |d| < delta, delta (|d| - delta / 2) outside
    loss = np.where(abs_d < delta, 0.5 * d * d, delta * (abs_d - 0.5 * delta)).astype(
        input.dtype, copy=False
    )
    return _reduce(loss, reduction)


def huber_loss_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    reduction: str = "mean",
    delta: float = 1.0,
) -> np.ndarray:
    r"""Gradient of ``huber_loss``: $d_i$ clipped to $[-\delta, \delta]$."""
    check_grad_output_type(grad_output)
    check_pointwise(input, target, reduction)
    check_real("delta", delta, 0.0, None, low_inclusive=False)
    y = target
    g = _grad_per_element(grad_output, input.shape, reduction, input.dtype)
    # dl_i/dx_i = clip(d_i, -delta, delta)
    return g * np.clip(input - y, -delta, delta)


# -- binary classification -------------------------------------------------------------


def binary_cross_entropy(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
):
    r"""Binary cross-entropy on probabilities.

    $$
    \ell_i = -w_i\,\big[\,y_i \log x_i + (1 - y_i) \log(1 - x_i)\,\big]
    $$

    Each log is floored at $-100$, as torch does, so that $x_i \in \{0, 1\}$
    gives a finite loss (at most $100\,w_i$) instead of ``inf``.

    Prefer ``binary_cross_entropy_with_logits`` on the raw scores: a probability that
    has rounded to 0 or 1 has lost the information the loss needs.

    Args:
        input: probabilities $x \in [0, 1]$.
        target: targets $y \in [0, 1]$ (soft labels allowed).
        weight: rescales each element's loss (default: none).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Shape:
        input, target: the same shape ``(*)``; weight: broadcastable to ``(*)``.

    Returns:
        The loss, in ``input``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.binary_cross_entropy``.

    Differences from PyTorch: values outside $[0, 1]$ raise ``ValueError`` naming the
    argument (torch raises ``RuntimeError``); a shape mismatch raises ``ValueError``; a
    ``weight`` of another dtype than ``input`` raises ``TypeError`` (torch casts it).
    """
    check_binary(input, target, weight, reduction)
    check_probabilities(input, target)
    x = input
    y = target
    with np.errstate(divide="ignore"):  # log(0) = -inf is floored just below
        # log x and log(1 - x), each floored at -100
        log_x = np.maximum(np.log(x), _BCE_LOG_FLOOR)
        log_1mx = np.maximum(np.log1p(-x), _BCE_LOG_FLOOR)
    # l_i = -[y log x + (1 - y) log(1 - x)]
    loss = -(y * log_x + (1 - y) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Gradient of ``binary_cross_entropy`` for ``input``, with torch's formula.

    $$
    \frac{\partial \ell_i}{\partial x_i} =
    w_i\,\frac{x_i - y_i}{\max\big(x_i (1 - x_i),\ 10^{-12}\big)}
    $$

    Away from 0 and 1 this is the exact derivative $-y/x + (1-y)/(1-x)$. Within about
    $10^{-12}$ of 0 or 1 torch caps the denominator instead of differentiating the
    floored logs; this function returns what torch returns there.
    """
    check_grad_output_type(grad_output)
    check_binary(input, target, weight, reduction)
    check_probabilities(input, target)
    x = input
    y = target
    g = _grad_per_element(grad_output, x.shape, reduction, x.dtype)
    # dl_i/dx_i = (x - y) / max(x (1 - x), eps)
    grad = (x - y) / np.maximum(x * (1 - x), _BCE_GRAD_EPS)
    if weight is not None:
        grad = grad * weight
    return (g * grad).astype(x.dtype, copy=False)


def binary_cross_entropy_with_logits(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
    pos_weight: np.ndarray | None = None,
):
    r"""Binary cross-entropy on logits: a sigmoid and the loss, fused and stable.

    With $\sigma$ the sigmoid and $p$ the weight of positive examples:

    $$
    \ell_i = -w_i\,\big[\,p\,y_i \log \sigma(x_i) + (1 - y_i) \log(1 -
    \sigma(x_i))\,\big]
    $$

    Computed without forming $\sigma(x)$. With
    $\operatorname{softplus}(z) = \log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})$,
    $-\log\sigma(x) = \operatorname{softplus}(-x)$ and
    $-\log(1-\sigma(x)) = x + \operatorname{softplus}(-x)$, so

    $$
    \ell_i = w_i\,\big[(1 - y_i)\,x_i + (1 + (p - 1)
    y_i)\,\operatorname{softplus}(-x_i)\big],
    \qquad \operatorname{softplus}(-x) = \max(-x, 0) + \log(1 + e^{-|x|})
    $$

    ($p = 1$: $\ell_i = w_i\,[(1 - y_i)\,x_i +
    \operatorname{softplus}(-x_i)]$.) $e^{-|x|} \le 1$ never overflows, and ``log1p``
    keeps the tail accurate. This is torch's formula, so an infinite logit gives what
    torch gives: $+\infty$ for $x = +\infty$ and $y < 1$, NaN ($0 \cdot \infty$ or
    $\infty - \infty$) where torch has NaN.

    Args:
        input: logits $x$ (any real number).
        target: targets $y \in [0, 1]$.
        weight: rescales each element's loss (default: none).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.
        pos_weight: weight $p$ of the positive term, e.g. ``n_negative / n_positive``
            to balance classes (default: none, i.e. 1).

    Shape:
        input, target: the same shape ``(*)``; weight and pos_weight: broadcastable to
        ``(*)`` (pos_weight is usually ``(C,)``, one per class along the last
        dimension).

    Returns:
        The loss, in ``input``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Differences from PyTorch: a shape mismatch raises ``ValueError``; a ``target``,
    ``weight`` or ``pos_weight`` of another dtype than ``input`` raises ``TypeError``
    (torch returns the target's dtype); targets are not range-checked (as in torch: soft
    targets outside [0, 1] are the caller's business).
    """
    check_binary(input, target, weight, reduction, pos_weight)
    x = input
    y = target
    # softplus(-x) = max(-x, 0) + log(1 + e^{-|x|}) = -log sigma(x);
    # e^{-|x|} never overflows
    softplus_neg_x = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    # an infinite x or y:
    # 0 * inf and inf - inf are NaN where torch's formula gives NaN too
    with np.errstate(invalid="ignore"):
        if pos_weight is None:
            # l = (1 - y) x + softplus(-x)
            loss = (1 - y) * x + softplus_neg_x
        else:
            p = pos_weight
            # l = (1 - y) x + (1 + (p - 1) y) softplus(-x)
            loss = (1 - y) * x + (1 + (p - 1) * y) * softplus_neg_x
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
    pos_weight: np.ndarray | None = None,
) -> np.ndarray:
    r"""Gradient of ``binary_cross_entropy_with_logits`` for ``input``.

    $$
    \frac{\partial \ell_i}{\partial x_i} = w_i\,\big[\sigma(x_i) - y_i\big]
    \quad (p = 1),
    \qquad w_i\,\big[(1 - y_i) - (1 + (p - 1) y_i)\,\sigma(-x_i)\big]
    $$

    The sigmoid is evaluated stably: $e^{-|x|}$ again.
    """
    check_grad_output_type(grad_output)
    check_binary(input, target, weight, reduction, pos_weight)
    x = input
    y = target
    g = _grad_per_element(grad_output, x.shape, reduction, x.dtype)
    # sigma(x) = 1 / (1 + e^{-x}) for x >= 0 and e^{x} / (1 + e^{x}) for x < 0:
    # e = e^{-|x|} <= 1
    e = np.exp(-np.abs(x))
    sigma = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    if pos_weight is None:
        # dl/dx = sigma(x) - y
        grad = sigma - y
    else:
        p = pos_weight
        # dl/dx = (1 - y) - (1 + (p - 1) y) sigma(-x),  sigma(-x) = 1 - sigma(x);
        # an infinite y gives inf - inf = NaN where torch's gradient is NaN too
        with np.errstate(invalid="ignore"):
            grad = (1 - y) - (1 + (p - 1) * y) * (1 - sigma)
    if weight is not None:
        grad = grad * weight
    return (g * grad).astype(x.dtype, copy=False)


# -- multi-class classification --------------------------------------------------------


def _class_last(a: np.ndarray) -> np.ndarray:
    """Move the class dimension last: (N, C, d1, ...) -> (N, d1, ..., C); (C,) stays."""
    return np.moveaxis(a, 1, -1) if a.ndim > 1 else a


def _class_back(a: np.ndarray) -> np.ndarray:
    """Inverse of ``_class_last``: (N, d1, ..., C) -> (N, C, d1, ...)."""
    return np.moveaxis(a, -1, 1) if a.ndim > 1 else a


def _log_softmax_last(z: np.ndarray) -> np.ndarray:
    r"""Stable $\log \operatorname{softmax}$ over the last axis, with a max shift.

    $\log p_c = (z_c - m) - \log \sum_k e^{z_k - m}$, $m = \max_k z_k$: every
    exponent is $\le 0$ and the sum is $\ge 1$, so nothing overflows and the log
    never sees 0. A row with a $+\infty$ logit is NaN ($\infty - \infty$), as in torch.
    """
    m = z.max(axis=-1, keepdims=True)  # (..., 1)
    # inf - inf: NaN, silently, as torch's log_softmax
    with np.errstate(invalid="ignore"):
        s = z - m  # (..., C), max entry 0
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _weighted_sum(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    r"""$\sum_c q_c v_c$ over the last axis, a term with $q_c = 0$ being 0 even where
    $v_c = \pm\infty$.

    A class the target gives no mass (a one-hot's zeros) adds nothing, as in torch,
    which reads only the target class: a $-\infty$ logit there (a masked class) leaves
    the loss finite.
    """
    return (q * np.where(q != 0, v, 0)).sum(axis=-1)


def _target_distribution(
    input, target, weight, ignore_index: int, label_smoothing: float
):
    r"""The weighted target distribution $q$ and the denominator of
    ``reduction='mean'``.

    $q_c = w_c\,\tilde t_c$ with $\tilde t = (1 - \varepsilon)\,t + \varepsilon / C$,
    where $t$ is the one-hot of the class index (rows with ``ignore_index`` get
    $q = 0$) or the given probabilities. The mean divides by
    $\sum_n w_{y_n}$ over non-ignored positions for class indices (torch's weighted
    mean) and by the number of positions for probabilities.

    Returns ``(q, denominator)`` with ``q`` of shape ``(N, d1, ..., C)`` (class last).
    """
    C = num_classes(input)
    dtype = input.dtype
    w = np.ones(C, dtype=dtype) if weight is None else weight
    if is_probability_target(input, target):  # class probabilities
        t = _class_last(target)  # (N, d1, ..., C)
        valid = np.ones(t.shape[:-1], dtype=bool)  # (N, d1, ...)
        denominator = dtype.type(t[..., 0].size)
    else:  # class indices
        valid = np.asarray(target != ignore_index)  # (N, d1, ...)
        y = np.where(valid, target, 0)
        # t = one_hot(y), zero on ignored positions   (N, d1, ..., C)
        t = ((np.arange(C) == y[..., None]) & valid[..., None]).astype(dtype)
        # torch's weighted mean: divide by the sum of the target classes' weights
        denominator = np.where(valid, w[y], 0).sum(dtype=dtype)
    # t~ = (1 - eps) t + eps / C on the positions that count
    t_smooth = (1 - label_smoothing) * t + (label_smoothing / C) * valid[..., None]
    # q_c = w_c t~_c, computed where t~_c != 0 only: an infinite (or NaN) weight of a
    # class the target does not name must not turn 0
    # into NaN (torch reads the target class's only)
    # (N, d1, ..., C)
    q = np.multiply(
        w, t_smooth, out=np.zeros(t_smooth.shape, dtype), where=t_smooth != 0
    )
    return q, denominator


def _weighted_mean(loss: np.ndarray, denominator, reduction: str):
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    # every target ignored (or zero weight): 0 / 0, NaN as in torch
    if denominator == 0:
        return loss.dtype.type(np.nan)
    # an infinite weight: inf / inf, NaN as in torch
    with np.errstate(invalid="ignore"):
        return total / denominator


def _grad_weighted_mean(
    grad_output, loss_shape: tuple, denominator, reduction: str, dtype
) -> np.ndarray:
    r"""Upstream $\partial L/\partial \ell_n$ when the mean divides by ``denominator``;
    checks ``grad_output``."""
    check_grad_output(grad_output, loss_shape, reduction)
    g = np.asarray(grad_output, dtype=dtype)
    if reduction == "none":
        return g
    if reduction == "mean":
        # torch's gradient is 0 when every target is ignored (the loss itself is NaN)
        g = g / denominator if denominator != 0 else np.zeros_like(g)
    return np.broadcast_to(g, loss_shape)


def cross_entropy(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
):
    r"""Cross-entropy between the softmax of logits and a target distribution.

    $$
    \log p_{n,c} = z_{n,c} - \log \sum_k e^{z_{n,k}}, \qquad
    \ell_n = -\sum_c q_{n,c} \log p_{n,c}, \qquad
    q_{n,c} = w_c \Big[(1 - \varepsilon)\, t_{n,c} + \frac{\varepsilon}{C}\Big]
    $$

    $t_n$ is the one-hot vector of the class index $y_n$ (so without smoothing
    $\ell_n = -w_{y_n} \log p_{n, y_n}$) or a given probability vector;
    $\varepsilon$ is ``label_smoothing``, $w$ the class weights. The log-softmax
    is computed with a max shift, so logits of any size give finite results.

    ``reduction='mean'`` divides the sum by $\sum_n w_{y_n}$ over non-ignored positions
    (class indices; the plain count when ``weight`` is ``None``) or by the number of
    positions (probabilities), as torch does.

    Args:
        input: unnormalized logits $z$.
        target: integer class indices in ``[0, C)`` (or ``ignore_index``), or floating
            probabilities with the shape of ``input``.
        weight: a weight per class (default: all 1).
        ignore_index: positions whose target equals it add nothing to the loss nor to
            the mean's denominator (class indices only; default -100).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.
        label_smoothing: $\varepsilon \in [0, 1]$, mixes the target with the uniform
            distribution (default 0).

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` (classes on dimension 1);
        target: class indices of shape ``()``, ``(N,)`` or ``(N, d1, ...)``, or class
        probabilities of the same shape as ``input``; weight ``(C,)``.
        Output: a scalar, or the target-index shape ``()`` / ``(N, d1, ...)`` with
        ``reduction='none'``.

    Returns:
        The loss, in ``input``'s dtype. With ``reduction='mean'`` and every target
        ignored, NaN (0/0), as in torch.

    PyTorch equivalent: ``torch.nn.functional.cross_entropy``.

    Differences from PyTorch: class indices of any integer dtype are accepted (torch
    takes int64 and uint8 only); an out-of-range index or a target of the wrong shape
    raises ``ValueError`` naming ``target``; ``label_smoothing`` outside [0, 1] raises
    (torch ignores a negative value); class probabilities of another dtype than
    ``input`` raise ``TypeError`` (torch promotes).

    References: Szegedy, C. et al. (2016). Rethinking the Inception Architecture for
    Computer Vision (label smoothing). CVPR. https://arxiv.org/abs/1512.00567
    """
    check_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    q, denominator = _target_distribution(
        input, target, weight, ignore_index, label_smoothing
    )
    log_p = _log_softmax_last(_class_last(input))  # (N, d1, ..., C)
    # l_n = -sum_c q_{n,c} log p_{n,c}               (N, d1, ...)
    loss = _weighted_sum(q, -log_p)
    return _weighted_mean(loss, denominator, reduction)


def cross_entropy_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    r"""Gradient of ``cross_entropy`` for ``input`` (the logits).

    From $\ell = -\sum_c q_c \log p_c$ and
    $\partial \log p_c / \partial z_k = [c = k] - p_k$:

    $$
    \frac{\partial \ell_n}{\partial z_{n,k}} = p_{n,k} \sum_c q_{n,c} - q_{n,k}
    $$

    which is the familiar $p - \text{onehot}(y)$ without weights and smoothing.
    """
    check_grad_output_type(grad_output)
    check_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    q, denominator = _target_distribution(
        input, target, weight, ignore_index, label_smoothing
    )
    p = np.exp(_log_softmax_last(_class_last(input)))  # (N, d1, ..., C)
    g = _grad_weighted_mean(
        grad_output, q.shape[:-1], denominator, reduction, input.dtype
    )
    # dl_n/dz_{n,k} = p_{n,k} sum_c q_{n,c} - q_{n,k}                 (N, d1, ..., C)
    # an infinite weight or logit: NaN where torch has NaN
    with np.errstate(invalid="ignore"):
        grad = p * q.sum(axis=-1, keepdims=True) - q
    # (N, C, d1, ...)
    return _class_back(g[..., None] * grad).astype(input.dtype, copy=False)


def nll_loss(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
):
    r"""Negative log-likelihood of class indices, given log-probabilities.

    $$
    \ell_n = -w_{y_n}\, x_{n, y_n}
    $$

    ``input`` is expected to hold log-probabilities (e.g. a log-softmax);
    ``nll_loss(log_softmax(z), y)`` equals ``cross_entropy(z, y)``. ``reduction='mean'``
    divides by $\sum_n w_{y_n}$ over non-ignored positions.

    Args:
        input: log-probabilities $x$.
        target: integer class indices in ``[0, C)`` (or ``ignore_index``).
        weight: a weight per class (default: all 1).
        ignore_index: positions whose target equals it are left out (default -100).
        reduction: ``'mean'`` (default), ``'sum'`` or ``'none'``.

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target ``()``, ``(N,)`` or
        ``(N, d1, ...)``; weight ``(C,)``.

    Returns:
        The loss, in ``input``'s dtype (NaN for a mean over nothing, as in torch).

    PyTorch equivalent: ``torch.nn.functional.nll_loss``.

    Differences from PyTorch: as ``cross_entropy`` for the target checks.
    """
    check_nll(input, target, weight, ignore_index, reduction)
    q, denominator = _target_distribution(input, target, weight, ignore_index, 0.0)
    # l_n = -sum_c q_{n,c} x_{n,c} = -w_{y_n} x_{n,y_n}       (N, d1, ...)
    loss = _weighted_sum(q, -_class_last(input))
    return _weighted_mean(loss, denominator, reduction)


def nll_loss_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Gradient of ``nll_loss`` for ``input``: $-w_{y_n}$ at $(n, y_n)$, 0
    elsewhere."""
    check_grad_output_type(grad_output)
    check_nll(input, target, weight, ignore_index, reduction)
    q, denominator = _target_distribution(input, target, weight, ignore_index, 0.0)
    g = _grad_weighted_mean(
        grad_output, q.shape[:-1], denominator, reduction, input.dtype
    )
    # dl_n/dx_{n,c} = -g_n q_{n,c},
    # where q_{n,c} != 0 (0 elsewhere, even for an infinite g_n, as torch)
    # (N, d1, ..., C)
    grad = np.multiply(
        -g[..., None], q, out=np.zeros(q.shape, input.dtype), where=q != 0
    )
    return _class_back(grad)  # (N, C, d1, ...)


def _margin_violations(input, target, margin: float, weight):
    r"""The margins $z_{n,i} = \text{margin} - x_{n,y_n} +
    x_{n,i}$, where they count, and $w_{y_n}$.

    Returns ``(z, active, w_y, is_target)``: ``z`` of the input's shape, ``active`` true
    where $i \ne y_n$ and $z_{n,i} > 0$ (a violated margin), ``w_y`` the target class's
    weight of shape ``(N,)`` (``()`` for one example), ``is_target`` the one-hot of
    $y_n$.
    """
    C = input.shape[-1]
    dtype = input.dtype
    y = target.astype(np.intp, copy=False)[..., None]  # (N, 1), or (1,) for one example
    x_y = np.take_along_axis(input, y, axis=-1)  # (N, 1): the target class's score
    # z_{n,i} = margin - x_{n,y_n} + x_{n,i}   (N, C); an infinite x_{n,y_n}
    # makes z NaN (inf - inf) at the target class itself only, which never counts
    with np.errstate(invalid="ignore"):
        z = (margin - x_y + input).astype(dtype, copy=False)
    is_target = np.arange(C) == y  # (N, C)
    active = (z > 0) & ~is_target  # (N, C)
    w = np.ones(C, dtype=dtype) if weight is None else weight
    w_y = np.asarray(w[target])  # (N,) or ()
    return z, active, w_y, is_target


def multi_margin_loss(
    input: np.ndarray,
    target: np.ndarray,
    p: int = 1,
    margin: float = 1.0,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
):
    r"""Multiclass hinge loss (the multiclass SVM loss of Weston and Watkins, as torch
    averages it).

    $$
    \ell_n = \frac{w_{y_n}}{C} \sum_{i \ne y_n}
    \max\big(0,\ \text{margin} - x_{n,y_n} + x_{n,i}\big)^{p}
    $$

    Every wrong class $i$ whose score comes within ``margin`` of the target class's
    score $x_{n,y_n}$ is charged for the shortfall (squared when $p = 2$); once the
    target's score leads every other by at least the margin the loss is exactly 0, and
    that example gives no gradient.

    Args:
        input: scores $x$ (logits; any real numbers).
        target: integer class indices $y$ in ``[0, C)``.
        p: the power, 1 (default, the hinge) or 2 (the squared hinge).
        margin: the required lead of the target's score (default 1).
        weight: a weight per class, applied as $w_{y_n}$ (default: all 1).
        reduction: ``'mean'`` (default, over the $N$ examples), ``'sum'`` or ``'none'``.

    Shape:
        input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()``; weight ``(C,)``.
        Output: a scalar, or ``(N,)`` / ``()`` with ``reduction='none'``.

    Returns:
        The loss, in ``input``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.multi_margin_loss`` (its docstring puts
    $w_{y_n}$ inside the power; its kernel, and this function, multiply after it).

    Differences from PyTorch: ``p`` must be an int (torch takes 2.0); class indices of
    any integer dtype are accepted (torch: int64 only); a ``(C,)`` input takes a ``()``
    target only (torch also takes ``(1,)``); the mean over zero examples is NaN (torch
    returns a value near 0).

    References: Weston, J., Watkins, C. (1999). Support Vector Machines for Multi-Class
    Pattern Recognition. ESANN.
    https://www.esann.org/sites/default/files/proceedings/legacy/es1999-461.pdf
    """
    check_multi_margin(input, target, p, margin, weight, reduction)
    C = input.shape[-1]
    z, active, w_y, _ = _margin_violations(input, target, margin, weight)
    # max(0, z) on the wrong classes, 0 on the target class        (N, C)
    hinge = np.where(active, z, 0)
    hinge_sum = (hinge**p).sum(axis=-1)  # (N,)
    # l_n = w_{y_n} / C * sum_{i != y_n} max(0, z_{n,i})^p   (N,); 0 without a violated
    # margin, whatever w_{y_n} (an infinite weight too, as torch)
    loss = (
        np.multiply(
            w_y,
            hinge_sum,
            out=np.zeros(hinge_sum.shape, input.dtype),
            where=hinge_sum != 0,
        )
        / C
    )
    return _reduce(loss.astype(input.dtype, copy=False), reduction)


def multi_margin_loss_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    p: int = 1,
    margin: float = 1.0,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Gradient of ``multi_margin_loss`` for ``input``.

    Each violated margin $z_{n,i} > 0$ ($i \ne y_n$) pushes its wrong class up and the
    target class down by the same amount:

    $$
    \frac{\partial \ell_n}{\partial x_{n,i}} = \frac{w_{y_n}}{C}\, p\,
    z_{n,i}^{\,p-1} \,[z_{n,i} > 0],
    \qquad
    \frac{\partial \ell_n}{\partial x_{n,y_n}} = -\sum_{i \ne y_n}
    \frac{\partial \ell_n}{\partial x_{n,i}}
    $$

    A margin met exactly ($z = 0$) gives 0, as in torch.
    """
    check_grad_output_type(grad_output)
    check_multi_margin(input, target, p, margin, weight, reduction)
    C = input.shape[-1]
    z, active, w_y, is_target = _margin_violations(input, target, margin, weight)
    g = _grad_per_element(grad_output, input.shape[:-1], reduction, input.dtype)  # (N,)
    hinge = np.where(active, z, 0)  # (N, C)
    # dl_n/dx_{n,i} = w_{y_n} / C * p max(0, z)^{p-1} where z > 0 and i != y_n,
    # else 0   (N, C)
    d_wrong = np.multiply(
        p * hinge ** (p - 1),
        (w_y / C)[..., None],
        out=np.zeros(z.shape, input.dtype),
        where=active,
    )
    # dl_n/dx_{n,y_n} = -sum_{i != y_n} dl_n/dx_{n,i}                   (N, C)
    grad = d_wrong - np.where(is_target, d_wrong.sum(axis=-1, keepdims=True), 0)
    # an infinite grad_output times 0: NaN, as torch's backward
    with np.errstate(invalid="ignore"):
        return (g[..., None] * grad).astype(input.dtype, copy=False)


# -- distributions ---------------------------------------------------------------------


def _kl_target(target, log_target: bool, dtype):
    r"""The target distribution $p$ and $\log p$ (0 where $p = 0$, where the term is 0
    anyway)."""
    t = target
    if log_target:
        log_p = t
        p = np.exp(t)
    else:
        p = t
        # log 1 = 0 where p = 0: no log(0) computed
        log_p = np.log(np.where(t > 0, t, 1))
    return p, np.where(p > 0, log_p, 0)


def _kl_batch_size(input) -> int:
    """What 'batchmean' divides by: the size of dimension 0 (1 for a 0-D input, as
    torch)."""
    return int(input.shape[0]) if input.ndim > 0 else 1


def kl_div(
    input: np.ndarray,
    target: np.ndarray,
    reduction: str = "mean",
    log_target: bool = False,
):
    r"""Kullback-Leibler divergence $\mathrm{KL}(p \,\|\, q)$ of a target $p$ from a
    model $q$ given as $\log q$.

    $$
    \ell_i = p_i \,(\log p_i - x_i), \qquad x_i = \log q_i,
    \qquad \ell_i = 0 \text{ where } p_i = 0
    $$

    Summed over the classes of one example this is
    $\mathrm{KL}(p\,\|\,q) = \sum_c p_c \log(p_c / q_c) \ge 0$. With ``log_target=True``
    the target is given as $\log p$: $\ell_i = e^{t_i}(t_i - x_i)$.

    ``reduction='batchmean'`` (the sum divided by the size of dimension 0) is the
    divergence per example; ``'mean'`` divides by the number of elements, which is
    that divided by $C$ too: torch's default, kept for compatibility.

    Args:
        input: log-probabilities $x = \log q$ (e.g. a log-softmax).
        target: probabilities $p \ge 0$, or log-probabilities $t = \log p$ with
            ``log_target=True``.
        reduction: ``'mean'`` (default, over all elements), ``'batchmean'``, ``'sum'``
            or ``'none'``.
        log_target: whether ``target`` holds $\log p$ (default False).

    Shape:
        input and target: the same shape ``(*)``, usually ``(N, C)``; output: a scalar,
        or ``(*)`` with ``reduction='none'``.

    Returns:
        The loss, in ``input``'s dtype. ``'batchmean'`` over zero examples is NaN.

    PyTorch equivalent: ``torch.nn.functional.kl_div``.

    Differences from PyTorch: where $p = 0$ the term is 0 even if $x = -\infty$ (torch:
    NaN); a negative ``target`` (with ``log_target=False``) raises ``ValueError``
    (torch: NaN); ``'mean'`` gives no warning; a shape mismatch raises ``ValueError``; a
    ``target`` of another dtype than ``input`` raises ``TypeError`` (torch promotes).

    References: Kullback, S., Leibler, R. A. (1951). On Information and Sufficiency.
    Annals of Mathematical Statistics 22(1). https://doi.org/10.1214/aoms/1177729694
    """
    check_kl_div(input, target, reduction, log_target)
    p, log_p = _kl_target(target, log_target, input.dtype)
    counts = p > 0
    # l_i = p_i (log p_i - x_i) where p_i > 0, else 0 (x is read only where p > 0)
    loss = np.where(counts, p * (log_p - np.where(counts, input, 0)), 0).astype(
        input.dtype, copy=False
    )
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    n = _kl_batch_size(input)
    return loss.sum() / n if n > 0 else loss.dtype.type(np.nan)


def kl_div_backward(
    grad_output,
    input: np.ndarray,
    target: np.ndarray,
    reduction: str = "mean",
    log_target: bool = False,
) -> np.ndarray:
    r"""Gradient of ``kl_div`` for ``input``: $\partial \ell_i / \partial x_i = -p_i$.

    Only the gradient for ``input`` is returned (the model's side, which training
    needs); the gradient for the target, $\log p_i + 1 - x_i$, is not computed here (the
    torch twin gets it from autograd).
    """
    check_grad_output_type(grad_output)
    check_kl_div(input, target, reduction, log_target)
    p, _ = _kl_target(target, log_target, input.dtype)
    g = _grad_per_element(
        grad_output,
        input.shape,
        reduction,
        input.dtype,
        count=_kl_batch_size(input) if reduction == "batchmean" else None,
    )
    # dl_i/dx_i = -p_i
    return (g * -p).astype(input.dtype, copy=False)
