r"""Attention: scaled dot-product and additive (Bahdanau), with their backward passes.

Both score every query against every key, turn the scores of one query into weights with
a softmax over the keys, and return the weighted average of the values:

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}(\text{scores}(Q, K) + M)\, V,$$

where the mask $M$ is $0$ where a query may attend and $-\infty$ where it may not. The
two differ in the score: a scaled dot product $q^\top k/\sqrt{E}$ (Vaswani et al.,
2017), or a one-hidden-layer network $w_v^\top \tanh(W_q q + W_k k)$ (Bahdanau et al.,
2015).

Masks follow ``torch.nn.functional.scaled_dot_product_attention``: a boolean mask says
where a query **may** attend (``True`` = attend), a floating mask is added to the
scores. A query whose keys are all masked out gets zero weights and a zero output
(torch's ``_safe_softmax``), not NaN. Dropout on the weights takes an explicit
``generator`` or a keep-mask (``dropout_mask``), so a NumPy result can be compared
exactly with a torch one; the backward passes need that mask.
"""

from __future__ import annotations

import math

import numpy as np

from dlref._attention_args import check_additive_args, check_sdpa_args, is_bool
from dlref._checks import check_generator
from dlref._norm_args import check_grad_output

__all__ = [
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
    "additive_attention",
    "additive_attention_backward",
]


# -- shared steps (also used by the attention layers) ----------------------------------


def _as_torch():
    """inf and NaN propagate silently, as in torch: ``inf - inf`` is NaN, a huge product
    overflows to inf.

    Every computing step below runs inside it (the public functions and the layers enter
    it); NumPy would otherwise warn, and a ``RuntimeWarning`` is an error in the tests.
    """
    return np.errstate(invalid="ignore", over="ignore")


def _sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum ``grad`` over the dimensions that broadcasting added or
    stretched to get ``shape``."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _logit_mask(attn_mask, is_causal: bool, L: int, S: int, dtype) -> np.ndarray | None:
    """The mask as an addend of the scores: 0 where a query may attend, $-\\infty$ where
    it may not."""
    if is_causal:
        # query i attends to keys j <= i
        # (lower triangle, aligned at the upper left when L != S)
        attn_mask = np.tril(np.ones((L, S), dtype=bool))  # (L, S)
    if attn_mask is None:
        return None
    if is_bool(attn_mask):
        # True = attend: add 0; False = masked: add -inf
        return np.where(attn_mask, 0.0, -np.inf).astype(dtype)
    return attn_mask


def _softmax_rows(scores: np.ndarray, safe: bool) -> np.ndarray:
    r"""Softmax over the last dimension, $e^{x_j - m} / \sum_{j'} e^{x_{j'} - m}$ with
    $m$ the row maximum.

    ``safe``: a row of only $-\infty$ (a query with no key to attend to) gets weights 0,
    as torch's ``_safe_softmax`` in ``scaled_dot_product_attention``; otherwise NaN, as
    ``torch.softmax`` (which ``MultiheadAttention`` uses when it returns its weights). A
    row holding $+\infty$ or NaN is NaN either way, as in torch.
    """
    if scores.shape[-1] == 0:
        return scores.copy()
    m = np.max(scores, axis=-1, keepdims=True)
    if safe:
        # a row of only -inf: shift by 0, so that every e_j = exp(-inf) = 0
        m = np.where(m == -np.inf, 0.0, m).astype(scores.dtype)
    # e_j = exp(x_j - m) <= 1  (a row holding +inf: inf - inf = NaN)
    e = np.exp(scores - m)
    total = np.sum(e, axis=-1, keepdims=True)
    if safe:
        # 0 / 1 = 0 for a masked row
        total = np.where(total == 0, 1.0, total).astype(scores.dtype)
    # a_j = e_j / sum_j' e_j'
    return e / total


