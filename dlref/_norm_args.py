"""Argument checks of the normalization and dropout families, shared by both backends.

`dlref.numpy` and `dlref.torch` call these before computing anything, so the two
backends accept and reject the same calls with the same messages: a ``TypeError`` for a
wrong type, a ``ValueError`` for a wrong value or shape, each naming the argument. They
work on NumPy arrays and torch tensors alike (through ``shape`` and ``dtype``) and
import NumPy and `dlref._checks` only, never torch and never a backend of dlref.

What is backend-specific stays in the backends: that running statistics are writeable
NumPy arrays or tensors on the input's device, and which array type a ``mask`` must be.
"""

from __future__ import annotations

import math
import numbers

from dlref._checks import (
    check_bool,
    check_float_dtype,
    check_floating,
    check_positive_int,
    check_real,
    check_same_dtype,
    check_same_shape,
    shape_of,
)

__all__ = [
    "as_normalized_shape",
    "check_eps",
    "check_momentum",
    "check_dropout_p",
    "check_num_groups",
    "check_per_channel",
    "check_keep_mask",
    "check_grad_output",
    "check_batch_norm_args",
    "check_layer_norm_args",
    "check_group_norm_args",
    "check_instance_norm_args",
    "check_norm_layer_args",
    "check_layer_input",
    "as_shape",
    "check_param_dtype",
]


# -- single arguments ------------------------------------------------------------------


def as_normalized_shape(value, allow_int: bool = True) -> tuple[int, ...]:
    """``normalized_shape`` as a tuple of positive ints.

    torch's ``LayerNorm`` accepts an int or a sequence of ints; its ``F.layer_norm`` a
    sequence only (``allow_int=False``: an int is a TypeError there, as in torch).
    """
    what = (
        "an int or a sequence of ints"
        if allow_int
        else "a sequence of ints (torch's layer_norm takes no int; the LayerNorm "
        "layer does)"
    )
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if not allow_int:
            raise TypeError(f"normalized_shape must be {what}, got {value!r}")
        value = (value,)
    try:
        shape = tuple(value)
    except TypeError:
        raise TypeError(
            f"normalized_shape must be {what}, got {type(value).__name__}"
        ) from None
    if not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape
    ):
        raise TypeError(f"normalized_shape must be {what}, got {value!r}")
    if not shape or not all(n >= 1 for n in shape):
        raise ValueError(
            "normalized_shape must be a non-empty sequence of positive ints, got "
            f"{value!r}"
        )
    return tuple(int(n) for n in shape)


def check_eps(eps) -> None:
    r"""``eps`` ($\epsilon$, added to a variance before the square root) must be a
    finite real > 0."""
    check_real(
        "eps", eps, low=0.0, high=math.inf, low_inclusive=False, high_inclusive=False
    )


def check_momentum(momentum, allow_none: bool = False) -> None:
    """``momentum``, the weight of a new batch in running averages, must be in [0, 1].

    The layers also take ``None`` (``allow_none=True``): a cumulative average for batch
    norm. The functions take a number only, as torch's do.
    """
    if momentum is None and allow_none:
        return
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        also = " or None" if allow_none else ""
        raise TypeError(
            f"momentum must be a real number{also}, got {type(momentum).__name__}"
        )
    check_real("momentum", momentum, 0.0, 1.0)


def as_shape(name: str, value) -> tuple[int, ...]:
    """A shape to draw or allocate (a mask's): an int or a sequence of ints >= 0, as a
    tuple."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in value
    ):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}")
    if any(n < 0 for n in value):
        raise ValueError(f"{name} must not have a negative size, got {tuple(value)}")
    return tuple(int(n) for n in value)


def check_dropout_p(p) -> None:
    """The dropout probability ``p`` must be in [0, 1] (torch's message for the
    range)."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(
            f"dropout probability p must be a real number, got {type(p).__name__}"
        )
    if not 0.0 <= p <= 1.0:  # also rejects NaN
        raise ValueError(
            f"dropout probability p has to be between 0 and 1, but got {p}"
        )


def check_num_groups(num_groups, num_channels) -> None:
    """``num_groups`` must be a positive int that divides ``num_channels``."""
    check_positive_int("num_groups", num_groups)
    check_positive_int("num_channels", num_channels)
    if num_channels % num_groups != 0:
        raise ValueError(
            f"num_channels ({num_channels}) must be divisible by num_groups "
            f"({num_groups})"
        )


