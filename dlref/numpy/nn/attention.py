r"""`MultiheadAttention` (torch's layer, with its packed projections) and
`AdditiveAttention` (Bahdanau's).

Multi-head attention projects the queries, keys and values ``num_heads`` times into
subspaces of size $d = E/h$, attends in each (scaled dot product), concatenates the
heads and projects back:

$$\mathrm{MultiHead}(Q, K, V) = [\mathrm{head}_1, \dots, \mathrm{head}_h]\,
W_O^\top + b_O, \qquad
\mathrm{head}_i =
\mathrm{softmax}\Big(\frac{Q W_{Q,i}^\top (K W_{K,i}^\top)^\top}{\sqrt{d}} + M\Big) V
W_{V,i}^\top.$$

Each layer's ``backward`` is written out step by step against its ``forward``.
"""

from __future__ import annotations

import math

import numpy as np

from dlref._attention_args import (
    check_additive_args,
    check_dropout_mask,
    check_dropout_p,
    check_mha_args,
    check_mha_init,
    check_param_dtype,
    is_bool,
)
from dlref._checks import (
    check_float_dtype,
    check_floating,
    check_generator,
    check_positive_int,
    shape_of,
)
from dlref.numpy.functional.affine import linear, linear_backward
from dlref.numpy.functional.attention import (
    _additive_backward,
    _additive_forward,
    _as_torch,
    _attend,
    _attend_backward,
    _dot_scores,
    _dot_scores_backward,
    _dropout_scale,
)
from dlref.numpy.nn import init
from dlref.numpy.nn.linear import Linear
from dlref.numpy.nn.module import Module, Parameter

__all__ = ["MultiheadAttention", "AdditiveAttention"]


def _split_grads(grad_output, need_weights: bool):
    """``backward``'s argument: the output's gradient, or
    ``(grad_output, grad_attn_weights)``."""
    if isinstance(grad_output, tuple):
        if len(grad_output) != 2:
            raise ValueError(
                "grad_output must be an array or a pair (grad of the output, grad "
                f"of the attention weights), got a tuple of {len(grad_output)}"
            )
        grad_output, grad_weights = grad_output
        if grad_weights is not None and not need_weights:
            raise ValueError(
                "grad_output holds a gradient for the attention weights, but "
                "forward ran with need_weights=False (it returned no weights)"
            )
        return grad_output, grad_weights
    return grad_output, None


def _check_grad(name: str, grad, like: np.ndarray, what: str) -> None:
    check_floating(name, grad)
    if grad.dtype != like.dtype:
        raise TypeError(
            f"{name} must have the dtype of {what} ({like.dtype}), got {grad.dtype}"
        )
    if shape_of(grad) != like.shape:
        raise ValueError(
            f"{name} must have the shape of {what} {like.shape}, got {shape_of(grad)}"
        )