def _dropout_scale(
    keep: np.ndarray | None, dropout_p: float, dtype
) -> np.ndarray | None:
    """$m / (1 - p)$ in ``dtype`` (zeros for $p = 1$); ``None`` when there is no
    dropout."""
    if dropout_p == 0.0 and keep is None:
        return None
    if dropout_p == 1.0:
        return np.zeros(keep.shape if keep is not None else (), dtype=dtype)
    return (keep.astype(dtype) / np.asarray(1.0 - dropout_p, dtype=dtype)).astype(
        dtype, copy=False
    )


def _draw_keep(shape: tuple[int, ...], dropout_p: float, generator, keep):
    """The keep-mask to use: the given one, or one drawn from ``generator`` when
    $0 < p < 1$."""
    if keep is not None or not 0.0 < dropout_p < 1.0:
        return keep
    # keep_ij ~ Bernoulli(1 - p)
    return check_generator("generator", generator).random(shape) >= dropout_p


def _attend(
    scores: np.ndarray,
    value: np.ndarray,
    logit_mask,
    dropout: np.ndarray | None,
    safe: bool,
):
    """Softmax of the masked scores, dropout, weighted sum of the values:
    ``(output, weights, dropped)``."""
    if logit_mask is not None:
        scores = scores + logit_mask  # (*, L, S)
    # A = softmax(scores) over the keys                                       (*, L, S)
    weights = _softmax_rows(scores, safe)
    # A_drop = A * m / (1 - p)
    dropped = weights if dropout is None else weights * dropout
    # O = A_drop V   (*, L, E_v)
    return dropped @ value, weights, dropped


def _attend_backward(grad_output, grad_dropped, value, weights, dropped, dropout):
    """Back through ``_attend``: the gradients of the scores (before the mask) and of
    ``value`` (broadcast shape)."""
    # dL/dV = A_drop^T G   (*, S, E_v)
    grad_value = np.swapaxes(dropped, -1, -2) @ grad_output
    # dL/dA_drop = G V^T (+ the gradient of the returned weights)             (*, L, S)
    grad_d = grad_output @ np.swapaxes(value, -1, -2)
    if grad_dropped is not None:
        grad_d = grad_d + grad_dropped
    # dL/dA = dL/dA_drop * m / (1 - p)
    grad_weights = grad_d if dropout is None else grad_d * dropout
    # softmax: dL/dx_j = a_j (dL/da_j - sum_j' a_j' dL/da_j')
    grad_scores = weights * (
        grad_weights - np.sum(grad_weights * weights, axis=-1, keepdims=True)
    )
    return grad_scores, grad_value


def _scales(scale: float) -> tuple[float, float]:
    """$(c_q, c_k)$ with $c_q c_k = $ ``scale``: $\\pm\\sqrt{|s|}$ and $\\sqrt{|s|}$,
    torch's split."""
    root = math.sqrt(abs(scale))
    return math.copysign(root, scale), root


def _dot_scores(query: np.ndarray, key: np.ndarray, scale: float) -> np.ndarray:
    r"""$s\, Q K^\top$, computed as $(c_q Q)(c_k K)^\top$ with $c_q c_k = s$, as torch's
    math path does.

    Scaling both factors by $\sqrt{|s|}$ before the product keeps it in range where
    scaling the product after would overflow (float16); the value is the same.
    """
    c_q, c_k = _scales(scale)
    # (*, L, S)
    return (query * query.dtype.type(c_q)) @ np.swapaxes(
        key * key.dtype.type(c_k), -1, -2
    )


def _dot_scores_backward(grad_scores, query, key, scale):
    """Gradients of ``_dot_scores`` for query and key (broadcast shapes)."""
    c_q, c_k = _scales(scale)
    # dL/dQ = c_q (dL/dS) (c_k K);  dL/dK = c_k (dL/dS)^T (c_q Q)
    grad_query = (grad_scores @ (key * key.dtype.type(c_k))) * query.dtype.type(c_q)
    grad_key = (
        np.swapaxes(grad_scores, -1, -2) @ (query * query.dtype.type(c_q))
    ) * key.dtype.type(c_k)
    return grad_query, grad_key


# -- scaled dot-product attention ------------------------------------------------------


