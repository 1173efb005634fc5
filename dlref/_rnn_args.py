r"""Argument checks of the recurrent family (RNN, LSTM, GRU and their cells), shared by
both backends.

`dlref.numpy` and `dlref.torch` call these before computing anything, so the two
backends accept and reject the same calls with the same messages: a ``TypeError`` for a
wrong type, a ``ValueError`` for a wrong value or shape, each naming the argument. They
work on NumPy arrays and torch tensors alike (through ``shape``, ``ndim`` and ``dtype``)
and import NumPy and `dlref._checks` only, never torch and never a backend of dlref.

Layouts (torch's): a sequence is ``(L, N, H_in)``, ``(N, L, H_in)`` with
``batch_first``, or ``(L, H_in)`` unbatched; a layer's state is
``(D * num_layers, N, H_out)`` or ``(D * num_layers, H_out)`` unbatched, with $D = 2$ if
bidirectional else 1. A cell takes ``(N, H_in)`` or ``(H_in,)`` and a state
``(N, H_out)`` or ``(H_out,)``.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from dlref._checks import (
    check_bool,
    check_choice,
    check_floating,
    check_norm_type,
    check_positive_int,
    check_real,
    check_same_dtype,
    shape_of,
)

__all__ = [
    "NONLINEARITIES",
    "check_cell_args",
    "check_rnn_args",
    "check_dropout",
    "check_nonlinearity",
    "SequenceLayout",
    "check_sequence_input",
    "check_sequence_state",
    "check_cell_input",
    "check_cell_state",
    "check_state_pair",
    "check_grad",
    "num_directions",
    "check_dropout_masks",
    "check_param_dtype",
    "layer_parameter_names",
    "check_padding_idx",
    "check_embedding_options",
    "check_embedding_args",
    "check_embedding_weight",
    "check_indices",
]

NONLINEARITIES = ("tanh", "relu")
# the default of an argument that only some layers take (nonlinearity)
NOT_GIVEN = object()


# -- constructor arguments -------------------------------------------------------------


def check_nonlinearity(nonlinearity) -> None:
    """``nonlinearity`` of an Elman RNN: ``'tanh'`` or ``'relu'`` (torch's choices)."""
    if not isinstance(nonlinearity, str):
        raise TypeError(
            "nonlinearity must be a str ('tanh' or 'relu'), got "
            f"{type(nonlinearity).__name__}"
        )
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)


def check_dropout(dropout) -> None:
    """``dropout`` between stacked layers: a real number in [0, 1] (torch's rule)."""
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
        raise TypeError(
            f"dropout must be a real number in [0, 1], got {type(dropout).__name__}"
        )
    check_real("dropout", dropout, low=0.0, high=1.0)


def check_cell_args(input_size, hidden_size, bias, nonlinearity=NOT_GIVEN) -> None:
    """Constructor of ``RNNCell``/``LSTMCell``/``GRUCell``; ``nonlinearity`` is checked
    when given (None too)."""
    check_positive_int("input_size", input_size)
    check_positive_int("hidden_size", hidden_size)
    check_bool("bias", bias)
    if nonlinearity is not NOT_GIVEN:
        check_nonlinearity(nonlinearity)


def check_rnn_args(
    input_size,
    hidden_size,
    num_layers,
    bias,
    batch_first,
    dropout,
    bidirectional,
    nonlinearity=NOT_GIVEN,
) -> None:
    """Constructor of ``RNN``/``LSTM``/``GRU``; ``nonlinearity`` is checked when given
    (None too).

    torch also warns when ``dropout > 0`` with ``num_layers == 1`` (dropout is applied
    between layers only, so it does nothing); dlref accepts that silently.
    """
    check_cell_args(input_size, hidden_size, bias, nonlinearity)
    check_positive_int("num_layers", num_layers)
    check_bool("batch_first", batch_first)
    check_dropout(dropout)
    check_bool("bidirectional", bidirectional)


def num_directions(bidirectional: bool) -> int:
    """$D$: 2 for a bidirectional layer, 1 otherwise."""
    return 2 if bidirectional else 1


def layer_parameter_names(layer: int, reverse: bool, bias: bool) -> tuple[str, ...]:
    """torch's names of one layer's parameters in one direction, in torch's registration
    order.

    ``("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")``; ``_reverse``
    appended for the backward direction of a bidirectional layer; no biases when
    ``bias`` is False.
    """
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if bias else ())
    return tuple(name + suffix for name in names)


# -- inputs and states -----------------------------------------------------------------


class SequenceLayout(NamedTuple):
    """Where the sizes of a sequence input sit: ``batched`` (3-D), ``seq_len`` $L$,
    ``batch`` $N$ (1 if unbatched)."""

    batched: bool
    seq_len: int
    batch: int


