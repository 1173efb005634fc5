r"""`TransformerEncoderLayer`, `TransformerDecoderLayer` and sinusoidal
`PositionalEncoding`.

A Transformer layer is a residual stack of sub-layers, each followed (post-LN, the 2017
paper and torch's default) or preceded (pre-LN, ``norm_first=True``) by layer
normalization:

$$\text{post-LN: } x \leftarrow \mathrm{LN}(x + \mathrm{Sublayer}(x)), \qquad
\text{pre-LN: } x \leftarrow x + \mathrm{Sublayer}(\mathrm{LN}(x)).$$

The encoder layer has two sub-layers (self-attention, feed-forward); the decoder layer
three (masked self-attention, cross-attention over the encoder's ``memory``,
feed-forward). Each layer is built from `MultiheadAttention`, `Linear`, `LayerNorm`,
`Dropout` and an activation, and its ``backward`` runs theirs in reverse, adding the
residual branches' gradients.
"""

from __future__ import annotations

import numpy as np

from dlref._attention_args import (
    check_decoder_args,
    check_dropout_masks,
    check_dropout_p,
    check_encoder_args,
    check_positional_args,
    check_transformer_init,
    transformer_dropout_shapes,
)
from dlref._checks import (
    check_bool,
    check_float_dtype,
    check_floating,
    check_generator,
    check_positive_int,
    shape_of,
)
from dlref.numpy.functional.attention import _as_torch
from dlref.numpy.nn.activation import GELU, ReLU
from dlref.numpy.nn.attention import MultiheadAttention
from dlref.numpy.nn.dropout import Dropout
from dlref.numpy.nn.linear import Linear
from dlref.numpy.nn.module import Module
from dlref.numpy.nn.normalization import LayerNorm

__all__ = [
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "PositionalEncoding",
    "sinusoidal_positional_encoding",
]


def _check_grad(grad_output, output_shape: tuple[int, ...], dtype) -> None:
    check_floating("grad_output", grad_output)
    if grad_output.dtype != dtype:
        raise TypeError(
            f"grad_output must have the output's dtype ({dtype}), got "
            f"{grad_output.dtype}"
        )
    if shape_of(grad_output) != tuple(output_shape):
        raise ValueError(
            f"grad_output must have the output's shape {tuple(output_shape)}, "
            f"got {shape_of(grad_output)}"
        )


class _TransformerLayer(Module):
    """The pieces both layers share: the feed-forward block, the activation, the dropout
    masks."""

    def _build_feedforward(
        self, d_model, dim_feedforward, dropout, activation, bias, dtype, rng
    ) -> None:
        self.linear1 = Linear(
            d_model, dim_feedforward, bias=bias, dtype=dtype, generator=rng
        )
        self.dropout = Dropout(dropout, generator=rng)
        self.linear2 = Linear(
            dim_feedforward, d_model, bias=bias, dtype=dtype, generator=rng
        )

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal, masks):
        """$\\mathrm{Dropout}(\\mathrm{MHA}(x, x, x))$, the self-attention sub-layer."""
        y, _ = self.self_attn(
            x,
            x,
            x,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            attn_mask=attn_mask,
            is_causal=is_causal,
            dropout_mask=masks.get("self_attn"),
        )
        return self.dropout1(y, masks.get("dropout1"))

    def _sa_block_backward(self, grad):
        grad_q, grad_k, grad_v = self.self_attn.backward(self.dropout1.backward(grad))
        # query, key and value are the same x: their gradients add up
        return grad_q + grad_k + grad_v

    def _ff_block(self, x, masks, last: Dropout):
        """$\\mathrm{Dropout}(W_2\\, \\mathrm{Dropout}(\\phi(W_1 x + b_1)) + b_2)$, the
        feed-forward sub-layer."""
        h = self.dropout(self.activation(self.linear1(x)), masks.get("dropout"))
        return last(self.linear2(h), masks.get(self._ff_dropout_name))

    def _ff_block_backward(self, grad, last: Dropout):
        grad = self.linear2.backward(last.backward(grad))
        grad = self.activation.backward(self.dropout.backward(grad))
        return self.linear1.backward(grad)

    @property
    def dropout_masks(self) -> dict[str, np.ndarray]:
        """The keep-masks of the last training-mode forward, by sub-module name (to hand
        to the twin)."""
        masks = {
            name: getattr(self, name).dropout_mask for name in self._attention_names
        }
        masks.update({name: getattr(self, name).mask for name in self._dropout_names})
        return {name: mask for name, mask in masks.items() if mask is not None}

    def extra_repr(self) -> str:
        return f"norm_first={self.norm_first}, batch_first={self.batch_first}"


