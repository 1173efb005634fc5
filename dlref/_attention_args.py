r"""Argument checks of the attention family, shared by both backends.

`dlref.numpy` and `dlref.torch` call these before computing anything, so the two
backends accept and reject the same calls with the same messages: a ``TypeError`` for a
wrong type, a ``ValueError`` for a wrong value or shape, each naming the argument. They
work on NumPy arrays and torch tensors alike (through ``shape``, ``ndim`` and ``dtype``)
and import NumPy and `dlref._checks` only, never torch and never a backend of dlref; the
backend passes the array type its masks must have (``numpy.ndarray`` or
``torch.Tensor``).

Layouts (torch's):

* ``scaled_dot_product_attention`` and ``additive_attention``: query ``(*, L, E)``, key
  ``(*, S, E_k)``, value ``(*, S, E_v)``, output ``(*, L, E_v)``; the leading dimensions
  broadcast against each other (as ``torch.matmul`` broadcasts them: query's with key's
  for the weights ``(*, L, S)``, then the weights' with value's), and a mask broadcasts
  to the attention weights' shape.
* ``MultiheadAttention``: ``(L, N, E)``, ``(N, L, E)`` with ``batch_first`` or
  ``(L, E)`` unbatched; ``key_padding_mask`` ``(N, S)`` or ``(S,)``; ``attn_mask``
  ``(L, S)`` or ``(N * num_heads, L, S)`` (``(num_heads, L, S)`` unbatched); weights
  ``(N, L, S)`` or ``(N, num_heads, L, S)``.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from dlref._checks import (
    check_bool,
    check_floating,
    check_int,
    check_positive_int,
    check_real,
    check_same_dtype,
    shape_of,
)

__all__ = [
    "is_bool",
    "check_dropout_p",
    "check_scale",
    "check_attention_inputs",
    "check_attn_mask",
    "check_dropout_mask",
    "check_sdpa_args",
    "check_additive_args",
    "check_mha_init",
    "MhaShapes",
    "check_mha_args",
    "check_param_dtype",
    "check_transformer_init",
    "TransformerShapes",
    "check_encoder_args",
    "check_decoder_args",
    "check_dropout_masks",
    "check_positional_args",
]


# -- single arguments ------------------------------------------------------------------


def is_bool(x) -> bool:
    """Whether an array or tensor holds booleans (NumPy's ``bool`` or
    ``torch.bool``)."""
    return str(getattr(x, "dtype", None)) in ("bool", "torch.bool")


def _is_float(x) -> bool:
    dtype = getattr(x, "dtype", None)
    is_float = getattr(dtype, "is_floating_point", None)  # torch.dtype
    return bool(is_float) if is_float is not None else np.issubdtype(dtype, np.floating)


def _check_array_type(name: str, x, array_type: type) -> None:
    if not isinstance(x, array_type):
        raise TypeError(
            f"{name} must be a {array_type.__module__}.{array_type.__name__}, got "
            f"{type(x).__name__}"
        )


def check_dropout_p(name: str, p) -> None:
    """A dropout probability on the attention weights: a real number in [0, 1]."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(
            f"{name} must be a real number in [0, 1], got {type(p).__name__}"
        )
    check_real(name, p, low=0.0, high=1.0)


def check_scale(scale) -> None:
    """``scale``, the factor of the logits: ``None`` (then $1/\\sqrt{E}$) or a finite
    real number."""
    if scale is None:
        return
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(
            f"scale must be None or a real number, got {type(scale).__name__}"
        )
    if not math.isfinite(scale):
        raise ValueError(f"scale must be finite, got {scale}")


