r"""Hypothesis strategies that draw *valid* arguments for layers, for your tests and
ours.

A property-based test of a convolution needs shapes, strides, paddings, dilations and
groups that fit together; a test of a loss needs targets inside the class range. Writing
those strategies by hand is where such tests go wrong (an example that torch rejects is
not a test of your layer). Each strategy here draws only arguments that both
``torch.nn.functional`` and ``dlref.numpy.functional`` accept, and says in its docstring
what "valid" means for its family:

* `conv2d_args`: input and weight shapes, stride, padding (ints, pairs, ``'valid'``,
  ``'same'``), dilation and groups of ``conv2d``, with an output of at least one pixel.
* `pool2d_args`: kernel, stride, padding (at most half the kernel), dilation and
  ``ceil_mode`` of ``max_pool2d``.
* `normalized_shapes`: an input shape and the ``normalized_shape`` suffix of
  ``layer_norm``.
* `class_targets`, `classification_problems`: logits with integer class targets in range
  (optionally some equal to ``ignore_index``) or probability targets, for
  ``cross_entropy``.
* `probabilities`, `arrays`: float arrays of a given dtype with bounded values.
* `recurrent_shapes`: sizes and flags of ``torch.nn.RNN``/``GRU``/``LSTM`` calls.

Values are plain Python ints, bools, strings, tuples and NumPy arrays: nothing here
imports torch. Every strategy takes keyword-only bounds with small defaults (tests stay
fast). Where a test must fix an argument (a layer that only has 3x3 kernels), the
strategies take a *pin*: ``None`` (the default) draws it, a value fixes it, a hypothesis
strategy draws it from that strategy.

hypothesis is an optional dependency of dlref: ``pip install "dlref[testing]"``.
``import dlref.testing`` works without it; only this module needs it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

try:
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # hypothesis is an optional dependency
    raise ImportError(
        "dlref.testing.strategies needs hypothesis, which is not installed: "
        'pip install "dlref[testing]"'
    ) from error

from dlref._checks import check_bool, check_int, check_positive_int, check_real
from dlref._geometry import pair, pool_output_length
from dlref.counting import conv2d_output_size

__all__ = [
    "arrays",
    "probabilities",
    "conv2d_args",
    "Conv2dArgs",
    "pool2d_args",
    "Pool2dArgs",
    "normalized_shapes",
    "NormalizedShape",
    "class_targets",
    "classification_problems",
    "ClassificationProblem",
    "recurrent_shapes",
    "RecurrentShapes",
]


# -- pins and small helpers ------------------------------------------------------------


def _is_strategy(value) -> bool:
    return isinstance(value, st.SearchStrategy)


def _check_pin(name: str, value, check) -> None:
    """A pin is None (draw), a hypothesis strategy (draw from it) or a value ``check``
    accepts."""
    if value is not None and not _is_strategy(value):
        check(name, value)


def _draw_pinned(draw, value, default):
    """The pinned value, one drawn from a pinned strategy, or one drawn from
    ``default()``."""
    if value is None:
        return draw(default())
    if _is_strategy(value):
        return draw(value)
    return value


def _check_optional_flag(name: str, value) -> None:
    """A flag pin: None, a bool, or a strategy."""
    _check_pin(name, value, check_bool)


def _check_pair(minimum: int):
    def check(name: str, value) -> None:
        pair(name, value, minimum)

    return check


def _check_padding(name: str, value) -> None:
    if isinstance(value, str):
        if value not in ("valid", "same"):
            raise ValueError(
                f"{name} must be an int, a pair of ints, 'valid' or 'same', got "
                f"{value!r}"
            )
        return
    pair(name, value, 0)


def _int_or_pair(low_h: int, low_w: int, high_h: int, high_w: int):
    """An int in both ranges, or a pair ``(h, w)`` with h in [low_h, high_h] and w in
    [low_w, high_w]."""
    pairs = st.tuples(st.integers(low_h, high_h), st.integers(low_w, high_w))
    if max(low_h, low_w) > min(high_h, high_w):  # no single int fits both dimensions
        return pairs
    return st.one_of(st.integers(max(low_h, low_w), min(high_h, high_w)), pairs)


def _float_dtype(dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype must be a NumPy floating dtype, got {dtype!r}"
        ) from None
    if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype}")
    return dtype


def _representable(value: float, dtype: np.dtype, towards: float) -> float:
    """``value`` rounded to ``dtype``, moved one step towards ``towards`` if rounding
    moved it away."""
    rounded = dtype.type(value)
    if abs(float(rounded) - towards) > abs(value - towards):
        rounded = np.nextafter(rounded, dtype.type(towards))
    return float(rounded)


# -- arrays ----------------------------------------------------------------------------


def arrays(
    shape, dtype=np.float64, *, min_value: float = -10.0, max_value: float = 10.0
):
    r"""Float arrays of one dtype with finite values in ``[min_value, max_value]``.

    Valid means: C-contiguous, of ``dtype``, every value finite and inside the bounds,
    no NaN, no infinity and no subnormal number (subnormals make CPU and GPU kernels
    disagree for reasons that have nothing to do with your layer). Bounds that ``dtype``
    cannot represent exactly are moved inwards to the nearest value it can.

    Args:
        shape: a tuple of ints, or a strategy drawing one
            (``hypothesis.extra.numpy.array_shapes()``).
        dtype: ``np.float16``, ``np.float32`` or ``np.float64`` (default).
        min_value: the smallest value drawn (default -10).
        max_value: the largest value drawn (default 10).

    Shape:
        The array has ``shape``.

    Returns:
        A hypothesis strategy drawing NumPy arrays.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.testing.strategies import arrays
        >>> @given(arrays((2, 3), np.float32, min_value=-1.0, max_value=1.0))
        ... def test_bounded(x):
        ...     assert x.dtype == np.float32 and x.shape == (2, 3)
        ...     assert np.all(np.abs(x) <= 1.0)
        >>> test_bounded()
    """
    dtype = _float_dtype(dtype)
    check_real("min_value", min_value)
    check_real("max_value", max_value)
    if not (np.isfinite(min_value) and np.isfinite(max_value)):
        raise ValueError(
            f"min_value and max_value must be finite, got {min_value} and {max_value}"
        )
    if min_value > max_value:
        raise ValueError(
            f"min_value must be <= max_value, got {min_value} > {max_value}"
        )
    if not _is_strategy(shape):
        shape = tuple(shape)
        for n in shape:
            check_int("shape", n, minimum=0)
    low = _representable(min_value, dtype, towards=max_value)
    high = _representable(max_value, dtype, towards=min_value)
    if low > high:
        raise ValueError(f"no {dtype} value lies in [{min_value}, {max_value}]")
    elements = st.floats(
        low,
        high,
        width=8 * dtype.itemsize,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def _probabilities(draw, shape, dim, dtype, min_value):
    shape = draw(shape) if _is_strategy(shape) else shape
    if dim is None:
        return draw(
            arrays(shape, dtype, min_value=min_value, max_value=1.0 - min_value)
        )
    ndim = max(len(shape), 1)
    if not -ndim <= dim < ndim:
        raise ValueError(f"dim={dim} is out of range for shape {shape}")
    axis = dim % ndim
    n = shape[axis] if shape else 1
    if n * min_value > 1.0:
        raise ValueError(
            f"min_value={min_value} is too large for {n} probabilities that sum to 1"
        )
    w = draw(arrays(shape, np.float64, min_value=0.0, max_value=1.0)).reshape(
        shape or (1,)
    )
    total = w.sum(axis=axis, keepdims=True)
    # an all-zero row has no direction: it becomes the uniform distribution
    w = np.where(total > 0, w, 1.0)
    # p = m + (1 - n m) w / sum(w): entries >= m that sum to 1
    p = min_value + (1.0 - n * min_value) * w / w.sum(axis=axis, keepdims=True)
    # no subnormal results:
    # a probability below the smallest normal number of dtype becomes 0
    p = np.where(p < np.finfo(dtype).tiny, 0.0, p)
    return p.reshape(shape).astype(dtype)


def probabilities(
    shape, *, dim: int | None = -1, dtype=np.float64, min_value: float = 0.0
):
    r"""Probability vectors along ``dim`` (or independent probabilities when ``dim`` is
    None).

    Valid means, with an int ``dim``: every slice along ``dim`` is a distribution,

    $$p_i \ge m, \qquad \sum_i p_i = 1$$

    (the sum is computed in float64, then rounded once to ``dtype``). Zeros are drawn
    too, as real targets have them (one-hot rows, smoothed labels), unless ``min_value``
    $m > 0$. With ``dim=None`` every entry is a probability on its own, in $[m, 1 - m]$:
    the inputs and targets of ``binary_cross_entropy``.

    Args:
        shape: a tuple of ints or a strategy drawing one.
        dim: the axis along which entries sum to 1 (default the last), or None.
        dtype: ``np.float16``, ``np.float32`` or ``np.float64`` (default).
        min_value: the smallest entry $m$ (default 0); a positive one keeps ``log(p)``
            finite. With an int ``dim`` it must leave room: $n m \le 1$ for $n$ entries.

    Shape:
        The array has ``shape``.

    Returns:
        A hypothesis strategy drawing NumPy arrays.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.testing.strategies import probabilities
        >>> @given(probabilities((4, 3), dim=1))
        ... def test_rows_sum_to_one(p):
        ...     assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0)
        >>> test_rows_sum_to_one()
    """
    dtype = _float_dtype(dtype)
    if dim is not None:
        check_int("dim", dim)
    check_real("min_value", min_value, low=0.0, high=0.5, high_inclusive=False)
    if not _is_strategy(shape):
        shape = tuple(shape)
        for n in shape:
            check_int("shape", n, minimum=0)
    return _probabilities(shape, dim, dtype, min_value)


# -- convolution -----------------------------------------------------------------------


class Conv2dArgs(NamedTuple):
    """One valid ``conv2d`` call, drawn by `conv2d_args`.

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are kept as drawn (an int,
    a pair, or for ``padding`` a string), so both spellings get tested.
    """

    input_shape: tuple  # (N, C_in, H, W), or (C_in, H, W) unbatched
    weight_shape: tuple  # (C_out, C_in / groups, kH, kW)
    bias: bool  # whether the call has a bias of shape (C_out,)
    kernel_size: int | tuple
    stride: int | tuple
    padding: int | tuple | str
    dilation: int | tuple
    groups: int
    output_shape: tuple  # (N, C_out, H_out, W_out), or (C_out, H_out, W_out) unbatched

    @property
    def in_channels(self) -> int:
        return self.weight_shape[1] * self.groups

    @property
    def out_channels(self) -> int:
        return self.weight_shape[0]

    @property
    def kwargs(self) -> dict:
        """The keyword arguments of ``conv2d`` after input, weight and bias."""
        return dict(
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
        )


@st.composite
def _conv2d_args(
    draw,
    max_batch,
    max_groups,
    max_group_channels,
    max_size,
    max_kernel_size,
    max_stride,
    max_dilation,
    max_padding,
    kernel_size,
    stride,
    padding,
    dilation,
    groups,
    depthwise,
    bias,
    batched,
):
    g = _draw_pinned(draw, groups, lambda: st.integers(1, max_groups))
    check_positive_int("groups", g)
    # each group sees C_in / g input channels and makes C_out / g output channels
    if depthwise:
        C_in = C_out = g
    else:
        C_in = g * draw(st.integers(1, max_group_channels))
        C_out = g * draw(st.integers(1, max_group_channels))

    # 'same' is drawn only where the stride can be 1: we draw it, or it is pinned to 1
    same_allowed = stride is None or (
        not _is_strategy(stride) and pair("stride", stride, 1) == (1, 1)
    )
    p = _draw_pinned(
        draw,
        padding,
        lambda: st.one_of(
            _int_or_pair(0, 0, max_padding, max_padding),
            st.sampled_from(["valid", "same"] if same_allowed else ["valid"]),
        ),
    )
    if p == "same":
        s = 1 if stride is None else _draw_pinned(draw, stride, None)
        assume(pair("stride", s, 1) == (1, 1))  # torch: padding='same' needs stride 1
    else:
        s = _draw_pinned(
            draw, stride, lambda: _int_or_pair(1, 1, max_stride, max_stride)
        )

    # total padding per dimension
    # ('same' pads whatever the kernel needs: it always fits)
    if p == "same":
        pad_total = None
    elif p == "valid":
        pad_total = (0, 0)
    else:
        p_h, p_w = pair("padding", p, 0)
        pad_total = (2 * p_h, 2 * p_w)
    # room for the dilated kernel once the input is at most max_size
    room = (
        (max_kernel_size, max_kernel_size)
        if pad_total is None
        else (max_size + pad_total[0], max_size + pad_total[1])
    )
    k = _draw_pinned(
        draw,
        kernel_size,
        lambda: _int_or_pair(
            1, 1, min(max_kernel_size, room[0]), min(max_kernel_size, room[1])
        ),
    )
    kH, kW = pair("kernel_size", k, 1)

    def dilation_bound(k_i: int, room_i: int) -> int:
        # the dilated span d (k - 1) + 1 must fit in the room
        if pad_total is None or k_i == 1:
            return max_dilation
        return min(max_dilation, max(1, (room_i - 1) // (k_i - 1)))

    d = _draw_pinned(
        draw,
        dilation,
        lambda: _int_or_pair(
            1, 1, dilation_bound(kH, room[0]), dilation_bound(kW, room[1])
        ),
    )
    d_h, d_w = pair("dilation", d, 1)

    # the smallest input that gives one output: H + p_total >= d (k - 1) + 1
    spans = (d_h * (kH - 1) + 1, d_w * (kW - 1) + 1)
    low = (
        (1, 1)
        if pad_total is None
        else tuple(max(1, span - pt) for span, pt in zip(spans, pad_total))
    )
    H = draw(st.integers(low[0], max(low[0], max_size)))
    W = draw(st.integers(low[1], max(low[1], max_size)))
    H_out, W_out = conv2d_output_size((H, W), (kH, kW), s, p, d)

    has_bias = _draw_pinned(draw, bias, st.booleans)
    if _draw_pinned(draw, batched, st.booleans):
        N = draw(st.integers(1, max_batch))
        input_shape, output_shape = (N, C_in, H, W), (N, C_out, H_out, W_out)
    else:
        input_shape, output_shape = (C_in, H, W), (C_out, H_out, W_out)
    return Conv2dArgs(
        input_shape=input_shape,
        weight_shape=(C_out, C_in // g, kH, kW),
        bias=bool(has_bias),
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
        groups=g,
        output_shape=output_shape,
    )


def conv2d_args(
    *,
    max_batch: int = 3,
    max_groups: int = 3,
    max_group_channels: int = 3,
    max_size: int = 8,
    max_kernel_size: int = 4,
    max_stride: int = 3,
    max_dilation: int = 3,
    max_padding: int = 2,
    kernel_size=None,
    stride=None,
    padding=None,
    dilation=None,
    groups=None,
    depthwise: bool = False,
    bias=None,
    batched=True,
):
    r"""Valid ``conv2d`` calls: input and weight shapes, stride, padding, dilation,
    groups.

    Valid means that ``torch.nn.functional.conv2d`` and
    ``dlref.numpy.functional.conv2d`` both accept the call: ``groups`` divides both
    channel counts; ``padding='same'`` comes with stride 1 only; and along each spatial
    dimension the dilated kernel fits in the padded input, so the output (from
    `dlref.counting.conv2d_output_size`) has at least one pixel:

    $$H + p_\text{total} \ge d\,(k - 1) + 1 \iff
      H_\text{out} = \left\lfloor \frac{H + p_\text{total} - d(k - 1) - 1}{s}
      \right\rfloor + 1 \ge 1$$

    Drawn: 1 to ``max_groups`` groups of 1 to ``max_group_channels`` input and output
    channels each; kernel sizes, strides, dilations and paddings as ints or ``(h, w)``
    pairs, paddings also ``'valid'`` and ``'same'``; inputs up to ``max_size`` pixels
    high and wide (more only when a pinned kernel needs it), non-square ones included.

    Args:
        max_batch: the largest batch size N (default 3).
        max_groups: the largest number of groups drawn (default 3).
        max_group_channels: the largest number of input (and of output) channels per
            group.
        max_size: the largest input height and width drawn (default 8).
        max_kernel_size: the largest kernel height and width drawn (default 4).
        max_stride: the largest stride drawn (default 3).
        max_dilation: the largest dilation drawn (default 3).
        max_padding: the largest integer padding drawn (default 2).
        kernel_size: a pin (see the module's docstring): None (default) draws it, a
            value (an int or a pair) fixes it, a hypothesis strategy draws it from that
            strategy.
        stride: a pin, as ``kernel_size``.
        padding: a pin, as ``kernel_size``; a value may also be ``'valid'`` or
            ``'same'``.
        dilation: a pin, as ``kernel_size``.
        groups: a pin, as ``kernel_size`` (an int).
        depthwise: if True, ``C_in = C_out = groups`` (one filter per channel).
        bias: a pin for whether the call has a bias (default None: both).
        batched: a pin: True (default) for ``(N, C, H, W)`` inputs, False for unbatched
            ``(C, H, W)`` ones, None for both.

    Returns:
        A hypothesis strategy drawing `Conv2dArgs`: ``input_shape``, ``weight_shape``,
        ``bias``, ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``groups`` and
        the expected ``output_shape``; ``args.kwargs`` holds the keywords of ``conv2d``.

    PyTorch equivalent: the arguments of ``torch.nn.functional.conv2d`` (and of
    ``torch.nn.Conv2d(args.in_channels, args.out_channels, args.kernel_size,
    bias=args.bias, **args.kwargs)``).

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.numpy.functional import conv2d
        >>> from dlref.testing.strategies import conv2d_args
        >>> @given(conv2d_args(max_size=6))
        ... def test_output_shape(args):
        ...     x, w = np.ones(args.input_shape), np.ones(args.weight_shape)
        ...     b = np.zeros(args.out_channels) if args.bias else None
        ...     assert conv2d(x, w, b, **args.kwargs).shape == args.output_shape
        >>> test_output_shape()
    """
    for name, value in (
        ("max_batch", max_batch),
        ("max_groups", max_groups),
        ("max_group_channels", max_group_channels),
        ("max_size", max_size),
        ("max_kernel_size", max_kernel_size),
        ("max_stride", max_stride),
        ("max_dilation", max_dilation),
    ):
        check_positive_int(name, value)
    check_int("max_padding", max_padding, minimum=0)
    _check_pin("kernel_size", kernel_size, _check_pair(1))
    _check_pin("stride", stride, _check_pair(1))
    _check_pin("padding", padding, _check_padding)
    _check_pin("dilation", dilation, _check_pair(1))
    _check_pin("groups", groups, check_positive_int)
    check_bool("depthwise", depthwise)
    _check_optional_flag("bias", bias)
    _check_optional_flag("batched", batched)
    if (
        padding == "same"
        and stride is not None
        and not _is_strategy(stride)
        and pair("stride", stride, 1) != (1, 1)
    ):
        raise ValueError(
            f"padding='same' needs stride=1 (as in torch), got stride={stride!r}"
        )
    return _conv2d_args(
        max_batch,
        max_groups,
        max_group_channels,
        max_size,
        max_kernel_size,
        max_stride,
        max_dilation,
        max_padding,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        depthwise,
        bias,
        batched,
    )


# -- pooling ---------------------------------------------------------------------------


class Pool2dArgs(NamedTuple):
    """One valid ``max_pool2d`` call, drawn by `pool2d_args` (arguments kept as
    drawn)."""

    input_shape: tuple  # (N, C, H, W), or (C, H, W) unbatched
    kernel_size: int | tuple
    stride: int | tuple | None  # None: the kernel size, torch's default
    padding: int | tuple
    dilation: int | tuple
    ceil_mode: bool
    output_shape: tuple  # (N, C, H_out, W_out), or (C, H_out, W_out) unbatched

    @property
    def kwargs(self) -> dict:
        """The keyword arguments of ``max_pool2d`` after the input."""
        return dict(
            kernel_size=self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
        )


@st.composite
def _pool2d_args(
    draw,
    max_batch,
    max_channels,
    max_size,
    max_kernel_size,
    max_stride,
    max_dilation,
    kernel_size,
    stride,
    padding,
    dilation,
    ceil_mode,
    batched,
):
    # a pinned padding p needs a kernel of at least 2p (torch: p <= k // 2)
    fixed_p = (
        None
        if padding is None or _is_strategy(padding)
        else pair("padding", padding, 0)
    )
    k_low = (
        (1, 1) if fixed_p is None else (max(1, 2 * fixed_p[0]), max(1, 2 * fixed_p[1]))
    )
    k = _draw_pinned(
        draw,
        kernel_size,
        lambda: _int_or_pair(
            k_low[0],
            k_low[1],
            max(k_low[0], max_kernel_size),
            max(k_low[1], max_kernel_size),
        ),
    )
    kH, kW = pair("kernel_size", k, 1)
    p = _draw_pinned(draw, padding, lambda: _int_or_pair(0, 0, kH // 2, kW // 2))
    p_h, p_w = pair("padding", p, 0)
    assume(p_h <= kH // 2 and p_w <= kW // 2)  # only a pinned strategy can break this

    def dilation_bound(k_i: int, p_i: int) -> int:
        # the dilated window d (k - 1) + 1 must fit in max_size + 2p
        return (
            max_dilation
            if k_i == 1
            else min(max_dilation, max(1, (max_size + 2 * p_i - 1) // (k_i - 1)))
        )

    d = _draw_pinned(
        draw,
        dilation,
        lambda: _int_or_pair(1, 1, dilation_bound(kH, p_h), dilation_bound(kW, p_w)),
    )
    d_h, d_w = pair("dilation", d, 1)
    s = _draw_pinned(
        draw,
        stride,
        lambda: st.one_of(st.none(), _int_or_pair(1, 1, max_stride, max_stride)),
    )
    s_h, s_w = (kH, kW) if s is None else pair("stride", s, 1)
    ceil = bool(_draw_pinned(draw, ceil_mode, st.booleans))

    def out(size: int, k_i: int, s_i: int, p_i: int, d_i: int) -> int:
        return pool_output_length(size, k_i, s_i, p_i, d_i, ceil)

    def smallest(k_i: int, s_i: int, p_i: int, d_i: int) -> int:
        # the smallest input with one window
        # (torch's output-size rule, ceil_mode included)
        size = 1
        while out(size, k_i, s_i, p_i, d_i) < 1:
            size += 1
        return size

    low_h, low_w = smallest(kH, s_h, p_h, d_h), smallest(kW, s_w, p_w, d_w)
    H = draw(st.integers(low_h, max(low_h, max_size)))
    W = draw(st.integers(low_w, max(low_w, max_size)))
    H_out, W_out = out(H, kH, s_h, p_h, d_h), out(W, kW, s_w, p_w, d_w)
    C = draw(st.integers(1, max_channels))
    if _draw_pinned(draw, batched, st.booleans):
        N = draw(st.integers(1, max_batch))
        input_shape, output_shape = (N, C, H, W), (N, C, H_out, W_out)
    else:
        input_shape, output_shape = (C, H, W), (C, H_out, W_out)
    return Pool2dArgs(
        input_shape=input_shape,
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
        ceil_mode=ceil,
        output_shape=output_shape,
    )


def pool2d_args(
    *,
    max_batch: int = 3,
    max_channels: int = 3,
    max_size: int = 8,
    max_kernel_size: int = 4,
    max_stride: int = 3,
    max_dilation: int = 3,
    kernel_size=None,
    stride=None,
    padding=None,
    dilation=None,
    ceil_mode=None,
    batched=True,
):
    r"""Valid ``max_pool2d`` calls: input shape, kernel, stride, padding, dilation,
    ceil_mode.

    Valid means that ``torch.nn.functional.max_pool2d`` and
    ``dlref.numpy.functional.max_pool2d`` both accept the call: the padding is at most
    half the kernel ($p \le \lfloor k/2 \rfloor$ per dimension, torch's rule) and every
    output dimension has at least one window, counted with torch's formula

    $$H_\text{out} = \left\lfloor \frac{H + 2p - d(k - 1) - 1}{s} \right\rfloor +
    1 \ge 1,$$

    rounded up instead with ``ceil_mode=True``, where a last window that would start in
    the right padding is dropped. ``stride`` is drawn as None (the kernel size, torch's
    default) too.

    For ``avg_pool2d``, which has no dilation, pin ``dilation=1`` and pass every entry
    of ``args.kwargs`` but ``dilation``.

    Args:
        max_batch: the largest batch size N (default 3).
        max_channels: the largest number of channels (default 3).
        max_size: the largest input height and width drawn (default 8; more only when a
            pinned window needs it).
        max_kernel_size: the largest window height and width drawn (default 4).
        max_stride: the largest stride drawn (default 3).
        max_dilation: the largest dilation drawn (default 3).
        kernel_size: a pin (see the module's docstring): None (default) draws it, a
            value (an int or a pair) fixes it, a hypothesis strategy draws it from that
            strategy.
        stride: a pin, as ``kernel_size``; drawn values include None (torch's default,
            the kernel size), and ``stride=st.none()`` pins it.
        padding: a pin, as ``kernel_size``.
        dilation: a pin, as ``kernel_size``.
        ceil_mode: a pin (a bool); None draws both.
        batched: a pin: True (default) for ``(N, C, H, W)`` inputs, False for
            ``(C, H, W)``, None for both.

    Returns:
        A hypothesis strategy drawing `Pool2dArgs`: ``input_shape``, ``kernel_size``,
        ``stride``, ``padding``, ``dilation``, ``ceil_mode`` and the expected
        ``output_shape``; ``args.kwargs`` holds the keywords of ``max_pool2d``.

    PyTorch equivalent: the arguments of ``torch.nn.functional.max_pool2d`` and
    ``torch.nn.MaxPool2d``.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.numpy.functional import max_pool2d
        >>> from dlref.testing.strategies import pool2d_args
        >>> @given(pool2d_args())
        ... def test_output_shape(args):
        ...     x = np.arange(np.prod(args.input_shape), dtype=float)
        ...     x = x.reshape(args.input_shape)
        ...     assert max_pool2d(x, **args.kwargs).shape == args.output_shape
        >>> test_output_shape()
    """
    for name, value in (
        ("max_batch", max_batch),
        ("max_channels", max_channels),
        ("max_size", max_size),
        ("max_kernel_size", max_kernel_size),
        ("max_stride", max_stride),
        ("max_dilation", max_dilation),
    ):
        check_positive_int(name, value)
    _check_pin("kernel_size", kernel_size, _check_pair(1))
    _check_pin("stride", stride, _check_pair(1))
    _check_pin("padding", padding, _check_pair(0))
    _check_pin("dilation", dilation, _check_pair(1))
    _check_optional_flag("ceil_mode", ceil_mode)
    _check_optional_flag("batched", batched)
    if (
        kernel_size is not None
        and padding is not None
        and not _is_strategy(kernel_size)
        and not _is_strategy(padding)
    ):
        (kH, kW), (p_h, p_w) = (
            pair("kernel_size", kernel_size, 1),
            pair("padding", padding, 0),
        )
        if p_h > kH // 2 or p_w > kW // 2:
            raise ValueError(
                f"padding must be at most half of kernel_size (torch's rule), got "
                f"padding={padding!r} and kernel_size={kernel_size!r}"
            )
    return _pool2d_args(
        max_batch,
        max_channels,
        max_size,
        max_kernel_size,
        max_stride,
        max_dilation,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        batched,
    )


# -- normalization ---------------------------------------------------------------------


class NormalizedShape(NamedTuple):
    """An input shape and the ``normalized_shape`` of ``layer_norm``: a suffix of it."""

    input_shape: tuple
    normalized_shape: tuple


@st.composite
def _normalized_shapes(draw, max_ndim, max_normalized_ndim, max_side):
    ndim = draw(st.integers(1, max_ndim))
    input_shape = tuple(
        draw(st.lists(st.integers(1, max_side), min_size=ndim, max_size=ndim))
    )
    k = draw(st.integers(1, min(ndim, max_normalized_ndim)))
    return NormalizedShape(
        input_shape=input_shape, normalized_shape=input_shape[ndim - k :]
    )


def normalized_shapes(
    *, max_ndim: int = 4, max_normalized_ndim: int = 3, max_side: int = 4
):
    r"""An input shape with a ``normalized_shape`` that ``layer_norm`` accepts.

    Valid means: ``normalized_shape`` is a non-empty tuple equal to the last
    ``len(normalized_shape)`` dimensions of the input, so the statistics are taken over
    a block of at least one element per example. The weight and bias of ``layer_norm``
    have shape ``normalized_shape``.

    Args:
        max_ndim: the largest input rank (default 4); inputs have rank 1 to
            ``max_ndim``.
        max_normalized_ndim: the largest number of normalized dimensions (default 3).
        max_side: the largest size of any dimension (default 4).

    Returns:
        A hypothesis strategy drawing `NormalizedShape` pairs
        ``(input_shape, normalized_shape)``.

    PyTorch equivalent: the ``normalized_shape`` argument of
    ``torch.nn.functional.layer_norm`` and ``torch.nn.LayerNorm``.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.numpy.functional import layer_norm
        >>> from dlref.testing.strategies import arrays, normalized_shapes
        >>> def with_input(s):
        ...     return arrays(s.input_shape).map(lambda x: (s, x))
        >>> @given(normalized_shapes().flatmap(with_input))
        ... def test_shape_kept(case):
        ...     shapes, x = case
        ...     y = layer_norm(x, shapes.normalized_shape)
        ...     assert y.shape == shapes.input_shape
        >>> test_shape_kept()
    """
    check_positive_int("max_ndim", max_ndim)
    check_positive_int("max_normalized_ndim", max_normalized_ndim)
    check_positive_int("max_side", max_side)
    return _normalized_shapes(max_ndim, max_normalized_ndim, max_side)


# -- classification --------------------------------------------------------------------


@st.composite
def _class_targets(draw, shape, num_classes, ignore_index):
    shape = draw(shape) if _is_strategy(shape) else shape
    classes = st.integers(0, num_classes - 1)
    if ignore_index is None:
        return draw(hnp.arrays(np.int64, shape, elements=classes))
    target = draw(
        hnp.arrays(np.int64, shape, elements=st.one_of(classes, st.just(ignore_index)))
    )
    # at least one position counts,
    # so that reduction='mean' divides by a positive weight
    kept = [c for c in range(num_classes) if c != ignore_index]
    if target.size and np.all(target == ignore_index):
        target.reshape(-1)[draw(st.integers(0, target.size - 1))] = draw(
            st.sampled_from(kept)
        )
    return target


def class_targets(shape, num_classes: int, *, ignore_index: int | None = None):
    r"""Integer class targets: int64 arrays with values in ``[0, num_classes)``.

    Valid means: every entry is a class index $0 \le y < C$, or equals ``ignore_index``
    when one is given; then at least one entry (of a non-empty array) is not ignored, so
    a ``'mean'`` reduction has a positive denominator (torch returns NaN when all are
    ignored).

    Args:
        shape: a tuple of ints, or a strategy drawing one.
        num_classes: $C \ge 1$.
        ignore_index: a value some entries take, or None (default) for none. It may lie
            inside ``[0, C)`` (torch allows it) if another class is left.

    Shape:
        The array has ``shape``: ``(N,)`` or ``(N, d1, ...)`` for inputs ``(N, C)`` or
        ``(N, C, d1, ...)``, ``()`` for an unbatched ``(C,)``.

    Returns:
        A hypothesis strategy drawing int64 NumPy arrays.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.testing.strategies import class_targets
        >>> @given(class_targets((5,), 3, ignore_index=-100))
        ... def test_in_range(y):
        ...     kept = y[y != -100]
        ...     assert kept.size >= 1 and np.all((0 <= kept) & (kept < 3))
        >>> test_in_range()
    """
    check_positive_int("num_classes", num_classes)
    if ignore_index is not None:
        check_int("ignore_index", ignore_index)
        if num_classes == 1 and ignore_index == 0:
            raise ValueError(
                "ignore_index=0 leaves no class to draw with num_classes=1"
            )
    if not _is_strategy(shape):
        shape = tuple(shape)
        for n in shape:
            check_int("shape", n, minimum=0)
    return _class_targets(shape, num_classes, ignore_index)


class ClassificationProblem(NamedTuple):
    """Logits and targets for ``cross_entropy``, drawn by `classification_problems`."""

    input: np.ndarray  # logits (N, C), (N, C, d1, ...) or (C,)
    # int64 classes (N,), (N, d1, ...) or (); or probabilities like input
    target: np.ndarray
    weight: np.ndarray | None  # (C,) positive class weights, or None
    ignore_index: int  # the value to pass (torch's default -100 when none applies)

    @property
    def num_classes(self) -> int:
        return self.input.shape[1] if self.input.ndim > 1 else self.input.shape[0]


@st.composite
def _classification_problems(
    draw,
    max_batch,
    max_classes,
    max_extra_dims,
    max_side,
    dtype,
    max_logit,
    ignore_index,
    probability_targets,
    weighted,
    batched,
):
    C = draw(st.integers(2 if ignore_index == 0 else 1, max_classes))
    if _draw_pinned(draw, batched, st.booleans):
        N = draw(st.integers(1, max_batch))
        extra = tuple(draw(st.lists(st.integers(1, max_side), max_size=max_extra_dims)))
        input_shape, target_shape, class_dim = (N, C, *extra), (N, *extra), 1
    else:
        input_shape, target_shape, class_dim = (C,), (), 0
    logits = draw(arrays(input_shape, dtype, min_value=-max_logit, max_value=max_logit))
    if _draw_pinned(draw, probability_targets, st.booleans):
        target = draw(probabilities(input_shape, dim=class_dim, dtype=dtype))
        ignore_index = None  # torch takes ignore_index with class indices only
    else:
        target = draw(class_targets(target_shape, C, ignore_index=ignore_index))
    weight = None
    if _draw_pinned(draw, weighted, st.booleans):
        weight = draw(arrays((C,), dtype, min_value=0.5, max_value=2.0))
    return ClassificationProblem(
        input=logits,
        target=target,
        weight=weight,
        ignore_index=-100 if ignore_index is None else ignore_index,
    )


def classification_problems(
    *,
    max_batch: int = 4,
    max_classes: int = 5,
    max_extra_dims: int = 2,
    max_side: int = 3,
    dtype=np.float64,
    max_logit: float = 10.0,
    ignore_index: int | None = None,
    probability_targets=False,
    weighted=False,
    batched=True,
):
    r"""Logits and matching targets that ``cross_entropy`` accepts.

    Valid means: the logits are finite, $|z| \le$ ``max_logit``, of shape ``(N, C)``,
    ``(N, C, d1, ...)`` (classes on dimension 1, as torch has them) or unbatched
    ``(C,)``; the target is either int64 class indices of shape ``(N,)``,
    ``(N, d1, ...)`` or ``()`` drawn by `class_targets` (in range, or equal to
    ``ignore_index``, never all ignored), or probabilities of the input's shape that sum
    to 1 over the classes (`probabilities`); class weights, when drawn, are positive and
    have shape ``(C,)``.

    Args:
        max_batch: the largest batch size N (default 4).
        max_classes: the largest number of classes C (default 5).
        max_extra_dims: the largest number of extra dimensions ``d1, ...`` (default 2; 0
            for plain ``(N, C)``).
        max_side: the largest size of each extra dimension (default 3).
        dtype: the floating dtype of logits, probabilities and weights (default
            float64).
        max_logit: the largest absolute logit (default 10).
        ignore_index: a value that some class targets take, or None (default) for none.
        probability_targets: a pin: False (default) for class indices, True for
            probabilities, None for both.
        weighted: a pin: whether to draw class weights (default False; None for both).
        batched: a pin: True (default) for ``(N, C, ...)``, False for ``(C,)``, None for
            both.

    Returns:
        A hypothesis strategy drawing `ClassificationProblem`: ``input``, ``target``,
        ``weight`` and ``ignore_index``, the value to pass: the one asked for with class
        indices, torch's default -100 otherwise (torch rejects any other
        ``ignore_index`` with probability targets).

    PyTorch equivalent: the arguments of ``torch.nn.functional.cross_entropy`` (and of
    ``nll_loss`` with log-probabilities).

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from dlref.numpy.functional import cross_entropy
        >>> from dlref.testing.strategies import classification_problems
        >>> @given(classification_problems(ignore_index=-1))
        ... def test_finite(problem):
        ...     loss = cross_entropy(
        ...         problem.input, problem.target, ignore_index=problem.ignore_index
        ...     )
        ...     assert np.isfinite(loss)
        >>> test_finite()
    """
    for name, value in (
        ("max_batch", max_batch),
        ("max_classes", max_classes),
        ("max_side", max_side),
    ):
        check_positive_int(name, value)
    check_int("max_extra_dims", max_extra_dims, minimum=0)
    dtype = _float_dtype(dtype)
    check_real("max_logit", max_logit, low=0.0)
    if ignore_index is not None:
        check_int("ignore_index", ignore_index)
        if ignore_index == 0 and max_classes == 1:
            raise ValueError(
                "ignore_index=0 leaves no class to draw with max_classes=1"
            )
    _check_optional_flag("probability_targets", probability_targets)
    _check_optional_flag("weighted", weighted)
    _check_optional_flag("batched", batched)
    return _classification_problems(
        max_batch,
        max_classes,
        max_extra_dims,
        max_side,
        dtype,
        max_logit,
        ignore_index,
        probability_targets,
        weighted,
        batched,
    )


# -- recurrent layers ------------------------------------------------------------------


class RecurrentShapes(NamedTuple):
    """Sizes and flags of one RNN/GRU/LSTM call, drawn by `recurrent_shapes`."""

    seq_len: int
    batch: int  # ignored when batched is False
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    batch_first: bool
    bias: bool
    batched: bool

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def input_shape(self) -> tuple:
        """``(L, N, H_in)``, ``(N, L, H_in)`` with batch_first, or ``(L, H_in)``
        unbatched."""
        if not self.batched:
            return (self.seq_len, self.input_size)
        if self.batch_first:
            return (self.batch, self.seq_len, self.input_size)
        return (self.seq_len, self.batch, self.input_size)

    @property
    def output_shape(self) -> tuple:
        """The input's layout with ``num_directions * hidden_size`` features."""
        return self.input_shape[:-1] + (self.num_directions * self.hidden_size,)

    @property
    def hidden_shape(self) -> tuple:
        """The shape of ``h_0``/``h_n`` (and ``c_0``/``c_n``):
        ``(D * num_layers, N, H)``, batch-first or not."""
        layers = self.num_directions * self.num_layers
        return (
            (layers, self.batch, self.hidden_size)
            if self.batched
            else (layers, self.hidden_size)
        )

    @property
    def module_kwargs(self) -> dict:
        """The constructor arguments of ``torch.nn.RNN``, ``GRU`` and ``LSTM``."""
        return dict(
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bias=self.bias,
            batch_first=self.batch_first,
            bidirectional=self.bidirectional,
        )


@st.composite
def _recurrent_shapes(
    draw,
    max_seq_len,
    max_batch,
    max_input_size,
    max_hidden_size,
    max_num_layers,
    bidirectional,
    batch_first,
    bias,
    batched,
):
    return RecurrentShapes(
        seq_len=draw(st.integers(1, max_seq_len)),
        batch=draw(st.integers(1, max_batch)),
        input_size=draw(st.integers(1, max_input_size)),
        hidden_size=draw(st.integers(1, max_hidden_size)),
        num_layers=draw(st.integers(1, max_num_layers)),
        bidirectional=bool(_draw_pinned(draw, bidirectional, st.booleans)),
        batch_first=bool(_draw_pinned(draw, batch_first, st.booleans)),
        bias=bool(_draw_pinned(draw, bias, st.booleans)),
        batched=bool(_draw_pinned(draw, batched, st.booleans)),
    )


def recurrent_shapes(
    *,
    max_seq_len: int = 5,
    max_batch: int = 3,
    max_input_size: int = 4,
    max_hidden_size: int = 4,
    max_num_layers: int = 2,
    bidirectional=None,
    batch_first=None,
    bias=None,
    batched=True,
):
    r"""Sizes and flags of a recurrent layer and its input, as ``torch.nn.LSTM`` takes
    them.

    Valid means: every size is at least 1 and the shapes agree with torch's layouts: the
    input is $(L, N, H_\text{in})$, or $(N, L, H_\text{in})$ with ``batch_first``, or
    unbatched $(L, H_\text{in})$; the output has $D \cdot H$ features with $D = 2$ when
    bidirectional; $h_0$ (and an LSTM's $c_0$) is ``(D * num_layers, N, H)``, never
    batch-first. ``proj_size`` and ``dropout`` are left at torch's defaults.

    Args:
        max_seq_len: the longest sequence L (default 5).
        max_batch: the largest batch size N (default 3).
        max_input_size: the largest number of input features (default 4).
        max_hidden_size: the largest hidden size H (default 4).
        max_num_layers: the most stacked layers (default 2).
        bidirectional: a pin: None (default) draws both values, a bool fixes it, a
            hypothesis strategy draws from it.
        batch_first: a pin, as ``bidirectional``.
        bias: a pin, as ``bidirectional``.
        batched: a pin: True (default) for batched inputs, False for unbatched, None for
            both.

    Returns:
        A hypothesis strategy drawing `RecurrentShapes`, with ``input_shape``,
        ``hidden_shape``, ``output_shape`` and ``module_kwargs`` (the constructor
        arguments).

    PyTorch equivalent: the arguments and input shapes of ``torch.nn.RNN``,
    ``torch.nn.GRU`` and ``torch.nn.LSTM``.

    Examples:
        >>> import torch
        >>> from hypothesis import given
        >>> from dlref.testing.strategies import recurrent_shapes
        >>> @given(recurrent_shapes())
        ... def test_lstm_shapes(s):
        ...     lstm = torch.nn.LSTM(**s.module_kwargs)
        ...     output, (h_n, c_n) = lstm(torch.zeros(s.input_shape))
        ...     assert tuple(output.shape) == s.output_shape
        ...     assert tuple(h_n.shape) == s.hidden_shape
        >>> test_lstm_shapes()
    """
    for name, value in (
        ("max_seq_len", max_seq_len),
        ("max_batch", max_batch),
        ("max_input_size", max_input_size),
        ("max_hidden_size", max_hidden_size),
        ("max_num_layers", max_num_layers),
    ):
        check_positive_int(name, value)
    for name, value in (
        ("bidirectional", bidirectional),
        ("batch_first", batch_first),
        ("bias", bias),
        ("batched", batched),
    ):
        _check_optional_flag(name, value)
    return _recurrent_shapes(
        max_seq_len,
        max_batch,
        max_input_size,
        max_hidden_size,
        max_num_layers,
        bidirectional,
        batch_first,
        bias,
        batched,
    )
