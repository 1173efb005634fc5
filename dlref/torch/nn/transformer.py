r"""`TransformerEncoderLayer`, `TransformerDecoderLayer` and `PositionalEncoding` as
``torch.nn.Module``s.

Built from the twins of `MultiheadAttention`, `Linear`, `LayerNorm`, `Dropout` and the
activations (tensor primitives all the way down), with torch's sub-module names, so
``torch.nn.TransformerEncoderLayer`` weights load as they are; created in torch's order,
so ``torch.manual_seed`` gives torch's initial weights. It never calls
``torch.nn.TransformerEncoderLayer.forward``, ``torch._transformer_encoder_layer_fwd``
or the attention ops the tests compare against.
"""

from __future__ import annotations

import torch
from torch import nn

from dlref._attention_args import (
    check_decoder_args,
    check_dropout_masks,
    check_dropout_p,
    check_encoder_args,
    check_positional_args,
    check_transformer_init,
    transformer_dropout_shapes,
)
from dlref._checks import check_bool, check_floating, check_positive_int, shape_of
from dlref.torch.nn.activation import GELU, ReLU
from dlref.torch.nn.attention import MultiheadAttention
from dlref.torch.nn.dropout import Dropout
from dlref.torch.nn.linear import Linear
from dlref.torch.nn.normalization import LayerNorm

__all__ = [
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "PositionalEncoding",
    "sinusoidal_positional_encoding",
]


def _check_dtype_arg(dtype) -> None:
    if dtype is not None and not (
        isinstance(dtype, torch.dtype) and dtype.is_floating_point
    ):
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype}")