def scaled_dot_product_attention(
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    attn_mask: np.ndarray | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    generator: np.random.Generator | None = None,
    dropout_mask: np.ndarray | None = None,
) -> np.ndarray:
    r"""Scaled dot-product attention $\mathrm{softmax}(Q K^\top/\sqrt{E} + M)\, V$.

    $$A = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{E}} + M\Big), \qquad
    O = \Big(A \odot \frac{D}{1 - p}\Big) V,$$

    the softmax taken over the keys (each row of $A$ sums to 1), $M$ the mask ($0$ =
    attend, $-\infty$ = masked, or any added float), $D$ the dropout keep-mask (all ones
    when ``dropout_p = 0``). Dividing by $\sqrt{E}$ keeps the scores' variance near 1
    for unit-variance $q, k$, so the softmax does not saturate as $E$ grows.

    Args:
        query: $Q$, floating-point array.
        key: $K$, the same dtype; its leading dimensions broadcast with query's.
        value: $V$, the same dtype.
        attn_mask: boolean (``True`` = the query **may** attend to that key) or floating
            (added to the scores; $-\infty$ masks) array, in query's dtype when
            floating, broadcasting to ``(*, L, S)``.
        dropout_p: probability of dropping an attention weight, in $[0, 1]$ (applied
            whenever ``> 0``: this function has no ``training`` flag, as in torch).
        is_causal: mask the upper triangle: query $i$ attends to keys $j \le i$ (the
            triangle starts at the upper left when $L \ne S$). Not with ``attn_mask``.
        scale: the factor of the scores, default $1/\sqrt{E}$.
        generator: ``numpy.random.Generator`` that draws the dropout mask (dlref's
            addition).
        dropout_mask: a boolean keep-mask of shape ``(*, L, S)`` (``True`` = keep) to
            use instead of drawing one (dlref's addition); pass the same one to the
            backward pass.

    Shape:
        query ``(*, L, E)``, key ``(*, S, E)``, value ``(*, S, E_v)``; attn_mask
        broadcasting to ``(*, L, S)``; output ``(*, L, E_v)``, ``*`` the broadcast of
        the three inputs' leading dimensions (any number, none included).

    Returns:
        $O$, in query's dtype. A query whose keys are all masked gets zeros.

    PyTorch equivalent: ``torch.nn.functional.scaled_dot_product_attention(query, key,
    value, attn_mask, dropout_p, is_causal, scale)``, its math path (the one for float64
    and on the CPU): the same masks, the same scaling (torch multiplies $Q$ and $K$ by
    $\sqrt{s}$ each), the same zeros for fully masked rows.

    Differences from PyTorch: ``generator`` and ``dropout_mask``; no ``enable_gqa``
    (grouped-query attention: repeat key and value along the head dimension first); a
    floating mask must have query's dtype (torch also takes float32 with a float64
    query); ``scale`` must be finite; float16 is computed in float16 (torch's math path
    keeps float32 intermediates); errors are ``ValueError``/``TypeError`` naming the
    argument (torch: ``RuntimeError``).

    References:
        A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł.
        Kaiser, I. Polosukhin (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """
    weights_shape, output_shape = check_sdpa_args(
        query,
        key,
        value,
        attn_mask,
        dropout_p,
        is_causal,
        scale,
        dropout_mask,
        np.ndarray,
    )
    check_generator("generator", generator)
    with _as_torch():
        output, _, _ = _sdpa_forward(
            query,
            key,
            value,
            attn_mask,
            dropout_p,
            is_causal,
            scale,
            weights_shape,
            generator,
            dropout_mask,
        )
    return output


def _sdpa_forward(
    query,
    key,
    value,
    attn_mask,
    dropout_p,
    is_causal,
    scale,
    weights_shape,
    generator,
    keep,
):
    L, S = weights_shape[-2:]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    logit_mask = _logit_mask(attn_mask, is_causal, L, S, query.dtype)
    keep = _draw_keep(weights_shape, dropout_p, generator, keep)
    dropout = _dropout_scale(keep, dropout_p, query.dtype)
    # scores = s Q K^T                                                        (*, L, S)
    scores = _dot_scores(query, key, s)
    output, weights, dropped = _attend(scores, value, logit_mask, dropout, safe=True)
    return output, (weights, dropped, dropout, s), keep


