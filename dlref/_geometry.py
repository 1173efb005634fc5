r"""Geometry shared by both backends: pairs, padding, and the output sizes of
convolution and pooling.

The ground floor below `dlref.numpy` and `dlref.torch` (with `dlref._checks`), and what
`dlref.counting` computes its counts from. Pure Python on shapes and ints (plus a few
small NumPy index arrays), so each rule is written once: both backends accept and reject
the same calls with the same messages.

Along one spatial dimension of size $H$, with kernel $k$, stride $s$, total padding
$p_\text{total}$ and dilation $d$, the dilated kernel spans $d(k - 1) + 1$ pixels and a
convolution has

$$H_{out} = \left\lfloor \frac{H + p_\text{total} - d(k - 1) - 1}{s} \right\rfloor + 1$$

outputs (torch's formula; $p_\text{total} = 2p$ for symmetric padding). Pooling uses the
same formula with an optional ceiling (`pool_output_length`); a transposed convolution
inverts it (`conv_transpose_output_length`).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from dlref._checks import (
    check_bool,
    check_floating,
    check_positive_int,
    check_same_dtype,
    shape_of,
)

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


# -- pairs and sizes -------------------------------------------------------------------


def pair(name: str, value, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``minimum``, as a pair (torch's ``_pair``).

    A wrong type (a float, a string, a bool, a pair holding one) is a TypeError; a
    sequence of the wrong length or a value below ``minimum`` is a ValueError.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or a pair of ints, got {value!r} "
                f"({len(value)} values)"
            )
        values = tuple(value)
    else:
        values = (value, value)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
        if v < minimum:
            raise ValueError(
                f"{name} must be >= {minimum} in each dimension, got {value!r}"
            )
    return int(values[0]), int(values[1])


def conv_output_length(
    size: int, kernel_size: int, stride: int, padding_total: int, dilation: int
) -> int:
    """Outputs of a convolution along one dimension (may be < 1 when the kernel does not
    fit)."""
    # H_out = floor((H + p_total - d (k - 1) - 1) / s) + 1
    return (size + padding_total - dilation * (kernel_size - 1) - 1) // stride + 1


def pool_output_length(
    size: int,
    kernel_size: int,
    stride: int,
    padding: int,
    dilation: int,
    ceil_mode: bool,
) -> int:
    """Windows of a pooling layer along one dimension (torch's
    ``pooling_output_shape``)."""
    # H_out = floor or ceil((H + 2p - d(k - 1) - 1) / s) + 1
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    # ceil_mode: the last window must start inside the input or the left padding
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def conv_transpose_output_length(
    size: int,
    kernel_size: int,
    stride: int,
    padding: int,
    dilation: int,
    output_padding: int,
) -> int:
    """Outputs of a transposed convolution along one dimension (torch's formula).

    $H_{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$: the size whose convolution
    with the same arguments gives back $H$ (``output_padding`` picks among the sizes
    that do).
    """
    return (
        (size - 1) * stride
        - 2 * padding
        + dilation * (kernel_size - 1)
        + output_padding
        + 1
    )


# -- convolution -----------------------------------------------------------------------


class ConvGeometry(NamedTuple):
    """Sizes of one 2-D convolution, checked and resolved (padding as four ints)."""

    N: int
    C_in: int
    H: int
    W: int
    C_out: int
    kH: int
    kW: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]  # (top, bottom, left, right)
    groups: int
    H_out: int
    W_out: int


def resolve_padding(
    padding,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """``padding`` as ``(top, bottom, left, right)``, from an int, a pair, ``'valid'``
    or ``'same'``.

    ``'same'`` pads a total of $d(k - 1)$ per dimension, the smaller half before and the
    larger after (as torch does when the total is odd), so that with stride 1 the output
    has the input's size.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    "padding='same' is not supported for strided convolutions "
                    f"(stride={stride})"
                )
            # total padding d (k - 1) per dimension;
            # the extra pixel of an odd total goes after
            pads = []
            for k, d in zip(kernel_size, dilation):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return tuple(pads)
        raise ValueError(
            "padding must be an int, a pair of ints, 'valid' or 'same', got "
            f"{padding!r}"
        )
    p_h, p_w = pair("padding", padding, 0)
    return p_h, p_h, p_w, p_w


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """Channel counts and ``groups`` of a convolution layer: positive ints, both counts
    divisible by groups."""
    check_positive_int("in_channels", in_channels)
    check_positive_int("out_channels", out_channels)
    check_positive_int("groups", groups)
    if in_channels % groups:
        raise ValueError(
            f"in_channels ({in_channels}) must be divisible by groups ({groups})"
        )
    if out_channels % groups:
        raise ValueError(
            f"out_channels ({out_channels}) must be divisible by groups ({groups})"
        )


def check_padding_fits(
    padding: tuple[int, int, int, int], padding_mode: str, size
) -> None:
    """Torch's limits: a reflection cannot reach past the opposite edge, a wrap not past
    one period."""
    top, bottom, left, right = padding
    for name, n, pad in (
        ("height", size[0], max(top, bottom)),
        ("width", size[1], max(left, right)),
    ):
        if (padding_mode == "reflect" and pad >= n) or (
            padding_mode == "circular" and pad > n
        ):
            limit = "smaller than" if padding_mode == "reflect" else "at most"
            raise ValueError(
                f"padding {pad} must be {limit} the input {name} {n} with "
                f"padding_mode={padding_mode!r}"
            )


def batched(name: str, x):
    """``x`` (an array or a tensor) as ``(N, C, H, W)``, and whether a batch dimension
    was added.

    Accepts an unbatched ``(C, H, W)`` input, as torch does; ``x[None]`` adds the batch
    dimension in both libraries.
    """
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x[None], True  # (1, C, H, W)
    hint = (
        " (a single-channel image needs its channel dimension: x[None])"
        if x.ndim == 2
        else ""
    )
    raise ValueError(
        f"{name} must be 3-D (C, H, W) or 4-D (N, C, H, W){hint}, got shape "
        f"{shape_of(x)}"
    )


def conv2d_geometry(x, weight, bias, stride, padding, dilation, groups) -> ConvGeometry:
    """Check the arguments of ``conv2d`` (``x`` already 4-D) and work out every size."""
    check_floating("input", x)
    check_floating("weight", weight)
    check_same_dtype("input", x, "weight", weight)
    if weight.ndim != 4:
        raise ValueError(
            "weight must be 4-D (C_out, C_in / groups, kH, kW), got shape "
            f"{shape_of(weight)}"
        )
    check_positive_int("groups", groups)
    stride = pair("stride", stride, 1)
    dilation = pair("dilation", dilation, 1)
    N, C_in, H, W = shape_of(x)
    C_out, C_in_per_group, kH, kW = shape_of(weight)
    if H == 0 or W == 0:
        raise ValueError(
            "input must have non-zero height and width (torch supports only zero "
            f"batch or zero channel inputs), got shape {shape_of(x)}"
        )
    if C_out % groups:
        raise ValueError(
            f"out_channels (weight.shape[0] = {C_out}) must be divisible by groups = "
            f"{groups}"
        )
    if C_in % groups:
        raise ValueError(
            f"in_channels (input.shape[1] = {C_in}) must be divisible by groups = "
            f"{groups}"
        )
    if C_in != C_in_per_group * groups:
        raise ValueError(
            f"input has {C_in} channels, but weight of shape {shape_of(weight)} with "
            f"groups = {groups} expects {C_in_per_group * groups} (weight.shape[1] * "
            "groups)"
        )
    if bias is not None:
        check_floating("bias", bias)
        check_same_dtype("input", x, "bias", bias)
        if shape_of(bias) != (C_out,):
            raise ValueError(
                f"bias must have shape ({C_out},) (one per output channel), got "
                f"{shape_of(bias)}"
            )
    padding = resolve_padding(padding, (kH, kW), stride, dilation)
    top, bottom, left, right = padding
    H_out = conv_output_length(H, kH, stride[0], top + bottom, dilation[0])
    W_out = conv_output_length(W, kW, stride[1], left + right, dilation[1])
    if H_out < 1 or W_out < 1:
        # the dilated kernel spans d (k - 1) + 1 pixels
        span_h, span_w = dilation[0] * (kH - 1) + 1, dilation[1] * (kW - 1) + 1
        raise ValueError(
            f"kernel (dilated size {span_h} x {span_w}) is larger than the padded "
            f"input ({H + top + bottom} x {W + left + right}): input of shape "
            f"{shape_of(x)}, weight of shape {shape_of(weight)}, padding {padding}, "
            f"dilation {dilation}"
        )
    return ConvGeometry(
        N, C_in, H, W, C_out, kH, kW, stride, dilation, padding, groups, H_out, W_out
    )


# -- pooling ---------------------------------------------------------------------------


def check_pool_input(input) -> None:
    """Torch's rule: a floating (C, H, W) or (N, C, H, W) array or tensor with non-zero
    C, H, W."""
    check_floating("input", input)
    if input.ndim not in (3, 4):
        raise ValueError(
            "input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape "
            f"{shape_of(input)}"
            + (
                " (a single image needs a channel dimension: input[None])"
                if input.ndim == 2
                else ""
            )
        )
    if 0 in shape_of(input)[-3:]:
        raise ValueError(
            f"input must have non-zero C, H and W, got shape {shape_of(input)}"
        )


def pool_arguments(kernel_size, stride, padding, dilation, ceil_mode):
    """Check a pooling window's arguments as torch does; return ``(k, s, p, d)`` as
    pairs.

    ``stride=None`` (or an empty tuple) means ``kernel_size``; padding is at most half
    the kernel.
    """
    k = pair("kernel_size", kernel_size, 1)
    s = (
        k
        if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
        else pair("stride", stride, 1)
    )
    p = pair("padding", padding, 0)
    d = pair("dilation", dilation, 1)
    check_bool("ceil_mode", ceil_mode)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            "padding must be at most half of kernel_size (padding <= kernel_size // "
            f"2), got padding={padding!r} and kernel_size={kernel_size!r}"
        )
    return k, s, p, d


def pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode):
    """Check the input and the pooling arguments; return them as pairs and the output
    size."""
    check_pool_input(input)
    k, s, p, d = pool_arguments(kernel_size, stride, padding, dilation, ceil_mode)
    H, W = shape_of(input)[-2:]
    out = (
        pool_output_length(H, k[0], s[0], p[0], d[0], ceil_mode),
        pool_output_length(W, k[1], s[1], p[1], d[1], ceil_mode),
    )
    if out[0] < 1 or out[1] < 1:
        raise ValueError(
            f"kernel_size={kernel_size!r} (dilation={dilation!r}) is larger than the "
            f"padded input: input {H}x{W} with padding={padding!r} gives an output "
            f"of {out[0]}x{out[1]}"
        )
    return k, s, p, d, out


def window_positions(k: int, s: int, p: int, d: int, out: int) -> np.ndarray:
    """Input index of every window element along one dimension: (out, k), o s - p + i
    d."""
    return np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d


def empty_windows(input_hw, k, s, p, d, out) -> np.ndarray:
    """Which windows hold no input element, only padding: a boolean (H_out, W_out)
    array.

    Possible only with ``ceil_mode=True`` and dilation: a last window may start inside
    the input's padding and step over every input row with its dilated elements.
    """
    empty = []
    for size, kk, ss, pp, dd, oo in zip(input_hw, k, s, p, d, out):
        rows = window_positions(kk, ss, pp, dd, oo)  # (out, k)
        empty.append(~((rows >= 0) & (rows < size)).any(axis=1))  # (out,)
    return empty[0][:, None] | empty[1][None, :]