def check_per_channel(name: str, value, num_channels: int) -> None:
    """``value`` (a weight, a bias or a running statistic) must be a floating ``(C,)``
    array or tensor."""
    check_floating(name, value)
    if shape_of(value) != (num_channels,):
        raise ValueError(
            f"{name} must have shape ({num_channels},), one entry per channel of input "
            f"(dim 1), got shape {shape_of(value)}"
        )


def check_param_dtype(name: str, value, input) -> None:
    """A weight, bias or running statistic must have ``input``'s dtype, as torch
    requires.

    torch's one exception is kept: float32 parameters with a float16 or bfloat16 input
    (mixed precision). Any other pair is a TypeError (NumPy would promote or cast
    silently).
    """
    if value is None:
        return
    # by name, so that a torch tensor handed to the
    # NumPy backend reaches that backend's own check
    ours, theirs = (
        str(value.dtype).replace("torch.", ""),
        str(input.dtype).replace("torch.", ""),
    )
    if ours != theirs and not (ours == "float32" and theirs in ("float16", "bfloat16")):
        raise TypeError(
            f"{name} must have the dtype of input ({input.dtype}), got {value.dtype}"
        )


def check_keep_mask(mask, input, array_type: type) -> None:
    """A dropout keep-mask: a boolean ``array_type`` (NumPy array or torch tensor) of
    ``input``'s shape."""
    dtype = getattr(mask, "dtype", None)
    if not isinstance(mask, array_type) or str(dtype) not in ("bool", "torch.bool"):
        got = (
            type(mask).__name__
            if dtype is None
            else f"{type(mask).__name__} of dtype {dtype}"
        )
        raise TypeError(
            f"mask must be a boolean {array_type.__module__}.{array_type.__name__} "
            f"(True = keep), got {got}"
        )
    check_same_shape("mask", mask, "input", input)


def check_grad_output(
    grad_output, input, expected: tuple[int, ...] | None = None, output: str = "input"
) -> None:
    """A backward pass's ``grad_output``: floating, in ``input``'s dtype, of ``input``'s
    shape (or ``expected``).

    ``input`` must already be checked (floating). ``expected`` is the forward output's
    shape where it is not the input's, and ``output`` names it in the message. A
    gradient of another dtype is a TypeError: torch's autograd casts it silently, NumPy
    would promote it silently.
    """
    check_floating("grad_output", grad_output)
    check_same_dtype("grad_output", grad_output, "input", input)
    expected = shape_of(input) if expected is None else tuple(expected)
    if shape_of(grad_output) != expected:
        raise ValueError(
            f"grad_output must have the shape of {output} {expected}, got "
            f"{shape_of(grad_output)}"
        )


# -- whole calls -----------------------------------------------------------------------


def _check_input_nc(input, name: str = "input") -> int:
    """An ``(N, C, *)`` floating input; returns ``C``."""
    check_floating(name, input)
    if len(shape_of(input)) < 2:
        raise ValueError(
            f"{name} must be at least 2-D (N, C, *), got shape {shape_of(input)}"
        )
    return shape_of(input)[1]


def _check_affine(input, weight, bias, num_channels: int) -> None:
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            check_per_channel(name, value, num_channels)
            check_param_dtype(name, value, input)


def _check_running_stats(
    input, running_mean, running_var, num_channels: int, required: bool, mode: str
) -> None:
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            "running_mean and running_var must both be given or both be None"
        )
    if running_mean is not None:
        for name, value in (
            ("running_mean", running_mean),
            ("running_var", running_var),
        ):
            check_per_channel(name, value, num_channels)
            check_param_dtype(name, value, input)
    elif required:
        raise ValueError(f"running_mean and running_var must be given {mode}")


def check_batch_norm_args(
    input, running_mean, running_var, weight, bias, training, momentum, eps
) -> None:
    """The arguments of ``batch_norm`` (torch's order and rules)."""
    C = _check_input_nc(input)
    check_bool("training", training)
    check_momentum(momentum)
    check_eps(eps)
    _check_running_stats(
        input,
        running_mean,
        running_var,
        C,
        required=not training,
        mode="in evaluation mode (training=False)",
    )
    _check_affine(input, weight, bias, C)
    if training:
        n = math.prod(shape_of(input)) // C if C else 0  # values per channel
        if n <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input of "
                f"shape {shape_of(input)}"
            )