def check_sequence_input(
    input, input_size: int, batch_first: bool, name: str = "input"
) -> SequenceLayout:
    """A sequence ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, or
    ``(L, H_in)`` unbatched.

    Returns its layout. ``L`` must be >= 1 (an empty sequence has no last state); ``N``
    may be 0, as in torch.
    """
    check_floating(name, input)
    layout = "(N, L, H_in)" if batch_first else "(L, N, H_in)"
    if input.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 3-D {layout} or 2-D (L, H_in) unbatched, got shape "
            f"{shape_of(input)}"
        )
    if input.shape[-1] != input_size:
        raise ValueError(
            f"{name} must have {input_size} features in its last dimension "
            f"(input_size), got shape {shape_of(input)}"
        )
    batched = input.ndim == 3
    if batched:
        seq_len, batch = (
            (input.shape[1], input.shape[0])
            if batch_first
            else (input.shape[0], input.shape[1])
        )
    else:
        seq_len, batch = input.shape[0], 1
    if seq_len < 1:  # torch's rule too; an empty batch (N = 0) is fine, as in torch
        raise ValueError(
            f"{name} must have at least one time step (L >= 1), got shape "
            f"{shape_of(input)}"
        )
    return SequenceLayout(batched, int(seq_len), int(batch))


def check_sequence_state(
    name: str, state, input, layout: SequenceLayout, num_states: int, hidden_size: int
) -> None:
    """An initial state of a stacked layer: ``(num_states, N, H_out)``, or
    ``(num_states, H_out)`` unbatched.

    ``num_states`` is $D \\cdot$ ``num_layers``. ``None`` passes (zeros are used). The
    state must share the input's dtype; it is never in ``batch_first`` layout (as in
    torch).
    """
    if state is None:
        return
    check_floating(name, state)
    check_same_dtype("input", input, name, state)
    expected = (
        (num_states, layout.batch, hidden_size)
        if layout.batched
        else (num_states, hidden_size)
    )
    if shape_of(state) != expected:
        what = (
            "(D * num_layers, N, H_out)"
            if layout.batched
            else "(D * num_layers, H_out) for an unbatched input"
        )
        raise ValueError(
            f"{name} must have shape {what} = {expected}, got shape {shape_of(state)}"
        )


def check_cell_input(input, input_size: int, name: str = "input") -> tuple[bool, int]:
    """A cell's input ``(N, H_in)`` or ``(H_in,)`` unbatched; returns ``(batched, N)``
    (``N`` may be 0, as in torch)."""
    check_floating(name, input)
    if input.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 2-D (N, H_in) or 1-D (H_in,) unbatched, got shape "
            f"{shape_of(input)}"
        )
    if input.shape[-1] != input_size:
        raise ValueError(
            f"{name} must have {input_size} features in its last dimension "
            f"(input_size), got shape {shape_of(input)}"
        )
    batched = input.ndim == 2
    batch = int(input.shape[0]) if batched else 1
    return batched, batch


def check_cell_state(
    name: str, state, input, batched: bool, batch: int, hidden_size: int
) -> None:
    """A cell's state ``(N, H_out)``, or ``(H_out,)`` for an unbatched input; ``None``
    passes."""
    if state is None:
        return
    check_floating(name, state)
    check_same_dtype("input", input, name, state)
    expected = (batch, hidden_size) if batched else (hidden_size,)
    if shape_of(state) != expected:
        what = "(N, H_out)" if batched else "(H_out,) for an unbatched input"
        raise ValueError(
            f"{name} must have shape {what} = {expected}, got shape {shape_of(state)}"
        )


def check_state_pair(name: str, hx):
    """An LSTM's ``hx``: None or a pair ``(h_0, c_0)``; returns ``(h_0, c_0)`` (Nones
    when ``hx`` is None)."""
    if hx is None:
        return None, None
    if not isinstance(hx, (tuple, list)):
        raise TypeError(
            f"{name} must be None or a pair (h_0, c_0), got {type(hx).__name__}"
        )
    if len(hx) != 2:
        raise ValueError(f"{name} must be a pair (h_0, c_0), got {len(hx)} items")
    for k, state in enumerate(hx):
        if state is None:  # torch fails on it too; zeros for both come from hx=None
            raise TypeError(
                f"{('h_0', 'c_0')[k]} ({name}[{k}]) must be an array or tensor, got "
                f"None (pass {name}=None for zero states)"
            )
    return hx[0], hx[1]


def check_param_dtype(input, weight, name: str = "input") -> None:
    """The input must share the parameters' dtype (torch does not promote; a TypeError
    naming both)."""
    if input.dtype != weight.dtype:
        raise TypeError(
            f"{name} must have the dtype of the layer's parameters, got {input.dtype} "
            f"for parameters of dtype {weight.dtype}"
        )