def check_divisor_override(divisor_override) -> None:
    """``divisor_override`` of average pooling: None or a non-zero int."""
    if divisor_override is None:
        return
    if isinstance(divisor_override, bool) or not isinstance(
        divisor_override, numbers.Integral
    ):
        raise TypeError(
            "divisor_override must be an int or None, got "
            f"{type(divisor_override).__name__}"
        )
    if divisor_override == 0:
        raise ValueError("divisor_override must not be zero")


def _avg_window_lengths(
    size: int, k: int, s: int, p: int, out: int, count_include_pad: bool
) -> np.ndarray:
    """Per-window length along one dimension, as the divisor of average pooling counts
    it.

    As torch: the window ``[o s - p, o s - p + k)`` is first clipped to the padded input
    ``[-p, size + p)`` (its length then counts padding), then to the input
    ``[0, size)``.
    """
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    padded_length = end - start  # counts padding, not the ceil_mode overhang
    inner_length = np.minimum(end, size) - np.maximum(start, 0)
    return padded_length if count_include_pad else inner_length


def avg_pool2d_divisor(
    input_hw, k, s, p, out, count_include_pad, divisor_override
) -> np.ndarray:
    """The divisor of every window of average pooling, float64 (H_out, W_out)."""
    if divisor_override is not None:
        return np.full(out, float(divisor_override))
    len_h = _avg_window_lengths(
        input_hw[0], k[0], s[0], p[0], out[0], count_include_pad
    )
    len_w = _avg_window_lengths(
        input_hw[1], k[1], s[1], p[1], out[1], count_include_pad
    )
    return np.outer(len_h, len_w).astype(np.float64)  # (Ho, Wo)