def scaled_dot_product_attention_backward(
    grad_output: np.ndarray,
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    attn_mask: np.ndarray | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    generator: np.random.Generator | None = None,
    dropout_mask: np.ndarray | None = None,
):
    r"""Gradients of `scaled_dot_product_attention` for query, key and value.

    With $G = \partial L/\partial O$, $\tilde A = A \odot D/(1-p)$ and
    $S = sQK^\top + M$:

    $$\frac{\partial L}{\partial V} = \tilde A^\top G, \qquad
    \frac{\partial L}{\partial A} = (G V^\top) \odot \frac{D}{1 - p}, \qquad
    \frac{\partial L}{\partial S_{ij}} = A_{ij}\Big(\frac{\partial L}{\partial A_{ij}}
    - \sum_{j'} A_{ij'} \frac{\partial L}{\partial A_{ij'}}\Big),$$

    then $\partial L/\partial Q = s\,(\partial L/\partial S) K$ and
    $\partial L/\partial K = s\,(\partial L/\partial S)^\top Q$, each summed over the
    leading dimensions that broadcasting stretched.

    Args:
        grad_output: $G$, the shape of the forward's output ``(*, L, E_v)``, in query's
            dtype.
        query: as given to the forward pass; likewise ``key``, ``value``, ``attn_mask``,
            ``dropout_p``, ``is_causal``, ``scale``.
        generator: not used (the backward pass cannot redraw a mask).
        dropout_mask: the keep-mask the forward pass used; required when $0 < p < 1$.

    Returns:
        ``(grad_query, grad_key, grad_value)``, the shapes and dtype of the inputs. The
        mask gets no gradient (a floating mask's gradient would be
        $\partial L/\partial S$ summed to its shape).

    Differences from PyTorch: as for the forward pass; torch's autograd also
    differentiates a floating ``attn_mask`` that requires grad; ``grad_output`` must
    have query's dtype.
    """
    weights_shape, output_shape = check_sdpa_args(
        query,
        key,
        value,
        attn_mask,
        dropout_p,
        is_causal,
        scale,
        dropout_mask,
        np.ndarray,
    )
    check_grad_output(
        grad_output, query, output_shape, output="scaled_dot_product_attention's output"
    )
    if dropout_mask is None and 0.0 < dropout_p < 1.0:
        raise ValueError(
            "dropout_mask is required when 0 < dropout_p < 1: pass the keep-mask "
            "the forward pass used (the backward pass cannot redraw it)"
        )
    with _as_torch():
        _, (weights, dropped, dropout, s), _ = _sdpa_forward(
            query,
            key,
            value,
            attn_mask,
            dropout_p,
            is_causal,
            scale,
            weights_shape,
            None,
            dropout_mask,
        )
        grad_scores, grad_value = _attend_backward(
            grad_output, None, value, weights, dropped, dropout
        )
        grad_query, grad_key = _dot_scores_backward(grad_scores, query, key, s)
    return (
        _sum_to_shape(grad_query, query.shape),
        _sum_to_shape(grad_key, key.shape),
        _sum_to_shape(grad_value, value.shape),
    )


# -- additive attention ----------------------------------------------------------------


def _additive_forward(
    query,
    key,
    value,
    weight_q,
    weight_k,
    weight_v,
    attn_mask,
    dropout_p,
    weights_shape,
    generator,
    keep,
):
    # W_q q and W_k k   (*, L, H), (*, S, H)
    q_h = query @ weight_q.T
    k_h = key @ weight_k.T
    # F_ij = tanh(W_q q_i + W_k k_j)   (*, L, S, H)
    features = np.tanh(q_h[..., :, None, :] + k_h[..., None, :, :])
    # e_ij = w_v^T F_ij                                                       (*, L, S)
    scores = features @ weight_v
    logit_mask = _logit_mask(attn_mask, False, *weights_shape[-2:], query.dtype)
    keep = _draw_keep(weights_shape, dropout_p, generator, keep)
    dropout = _dropout_scale(keep, dropout_p, query.dtype)
    output, weights, dropped = _attend(scores, value, logit_mask, dropout, safe=True)
    return output, (weights, features, dropped, dropout), keep


