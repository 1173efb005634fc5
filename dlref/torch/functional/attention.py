r"""Attention from tensor primitives (matmul, exp, sums, ``where``); autograd gives the
backward.

`scaled_dot_product_attention` and `additive_attention` compute what the NumPy backend's
functions of the same names compute, step for step: the scores, the mask as an addend
($0$ = attend, $-\infty$ = masked), a softmax over the keys that gives a query with no
key to attend to zero weights (torch's ``_safe_softmax``), dropout on the weights, the
weighted sum of the values.

Dropout draws its keep-mask as torch's math path draws it on the CPU
(``bernoulli_(1 - p)`` on a tensor of the weights' shape), so with the same seed the
twin and ``torch.nn.functional.scaled_dot_product_attention`` drop the same weights
there; a mask can also be passed in (``dropout_mask=``), to compare with the NumPy
backend on any device.

``torch.nn.functional.scaled_dot_product_attention`` (and ``torch.softmax``) is never
called here: the tests compare against it.
"""

from __future__ import annotations

import math

import torch

from dlref._attention_args import check_additive_args, check_sdpa_args, is_bool
from dlref.torch.functional.regularization import dropout_mask as _draw_mask

__all__ = ["scaled_dot_product_attention", "additive_attention"]


# -- shared steps (also used by the attention layers) ----------------------------------


def _check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            "generator must be a torch.Generator or None, got "
            f"{type(generator).__name__}"
        )


def _check_devices(query: torch.Tensor, **others) -> None:
    """Every tensor argument lives on query's device (torch would raise a RuntimeError
    deep inside)."""
    for name, x in others.items():
        if x is not None and x.device != query.device:
            raise ValueError(
                f"{name} must be on the device of query ({query.device}), got "
                f"{x.device}"
            )


def _logit_mask(
    attn_mask, is_causal: bool, L: int, S: int, like: torch.Tensor
) -> torch.Tensor | None:
    """The mask as an addend of the scores: 0 where a query may attend, $-\\infty$ where
    it may not."""
    if is_causal:
        # query i attends to keys j <= i
        # (lower triangle, aligned at the upper left when L != S)
        # (L, S)
        attn_mask = torch.ones(L, S, dtype=torch.bool, device=like.device).tril()
    if attn_mask is None:
        return None
    if is_bool(attn_mask):
        # True = attend: add 0; False = masked: add -inf
        zero = torch.zeros((), dtype=like.dtype, device=like.device)
        return torch.where(attn_mask, zero, zero - math.inf)
    return attn_mask


def _softmax_rows(scores: torch.Tensor, safe: bool) -> torch.Tensor:
    r"""Softmax over the last dimension, $e^{x_j - m}/\sum_{j'} e^{x_{j'} - m}$, $m$ the
    row maximum (detached).

    ``safe``: a row of only $-\infty$ gets weights 0 (torch's ``_safe_softmax``), else
    NaN (as ``torch.softmax``). The guards are ``where`` on the shift and on the sum,
    never on the result, so no NaN reaches the gradient of a masked row.
    """
    if scores.shape[-1] == 0:
        return scores.clone()
    # m = max_j x_j, a constant for the gradient
    m = scores.detach().amax(dim=-1, keepdim=True)
    if safe:
        # a row of only -inf: shift by 0, so that every e_j = exp(-inf) = 0
        m = torch.where(m == -math.inf, torch.zeros_like(m), m)
    e = torch.exp(scores - m)
    total = e.sum(dim=-1, keepdim=True)
    if safe:
        # 0 / 1 = 0 for a masked row
        total = torch.where(total == 0, torch.ones_like(total), total)
    return e / total


def _dropout_scale(keep, dropout_p: float, like: torch.Tensor) -> torch.Tensor | None:
    """$m / (1 - p)$ in ``like``'s dtype (zeros for $p = 1$); ``None`` when there is no
    dropout."""
    if dropout_p == 0.0 and keep is None:
        return None
    if dropout_p == 1.0:
        shape = keep.shape if keep is not None else ()
        return torch.zeros(shape, dtype=like.dtype, device=like.device)
    return keep.to(like.dtype).div_(1.0 - dropout_p)


def _draw_keep(shape, dropout_p: float, generator, keep, device):
    """The keep-mask to use: the given one, or one drawn like torch's dropout when
    $0 < p < 1$."""
    if keep is not None or not 0.0 < dropout_p < 1.0:
        return keep
    # keep_ij ~ Bernoulli(1 - p): torch's empty(shape).bernoulli_(1 - p)
    return _draw_mask(shape, dropout_p, generator, device)


def _attend(scores, value, logit_mask, dropout, safe: bool):
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


def _dot_scores(query: torch.Tensor, key: torch.Tensor, scale: float) -> torch.Tensor:
    r"""$s\, Q K^\top$ as $(c_q Q)(c_k K)^\top$, $c_q = \pm\sqrt{|s|}$,
    $c_k = \sqrt{|s|}$, as torch's math path."""
    root = math.sqrt(abs(scale))
    # (*, L, S)
    return (query * math.copysign(root, scale)) @ (key * root).transpose(-2, -1)