def avg_pool2d_geometry(
    input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    """Check average pooling's arguments; return ``(k, s, p, out, divisor)``."""
    k, s, p, d, out = pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode)
    check_bool("count_include_pad", count_include_pad)
    check_divisor_override(divisor_override)
    divisor = avg_pool2d_divisor(
        shape_of(input)[-2:], k, s, p, out, count_include_pad, divisor_override
    )
    return k, s, p, out, divisor


def check_output_size(output_size) -> tuple:
    """Adaptive pooling's ``output_size`` (an int, or a pair of ints or None) as a pair.

    ``None`` keeps an input dimension only inside a pair, as in torch: a bare ``None``
    is a TypeError.
    """
    if output_size is None:
        raise TypeError(
            "output_size must be an int or a pair of ints or None, got None"
        )
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(
                "output_size must be an int or a pair (None keeps the input size), "
                f"got {output_size!r}"
            )
        values = tuple(output_size)
    else:
        values = (output_size, output_size)
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(
                "output_size must be an int or a pair of ints or None, got "
                f"{output_size!r}"
            )
        if v < 1:
            raise ValueError(f"output_size must be >= 1, got {output_size!r}")
    return values


def adaptive_output_size(input, output_size) -> tuple[int, int]:
    """The output (H_out, W_out) of adaptive pooling for ``input``: None keeps the
    input's size."""
    check_pool_input(input)
    values = check_output_size(output_size)
    H, W = shape_of(input)[-2:]
    return (
        H if values[0] is None else int(values[0]),
        W if values[1] is None else int(values[1]),
    )