def check_layer_norm_args(
    input, normalized_shape, weight, bias, eps
) -> tuple[int, ...]:
    """The arguments of ``layer_norm``; returns ``normalized_shape`` as a tuple."""
    check_floating("input", input)
    shape = as_normalized_shape(normalized_shape, allow_int=False)
    k = len(shape)
    if len(shape_of(input)) < k or shape_of(input)[len(shape_of(input)) - k :] != shape:
        raise ValueError(
            f"normalized_shape={list(shape)} must equal the trailing dimensions of "
            f"input: expected input of shape (*, {', '.join(map(str, shape))}), got "
            f"{shape_of(input)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            check_floating(name, value)
            if shape_of(value) != shape:
                raise ValueError(
                    f"{name} must have shape normalized_shape={shape}, got "
                    f"{shape_of(value)}"
                )
            check_param_dtype(name, value, input)
    check_eps(eps)
    return shape


def check_group_norm_args(input, num_groups, weight, bias, eps) -> None:
    """The arguments of ``group_norm``, with torch's rule on the smallest input."""
    C = _check_input_nc(input)
    check_positive_int("num_groups", num_groups)
    if C % num_groups != 0:
        raise ValueError(
            "the number of channels of input (dim 1) must be divisible by "
            f"num_groups, got {C} channels (input shape {shape_of(input)}) and "
            f"num_groups={num_groups}"
        )
    _check_affine(input, weight, bias, C)
    check_eps(eps)
    size = math.prod(shape_of(input))
    if size == 0:
        raise ValueError(f"input must not be empty, got shape {shape_of(input)}")
    # torch's rule (F.group_norm): refuse an input whose N * C/G * (spatial size) is 1
    if size // num_groups == 1:
        raise ValueError(
            "Expected more than 1 value per group, got input of shape "
            f"{shape_of(input)} with num_groups={num_groups}"
        )


def check_instance_norm_args(
    input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
) -> None:
    """The arguments of ``instance_norm`` (torch's rules)."""
    C = _check_input_nc(input)
    check_bool("use_input_stats", use_input_stats)
    check_momentum(momentum)
    check_eps(eps)
    _check_running_stats(
        input,
        running_mean,
        running_var,
        C,
        required=not use_input_stats,
        mode="when use_input_stats=False",
    )
    _check_affine(input, weight, bias, C)
    if math.prod(shape_of(input)) == 0:
        raise ValueError(f"input must not be empty, got shape {shape_of(input)}")
    if use_input_stats and math.prod(shape_of(input)[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when using the input's statistics, "
            f"got input of shape {shape_of(input)}"
        )


def check_norm_layer_args(
    num_features, eps, momentum, flags: dict, dtype, allow_none_dtype: bool
) -> None:
    """Constructor arguments of the normalization layers: counts, eps, momentum, bool
    flags, dtype."""
    check_positive_int("num_features", num_features)
    check_eps(eps)
    check_momentum(momentum, allow_none=True)
    for name, value in flags.items():
        check_bool(name, value)
    check_float_dtype("dtype", dtype, allow_none=allow_none_dtype)


def check_layer_input(
    name: str,
    input,
    ranks: tuple[int, ...],
    layout: str,
    num_features: int,
    unbatched_rank: int | None = None,
    label: str | None = None,
) -> None:
    """A layer's input: floating, with one of ``ranks`` dimensions and ``num_features``
    channels.

    The channels are on dim 1, or on dim 0 for an unbatched input of ``unbatched_rank``
    dimensions. ``label`` names the layer in the channel message (default
    ``name(num_features)``).
    """
    check_floating("input", input)
    shape = shape_of(input)
    if len(shape) not in ranks:
        raise ValueError(f"{name} expected {layout} input, got shape {shape}")
    dim = 0 if len(shape) == unbatched_rank else 1
    if shape[dim] != num_features:
        label = f"{name}({num_features})" if label is None else label
        raise ValueError(
            f"{label} expected input with {num_features} channels (dim {dim}), "
            f"got {shape[dim]} channels (input shape {shape})"
        )