def _broadcast(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The broadcast of the named batch shapes; a ValueError naming them when they do
    not broadcast."""
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"the batch dimensions of {' and '.join(shapes)} must broadcast, got "
            f"{listed}"
        ) from None


def check_attention_inputs(
    query, key, value, array_type: type
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``query (*, L, E)``, ``key (*, S, E_k)``, ``value (*, S, E_v)``: floating
    ``array_type``, one dtype, >= 2-D.

    Returns the shapes of the attention weights, ``(*_w, L, S)`` with ``*_w`` the
    broadcast of query's and key's leading dimensions (the weights come from them alone,
    as in torch), and of the output, ``(*_o, L, E_v)`` with ``*_o`` the broadcast of
    ``*_w`` and value's. The feature sizes of query and key are checked by the caller
    (equal for dot products; additive attention projects them).
    """
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_array_type(name, x, array_type)
        check_floating(name, x)
    check_same_dtype("query", query, "key", key)
    check_same_dtype("query", query, "value", value)
    for name, x, what in (
        ("query", query, "(*, L, E)"),
        ("key", key, "(*, S, E)"),
        ("value", value, "(*, S, E_v)"),
    ):
        if len(shape_of(x)) < 2:
            raise ValueError(
                f"{name} must be at least 2-D {what}, got shape {shape_of(x)}"
            )
    S = shape_of(key)[-2]
    if shape_of(value)[-2] != S:
        raise ValueError(
            "key and value must have the same sequence length S (dim -2), got key "
            f"shape {shape_of(key)} and value shape {shape_of(value)}"
        )
    weights_batch = _broadcast(
        {"query": shape_of(query)[:-2], "key": shape_of(key)[:-2]}
    )
    output_batch = _broadcast(
        {"query and key": weights_batch, "value": shape_of(value)[:-2]}
    )
    return weights_batch + (shape_of(query)[-2], S), output_batch + (
        shape_of(query)[-2],
        shape_of(value)[-1],
    )


def check_attn_mask(
    name: str, mask, query, weights_shape: tuple[int, ...], array_type: type
) -> None:
    """A mask of the attention logits: boolean, or floating in ``query``'s dtype,
    broadcasting to ``weights_shape``.

    Broadcasting may add leading dimensions of size 1 and stretch dimensions of size 1,
    but not grow the weights' shape (torch adds the mask in place: a mask with more
    batch entries than the attention has is an error there too).
    """
    _check_array_type(name, mask, array_type)
    if not is_bool(mask):
        if not _is_float(mask):
            raise TypeError(
                f"{name} must be boolean or floating point, got dtype {mask.dtype}"
            )
        check_same_dtype(name, mask, "query", query)
    shape = shape_of(mask)
    try:
        fits = tuple(np.broadcast_shapes(shape, weights_shape)) == tuple(weights_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {shape} does not broadcast to the attention weights' "
            f"shape {tuple(weights_shape)} (*, L, S)"
        )


def check_dropout_mask(
    mask, weights_shape: tuple[int, ...], array_type: type, name: str = "dropout_mask"
) -> None:
    """A dropout keep-mask of the attention weights: boolean (``True`` = keep), exactly
    ``weights_shape``."""
    _check_array_type(name, mask, array_type)
    if not is_bool(mask):
        raise TypeError(f"{name} must be boolean (True = keep), got dtype {mask.dtype}")
    if shape_of(mask) != tuple(weights_shape):
        raise ValueError(
            f"{name} must have the attention weights' shape {tuple(weights_shape)}, "
            f"got {shape_of(mask)}"
        )


def check_param_dtype(name: str, value, input_name: str, input) -> None:
    """A module's parameter and its input share one dtype (no silent promotion or
    cast)."""
    if value is not None and str(value.dtype).replace("torch.", "") != str(
        input.dtype
    ).replace("torch.", ""):
        raise TypeError(
            f"{input_name} must have the dtype of the module's parameters "
            f"({value.dtype}), got {input.dtype}"
        )


# -- whole calls -----------------------------------------------------------------------


def check_sdpa_args(
    query,
    key,
    value,
    attn_mask,
    dropout_p,
    is_causal,
    scale,
    dropout_mask,
    array_type: type,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The arguments of ``scaled_dot_product_attention``; returns the weights' and the
    output's shapes."""
    weights_shape, output_shape = check_attention_inputs(query, key, value, array_type)
    if shape_of(key)[-1] != shape_of(query)[-1]:
        raise ValueError(
            "query and key must have the same feature size E (dim -1), got query "
            f"shape {shape_of(query)} and key shape {shape_of(key)}"
        )
    check_dropout_p("dropout_p", dropout_p)
    check_bool("is_causal", is_causal)
    check_scale(scale)
    if attn_mask is not None:
        if is_causal:
            raise ValueError(
                "attn_mask and is_causal cannot both be set (is_causal makes the "
                "causal mask; pass one or the other, as torch requires)"
            )
        check_attn_mask("attn_mask", attn_mask, query, weights_shape, array_type)
    if dropout_mask is not None:
        check_dropout_mask(dropout_mask, weights_shape, array_type)
    return weights_shape, output_shape


def check_additive_args(
    query,
    key,
    value,
    weight_q,
    weight_k,
    weight_v,
    attn_mask,
    dropout_p,
    dropout_mask,
    array_type: type,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The arguments of ``additive_attention``; returns the weights' and the output's
    shapes."""
    weights_shape, output_shape = check_attention_inputs(query, key, value, array_type)
    for name, w in (
        ("weight_q", weight_q),
        ("weight_k", weight_k),
        ("weight_v", weight_v),
    ):
        _check_array_type(name, w, array_type)
        check_floating(name, w)
        check_same_dtype("query", query, name, w)
    if len(shape_of(weight_v)) != 1:
        raise ValueError(
            f"weight_v must be 1-D (num_hiddens,), got shape {shape_of(weight_v)}"
        )
    H = shape_of(weight_v)[0]
    for name, w, x, size in (
        ("weight_q", weight_q, "query", shape_of(query)[-1]),
        ("weight_k", weight_k, "key", shape_of(key)[-1]),
    ):
        if shape_of(w) != (H, size):
            raise ValueError(
                f"{name} must have shape (num_hiddens, {x}'s feature size) = ({H}, "
                f"{size}), got {shape_of(w)}"
            )
    check_dropout_p("dropout_p", dropout_p)
    if attn_mask is not None:
        check_attn_mask("attn_mask", attn_mask, query, weights_shape, array_type)
    if dropout_mask is not None:
        check_dropout_mask(dropout_mask, weights_shape, array_type)
    return weights_shape, output_shape


def check_mha_init(
    embed_dim,
    num_heads,
    dropout,
    bias,
    add_bias_kv,
    add_zero_attn,
    kdim,
    vdim,
    batch_first,
) -> None:
    """Constructor of ``MultiheadAttention``: positive sizes, ``num_heads`` dividing
    ``embed_dim``, flags."""
    check_positive_int("embed_dim", embed_dim)
    check_positive_int("num_heads", num_heads)
    if embed_dim % num_heads != 0:
        raise ValueError(
            f"embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
            f"num_heads={num_heads}"
        )
    check_dropout_p("dropout", dropout)
    for name, flag in (
        ("bias", bias),
        ("add_bias_kv", add_bias_kv),
        ("add_zero_attn", add_zero_attn),
        ("batch_first", batch_first),
    ):
        check_bool(name, flag)
    for name, size in (("kdim", kdim), ("vdim", vdim)):
        if size is not None:
            check_positive_int(name, size)


class MhaShapes(NamedTuple):
    """What ``check_mha_args`` found: batched or not, and the sizes N, L, S."""

    batched: bool
    N: int
    L: int
    S: int


def check_mha_args(
    query,
    key,
    value,
    key_padding_mask,
    need_weights,
    attn_mask,
    average_attn_weights,
    is_causal,
    *,
    embed_dim: int,
    kdim: int,
    vdim: int,
    num_heads: int,
    batch_first: bool,
    param,
    array_type: type,
) -> MhaShapes:
    """The arguments of ``MultiheadAttention.forward`` (torch's shape rules, ``param``
    any of its parameters).

    Returns the layout found. ``S`` is the key's length as given (before ``add_bias_kv``
    and ``add_zero_attn`` append their columns); the masks are checked against it.
    """
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_array_type(name, x, array_type)
        check_floating(name, x)
    check_same_dtype("query", query, "key", key)
    check_same_dtype("query", query, "value", value)
    check_param_dtype("param", param, "query", query)
    for name, flag in (
        ("need_weights", need_weights),
        ("average_attn_weights", average_attn_weights),
        ("is_causal", is_causal),
    ):
        check_bool(name, flag)
    ndim = len(shape_of(query))
    if ndim not in (2, 3):
        raise ValueError(
            "query must be 3-D (batched) or 2-D (unbatched), got shape "
            f"{shape_of(query)}"
        )
    for name, x in (("key", key), ("value", value)):
        if len(shape_of(x)) != ndim:
            raise ValueError(
                f"{name} must be {ndim}-D like query (shape {shape_of(query)}), got "
                f"shape {shape_of(x)}"
            )
    batched = ndim == 3
    layout = ("(N, L, E)" if batch_first else "(L, N, E)") if batched else "(L, E)"

    def split(x):  # (sequence length, batch size) of a (L, N, E)-like input
        s = shape_of(x)
        if not batched:
            return s[0], 1
        return (s[1], s[0]) if batch_first else (s[0], s[1])

    (L, N), (S, N_k), (S_v, N_v) = split(query), split(key), split(value)
    for name, x, size, what in (
        ("query", query, embed_dim, "embed_dim"),
        ("key", key, kdim, "kdim"),
        ("value", value, vdim, "vdim"),
    ):
        if shape_of(x)[-1] != size:
            raise ValueError(
                f"{name} must have {size} features ({what}) on its last dimension, "
                f"layout {layout}, got shape {shape_of(x)}"
            )
    if N_k != N or N_v != N:
        raise ValueError(
            "query, key and value must have the same batch size, got shapes "
            f"{shape_of(query)}, {shape_of(key)} and {shape_of(value)} (layout "
            f"{layout})"
        )
    if S_v != S:
        raise ValueError(
            "key and value must have the same sequence length, got shapes "
            f"{shape_of(key)} and {shape_of(value)} (layout {layout})"
        )
    if key_padding_mask is not None:
        _check_array_type("key_padding_mask", key_padding_mask, array_type)
        if not is_bool(key_padding_mask):
            if not _is_float(key_padding_mask):
                raise TypeError(
                    "key_padding_mask must be boolean (True = padding, ignored) or "
                    f"floating point, got dtype {key_padding_mask.dtype}"
                )
            check_same_dtype("key_padding_mask", key_padding_mask, "query", query)
        expected = (N, S) if batched else (S,)
        if shape_of(key_padding_mask) != expected:
            raise ValueError(
                f"key_padding_mask must have shape {expected} "
                f"({'(N, S)' if batched else '(S,)'}), got "
                f"{shape_of(key_padding_mask)}"
            )
    if attn_mask is not None:
        _check_array_type("attn_mask", attn_mask, array_type)
        if not is_bool(attn_mask):
            if not _is_float(attn_mask):
                raise TypeError(
                    "attn_mask must be boolean (True = not allowed to attend) or "
                    f"floating point, got dtype {attn_mask.dtype}"
                )
            check_same_dtype("attn_mask", attn_mask, "query", query)
        allowed = ((L, S), (N * num_heads, L, S))
        if shape_of(attn_mask) not in allowed:
            three = "(N * num_heads, L, S)" if batched else "(num_heads, L, S)"
            raise ValueError(
                f"attn_mask must have shape {allowed[0]} (L, S) or {allowed[1]} "
                f"{three}, got {shape_of(attn_mask)}"
            )
    elif is_causal:
        raise ValueError(
            "is_causal=True needs attn_mask: it is a hint that attn_mask is the "
            "causal mask, as in torch (here True = not allowed, so make it with "
            "numpy.triu(numpy.ones((L, L), dtype=bool), k=1): True above the "
            "diagonal)"
        )
    return MhaShapes(batched, N, L, S)


# -- Transformer layers ----------------------------------------------------------------


def check_transformer_init(
    d_model,
    nhead,
    dim_feedforward,
    dropout,
    activation,
    layer_norm_eps,
    batch_first,
    norm_first,
    bias,
) -> None:
    """Constructor of ``TransformerEncoderLayer``/``TransformerDecoderLayer``."""
    check_positive_int("d_model", d_model)
    check_positive_int("nhead", nhead)
    if d_model % nhead != 0:
        raise ValueError(
            f"d_model must be divisible by nhead, got d_model={d_model} and "
            f"nhead={nhead}"
        )
    check_positive_int("dim_feedforward", dim_feedforward)
    check_dropout_p("dropout", dropout)
    if not isinstance(activation, str):
        raise TypeError(
            f"activation must be 'relu' or 'gelu', got {type(activation).__name__} "
            "(dlref takes torch's strings, not a callable)"
        )
    if activation not in ("relu", "gelu"):
        raise ValueError(f"activation must be 'relu' or 'gelu', got {activation!r}")
    check_real(
        "layer_norm_eps",
        layer_norm_eps,
        low=0.0,
        high=math.inf,
        low_inclusive=False,
        high_inclusive=False,
    )
    for name, flag in (
        ("batch_first", batch_first),
        ("norm_first", norm_first),
        ("bias", bias),
    ):
        check_bool(name, flag)


class TransformerShapes(NamedTuple):
    """What the Transformer checks found: batched or not, batch size N, target length T,
    source length S."""

    batched: bool
    N: int
    T: int
    S: int


def _check_sequence(
    name: str, x, d_model: int, batch_first: bool, param, array_type: type
):
    """A ``(T, N, E)``/``(N, T, E)``/``(T, E)`` sequence of ``d_model`` features:
    ``(batched, N, T)``."""
    _check_array_type(name, x, array_type)
    check_floating(name, x)
    check_param_dtype("param", param, name, x)
    shape = shape_of(x)
    if len(shape) not in (2, 3):
        raise ValueError(
            f"{name} must be 3-D (batched) or 2-D (unbatched), got shape {shape}"
        )
    batched = len(shape) == 3
    layout = ("(N, T, E)" if batch_first else "(T, N, E)") if batched else "(T, E)"
    if shape[-1] != d_model:
        raise ValueError(
            f"{name} must have d_model={d_model} features on its last dimension, "
            f"layout {layout}, got shape {shape}"
        )
    if not batched:
        return False, 1, shape[0]
    return (True, shape[0], shape[1]) if batch_first else (True, shape[1], shape[0])


def _check_mask(
    name: str,
    mask,
    like_name: str,
    like,
    allowed: tuple[tuple[int, ...], ...],
    what: str,
    array_type: type,
) -> None:
    """A MultiheadAttention mask: boolean (``True`` = not allowed) or floating in
    ``like``'s dtype, of one shape."""
    if mask is None:
        return
    _check_array_type(name, mask, array_type)
    if not is_bool(mask):
        if not _is_float(mask):
            raise TypeError(
                f"{name} must be boolean (True = not allowed to attend) or floating "
                f"point, got dtype {mask.dtype}"
            )
        check_same_dtype(name, mask, like_name, like)
    if shape_of(mask) not in allowed:
        raise ValueError(
            f"{name} must have shape {' or '.join(str(s) for s in allowed)} ({what}), "
            f"got {shape_of(mask)}"
        )


def _check_causal(name: str, is_causal, mask_name: str, mask) -> None:
    check_bool(name, is_causal)
    if is_causal and mask is None:
        raise ValueError(
            f"{name}=True needs {mask_name}: it is a hint that {mask_name} is the "
            "causal mask, as in torch (here True = not allowed, so make it with "
            "numpy.triu(numpy.ones((L, L), dtype=bool), k=1): True above the "
            "diagonal, or torch.nn.Transformer.generate_square_subsequent_mask)"
        )


def check_encoder_args(
    src,
    src_mask,
    src_key_padding_mask,
    is_causal,
    *,
    d_model: int,
    nhead: int,
    batch_first: bool,
    param,
    array_type: type,
) -> TransformerShapes:
    """The arguments of ``TransformerEncoderLayer.forward``; ``T = S`` is the length of
    ``src``."""
    batched, N, T = _check_sequence("src", src, d_model, batch_first, param, array_type)
    heads = "(N * nhead, S, S)" if batched else "(nhead, S, S)"
    _check_mask(
        "src_mask",
        src_mask,
        "src",
        src,
        ((T, T), (N * nhead, T, T)),
        f"(S, S) or {heads}",
        array_type,
    )
    _check_mask(
        "src_key_padding_mask",
        src_key_padding_mask,
        "src",
        src,
        ((N, T) if batched else (T,),),
        "(N, S)" if batched else "(S,)",
        array_type,
    )
    _check_causal("is_causal", is_causal, "src_mask", src_mask)
    return TransformerShapes(batched, N, T, T)


def check_decoder_args(
    tgt,
    memory,
    tgt_mask,
    memory_mask,
    tgt_key_padding_mask,
    memory_key_padding_mask,
    tgt_is_causal,
    memory_is_causal,
    *,
    d_model: int,
    nhead: int,
    batch_first: bool,
    param,
    array_type: type,
) -> TransformerShapes:
    """The arguments of ``TransformerDecoderLayer.forward``: target length T, memory
    length S."""
    batched, N, T = _check_sequence("tgt", tgt, d_model, batch_first, param, array_type)
    memory_batched, N_m, S = _check_sequence(
        "memory", memory, d_model, batch_first, param, array_type
    )
    if memory_batched != batched or N_m != N:
        raise ValueError(
            "memory must have tgt's batch layout and batch size, got tgt shape "
            f"{shape_of(tgt)} and memory shape {shape_of(memory)}"
        )
    heads = "(N * nhead, " if batched else "(nhead, "
    _check_mask(
        "tgt_mask",
        tgt_mask,
        "tgt",
        tgt,
        ((T, T), (N * nhead, T, T)),
        f"(T, T) or {heads}T, T)",
        array_type,
    )
    _check_mask(
        "memory_mask",
        memory_mask,
        "tgt",
        tgt,
        ((T, S), (N * nhead, T, S)),
        f"(T, S) or {heads}T, S)",
        array_type,
    )
    _check_mask(
        "tgt_key_padding_mask",
        tgt_key_padding_mask,
        "tgt",
        tgt,
        ((N, T) if batched else (T,),),
        "(N, T)" if batched else "(T,)",
        array_type,
    )
    _check_mask(
        "memory_key_padding_mask",
        memory_key_padding_mask,
        "tgt",
        tgt,
        ((N, S) if batched else (S,),),
        "(N, S)" if batched else "(S,)",
        array_type,
    )
    _check_causal("tgt_is_causal", tgt_is_causal, "tgt_mask", tgt_mask)
    _check_causal("memory_is_causal", memory_is_causal, "memory_mask", memory_mask)
    return TransformerShapes(batched, N, T, S)


def check_dropout_masks(
    masks, shapes: dict[str, tuple[int, ...]], array_type: type
) -> None:
    """``dropout_masks``: ``None`` or a dict from sub-module names (``shapes``' keys) to
    boolean keep-masks."""
    if masks is None:
        return
    if not isinstance(masks, dict):
        raise TypeError(
            "dropout_masks must be None or a dict from sub-module names to boolean "
            f"keep-masks, got {type(masks).__name__}"
        )
    for key, mask in masks.items():
        if key not in shapes:
            raise ValueError(
                f"dropout_masks has key {key!r}; the layer's dropouts are "
                f"{tuple(shapes)}"
            )
        check_dropout_mask(
            mask, shapes[key], array_type, name=f"dropout_masks[{key!r}]"
        )


def transformer_dropout_shapes(
    shapes: TransformerShapes,
    x_shape: tuple[int, ...],
    nhead: int,
    dim_feedforward: int,
    decoder: bool,
) -> dict[str, tuple[int, ...]]:
    """The keep-mask shape of each dropout of a Transformer layer, by sub-module name,
    in the order they draw."""
    batched, N, T, S = shapes
    heads = (N, nhead) if batched else (nhead,)
    x_shape = tuple(x_shape)
    result = {"self_attn": heads + (T, T), "dropout1": x_shape}
    if decoder:
        result.update({"multihead_attn": heads + (T, S), "dropout2": x_shape})
    result["dropout"] = x_shape[:-1] + (dim_feedforward,)
    result["dropout3" if decoder else "dropout2"] = x_shape
    return result


def check_positional_args(max_len, d_model) -> None:
    """``sinusoidal_positional_encoding``'s sizes: ``max_len`` >= 0 (0: an empty table),
    ``d_model`` >= 1, even."""
    check_int("max_len", max_len, minimum=0)
    check_positive_int("d_model", d_model)
    if d_model % 2:
        raise ValueError(f"d_model must be even (sine and cosine pairs), got {d_model}")