def check_dropout_masks(
    masks, count: int, shape: tuple[int, ...], name: str = "dropout_masks"
) -> None:
    """Keep-masks for the dropout between stacked layers: ``count`` boolean arrays of
    ``shape`` each.

    ``count`` is ``num_layers - 1`` (dropout acts on every layer's output but the last)
    and ``shape`` the shape of the layer's ``output``. ``None`` passes (masks are then
    drawn).
    """
    if masks is None:
        return
    if not isinstance(masks, (tuple, list)):
        raise TypeError(
            f"{name} must be None or a sequence of {count} boolean arrays, got "
            f"{type(masks).__name__}"
        )
    if len(masks) != count:
        raise ValueError(
            f"{name} must hold num_layers - 1 = {count} masks (one per layer but the "
            f"last), got {len(masks)}"
        )
    for k, mask in enumerate(masks):
        dtype = getattr(mask, "dtype", None)
        if str(dtype) not in ("bool", "torch.bool"):
            got = (
                type(mask).__name__
                if dtype is None
                else f"{type(mask).__name__} of dtype {dtype}"
            )
            raise TypeError(
                f"{name}[{k}] must be a boolean array (True = keep), got {got}"
            )
        if shape_of(mask) != tuple(shape):
            raise ValueError(
                f"{name}[{k}] must have the shape of output {tuple(shape)}, got "
                f"{shape_of(mask)}"
            )


def check_grad(
    name: str, grad, expected: tuple[int, ...], like=None, of: str = "output"
) -> None:
    """A gradient handed to ``backward``: a floating array of shape ``expected``, the
    shape of the forward's ``of``.

    ``like`` (an array of the forward pass) fixes the dtype: a gradient of another dtype
    is a TypeError (torch's autograd would cast it silently, NumPy would promote
    silently).
    """
    check_floating(name, grad)
    if like is not None:
        check_same_dtype(name, grad, of, like)
    if shape_of(grad) != tuple(expected):
        raise ValueError(
            f"{name} must have the shape of {of} {tuple(expected)}, got shape "
            f"{shape_of(grad)}"
        )


# -- embeddings (Embedding, functional.embedding) --------------------------------------


def check_padding_idx(padding_idx, num_embeddings: int) -> int | None:
    """``padding_idx``: None or an int in ``[-num_embeddings, num_embeddings)``;
    returned as a row index >= 0.

    A negative index counts from the end, as in torch (``-1`` is the last row).
    """
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral):
        raise TypeError(
            f"padding_idx must be None or an int, got {type(padding_idx).__name__}"
        )
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx must be within num_embeddings, in [{-num_embeddings}, "
            f"{num_embeddings - 1}], got {padding_idx}"
        )
    return int(padding_idx) % num_embeddings


def check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse) -> None:
    """The options shared by ``Embedding`` and ``embedding``: ``max_norm``,
    ``norm_type``, ``scale_grad_by_freq``, ``sparse``.

    ``max_norm`` is None or a real number >= 0; ``norm_type`` the $p$ of a $p$-norm
    ($p > 0$, or inf); ``sparse`` must be False (dlref's gradients are dense arrays).
    """
    if max_norm is not None:
        check_real("max_norm", max_norm, low=0.0)
    check_norm_type(norm_type)
    check_bool("scale_grad_by_freq", scale_grad_by_freq)
    check_bool("sparse", sparse)
    if sparse:
        raise ValueError(
            "sparse=True (sparse gradients) is not supported: dlref's gradients are "
            "dense"
        )


def check_embedding_args(
    num_embeddings,
    embedding_dim,
    padding_idx,
    max_norm,
    norm_type,
    scale_grad_by_freq,
    sparse,
) -> int | None:
    """Constructor of ``Embedding``; returns ``padding_idx`` as a row index >= 0 (or
    None)."""
    check_positive_int("num_embeddings", num_embeddings)
    check_positive_int("embedding_dim", embedding_dim)
    check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse)
    return check_padding_idx(padding_idx, num_embeddings)


def check_embedding_weight(weight, name: str = "weight") -> None:
    """An embedding table: a floating ``(num_embeddings, embedding_dim)`` array with at
    least one row."""
    check_floating(name, weight)
    if weight.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (num_embeddings, embedding_dim), got shape "
            f"{shape_of(weight)}"
        )
    if weight.shape[0] < 1:
        raise ValueError(
            f"{name} must have at least one row (num_embeddings >= 1), got shape "
            f"{shape_of(weight)}"
        )


def check_indices(input, num_embeddings: int, name: str = "input") -> None:
    """Row indices into an embedding table: an integer array (any shape) with values in
    ``[0, num_embeddings)``."""
    dtype = getattr(input, "dtype", None)
    if dtype is None:
        raise TypeError(
            f"{name} must be an integer array or tensor of indices, got "
            f"{type(input).__name__}"
        )
    kind = str(dtype).replace("torch.", "")
    try:
        is_int = np.issubdtype(np.dtype(kind), np.integer)
    except TypeError:  # a torch dtype NumPy has no name for (bfloat16, ...)
        is_int = False
    if not is_int:
        raise TypeError(f"{name} must hold integer indices, got dtype {dtype}")
    if math.prod(shape_of(input)) and (
        int(input.min()) < 0 or int(input.max()) >= num_embeddings
    ):
        raise ValueError(
            f"{name} must hold indices in [0, {num_embeddings - 1}] (num_embeddings "
            f"= {num_embeddings}), got values in [{int(input.min())}, "
            f"{int(input.max())}]"
        )