def _additive_backward(
    grad_output, grad_dropped, query, key, value, weight_q, weight_k, weight_v, cache
):
    """Back through ``_additive_forward`` (``grad_dropped``: a gradient of the returned
    weights, or None)."""
    weights, features, dropped, dropout = cache
    grad_scores, grad_value = _attend_backward(
        grad_output, grad_dropped, value, weights, dropped, dropout
    )
    # dL/dw_v = sum_ij dL/de_ij F_ij, over every batch entry as well      (H,)
    H = features.shape[-1]
    F_b = np.broadcast_to(features, grad_scores.shape + (H,))  # (*, L, S, H)
    grad_weight_v = F_b.reshape(-1, H).T @ grad_scores.reshape(-1)
    # dL/dU_ij = dL/de_ij w_v (1 - F_ij^2)                                (*, L, S, H)
    grad_u = grad_scores[..., None] * weight_v * (1 - features * features)
    # W_q q_i enters every U_ij of row i; W_k k_j every U_ij of column j
    grad_q_h = grad_u.sum(axis=-2)  # (*, L, H)
    grad_k_h = grad_u.sum(axis=-3)  # (*, S, H)
    # back through q_h = q W_q^T and k_h = k W_k^T
    grad_query = grad_q_h @ weight_q  # (*, L, query_size)
    grad_key = grad_k_h @ weight_k  # (*, S, key_size)
    q_2d = np.broadcast_to(query, grad_q_h.shape[:-1] + query.shape[-1:]).reshape(
        -1, query.shape[-1]
    )
    k_2d = np.broadcast_to(key, grad_k_h.shape[:-1] + key.shape[-1:]).reshape(
        -1, key.shape[-1]
    )
    grad_weight_q = grad_q_h.reshape(-1, grad_q_h.shape[-1]).T @ q_2d  # (H, query_size)
    grad_weight_k = grad_k_h.reshape(-1, grad_k_h.shape[-1]).T @ k_2d  # (H, key_size)
    return (
        _sum_to_shape(grad_query, query.shape),
        _sum_to_shape(grad_key, key.shape),
        _sum_to_shape(grad_value, value.shape),
        grad_weight_q,
        grad_weight_k,
        grad_weight_v,
    )


def additive_attention(
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    weight_q: np.ndarray,
    weight_k: np.ndarray,
    weight_v: np.ndarray,
    attn_mask: np.ndarray | None = None,
    dropout_p: float = 0.0,
    *,
    generator: np.random.Generator | None = None,
    dropout_mask: np.ndarray | None = None,
) -> np.ndarray:
    r"""Additive (Bahdanau) attention: scores $w_v^\top \tanh(W_q q_i + W_k k_j)$,
    softmax, weighted values.

    $$e_{ij} = w_v^\top \tanh(W_q q_i + W_k k_j), \qquad
    A = \mathrm{softmax}_j(e + M), \qquad O = \Big(A \odot \frac{D}{1 - p}\Big) V.$$

    The score is a one-hidden-layer network of the pair $(q_i, k_j)$ with $h$ =
    ``num_hiddens`` tanh units: query and key may have different sizes, and no scaling
    is needed (tanh bounds each unit, so $|e_{ij}| \le \|w_v\|_1$). It costs $O(L S h)$
    memory for the hidden units, where dot-product attention needs $O(L S)$.

    Args:
        query: $q$, floating-point array.
        key: $k$, the same dtype; leading dimensions broadcast with query's.
        value: $v$, the same dtype.
        weight_q: $W_q$, ``(num_hiddens, query_size)``.
        weight_k: $W_k$, ``(num_hiddens, key_size)``.
        weight_v: $w_v$, ``(num_hiddens,)``.
        attn_mask: as in `scaled_dot_product_attention`: boolean (``True`` = may attend)
            or floating (added to the scores), broadcasting to ``(*, L, S)``.
        dropout_p: probability of dropping an attention weight, in $[0, 1]$.
        generator: ``numpy.random.Generator`` that draws the dropout mask.
        dropout_mask: a boolean keep-mask ``(*, L, S)`` to use instead of drawing one.

    Shape:
        query ``(*, L, query_size)``, key ``(*, S, key_size)``, value ``(*, S, E_v)``;
        output ``(*, L, E_v)``.

    Returns:
        $O$, in query's dtype; a query whose keys are all masked gets zeros.

    PyTorch equivalent: none in torch; d2l's ``AdditiveAttention`` (Dive into Deep
    Learning, §11.3) computes the same with ``W_q``, ``W_k``, ``w_v`` as bias-free
    ``Linear`` layers and a length mask (``valid_lens``) where this takes a boolean
    mask.

    References:
        D. Bahdanau, K. Cho, Y. Bengio (2015), "Neural machine translation by jointly
        learning to align and translate", ICLR, https://arxiv.org/abs/1409.0473
    """
    weights_shape, output_shape = check_additive_args(
        query,
        key,
        value,
        weight_q,
        weight_k,
        weight_v,
        attn_mask,
        dropout_p,
        dropout_mask,
        np.ndarray,
    )
    check_generator("generator", generator)
    with _as_torch():
        output, _, _ = _additive_forward(
            query,
            key,
            value,
            weight_q,
            weight_k,
            weight_v,
            attn_mask,
            dropout_p,
            weights_shape,
            generator,
            dropout_mask,
        )
    return output