class MultiheadAttention(Module):
    r"""Multi-head attention with torch's parameters: packed input projections,
    ``out_proj``, masks.

    $$\mathrm{head}_i = \mathrm{softmax}\Big(\frac{q_i k_i^\top}{\sqrt{d}} + M\Big) v_i,
    \quad
    [q_1 \cdots q_h] = Q W_Q^\top + b_Q,\ [k_1 \cdots k_h] = K W_K^\top +
    b_K,\ [v_1 \cdots v_h] = V W_V^\top + b_V,$$

    $$\text{output} = [\mathrm{head}_1 \cdots \mathrm{head}_h]\, W_O^\top + b_O,$$

    with $d = E/h$ the head size. $W_Q, W_K, W_V$ are the three row blocks of
    ``in_proj_weight`` ``(3E, E)`` (one matrix product projects all heads at once), or
    the separate ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when ``kdim``
    or ``vdim`` differs from ``embed_dim``; $b_Q, b_K, b_V$ the blocks of
    ``in_proj_bias``.

    Masks (torch's ``MultiheadAttention`` convention, the **opposite** of
    `scaled_dot_product_attention`'s for booleans): ``True`` in a boolean
    ``key_padding_mask`` or ``attn_mask`` means *not allowed to attend* ($-\infty$
    added); a floating mask is added to the scores. Both masks are summed.

    Args:
        embed_dim: $E$, the model size (query features and output features).
        num_heads: $h$; must divide ``embed_dim``.
        dropout: probability of dropping an attention weight in training mode (default
            0).
        bias: learn ``in_proj_bias`` and ``out_proj.bias`` (default ``True``).
        add_bias_kv: append a learned key ``bias_k`` and value ``bias_v`` ``(1, 1, E)``
            to the projected sequences (one more key every query can attend to).
        add_zero_attn: append a key and a value of zeros after the projection.
        kdim: features of ``key`` (default ``embed_dim``).
        vdim: features of ``value`` (default ``embed_dim``).
        batch_first: inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks (dlref's addition: torch draws from its global generator).

    Initialization (torch's): the input projections by ``xavier_uniform_``,
    ``out_proj.weight`` as a ``Linear`` ($U(\pm 1/\sqrt{E})$), both biases 0, ``bias_k``
    and ``bias_v`` by ``xavier_normal_``.

    Shape:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)``
        (``(N, L, E)``, ... with ``batch_first``; ``(L, E)``, ``(S, kdim)``,
        ``(S, vdim)`` unbatched); ``key_padding_mask`` ``(N, S)`` or ``(S,)``;
        ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)`` (``(num_heads, L, S)``
        unbatched); ``dropout_mask`` ``(N, num_heads, L, S')`` (``(num_heads, L, S')``
        unbatched), $S' = S$ plus one for each of ``add_bias_kv`` and ``add_zero_attn``.
        Output: ``attn_output`` the layout of query, ``attn_weights`` ``(N, L, S')``
        averaged over the heads or ``(N, num_heads, L, S')`` (``(L, S')`` or
        ``(num_heads, L, S')`` unbatched), or ``None``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False,
    dropout_mask=None)`` returns ``(attn_output, attn_weights)``; ``attn_weights`` are
    the weights after dropout, as torch returns them. ``backward(grad_output)`` takes
    the output's gradient, or a pair ``(grad_attn_output, grad_attn_weights)``,
    accumulates every parameter's gradient and returns
    ``(grad_query, grad_key, grad_value)`` (add them up when query, key and value are
    one array).

    Attributes:
        dropout_mask: the keep-mask of the last training-mode forward with dropout
            (``None`` otherwise), to hand to the torch twin.

    PyTorch equivalent: ``torch.nn.MultiheadAttention`` with the same parameter names,
    shapes and ``state_dict`` keys (``in_proj_weight``, ``in_proj_bias``,
    ``out_proj.weight``, ``out_proj.bias``; ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight`` with a ``kdim``/``vdim``; ``bias_k``, ``bias_v``), its non-fast
    path.

    Differences from PyTorch: ``generator``, ``dropout_mask`` and ``backward``. As
    torch: a query whose keys are all masked gets NaN when ``need_weights=True``
    (torch's softmax) and zeros when ``need_weights=False`` (torch's
    ``scaled_dot_product_attention``); ``is_causal=True`` needs ``attn_mask`` and is a
    hint only: ``attn_mask`` is always applied. Masks of a float dtype must be in
    query's dtype; errors are ``ValueError``/``TypeError`` (torch:
    ``AssertionError``/``RuntimeError``); no nested tensors, no fast path.

    References:
        A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł.
        Kaiser, I. Polosukhin (2017), "Attention is all you need", NeurIPS,
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
        dtype=np.float32,
        generator: np.random.Generator | None = None,
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
        check_float_dtype("dtype", dtype)
        rng = check_generator("generator", generator)
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
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * E, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype, generator=rng)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, E), dtype=dtype))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype=dtype))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self.generator = rng
        self.dropout_mask: np.ndarray | None = None
        self._reset_parameters(rng)

    def _reset_parameters(self, generator: np.random.Generator) -> None:
        """Torch's initialization (class docstring)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight, generator=generator)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra, generator=generator)

    # -- pieces ------------------------------------------------------------------------

    def _projections(self):
        """$(W_Q, W_K, W_V)$ and $(b_Q, b_K, b_V)$ (biases ``None`` without
        ``bias``)."""
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            W = self.in_proj_weight.data
            weights = (W[:E], W[E : 2 * E], W[2 * E :])
        else:
            weights = (
                self.q_proj_weight.data,
                self.k_proj_weight.data,
                self.v_proj_weight.data,
            )
        b = self.in_proj_bias
        biases = (
            (None, None, None)
            if b is None
            else (b.data[:E], b.data[E : 2 * E], b.data[2 * E :])
        )
        return weights, biases

    def _to_batch_first(self, x: np.ndarray, batched: bool) -> np.ndarray:
        if not batched:
            return x[None]  # (1, L, E)
        return x if self.batch_first else x.transpose(1, 0, 2)  # (N, L, E)

    def _from_batch_first(self, x: np.ndarray, batched: bool) -> np.ndarray:
        if not batched:
            return x[0]  # (L, E)
        return x if self.batch_first else x.transpose(1, 0, 2)  # (L, N, E)

    def _split_heads(self, x: np.ndarray) -> np.ndarray:
        N, T, _ = x.shape
        # (N, h, T, d)
        return x.reshape(N, T, self.num_heads, self.head_dim).transpose(0, 2, 1, 3)

    def _merge_heads(self, x: np.ndarray) -> np.ndarray:
        N, _, T, _ = x.shape
        return x.transpose(0, 2, 1, 3).reshape(N, T, self.embed_dim)  # (N, T, E)

    @staticmethod
    def _as_logits(mask: np.ndarray, dtype) -> np.ndarray:
        """A torch-style MHA mask as an addend: boolean ``True`` (not allowed) ->
        $-\\infty$, else added as is."""
        if is_bool(mask):
            return np.where(mask, -np.inf, 0.0).astype(dtype)
        return mask

    def _logit_mask(
        self, attn_mask, key_padding_mask, N: int, L: int, S: int, extra: int, dtype
    ):
        """Both masks summed into one addend of the scores,
        ``(N|1, h|1, L|1, S + extra)``."""
        mask = None
        if attn_mask is not None:
            m = self._as_logits(attn_mask, dtype)
            # (L, S) -> (1, 1, L, S);
            # (N h, L, S) -> (N, h, L, S), torch's order of (batch, head)
            mask = m[None, None] if m.ndim == 2 else m.reshape(N, self.num_heads, L, S)
        if key_padding_mask is not None:
            # (N, 1, 1, S)
            pad = self._as_logits(key_padding_mask, dtype).reshape(N, 1, 1, S)
            mask = pad if mask is None else mask + pad
        if mask is not None and extra:
            # the appended keys (bias_k, zero attention) are never masked
            mask = np.concatenate(
                [mask, np.zeros(mask.shape[:-1] + (extra,), dtype=dtype)], axis=-1
            )
        return mask

    # -- forward and backward ----------------------------------------------------------

    def forward(
        self,
        query: np.ndarray,
        key: np.ndarray,
        value: np.ndarray,
        key_padding_mask: np.ndarray | None = None,
        need_weights: bool = True,
        attn_mask: np.ndarray | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
        dropout_mask: np.ndarray | None = None,
    ):
        param = self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight
        shapes = check_mha_args(
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
            param=param.data,
            array_type=np.ndarray,
        )
        batched, N, L, S = shapes
        h = self.num_heads
        extra = int(self.bias_k is not None) + int(self.add_zero_attn)
        p = self.dropout if self.training else 0.0
        weights_shape = (N, h, L, S + extra)
        if dropout_mask is not None:
            check_dropout_mask(
                dropout_mask,
                weights_shape if batched else weights_shape[1:],
                np.ndarray,
            )
            dropout_mask = dropout_mask if batched else dropout_mask[None]
        if not self.training:
            dropout_mask = None
        elif dropout_mask is None and 0.0 < p < 1.0:
            # keep_ij ~ Bernoulli(1 - p), one per weight of every head
            dropout_mask = self.generator.random(weights_shape) >= p
        self.dropout_mask = (
            None
            if dropout_mask is None
            else (dropout_mask if batched else dropout_mask[0])
        )

        with _as_torch():
            x_q = self._to_batch_first(query, batched)  # (N, L, E)
            x_k = self._to_batch_first(key, batched)  # (N, S, kdim)
            x_v = self._to_batch_first(value, batched)  # (N, S, vdim)
            (W_q, W_k, W_v), (b_q, b_k, b_v) = self._projections()
            # Q W_Q^T + b_Q, K W_K^T + b_K,
            # V W_V^T + b_V (all heads in one product each)
            q = linear(x_q, W_q, b_q)  # (N, L, E)
            k = linear(x_k, W_k, b_k)  # (N, S, E)
            v = linear(x_v, W_v, b_v)  # (N, S, E)
            if self.bias_k is not None:
                # one more key and value, learned, shared by the batch
                # (N, 1, E)
                bias_k = np.broadcast_to(self.bias_k.data, (N, 1, self.embed_dim))
                # (N, 1, E)
                bias_v = np.broadcast_to(self.bias_v.data, (N, 1, self.embed_dim))
                k = np.concatenate([k, bias_k], axis=1)  # (N, S+1, E)
                v = np.concatenate([v, bias_v], axis=1)  # (N, S+1, E)
            # (N, h, T, d)
            q_h, k_h, v_h = (
                self._split_heads(q),
                self._split_heads(k),
                self._split_heads(v),
            )
            if self.add_zero_attn:
                zeros = np.zeros((N, h, 1, self.head_dim), dtype=q.dtype)
                k_h = np.concatenate([k_h, zeros], axis=2)  # (N, h, S', d)
                v_h = np.concatenate([v_h, zeros], axis=2)  # (N, h, S', d)
            logit_mask = self._logit_mask(
                attn_mask, key_padding_mask, N, L, S, extra, q.dtype
            )
            dropout = _dropout_scale(dropout_mask, p, q.dtype)
            scale = 1.0 / math.sqrt(self.head_dim)
            # head_i = softmax(q_i k_i^T / sqrt(d) + M) v_i   (N, h, L, d)
            scores = _dot_scores(q_h, k_h, scale)
            heads, weights, dropped = _attend(
                scores, v_h, logit_mask, dropout, safe=not need_weights
            )
            # [head_1 ... head_h] W_O^T + b_O   (N, L, E)
            y = self.out_proj(self._merge_heads(heads))
        self._save(
            x_q=x_q,
            x_k=x_k,
            x_v=x_v,
            q_h=q_h,
            k_h=k_h,
            v_h=v_h,
            weights=weights,
            dropped=dropped,
            dropout=dropout,
            scale=scale,
            shapes=shapes,
            need_weights=need_weights,
            average=average_attn_weights,
        )
        attn_output = self._from_batch_first(y, batched)
        if not need_weights:
            return attn_output, None
        # (N, L, S') or (N, h, L, S')
        attn_weights = dropped.mean(axis=1) if average_attn_weights else dropped
        return attn_output, (attn_weights if batched else attn_weights[0])

    def backward(self, grad_output):
        (
            x_q,
            x_k,
            x_v,
            q_h,
            k_h,
            v_h,
            weights,
            dropped,
            dropout,
            scale,
            shapes,
            need_weights,
            average,
        ) = self._saved(
            "x_q",
            "x_k",
            "x_v",
            "q_h",
            "k_h",
            "v_h",
            "weights",
            "dropped",
            "dropout",
            "scale",
            "shapes",
            "need_weights",
            "average",
        )
        batched, N, L, S = shapes
        h, E = self.num_heads, self.embed_dim
        grad_y, grad_w = _split_grads(grad_output, need_weights)
        output_shape = self._from_batch_first(
            np.empty((N, L, E), dtype=x_q.dtype), batched
        ).shape
        _check_grad(
            "grad_output",
            grad_y,
            np.empty(output_shape, dtype=x_q.dtype),
            "attn_output",
        )
        grad_dropped = None
        if grad_w is not None:
            # the returned weights: the dropped ones, maybe averaged over the heads
            returned = dropped.mean(axis=1) if average else dropped
            _check_grad(
                "grad_attn_weights",
                grad_w,
                returned if batched else returned[0],
                "attn_weights",
            )
            grad_w = grad_w if batched else grad_w[None]
            # d mean_h / d A_h = 1/h for every head
            grad_dropped = (
                np.broadcast_to(grad_w[:, None] / h, dropped.shape)
                if average
                else grad_w
            )

        with _as_torch():
            # output = concat(heads) W_O^T + b_O
            # (N, L, E)
            grad_concat = self.out_proj.backward(self._to_batch_first(grad_y, batched))
            grad_heads = self._split_heads(grad_concat)  # (N, h, L, d)
            grad_scores, grad_v_h = _attend_backward(
                grad_heads, grad_dropped, v_h, weights, dropped, dropout
            )
            grad_q_h, grad_k_h = _dot_scores_backward(grad_scores, q_h, k_h, scale)
            if self.add_zero_attn:  # the zero key and value are constants
                grad_k_h, grad_v_h = grad_k_h[:, :, :-1], grad_v_h[:, :, :-1]
            # (N, T, E)
            grad_q, grad_k, grad_v = (
                self._merge_heads(g) for g in (grad_q_h, grad_k_h, grad_v_h)
            )
            if self.bias_k is not None:
                # bias_k was appended to every sequence of the batch:
                # its gradient sums over the batch
                self.bias_k.accumulate_grad(grad_k[:, -1].sum(axis=0).reshape(1, 1, E))
                self.bias_v.accumulate_grad(grad_v[:, -1].sum(axis=0).reshape(1, 1, E))
                grad_k, grad_v = grad_k[:, :-1], grad_v[:, :-1]

            # back through the projections q = x_q W_Q^T + b_Q, ...
            (W_q, W_k, W_v), (b_q, b_k, b_v) = self._projections()
            grad_x_q, grad_W_q, grad_b_q = linear_backward(grad_q, x_q, W_q, b_q)
            grad_x_k, grad_W_k, grad_b_k = linear_backward(grad_k, x_k, W_k, b_k)
            grad_x_v, grad_W_v, grad_b_v = linear_backward(grad_v, x_v, W_v, b_v)
            if self._qkv_same_embed_dim:
                # (3E, E)
                self.in_proj_weight.accumulate_grad(
                    np.concatenate([grad_W_q, grad_W_k, grad_W_v])
                )
            else:
                self.q_proj_weight.accumulate_grad(grad_W_q)
                self.k_proj_weight.accumulate_grad(grad_W_k)
                self.v_proj_weight.accumulate_grad(grad_W_v)
            if self.in_proj_bias is not None:
                # (3E,)
                self.in_proj_bias.accumulate_grad(
                    np.concatenate([grad_b_q, grad_b_k, grad_b_v])
                )
        return tuple(
            self._from_batch_first(g, batched) for g in (grad_x_q, grad_x_k, grad_x_v)
        )

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"dropout={self.dropout}, batch_first={self.batch_first}"
        )