# -- the functions ---------------------------------------------------------------------


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    generator: torch.Generator | None = None,
    dropout_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Scaled dot-product attention $\mathrm{softmax}(Q K^\top/\sqrt{E} + M)\, V$.

    $$A = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{E}} + M\Big), \qquad
    O = \Big(A \odot \frac{D}{1 - p}\Big) V,$$

    $M$ the mask ($0$ = attend, $-\infty$ = masked, or an added float), $D$ the
    keep-mask.

    Args:
        query: $Q$, floating-point tensor.
        key: $K$, same dtype and device; leading dimensions broadcast with query's.
        value: $V$, same dtype and device.
        attn_mask: boolean (``True`` = may attend) or floating (added; in query's dtype)
            tensor broadcasting to ``(*, L, S)``.
        dropout_p: probability of dropping an attention weight (applied whenever
            ``> 0``).
        is_causal: query $i$ attends to keys $j \le i$ only. Not with ``attn_mask``.
        scale: the factor of the scores, default $1/\sqrt{E}$.
        generator: ``torch.Generator`` that draws the dropout mask (torch's global one
            when ``None``, as torch draws).
        dropout_mask: a boolean keep-mask ``(*, L, S)`` on query's device to use instead
            of drawing one.

    Shape:
        query ``(*, L, E)``, key ``(*, S, E)``, value ``(*, S, E_v)``; output
        ``(*, L, E_v)``, ``*`` the broadcast leading dimensions (any number, none
        included).

    Returns:
        $O$, in query's dtype; a query whose keys are all masked gets zeros.

    PyTorch equivalent: ``torch.nn.functional.scaled_dot_product_attention``, its math
    path; on the CPU the same seed drops the same weights.

    Differences from PyTorch: ``generator`` and ``dropout_mask``; no ``enable_gqa``; a
    floating mask must have query's dtype; ``scale`` must be finite; errors are
    ``ValueError``/``TypeError`` naming the argument. On CUDA torch may pick a fused
    kernel, whose results differ in the last bits and whose dropout uses another random
    stream.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """
    weights_shape, _ = check_sdpa_args(
        query,
        key,
        value,
        attn_mask,
        dropout_p,
        is_causal,
        scale,
        dropout_mask,
        torch.Tensor,
    )
    _check_generator(generator)
    _check_devices(
        query, key=key, value=value, attn_mask=attn_mask, dropout_mask=dropout_mask
    )
    L, S = weights_shape[-2:]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    logit_mask = _logit_mask(attn_mask, is_causal, L, S, query)
    keep = _draw_keep(weights_shape, dropout_p, generator, dropout_mask, query.device)
    dropout = _dropout_scale(keep, dropout_p, query)
    # scores = s Q K^T                                                        (*, L, S)
    scores = _dot_scores(query, key, s)
    output, _, _ = _attend(scores, value, logit_mask, dropout, safe=True)
    return output


def _additive(
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
    """``(output, dropped weights)`` of additive attention (arguments checked)."""
    # F_ij = tanh(W_q q_i + W_k k_j)   (*, L, S, H)
    features = torch.tanh(
        (query @ weight_q.T).unsqueeze(-2) + (key @ weight_k.T).unsqueeze(-3)
    )
    # e_ij = w_v^T F_ij                                                       (*, L, S)
    scores = features @ weight_v
    logit_mask = _logit_mask(attn_mask, False, *weights_shape[-2:], query)
    keep = _draw_keep(weights_shape, dropout_p, generator, keep, query.device)
    output, _, dropped = _attend(
        scores, value, logit_mask, _dropout_scale(keep, dropout_p, query), safe=True
    )
    return output, dropped, keep


def additive_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    weight_q: torch.Tensor,
    weight_k: torch.Tensor,
    weight_v: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    *,
    generator: torch.Generator | None = None,
    dropout_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Additive (Bahdanau) attention: scores $w_v^\top \tanh(W_q q_i + W_k k_j)$,
    softmax, weighted values.

    $$e_{ij} = w_v^\top \tanh(W_q q_i + W_k k_j), \qquad
    A = \mathrm{softmax}_j(e + M), \qquad O = \Big(A \odot \frac{D}{1 - p}\Big) V.$$

    Args:
        query: $q$, floating-point tensor.
        key: $k$, same dtype and device.
        value: $v$, same dtype and device.
        weight_q: $W_q$, ``(num_hiddens, query_size)``.
        weight_k: $W_k$, ``(num_hiddens, key_size)``.
        weight_v: $w_v$, ``(num_hiddens,)``.
        attn_mask: boolean (``True`` = may attend) or floating (added) mask broadcasting
            to ``(*, L, S)``.
        dropout_p: probability of dropping an attention weight.
        generator: ``torch.Generator`` for the dropout mask.
        dropout_mask: a boolean keep-mask ``(*, L, S)`` to use instead of drawing one.

    Shape:
        query ``(*, L, query_size)``, key ``(*, S, key_size)``, value ``(*, S, E_v)``;
        output ``(*, L, E_v)``.

    Returns:
        $O$, in query's dtype; a query whose keys are all masked gets zeros.

    PyTorch equivalent: none in torch (d2l's ``AdditiveAttention`` computes the same);
    the twin of `dlref.numpy.functional.additive_attention`.

    References:
        D. Bahdanau, K. Cho, Y. Bengio (2015), "Neural machine translation by jointly
        learning to align and translate", ICLR, https://arxiv.org/abs/1409.0473
    """
    weights_shape, _ = check_additive_args(
        query,
        key,
        value,
        weight_q,
        weight_k,
        weight_v,
        attn_mask,
        dropout_p,
        dropout_mask,
        torch.Tensor,
    )
    _check_generator(generator)
    _check_devices(
        query,
        key=key,
        value=value,
        weight_q=weight_q,
        weight_k=weight_k,
        weight_v=weight_v,
        attn_mask=attn_mask,
        dropout_mask=dropout_mask,
    )
    output, _, _ = _additive(
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