class TransformerEncoderLayer(_TransformerLayer):
    r"""One Transformer encoder layer: self-attention and a feed-forward network, each
    with residual and LayerNorm.

    $$\text{post-LN (default): } x_1 = \mathrm{LN}_1(x + \mathrm{SA}(x)), \qquad
    y = \mathrm{LN}_2(x_1 + \mathrm{FF}(x_1)),$$

    $$\text{pre-LN: } x_1 = x + \mathrm{SA}(\mathrm{LN}_1(x)),
    \qquad y = x_1 + \mathrm{FF}(\mathrm{LN}_2(x_1)),$$

    with $\mathrm{SA}(x) = \mathrm{Dropout}(\mathrm{MHA}(x, x, x))$ and
    $\mathrm{FF}(x) = \mathrm{Dropout}(W_2\,
    \mathrm{Dropout}(\phi(W_1 x + b_1)) + b_2)$, $\phi$ the ReLU or GELU.

    Args:
        d_model: $E$, the model size (features of ``src``).
        nhead: attention heads; must divide ``d_model``.
        dim_feedforward: hidden units of the feed-forward network (default 2048).
        dropout: probability of every dropout: attention weights, the feed-forward
            hidden layer and both residual branches (default 0.1).
        activation: ``'relu'`` (default) or ``'gelu'``.
        layer_norm_eps: $\epsilon$ of both LayerNorms (default ``1e-5``).
        batch_first: ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: pre-LN instead of post-LN.
        bias: learn the biases of the projections, the linear layers and the LayerNorms.
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks.

    Shape:
        src ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``, ``(S, E)`` unbatched);
        ``src_mask`` ``(S, S)`` or ``(N * nhead, S, S)``; ``src_key_padding_mask``
        ``(N, S)`` or ``(S,)``; output as src.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False,
    dropout_masks=None)``: the masks follow `MultiheadAttention` (boolean ``True`` = not
    allowed to attend, floating = added); ``is_causal=True`` is torch's hint that
    ``src_mask`` is causal (it needs ``src_mask``). ``dropout_masks`` maps sub-module
    names (``'self_attn'``, ``'dropout1'``, ``'dropout'``, ``'dropout2'``) to boolean
    keep-masks to use instead of drawing (training mode); the ``dropout_masks``
    attribute holds the last ones. ``backward(grad_output)`` accumulates every
    parameter's gradient and returns the gradient for ``src``.

    PyTorch equivalent: ``torch.nn.TransformerEncoderLayer``, same arguments, defaults,
    sub-module names and ``state_dict`` keys (``self_attn.in_proj_weight``, ...,
    ``linear1``, ``linear2``, ``norm1``, ``norm2``).

    Differences from PyTorch: ``activation`` is ``'relu'`` or ``'gelu'`` only (no
    callable); ``generator``, ``dropout_masks`` and ``backward``; the attention always
    applies ``src_mask`` (torch may replace a mask flagged ``is_causal`` by its own
    causal mask: the same result when the mask is causal); no fast path, no nested
    tensors; errors are ``ValueError``/``TypeError``.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762; R. Xiong et al. (2020), "On layer
        normalization in the Transformer architecture", ICML,
        https://arxiv.org/abs/2002.04745 (pre-LN)
    """

    _attention_names = ("self_attn",)
    _dropout_names = ("dropout1", "dropout", "dropout2")
    _ff_dropout_name = "dropout2"

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_transformer_init(
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        check_float_dtype("dtype", dtype)
        rng = check_generator("generator", generator)
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            dtype=dtype,
            generator=rng,
        )
        self._build_feedforward(
            d_model, dim_feedforward, dropout, activation, bias, dtype, rng
        )
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)
        self.activation = ReLU() if activation == "relu" else GELU()
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.batch_first = batch_first

    def forward(
        self,
        src: np.ndarray,
        src_mask: np.ndarray | None = None,
        src_key_padding_mask: np.ndarray | None = None,
        is_causal: bool = False,
        dropout_masks: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        shapes = check_encoder_args(
            src,
            src_mask,
            src_key_padding_mask,
            is_causal,
            d_model=self.d_model,
            nhead=self.nhead,
            batch_first=self.batch_first,
            param=self.self_attn.in_proj_weight.data,
            array_type=np.ndarray,
        )
        check_dropout_masks(
            dropout_masks,
            transformer_dropout_shapes(
                shapes, src.shape, self.nhead, self.dim_feedforward, decoder=False
            ),
            np.ndarray,
        )
        masks = dropout_masks or {}
        x = src
        if self.norm_first:
            # x_1 = x + SA(LN_1(x)),  y = x_1 + FF(LN_2(x_1))
            x = x + self._sa_block(
                self.norm1(x), src_mask, src_key_padding_mask, is_causal, masks
            )
            x = x + self._ff_block(self.norm2(x), masks, self.dropout2)
        else:
            # x_1 = LN_1(x + SA(x)),  y = LN_2(x_1 + FF(x_1))
            x = self.norm1(
                x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal, masks)
            )
            x = self.norm2(x + self._ff_block(x, masks, self.dropout2))
        self._save(output_shape=x.shape, dtype=x.dtype, norm_first=self.norm_first)
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        output_shape, dtype = self._saved("output_shape", "dtype")
        _check_grad(grad_output, output_shape, dtype)
        with _as_torch():  # inf and NaN propagate silently, as in torch
            return self._backward(grad_output)

    def _backward(self, g: np.ndarray) -> np.ndarray:
        norm_first = self._saved("norm_first")
        if norm_first:
            # y = x_1 + FF(LN_2(x_1)):  dx_1 = g + LN_2'(FF'(g))
            g = g + self.norm2.backward(self._ff_block_backward(g, self.dropout2))
            # x_1 = x + SA(LN_1(x)):  dx = dx_1 + LN_1'(SA'(dx_1))
            return g + self.norm1.backward(self._sa_block_backward(g))
        # y = LN_2(s_2), s_2 = x_1 + FF(x_1):  dx_1 = ds_2 + FF'(ds_2)
        g = self.norm2.backward(g)
        g = g + self._ff_block_backward(g, self.dropout2)
        # x_1 = LN_1(s_1), s_1 = x + SA(x):  dx = ds_1 + SA'(ds_1)
        g = self.norm1.backward(g)
        return g + self._sa_block_backward(g)