class AdditiveAttention(Module):
    r"""Additive (Bahdanau) attention as a layer: scores
    $w_v^\top \tanh(W_q q_i + W_k k_j)$.

    $$e_{ij} = w_v^\top \tanh(W_q q_i + W_k k_j), \qquad A = \mathrm{softmax}_j(e + M),
    \qquad
    O = \Big(A \odot \frac{D}{1 - p}\Big) V$$

    (see `dlref.numpy.functional.additive_attention`). The three maps are bias-free
    ``Linear`` layers, as in d2l's ``AdditiveAttention``: ``W_q``
    ``(num_hiddens, query_size)``, ``W_k`` ``(num_hiddens, key_size)`` and ``w_v``
    ``(1, num_hiddens)``.

    Args:
        query_size: features of a query.
        key_size: features of a key.
        num_hiddens: $h$, the tanh units of the scoring network.
        dropout: probability of dropping an attention weight in training mode (default
            0).
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights (torch
            ``Linear``'s initialization) and the dropout masks.

    Shape:
        query ``(*, L, query_size)``, key ``(*, S, key_size)``, value ``(*, S, E_v)``,
        attn_mask broadcasting to ``(*, L, S)``, dropout_mask ``(*, L, S)``; output
        ``(*, L, E_v)``, weights ``(*, L, S)``.

    ``forward(query, key, value, attn_mask=None, dropout_mask=None)`` returns ``(output,
    attn_weights)``, the weights after dropout; ``attn_mask`` is boolean with ``True`` =
    *may attend* (as in `scaled_dot_product_attention`, not as in `MultiheadAttention`)
    or floating (added). ``backward(grad_output)`` takes the output's gradient or
    ``(grad_output, grad_attn_weights)`` and returns
    ``(grad_query, grad_key, grad_value)``.

    Attributes:
        dropout_mask: the keep-mask of the last training-mode forward with dropout.

    PyTorch equivalent: none in torch. The ``state_dict`` keys are d2l's
    (``W_k.weight``, ``W_q.weight``, ``w_v.weight``), so weights of d2l's PyTorch
    ``AdditiveAttention`` load; d2l masks by lengths (``valid_lens``) where this takes a
    mask.

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
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_positive_int("query_size", query_size)
        check_positive_int("key_size", key_size)
        check_positive_int("num_hiddens", num_hiddens)
        check_dropout_p("dropout", dropout)
        check_float_dtype("dtype", dtype)
        rng = check_generator("generator", generator)
        self.W_k = Linear(key_size, num_hiddens, bias=False, dtype=dtype, generator=rng)
        self.W_q = Linear(
            query_size, num_hiddens, bias=False, dtype=dtype, generator=rng
        )
        self.w_v = Linear(num_hiddens, 1, bias=False, dtype=dtype, generator=rng)
        self.dropout = float(dropout)
        self.generator = rng
        self.dropout_mask: np.ndarray | None = None

    def _weights(self):
        return self.W_q.weight.data, self.W_k.weight.data, self.w_v.weight.data[0]

    def forward(
        self,
        query: np.ndarray,
        key: np.ndarray,
        value: np.ndarray,
        attn_mask: np.ndarray | None = None,
        dropout_mask: np.ndarray | None = None,
    ):
        W_q, W_k, w_v = self._weights()
        check_floating("query", query)
        check_param_dtype("weight", W_q, "query", query)
        p = self.dropout if self.training else 0.0
        weights_shape, _ = check_additive_args(
            query, key, value, W_q, W_k, w_v, attn_mask, p, dropout_mask, np.ndarray
        )
        if not self.training:
            dropout_mask = None
        elif dropout_mask is None and 0.0 < p < 1.0:
            # keep_ij ~ Bernoulli(1 - p)
            dropout_mask = self.generator.random(weights_shape) >= p
        self.dropout_mask = dropout_mask
        with _as_torch():
            output, cache, _ = _additive_forward(
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
        self._save(query=query, key=key, value=value, cache=cache)
        return output, cache[2]

    def backward(self, grad_output):
        query, key, value, cache = self._saved("query", "key", "value", "cache")
        dropped = cache[2]
        grad_y, grad_w = _split_grads(grad_output, True)
        _check_grad(
            "grad_output",
            grad_y,
            np.empty(dropped.shape[:-1] + value.shape[-1:], dtype=query.dtype),
            "the output",
        )
        if grad_w is not None:
            _check_grad("grad_attn_weights", grad_w, dropped, "attn_weights")
        W_q, W_k, w_v = self._weights()
        with _as_torch():
            grads = _additive_backward(
                grad_y, grad_w, query, key, value, W_q, W_k, w_v, cache
            )
        grad_query, grad_key, grad_value, grad_W_q, grad_W_k, grad_w_v = grads
        self.W_q.weight.accumulate_grad(grad_W_q)
        self.W_k.weight.accumulate_grad(grad_W_k)
        self.w_v.weight.accumulate_grad(grad_w_v[None])  # (1, num_hiddens)
        return grad_query, grad_key, grad_value

    def extra_repr(self) -> str:
        return f"dropout={self.dropout}"