class _TransformerLayer(nn.Module):
    """The pieces both layers share: the feed-forward block and the dropout masks."""

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal, masks):
        # Dropout(MHA(x, x, x))
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

    def _ff_block(self, x, masks, last, last_name: str):
        # Dropout(W_2 Dropout(phi(W_1 x + b_1)) + b_2)
        h = self.dropout(self.activation(self.linear1(x)), masks.get("dropout"))
        return last(self.linear2(h), masks.get(last_name))

    @property
    def dropout_masks(self) -> dict[str, torch.Tensor]:
        """The keep-masks of the last training-mode forward, by sub-module name (to hand
        to the NumPy layer)."""
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

    $$\text{post-LN: } x_1 = \mathrm{LN}_1(x + \mathrm{SA}(x)),\ y =
    \mathrm{LN}_2(x_1 + \mathrm{FF}(x_1)); \qquad
    \text{pre-LN: } x_1 = x + \mathrm{SA}(\mathrm{LN}_1(x)),\ y = x_1 +
    \mathrm{FF}(\mathrm{LN}_2(x_1))$$

    (see `dlref.numpy.nn.TransformerEncoderLayer` for the whole story).

    Args:
        d_model: $E$, the model size.
        nhead: attention heads; must divide ``d_model``.
        dim_feedforward: hidden units of the feed-forward network (default 2048).
        dropout: probability of every dropout (default 0.1).
        activation: ``'relu'`` (default) or ``'gelu'``.
        layer_norm_eps: $\epsilon$ of the LayerNorms (default ``1e-5``).
        batch_first: ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: pre-LN instead of post-LN.
        bias: learn the biases.
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).

    Shape:
        src ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``, ``(S, E)`` unbatched);
        ``src_mask`` ``(S, S)`` or ``(N * nhead, S, S)``; ``src_key_padding_mask``
        ``(N, S)`` or ``(S,)``; output as src.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False,
    dropout_masks=None)``; the masks drawn in training mode are the ``dropout_masks``
    attribute afterwards (keys ``'self_attn'``, ``'dropout1'``, ``'dropout'``,
    ``'dropout2'``).

    PyTorch equivalent: ``torch.nn.TransformerEncoderLayer``: same arguments, sub-module
    names, ``state_dict`` keys and initialization order.

    Differences from PyTorch: ``activation`` is ``'relu'`` or ``'gelu'`` only; the
    ``dropout_masks`` argument and attribute; the attention always applies ``src_mask``;
    no fast path, no nested tensors; errors are ``ValueError``/``TypeError``.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """

    _attention_names = ("self_attn",)
    _dropout_names = ("dropout1", "dropout", "dropout2")

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
        device=None,
        dtype=None,
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
        _check_dtype_arg(dtype)
        factory = {"device": device, "dtype": dtype}
        # created in torch's order, so that torch.manual_seed draws torch's weights
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            **factory,
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = ReLU() if activation == "relu" else GELU()
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.batch_first = batch_first

    def forward(
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        src_key_padding_mask: torch.Tensor | None = None,
        is_causal: bool = False,
        dropout_masks: dict[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        shapes = check_encoder_args(
            src,
            src_mask,
            src_key_padding_mask,
            is_causal,
            d_model=self.d_model,
            nhead=self.nhead,
            batch_first=self.batch_first,
            param=self.self_attn.in_proj_weight,
            array_type=torch.Tensor,
        )
        check_dropout_masks(
            dropout_masks,
            transformer_dropout_shapes(
                shapes, src.shape, self.nhead, self.dim_feedforward, decoder=False
            ),
            torch.Tensor,
        )
        masks = dropout_masks or {}
        x = src
        if self.norm_first:
            # x_1 = x + SA(LN_1(x)),  y = x_1 + FF(LN_2(x_1))
            x = x + self._sa_block(
                self.norm1(x), src_mask, src_key_padding_mask, is_causal, masks
            )
            x = x + self._ff_block(self.norm2(x), masks, self.dropout2, "dropout2")
        else:
            # x_1 = LN_1(x + SA(x)),  y = LN_2(x_1 + FF(x_1))
            x = self.norm1(
                x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal, masks)
            )
            x = self.norm2(x + self._ff_block(x, masks, self.dropout2, "dropout2"))
        return x


class TransformerDecoderLayer(_TransformerLayer):
    r"""One Transformer decoder layer: masked self-attention, cross-attention over
    ``memory``, feed-forward.

    $$\text{post-LN: } x_1 = \mathrm{LN}_1(x + \mathrm{SA}(x)),\ x_2 =
    \mathrm{LN}_2(x_1 + \mathrm{CA}(x_1, m)),\
    y = \mathrm{LN}_3(x_2 + \mathrm{FF}(x_2))$$

    and pre-LN $x \leftarrow x + \mathrm{Sublayer}(\mathrm{LN}(x))$ (see
    `dlref.numpy.nn.TransformerDecoderLayer`).

    Args:
        d_model: $E$, the model size.
        nhead: attention heads of both attentions; must divide ``d_model``.
        dim_feedforward: hidden units of the feed-forward network (default 2048).
        dropout: probability of every dropout (default 0.1).
        activation: ``'relu'`` (default) or ``'gelu'``.
        layer_norm_eps: $\epsilon$ of the LayerNorms (default ``1e-5``).
        batch_first: ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: pre-LN instead of post-LN.
        bias: learn the biases.
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).

    Shape:
        tgt ``(T, N, E)``, memory ``(S, N, E)`` (batch first or unbatched likewise);
        ``tgt_mask`` ``(T, T)`` or ``(N * nhead, T, T)``; ``memory_mask`` ``(T, S)`` or
        ``(N * nhead, T, S)``; ``tgt_key_padding_mask`` ``(N, T)``;
        ``memory_key_padding_mask`` ``(N, S)``; output as tgt.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False,
    dropout_masks=None)``.

    PyTorch equivalent: ``torch.nn.TransformerDecoderLayer``: same arguments, sub-module
    names, ``state_dict`` keys and initialization order.

    Differences from PyTorch: as `TransformerEncoderLayer`.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS,
        https://arxiv.org/abs/1706.03762
    """

    _attention_names = ("self_attn", "multihead_attn")
    _dropout_names = ("dropout1", "dropout2", "dropout", "dropout3")

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
        device=None,
        dtype=None,
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
        _check_dtype_arg(dtype)
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            **factory,
        )
        self.multihead_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            **factory,
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = ReLU() if activation == "relu" else GELU()
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.batch_first = batch_first

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal, masks):
        # Dropout(MHA(x, m, m)):
        # queries from the target, keys and values from the memory
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

    def forward(
        self,
        tgt: torch.Tensor,
        memory: torch.Tensor,
        tgt_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
        tgt_key_padding_mask: torch.Tensor | None = None,
        memory_key_padding_mask: torch.Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
        dropout_masks: dict[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
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
            param=self.self_attn.in_proj_weight,
            array_type=torch.Tensor,
        )
        check_dropout_masks(
            dropout_masks,
            transformer_dropout_shapes(
                shapes, tgt.shape, self.nhead, self.dim_feedforward, decoder=True
            ),
            torch.Tensor,
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
            x = x + self._ff_block(self.norm3(x), masks, self.dropout3, "dropout3")
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
            x = self.norm3(x + self._ff_block(x, masks, self.dropout3, "dropout3"))
        return x


def sinusoidal_positional_encoding(
    max_len: int, d_model: int, dtype: torch.dtype | None = None, device=None
) -> torch.Tensor:
    r"""The sinusoidal position table of Vaswani et al. (2017): sines on even features,
    cosines on odd.

    $$PE_{pos,\,2i} = \sin\!\Big(\frac{pos}{10000^{2i/d}}\Big), \qquad
    PE_{pos,\,2i+1} = \cos\!\Big(\frac{pos}{10000^{2i/d}}\Big)$$

    (see `dlref.numpy.nn.sinusoidal_positional_encoding`).

    Args:
        max_len: $L$, the number of positions.
        d_model: $d$, the features; must be even.
        dtype: floating dtype of the table (default: torch's default dtype).
        device: where the table is made.

    Shape:
        output ``(max_len, d_model)``.

    Returns:
        The table ``PE``.

    PyTorch equivalent: none in torch; the table of the PyTorch tutorials'
    ``PositionalEncoding``.

    References:
        A. Vaswani et al. (2017), "Attention is all you need", NeurIPS, section 3.5,
        https://arxiv.org/abs/1706.03762
    """
    check_positional_args(max_len, d_model)
    _check_dtype_arg(dtype)
    dtype = dtype if dtype is not None else torch.get_default_dtype()
    pos = torch.arange(max_len, dtype=dtype, device=device).unsqueeze(1)  # (L, 1)
    two_i = torch.arange(0, d_model, 2, dtype=dtype, device=device)  # (d/2,)
    # omega_i = 1 / 10000^(2i/d)
    # (d/2,)
    omega = torch.pow(
        torch.tensor(10000.0, dtype=dtype, device=device), -two_i / d_model
    )
    angle = pos * omega  # (L, d/2)
    # interleave: PE[:, 2i] = sin, PE[:, 2i+1] = cos
    # (L, d)
    return torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(
        max_len, d_model
    )


class PositionalEncoding(nn.Module):
    r"""Adds the sinusoidal position table to a sequence of embeddings, then applies
    dropout.

    $$y_t = \mathrm{Dropout}(x_t + PE_t)$$

    (see `dlref.numpy.nn.PositionalEncoding`); no parameters, nothing in the
    ``state_dict``.

    Args:
        d_model: $d$, the features of the embeddings; must be even.
        dropout: dropout probability after the addition (default 0).
        max_len: the longest sequence accepted (default 5000).
        batch_first: ``(N, L, d)`` instead of ``(L, N, d)``.
        generator: ``torch.Generator`` for the dropout masks.

    Shape:
        input ``(L, N, d)`` (``(N, L, d)`` with ``batch_first``, ``(L, d)`` unbatched),
        output the same; ``forward(input, mask=None)`` takes a dropout keep-mask.

    PyTorch equivalent: none in torch; the PyTorch tutorials' ``PositionalEncoding``
    (which keeps the table as a buffer ``pe``).

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
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_positional_args(max_len, d_model)
        check_positive_int("max_len", max_len)
        check_dropout_p("dropout", dropout)
        check_bool("batch_first", batch_first)
        self.dropout = Dropout(dropout, generator=generator)
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first

    def forward(
        self, input: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        if not isinstance(input, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
        check_floating("input", input)
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
        pe = sinusoidal_positional_encoding(
            L, self.d_model, dtype=input.dtype, device=input.device
        )
        if len(shape) == 3:
            # (1, L, d) or (L, 1, d)
            pe = pe.unsqueeze(0) if self.batch_first else pe.unsqueeze(1)
        # y = Dropout(x + PE)
        return self.dropout(input + pe, mask)

    def extra_repr(self) -> str:
        return (
            f"d_model={self.d_model}, max_len={self.max_len}, "
            f"batch_first={self.batch_first}"
        )