class TransformerDecoderLayer(_TransformerLayer):
    r"""One Transformer decoder layer: masked self-attention, cross-attention over
    ``memory``, feed-forward.

    $$\text{post-LN (default): } x_1 = \mathrm{LN}_1(x + \mathrm{SA}(x)), \quad
    x_2 = \mathrm{LN}_2(x_1 + \mathrm{CA}(x_1, m)),
    \quad y = \mathrm{LN}_3(x_2 + \mathrm{FF}(x_2)),$$

    $$\text{pre-LN: } x_1 = x + \mathrm{SA}(\mathrm{LN}_1(x)), \quad
    x_2 = x_1 + \mathrm{CA}(\mathrm{LN}_2(x_1), m),
    \quad y = x_2 + \mathrm{FF}(\mathrm{LN}_3(x_2)),$$

    with $\mathrm{SA}(x) = \mathrm{Dropout}(\mathrm{MHA}_1(x, x, x))$, $\mathrm{CA}(x,
    m) = \mathrm{Dropout}(\mathrm{MHA}_2(x, m, m))$ (queries from the target, keys and
    values from the encoder's output $m$) and $\mathrm{FF}$ as in
    `TransformerEncoderLayer`.

    Args:
        d_model: $E$, the model size (features of ``tgt`` and ``memory``).
        nhead: attention heads of both attentions; must divide ``d_model``.
        dim_feedforward: hidden units of the feed-forward network (default 2048).
        dropout: probability of every dropout (default 0.1).
        activation: ``'relu'`` (default) or ``'gelu'``.
        layer_norm_eps: $\epsilon$ of the three LayerNorms (default ``1e-5``).
        batch_first: ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: pre-LN instead of post-LN.
        bias: learn the biases of the projections, the linear layers and the LayerNorms.
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks.

    Shape:
        tgt ``(T, N, E)``, memory ``(S, N, E)`` (``(N, T, E)``, ``(N, S, E)`` with
        ``batch_first``; ``(T, E)``, ``(S, E)`` unbatched); ``tgt_mask`` ``(T, T)`` or
        ``(N * nhead, T, T)``; ``memory_mask`` ``(T, S)`` or ``(N * nhead, T, S)``;
        ``tgt_key_padding_mask`` ``(N, T)``; ``memory_key_padding_mask`` ``(N, S)``;
        output as tgt.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False,
    dropout_masks=None)``; a causal language model passes the causal ``tgt_mask``
    (``True`` above the diagonal). ``dropout_masks`` as in `TransformerEncoderLayer`,
    with keys ``'self_attn'``, ``'dropout1'``, ``'multihead_attn'``, ``'dropout2'``,
    ``'dropout'``, ``'dropout3'``. ``backward(grad_output)`` returns
    ``(grad_tgt, grad_memory)``.

    PyTorch equivalent: ``torch.nn.TransformerDecoderLayer``, same arguments, defaults
    and ``state_dict`` keys (``self_attn.*``, ``multihead_attn.*``, ``linear1``,
    ``linear2``, ``norm1``, ``norm2``, ``norm3``).

    Differences from PyTorch: as `TransformerEncoderLayer` (string activations only,
    ``generator``, ``dropout_masks``, ``backward``, masks always applied).

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """

    _attention_names = ("self_attn", "multihead_attn")
    _dropout_names = ("dropout1", "dropout2", "dropout", "dropout3")
    _ff_dropout_name = "dropout3"

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_transformer_init(
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        check_float_dtype("dtype", dtype)
        rng = check_generator("generator", generator)
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            dtype=dtype,
            generator=rng,
        )
        self.multihead_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            dtype=dtype,
            generator=rng,
        )
        self._build_feedforward(
            d_model, dim_feedforward, dropout, activation, bias, dtype, rng
        )
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)
        self.dropout3 = Dropout(dropout, generator=rng)
        self.activation = ReLU() if activation == "relu" else GELU()
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.batch_first = batch_first

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal, masks):
        """$\\mathrm{Dropout}(\\mathrm{MHA}(x, m, m))$, the cross-attention
        sub-layer."""
        y, _ = self.multihead_attn(
            x,
            memory,
            memory,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            attn_mask=attn_mask,
            is_causal=is_causal,
            dropout_mask=masks.get("multihead_attn"),
        )
        return self.dropout2(y, masks.get("dropout2"))

    def _mha_block_backward(self, grad):
        grad_q, grad_k, grad_v = self.multihead_attn.backward(
            self.dropout2.backward(grad)
        )
        # key and value are both the memory
        return grad_q, grad_k + grad_v

    def forward(
        self,
        tgt: np.ndarray,
        memory: np.ndarray,
        tgt_mask: np.ndarray | None = None,
        memory_mask: np.ndarray | None = None,
        tgt_key_padding_mask: np.ndarray | None = None,
        memory_key_padding_mask: np.ndarray | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
        dropout_masks: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        shapes = check_decoder_args(
            tgt,
            memory,
            tgt_mask,
            memory_mask,
            tgt_key_padding_mask,
            memory_key_padding_mask,
            tgt_is_causal,
            memory_is_causal,
            d_model=self.d_model,
            nhead=self.nhead,
            batch_first=self.batch_first,
            param=self.self_attn.in_proj_weight.data,
            array_type=np.ndarray,
        )
        check_dropout_masks(
            dropout_masks,
            transformer_dropout_shapes(
                shapes, tgt.shape, self.nhead, self.dim_feedforward, decoder=True
            ),
            np.ndarray,
        )
        masks = dropout_masks or {}
        x = tgt
        if self.norm_first:
            # x_1 = x + SA(LN_1(x)),  x_2 = x_1 + CA(LN_2(x_1), m),
            # y = x_2 + FF(LN_3(x_2))
            x = x + self._sa_block(
                self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal, masks
            )
            x = x + self._mha_block(
                self.norm2(x),
                memory,
                memory_mask,
                memory_key_padding_mask,
                memory_is_causal,
                masks,
            )
            x = x + self._ff_block(self.norm3(x), masks, self.dropout3)
        else:
            # x_1 = LN_1(x + SA(x)),  x_2 = LN_2(x_1 + CA(x_1, m)),
            # y = LN_3(x_2 + FF(x_2))
            x = self.norm1(
                x
                + self._sa_block(
                    x, tgt_mask, tgt_key_padding_mask, tgt_is_causal, masks
                )
            )
            x = self.norm2(
                x
                + self._mha_block(
                    x,
                    memory,
                    memory_mask,
                    memory_key_padding_mask,
                    memory_is_causal,
                    masks,
                )
            )
            x = self.norm3(x + self._ff_block(x, masks, self.dropout3))
        self._save(output_shape=x.shape, dtype=x.dtype, norm_first=self.norm_first)
        return x

    def backward(self, grad_output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        output_shape, dtype = self._saved("output_shape", "dtype")
        _check_grad(grad_output, output_shape, dtype)
        with _as_torch():  # inf and NaN propagate silently, as in torch
            return self._backward(grad_output)

    def _backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        norm_first = self._saved("norm_first")
        if norm_first:
            # y = x_2 + FF(LN_3(x_2)):  dx_2 = g + LN_3'(FF'(g))
            g = g + self.norm3.backward(self._ff_block_backward(g, self.dropout3))
            # x_2 = x_1 + CA(LN_2(x_1), m):
            # dx_1 = dx_2 + LN_2'(CA_q'(dx_2)),  dm = CA_m'(dx_2)
            grad_q, grad_memory = self._mha_block_backward(g)
            g = g + self.norm2.backward(grad_q)
            # x_1 = x + SA(LN_1(x)):  dx = dx_1 + LN_1'(SA'(dx_1))
            return g + self.norm1.backward(self._sa_block_backward(g)), grad_memory
        # y = LN_3(s_3), s_3 = x_2 + FF(x_2)
        g = self.norm3.backward(g)
        g = g + self._ff_block_backward(g, self.dropout3)
        # x_2 = LN_2(s_2), s_2 = x_1 + CA(x_1, m)
        g = self.norm2.backward(g)
        grad_q, grad_memory = self._mha_block_backward(g)
        g = g + grad_q
        # x_1 = LN_1(s_1), s_1 = x + SA(x)
        g = self.norm1.backward(g)
        return g + self._sa_block_backward(g), grad_memory


def sinusoidal_positional_encoding(
    max_len: int, d_model: int, dtype=np.float32
) -> np.ndarray:
    r"""The sinusoidal position table of Vaswani et al. (2017): sines on even features,
    cosines on odd.

    $$PE_{pos,\,2i} = \sin\!\Big(\frac{pos}{10000^{2i/d}}\Big), \qquad
    PE_{pos,\,2i+1} = \cos\!\Big(\frac{pos}{10000^{2i/d}}\Big),$$

    for positions $pos = 0, \dots, L-1$ and $i = 0, \dots, d/2 - 1$: each pair of
    features is a rotation at its own frequency, from $1$ down to $1/10000$ radians per
    position.

    Args:
        max_len: $L$, the number of positions.
        d_model: $d$, the features; must be even.
        dtype: floating dtype of the table (computed in it; default ``np.float32``).

    Shape:
        output ``(max_len, d_model)``.

    Returns:
        The table ``PE``; row ``pos`` is added to the embedding at position ``pos``.

    PyTorch equivalent: none in torch (``torch.nn.Transformer`` adds no positions); the
    table of the PyTorch tutorials' ``PositionalEncoding`` and of d2l's, with the power
    written out instead of ``exp(-log(10000) 2i/d)``.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS, section 3.5,
        https://arxiv.org/abs/1706.03762
    """
    check_positional_args(max_len, d_model)
    check_float_dtype("dtype", dtype)
    pos = np.arange(max_len, dtype=dtype)[:, None]  # (L, 1)
    two_i = np.arange(0, d_model, 2, dtype=dtype)  # (d/2,)
    # omega_i = 1 / 10000^(2i/d)
    omega = np.asarray(10000.0, dtype=dtype) ** (-two_i / d_model)  # (d/2,)
    angle = pos * omega  # (L, d/2)
    pe = np.empty((max_len, d_model), dtype=dtype)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


class PositionalEncoding(Module):
    r"""Adds the sinusoidal position table to a sequence of embeddings, then applies
    dropout.

    $$y_{t} = \mathrm{Dropout}(x_t + PE_t),
    \qquad PE_{t,\,2i} = \sin(t / 10000^{2i/d}),\
    PE_{t,\,2i+1} = \cos(t / 10000^{2i/d})$$

    (see `sinusoidal_positional_encoding`). The table has no parameters and is not in
    the ``state_dict``; it is computed for the input's length and dtype.

    Args:
        d_model: $d$, the features of the embeddings; must be even.
        dropout: dropout probability after the addition (default 0).
        max_len: the longest sequence accepted (default 5000).
        batch_first: ``(N, L, d)`` instead of ``(L, N, d)``.
        generator: ``numpy.random.Generator`` for the dropout masks.

    Shape:
        input ``(L, N, d)`` (``(N, L, d)`` with ``batch_first``, ``(L, d)`` unbatched),
        output the same. ``forward(input, mask=None)`` takes a boolean dropout keep-mask
        of the input's shape.

    PyTorch equivalent: none in torch; the ``PositionalEncoding`` of the PyTorch
    tutorials (there a buffer ``pe``, in the state_dict) and of d2l (``batch_first``,
    default dropout).

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS, section 3.5,
        https://arxiv.org/abs/1706.03762
    """

    def __init__(
        self,
        d_model: int,
        dropout: float = 0.0,
        max_len: int = 5000,
        batch_first: bool = False,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_positional_args(max_len, d_model)
        check_positive_int("max_len", max_len)
        check_dropout_p("dropout", dropout)
        check_bool("batch_first", batch_first)
        self.dropout = Dropout(
            dropout, generator=check_generator("generator", generator)
        )
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first

    def _table(self, input) -> np.ndarray:
        """``PE[:L]`` shaped to broadcast against the input."""
        shape = shape_of(input)
        if len(shape) not in (2, 3):
            raise ValueError(
                f"input must be 3-D (batched) or 2-D (unbatched), got shape {shape}"
            )
        if shape[-1] != self.d_model:
            raise ValueError(
                f"input must have d_model={self.d_model} features on its last "
                f"dimension, got shape {shape}"
            )
        L = shape[1] if len(shape) == 3 and self.batch_first else shape[0]
        if L > self.max_len:
            raise ValueError(
                f"input has {L} positions, more than max_len={self.max_len}"
            )
        # (L, d)
        pe = sinusoidal_positional_encoding(L, self.d_model, dtype=input.dtype)
        if len(shape) == 2:
            return pe
        return pe[None] if self.batch_first else pe[:, None]  # (1, L, d) or (L, 1, d)

    def forward(self, input: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        if not isinstance(input, np.ndarray):
            raise TypeError(
                f"input must be a numpy.ndarray, got {type(input).__name__}"
            )
        check_floating("input", input)
        pe = self._table(input)
        # y = Dropout(x + PE)
        return self.dropout(input + pe, mask)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        # the table is a constant: the gradient passes through the dropout only
        return self.dropout.backward(grad_output)

    def extra_repr(self) -> str:
        return (
            f"d_model={self.d_model}, max_len={self.max_len}, "
            f"batch_first={self.batch_first}"
        )