def additive_attention_backward(
    grad_output: np.ndarray,
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    weight_q: np.ndarray,
    weight_k: np.ndarray,
    weight_v: np.ndarray,
    attn_mask: np.ndarray | None = None,
    dropout_p: float = 0.0,
    *,
    generator: np.random.Generator | None = None,
    dropout_mask: np.ndarray | None = None,
):
    r"""Gradients of `additive_attention` for query, key, value, $W_q$, $W_k$ and $w_v$.

    From $\partial L/\partial e$ (through the softmax and dropout as in
    `scaled_dot_product_attention_backward`), with $F = \tanh(U)$,
    $U_{ij} = W_q q_i + W_k k_j$:

    $$\frac{\partial L}{\partial w_v} = \sum_{ij} \frac{\partial L}{\partial e_{ij}}
    F_{ij},
    \qquad \frac{\partial L}{\partial U_{ij}} = \frac{\partial L}{\partial e_{ij}}\,
    w_v \odot (1 - F_{ij}^2),$$

    then $\partial L/\partial (W_q q_i) = \sum_j \partial L/\partial
    U_{ij}$ and $\partial L/\partial (W_k k_j) = \sum_i \partial L/\partial U_{ij}$, and
    back through the two linear maps.

    Args:
        grad_output: $\partial L/\partial O$, the shape of the forward's output, in
            query's dtype.
        query: as given to the forward pass; likewise every other argument.
        dropout_mask: the keep-mask the forward pass used; required when $0 < p < 1$.

    Returns:
        ``(grad_query, grad_key, grad_value, grad_weight_q, grad_weight_k,
        grad_weight_v)``, the shapes of the inputs; the mask gets no gradient.
    """
    weights_shape, output_shape = check_additive_args(
        query,
        key,
        value,
        weight_q,
        weight_k,
        weight_v,
        attn_mask,
        dropout_p,
        dropout_mask,
        np.ndarray,
    )
    check_grad_output(
        grad_output, query, output_shape, output="additive_attention's output"
    )
    if dropout_mask is None and 0.0 < dropout_p < 1.0:
        raise ValueError(
            "dropout_mask is required when 0 < dropout_p < 1: pass the keep-mask "
            "the forward pass used (the backward pass cannot redraw it)"
        )
    with _as_torch():
        _, cache, _ = _additive_forward(
            query,
            key,
            value,
            weight_q,
            weight_k,
            weight_v,
            attn_mask,
            dropout_p,
            weights_shape,
            None,
            dropout_mask,
        )
        return _additive_backward(
            grad_output, None, query, key, value, weight_q, weight_k, weight_v, cache
        )