def adaptive_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The windows of one dimension of adaptive average pooling: ``(start, end)``,
    int64 arrays of ``out``.

    Window $o$ covers $[\lfloor o\,H/H_{out} \rfloor, \lceil (o+1)\,H/H_{out} \rceil)$
    (torch's start and end indices). Windows may differ in length by one and may
    overlap; consecutive windows touch or overlap, so every input position is in a
    window.
    """
    o = np.arange(out)
    start = (o * size) // out  # floor(o H / H_out)
    end = -((-(o + 1) * size) // out)  # ceil((o + 1) H / H_out)
    return start, end


def conv2d_layer_arguments(
    in_channels,
    out_channels,
    kernel_size,
    stride,
    padding,
    dilation,
    groups,
    padding_mode,
) -> tuple:
    """Check a ``Conv2d`` constructor's arguments once, as torch does; return them
    resolved.

    Returns ``(kernel_size, stride, padding, dilation)``: pairs, with ``padding`` kept
    as given when it is ``'same'`` or ``'valid'``.
    """
    check_groups(in_channels, out_channels, groups)
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}"
        )
    kernel_size = pair("kernel_size", kernel_size, 1)
    stride = pair("stride", stride, 1)
    dilation = pair("dilation", dilation, 1)
    # checks a string, an int or a pair
    resolve_padding(padding, kernel_size, stride, dilation)
    padding = padding if isinstance(padding, str) else pair("padding", padding, 0)
    return kernel_size, stride, padding, dilation


# -- transposed convolution ------------------------------------------------------------


class ConvTransposeGeometry(NamedTuple):
    """Sizes of one 2-D transposed convolution, checked and resolved (pairs of ints).

    ``input`` is ``(N, C_in, H, W)``, ``weight`` ``(C_in, C_out / groups, kH, kW)``, the
    output ``(N, C_out, H_out, W_out)``.
    """

    N: int
    C_in: int
    H: int
    W: int
    C_out: int
    kH: int
    kW: int
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    H_out: int
    W_out: int

    def adjoint(self) -> ConvGeometry:
        """The convolution this one is the adjoint of: its input is our output.

        That convolution maps ``(N, C_out, H_out, W_out)`` to ``(N, C_in, H, W)`` with
        the same weight, stride, padding, dilation and groups; its im2col/col2im pair
        is ours with the roles swapped.
        """
        p_h, p_w = self.padding
        return ConvGeometry(
            self.N,
            self.C_out,
            self.H_out,
            self.W_out,
            self.C_in,
            self.kH,
            self.kW,
            self.stride,
            self.dilation,
            (p_h, p_h, p_w, p_w),
            self.groups,
            self.H,
            self.W,
        )


def check_output_padding(
    output_padding, stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int]:
    r"""``output_padding`` as a pair: >= 0, and in each dimension < stride or dilation.

    Torch's rule: $p_\text{out} < s$ or $p_\text{out} < d$. Outputs past that would be
    sizes no convolution with these arguments maps back onto the input.
    """
    output_padding = pair("output_padding", output_padding, 0)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    return output_padding


def conv_transpose2d_geometry(
    x, weight, bias, stride, padding, output_padding, groups, dilation
) -> ConvTransposeGeometry:
    """Check ``conv_transpose2d``'s arguments (``x`` 4-D already); work out sizes."""
    check_floating("input", x)
    check_floating("weight", weight)
    check_same_dtype("input", x, "weight", weight)
    if weight.ndim != 4:
        raise ValueError(
            f"weight must be 4-D (C_in, C_out / groups, kH, kW), "
            f"got shape {shape_of(weight)}"
        )
    check_positive_int("groups", groups)
    stride = pair("stride", stride, 1)
    padding = pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    N, C_in, H, W = shape_of(x)
    C_in_weight, C_out_per_group, kH, kW = shape_of(weight)
    if H == 0 or W == 0:
        raise ValueError(
            f"input must have non-zero height and width (torch supports "
            f"only zero batch or zero channel inputs), got shape "
            f"{shape_of(x)}"
        )
    if 0 in shape_of(weight):
        raise ValueError(
            f"weight must have no zero-size dimension, got shape {shape_of(weight)}"
        )
    if C_in_weight % groups:
        raise ValueError(
            f"in_channels (weight.shape[0] = {C_in_weight}) must be "
            f"divisible by groups = {groups}"
        )
    if C_in != C_in_weight:
        raise ValueError(
            f"input has {C_in} channels, but weight of shape {shape_of(weight)} "
            f"expects {C_in_weight} (weight.shape[0]: a transposed convolution's "
            f"weight is (C_in, C_out / groups, kH, kW))"
        )
    C_out = C_out_per_group * groups
    if bias is not None:
        check_floating("bias", bias)
        check_same_dtype("input", x, "bias", bias)
        if shape_of(bias) != (C_out,):
            raise ValueError(
                f"bias must have shape ({C_out},) (one per output "
                f"channel, weight.shape[1] * groups), got "
                f"{shape_of(bias)}"
            )
    # H_out = (H - 1) s - 2 p + d (k - 1) + p_out + 1, per dimension
    H_out, W_out = (
        conv_transpose_output_length(n, k, s, p, d, op)
        for n, k, s, p, d, op in zip(
            (H, W), (kH, kW), stride, padding, dilation, output_padding
        )
    )
    if H_out < 1 or W_out < 1:
        raise ValueError(
            f"padding={padding} is too large: input of shape {shape_of(x)} with weight "
            f"of shape {shape_of(weight)}, stride={stride}, dilation={dilation} and "
            f"output_padding={output_padding} gives an output of {H_out} x {W_out}"
        )
    return ConvTransposeGeometry(
        N,
        C_in,
        H,
        W,
        C_out,
        kH,
        kW,
        stride,
        padding,
        output_padding,
        dilation,
        groups,
        H_out,
        W_out,
    )


def conv_transpose2d_layer_arguments(
    in_channels,
    out_channels,
    kernel_size,
    stride,
    padding,
    output_padding,
    groups,
    dilation,
    padding_mode,
) -> tuple:
    """Check a ``ConvTranspose2d`` constructor's arguments once; return them resolved.

    Returns ``(kernel_size, stride, padding, output_padding, dilation)`` as pairs. Only
    ``padding_mode='zeros'`` exists (as in torch); the ``output_padding`` rule
    (`check_output_padding`) is checked here already, where torch waits for the forward.
    """
    check_groups(in_channels, out_channels, groups)
    if padding_mode != "zeros":
        raise ValueError(
            f"padding_mode must be 'zeros' (the only mode of a transposed "
            f"convolution, as in torch), got {padding_mode!r}"
        )
    kernel_size = pair("kernel_size", kernel_size, 1)
    stride = pair("stride", stride, 1)
    padding = pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    return kernel_size, stride, padding, output_padding, dilation


def output_padding_for_size(
    input_shape, output_size, kernel_size, stride, padding, dilation
) -> tuple[int, int]:
    """The ``output_padding`` that gives ``output_size`` (torch's ``output_size=``).

    ``output_size`` is ``(H_out, W_out)``, or the whole output shape (its last two are
    used). Each size must lie between the size with no output padding and that plus
    ``stride - 1``: the sizes whose convolution gives back the input's size.
    """
    non_spatial = len(input_shape) - 2
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(
            f"output_size must be a sequence of ints (H_out, W_out), got "
            f"{type(output_size).__name__}"
        )
    if len(output_size) == non_spatial + 2:
        output_size = output_size[non_spatial:]
    if len(output_size) != 2:
        raise ValueError(
            f"output_size must have 2 or {non_spatial + 2} elements for a "
            f"{len(input_shape)}-D input, got {len(output_size)}"
        )
    for size in output_size:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"output_size must hold ints, got {output_size!r}")
    min_sizes = tuple(
        conv_transpose_output_length(n, k, s, p, d, 0)
        for n, k, s, p, d in zip(
            input_shape[-2:], kernel_size, stride, padding, dilation
        )
    )
    max_sizes = tuple(m + s - 1 for m, s in zip(min_sizes, stride))
    for size, low, high in zip(output_size, min_sizes, max_sizes):
        if not low <= size <= high:
            raise ValueError(
                f"output_size {tuple(output_size)} is out of range: for an input of "
                f"{tuple(input_shape[-2:])} the sizes range from {min_sizes} to "
                f"{max_sizes}"
            )
    return tuple(int(size - low) for size, low in zip(output_size, min_sizes))


# -- the affine map --------------------------------------------------------------------


def check_linear(input, weight, bias) -> None:
    """``linear``'s arguments: floating, one dtype, ``weight`` 2-D, ``input``
    ``(*, in_features)``, ``bias`` ``(out,)``."""
    check_floating("input", input)
    check_floating("weight", weight)
    check_same_dtype("input", input, "weight", weight)
    if weight.ndim != 2:
        raise ValueError(
            "weight must be 2-D (out_features, in_features), got shape "
            f"{shape_of(weight)}"
        )
    out_features, in_features = shape_of(weight)
    if input.ndim == 0 or shape_of(input)[-1] != in_features:
        raise ValueError(
            f"input must have shape (*, {in_features}) (in_features of weight), "
            f"got shape {shape_of(input)}"
        )
    if bias is not None:
        check_floating("bias", bias)
        check_same_dtype("input", input, "bias", bias)
        if shape_of(bias) != (out_features,):
            raise ValueError(
                f"bias must have shape ({out_features},), got {shape_of(bias)}"
            )
