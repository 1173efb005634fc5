r"""`MultiheadAttention` and `AdditiveAttention` as ``torch.nn.Module``s built from
tensor primitives.

The multi-head layer has torch's parameters (``in_proj_weight``, ``in_proj_bias``,
``out_proj``, ...), initializes them drawing from torch's global generator in torch's
order (so ``torch.manual_seed`` gives ``torch.nn.MultiheadAttention``'s weights), and
computes its non-fast path with matmuls, the softmax of
`dlref.torch.functional.attention` and ``where``. It never calls
``torch.nn.functional.multi_head_attention_forward``, ``scaled_dot_product_attention``
or ``torch._native_multi_head_attention``: the tests compare against them.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref._attention_args import (
    check_additive_args,
    check_dropout_mask,
    check_dropout_p,
    check_mha_args,
    check_mha_init,
    check_param_dtype,
    is_bool,
)
from dlref._checks import check_floating, check_positive_int
from dlref.torch.functional.attention import (
    _additive,
    _attend,
    _check_devices,
    _check_generator,
    _dot_scores,
    _draw_keep,
    _dropout_scale,
)
from dlref.torch.nn.linear import Linear

__all__ = ["MultiheadAttention", "AdditiveAttention"]


def _check_dtype_arg(dtype) -> None:
    if dtype is not None and not (
        isinstance(dtype, torch.dtype) and dtype.is_floating_point
    ):
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype}")


class MultiheadAttention(nn.Module):
    r"""Multi-head attention with torch's parameters: packed input projections,
    ``out_proj``, masks.

    $$\mathrm{head}_i = \mathrm{softmax}\Big(\frac{q_i k_i^\top}{\sqrt{d}} + M\Big) v_i,
    \qquad
    \text{output} = [\mathrm{head}_1 \cdots \mathrm{head}_h]\, W_O^\top + b_O,$$

    with $[q_1 \cdots q_h] = Q W_Q^\top + b_Q$ (likewise $k$, $v$) and $d = E/h$; see
    `dlref.numpy.nn.MultiheadAttention` for the whole story. Boolean masks follow
    torch's ``MultiheadAttention``: ``True`` = *not allowed to attend*.

    Args:
        embed_dim: $E$, the model size.
        num_heads: $h$; must divide ``embed_dim``.
        dropout: probability of dropping an attention weight in training mode.
        bias: learn ``in_proj_bias`` and ``out_proj.bias``.
        add_bias_kv: append learned ``bias_k``, ``bias_v`` to the projected keys and
            values.
        add_zero_attn: append a zero key and value.
        kdim: features of ``key`` (default ``embed_dim``).
        vdim: features of ``value`` (default ``embed_dim``).
        batch_first: ``(N, L, E)`` instead of ``(L, N, E)``.
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).
        generator: ``torch.Generator`` for the dropout masks (torch's global one when
            ``None``, as ``torch.nn.MultiheadAttention`` draws them).

    Shape:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)``
        (``(N, L, E)``, ... with ``batch_first``; ``(L, E)``, ... unbatched);
        ``key_padding_mask`` ``(N, S)`` or ``(S,)``; ``attn_mask`` ``(L, S)`` or
        ``(N * num_heads, L, S)``; ``dropout_mask`` ``(N, num_heads, L, S')``; output as
        query; weights ``(N, L, S')`` or ``(N, num_heads, L, S')`` ($S'$ counts the
        appended keys).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False,
    dropout_mask=None)`` returns ``(attn_output,
    attn_weights)``, the weights after dropout (``None`` unless ``need_weights``).

    Attributes:
        dropout_mask: the keep-mask of the last training-mode forward with dropout.

    PyTorch equivalent: ``torch.nn.MultiheadAttention``, same parameter names, shapes,
    ``state_dict`` keys and initialization order; its non-fast path.

    Differences from PyTorch: ``generator`` and ``dropout_mask``; as torch, a query
    whose keys are all masked gets NaN with ``need_weights=True`` and zeros without;
    ``is_causal`` is a hint that needs ``attn_mask`` (always applied); floating masks
    must have query's dtype; no fast path, no nested tensors; errors are
    ``ValueError``/``TypeError``.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_mha_init(
            embed_dim,
            num_heads,
            dropout,
            bias,
            add_bias_kv,
            add_zero_attn,
            kdim,
            vdim,
            batch_first,
        )
        _check_dtype_arg(dtype)
        _check_generator(generator)
        factory = {"device": device, "dtype": dtype}
        E = embed_dim
        self.embed_dim = E
        self.kdim = kdim if kdim is not None else E
        self.vdim = vdim if vdim is not None else E
        self._qkv_same_embed_dim = self.kdim == E and self.vdim == E
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = E // num_heads
        if self._qkv_same_embed_dim:
            # rows [0, E) project queries, [E, 2E) keys, [2E, 3E) values
            self.in_proj_weight = nn.Parameter(torch.empty((3 * E, E), **factory))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = nn.Parameter(torch.empty((E, E), **factory))
            self.k_proj_weight = nn.Parameter(torch.empty((E, self.kdim), **factory))
            self.v_proj_weight = nn.Parameter(torch.empty((E, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * E, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        # drawn here, before the projections below, as torch draws them
        self.out_proj = Linear(E, E, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = nn.Parameter(torch.empty((1, 1, E), **factory))
            self.bias_v = nn.Parameter(torch.empty((1, 1, E), **factory))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self.generator = generator
        self.dropout_mask: torch.Tensor | None = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Torch's initialization, in torch's order: Xavier-uniform projections, zero
        biases, Xavier-normal bias_k/v."""
        if self._qkv_same_embed_dim:
            nn.init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                nn.init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            nn.init.constant_(self.in_proj_bias, 0.0)
            nn.init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                nn.init.xavier_normal_(extra)

    def _projections(self):
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            W_q, W_k, W_v = self.in_proj_weight.split(E)
        else:
            W_q, W_k, W_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else b.split(E)
        return (W_q, W_k, W_v), (b_q, b_k, b_v)

    def _to_batch_first(self, x: torch.Tensor, batched: bool) -> torch.Tensor:
        if not batched:
            return x.unsqueeze(0)  # (1, L, E)
        return x if self.batch_first else x.transpose(0, 1)  # (N, L, E)

    def _from_batch_first(self, x: torch.Tensor, batched: bool) -> torch.Tensor:
        if not batched:
            return x.squeeze(0)  # (L, E)
        return x if self.batch_first else x.transpose(0, 1)  # (L, N, E)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        N, T, _ = x.shape
        # (N, h, T, d)
        return x.reshape(N, T, self.num_heads, self.head_dim).transpose(1, 2)

    @staticmethod
    def _as_logits(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """A torch-style MHA mask as an addend: boolean ``True`` (not allowed) ->
        $-\\infty$, else as is."""
        if is_bool(mask):
            zero = torch.zeros((), dtype=like.dtype, device=like.device)
            return torch.where(mask, zero - math.inf, zero)
        return mask

    def _logit_mask(
        self,
        attn_mask,
        key_padding_mask,
        N: int,
        L: int,
        S: int,
        extra: int,
        like: torch.Tensor,
    ):
        """Both masks summed into one addend of the scores,
        ``(N|1, h|1, L|1, S + extra)``."""
        mask = None
        if attn_mask is not None:
            m = self._as_logits(attn_mask, like)
            # (L, S) -> (1, 1, L, S);
            # (N h, L, S) -> (N, h, L, S), torch's order of (batch, head)
            mask = m[None, None] if m.dim() == 2 else m.reshape(N, self.num_heads, L, S)
        if key_padding_mask is not None:
            # (N, 1, 1, S)
            pad = self._as_logits(key_padding_mask, like).reshape(N, 1, 1, S)
            mask = pad if mask is None else mask + pad
        if mask is not None and extra:
            # the appended keys (bias_k, zero attention) are never masked
            mask = torch.cat([mask, mask.new_zeros(mask.shape[:-1] + (extra,))], dim=-1)
        return mask

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        need_weights: bool = True,
        attn_mask: torch.Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
        dropout_mask: torch.Tensor | None = None,
    ):
        param = self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight
        batched, N, L, S = check_mha_args(
            query,
            key,
            value,
            key_padding_mask,
            need_weights,
            attn_mask,
            average_attn_weights,
            is_causal,
            embed_dim=self.embed_dim,
            kdim=self.kdim,
            vdim=self.vdim,
            num_heads=self.num_heads,
            batch_first=self.batch_first,
            param=param,
            array_type=torch.Tensor,
        )
        _check_devices(
            query,
            key=key,
            value=value,
            key_padding_mask=key_padding_mask,
            attn_mask=attn_mask,
            dropout_mask=dropout_mask,
            parameters=param,
        )
        h, E = self.num_heads, self.embed_dim
        extra = int(self.bias_k is not None) + int(self.add_zero_attn)
        p = self.dropout if self.training else 0.0
        weights_shape = (N, h, L, S + extra)
        if dropout_mask is not None:
            check_dropout_mask(
                dropout_mask,
                weights_shape if batched else weights_shape[1:],
                torch.Tensor,
            )
            dropout_mask = dropout_mask if batched else dropout_mask.unsqueeze(0)
        if not self.training:
            dropout_mask = None
        else:
            # keep_ij ~ Bernoulli(1 - p),
            # drawn as torch's F.dropout draws on (N h, L, S')
            dropout_mask = _draw_keep(
                weights_shape, p, self.generator, dropout_mask, query.device
            )
        self.dropout_mask = (
            None
            if dropout_mask is None
            else (dropout_mask if batched else dropout_mask.squeeze(0))
        )

        x_q = self._to_batch_first(query, batched)  # (N, L, E)
        x_k = self._to_batch_first(key, batched)  # (N, S, kdim)
        x_v = self._to_batch_first(value, batched)  # (N, S, vdim)
        (W_q, W_k, W_v), (b_q, b_k, b_v) = self._projections()
        # Q W_Q^T + b_Q, K W_K^T + b_K, V W_V^T + b_V (all heads in one product each)
        q = x_q @ W_q.T if b_q is None else x_q @ W_q.T + b_q  # (N, L, E)
        k = x_k @ W_k.T if b_k is None else x_k @ W_k.T + b_k  # (N, S, E)
        v = x_v @ W_v.T if b_v is None else x_v @ W_v.T + b_v  # (N, S, E)
        if self.bias_k is not None:
            k = torch.cat([k, self.bias_k.expand(N, 1, E)], dim=1)  # (N, S+1, E)
            v = torch.cat([v, self.bias_v.expand(N, 1, E)], dim=1)  # (N, S+1, E)
        # (N, h, T, d)
        q_h, k_h, v_h = self._split_heads(q), self._split_heads(k), self._split_heads(v)
        if self.add_zero_attn:
            zeros = q_h.new_zeros((N, h, 1, self.head_dim))
            k_h = torch.cat([k_h, zeros], dim=2)  # (N, h, S', d)
            v_h = torch.cat([v_h, zeros], dim=2)  # (N, h, S', d)
        logit_mask = self._logit_mask(attn_mask, key_padding_mask, N, L, S, extra, q)
        # head_i = softmax(q_i k_i^T / sqrt(d) + M) v_i   (N, h, L, d)
        scores = _dot_scores(q_h, k_h, 1.0 / math.sqrt(self.head_dim))
        heads, _, dropped = _attend(
            scores,
            v_h,
            logit_mask,
            _dropout_scale(dropout_mask, p, q),
            safe=not need_weights,
        )
        concat = heads.transpose(1, 2).reshape(N, L, E)  # (N, L, E)
        # [head_1 ... head_h] W_O^T + b_O
        attn_output = self._from_batch_first(self.out_proj(concat), batched)
        if not need_weights:
            return attn_output, None
        # (N, L, S') or (N, h, L, S')
        attn_weights = dropped.mean(dim=1) if average_attn_weights else dropped
        return attn_output, (attn_weights if batched else attn_weights.squeeze(0))

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"dropout={self.dropout}, batch_first={self.batch_first}"
        )


class AdditiveAttention(nn.Module):
    r"""Additive (Bahdanau) attention as a layer: scores
    $w_v^\top \tanh(W_q q_i + W_k k_j)$.

    $$e_{ij} = w_v^\top \tanh(W_q q_i + W_k k_j), \qquad A = \mathrm{softmax}_j(e + M),
    \qquad
    O = \Big(A \odot \frac{D}{1 - p}\Big) V,$$

    with bias-free ``Linear`` layers ``W_k``, ``W_q``, ``w_v`` (d2l's names and order).

    Args:
        query_size: features of a query.
        key_size: features of a key.
        num_hiddens: $h$, the tanh units of the scoring network.
        dropout: probability of dropping an attention weight in training mode.
        device: where the parameters live.
        dtype: parameter dtype.
        generator: ``torch.Generator`` for the dropout masks.

    Shape:
        query ``(*, L, query_size)``, key ``(*, S, key_size)``, value ``(*, S, E_v)``;
        output ``(*, L, E_v)``, weights ``(*, L, S)``.

    ``forward(query, key, value, attn_mask=None, dropout_mask=None)`` returns ``(output,
    attn_weights)`` (after dropout); a boolean ``attn_mask`` has ``True`` = *may
    attend*.

    PyTorch equivalent: none in torch; the twin of `dlref.numpy.nn.AdditiveAttention`,
    with d2l's ``state_dict`` keys (``W_k.weight``, ``W_q.weight``, ``w_v.weight``).

    References:
        D. Bahdanau, K. Cho, Y. Bengio (2015), "Neural machine translation by jointly
        learning to align and translate", ICLR, https://arxiv.org/abs/1409.0473
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        num_hiddens: int,
        dropout: float = 0.0,
        device=None,
        dtype=None,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_positive_int("query_size", query_size)
        check_positive_int("key_size", key_size)
        check_positive_int("num_hiddens", num_hiddens)
        check_dropout_p("dropout", dropout)
        _check_dtype_arg(dtype)
        _check_generator(generator)
        factory = {"device": device, "dtype": dtype}
        self.W_k = Linear(key_size, num_hiddens, bias=False, **factory)
        self.W_q = Linear(query_size, num_hiddens, bias=False, **factory)
        self.w_v = Linear(num_hiddens, 1, bias=False, **factory)
        self.dropout = float(dropout)
        self.generator = generator
        self.dropout_mask: torch.Tensor | None = None

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        attn_mask: torch.Tensor | None = None,
        dropout_mask: torch.Tensor | None = None,
    ):
        W_q, W_k, w_v = self.W_q.weight, self.W_k.weight, self.w_v.weight[0]
        if not isinstance(query, torch.Tensor):
            raise TypeError(f"query must be a torch.Tensor, got {type(query).__name__}")
        check_floating("query", query)
        check_param_dtype("weight", W_q, "query", query)
        p = self.dropout if self.training else 0.0
        weights_shape, _ = check_additive_args(
            query, key, value, W_q, W_k, w_v, attn_mask, p, dropout_mask, torch.Tensor
        )
        _check_devices(
            query,
            key=key,
            value=value,
            attn_mask=attn_mask,
            dropout_mask=dropout_mask,
            weight=W_q,
        )
        if not self.training:
            dropout_mask = None
        else:
            dropout_mask = _draw_keep(
                weights_shape, p, self.generator, dropout_mask, query.device
            )
        self.dropout_mask = dropout_mask
        output, dropped, _ = _additive(
            query,
            key,
            value,
            W_q,
            W_k,
            w_v,
            attn_mask,
            p,
            weights_shape,
            None,
            dropout_mask,
        )
        return output, dropped

    def extra_repr(self) -> str:
        return f"dropout={self.dropout}"
