r"""2-D pooling: max, average and adaptive average, with their backward passes.

A pooling layer slides a window of ``kernel_size`` over each channel with step
``stride`` and replaces the window by one number: its maximum or its mean. It has no
parameters and treats every channel on its own. Along one spatial dimension of size $H$,
with kernel $k$, stride $s$, padding $p$ and dilation $d$, the number of windows is
torch's

$$H_{out} = \left\lfloor \frac{H + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$$

(with ``ceil_mode=True`` the floor becomes a ceiling, and a last window that would start
in the right padding is dropped). Window $o$ covers the input rows
$o s - p + i d$, $i = 0, \dots, k - 1$.

Vectorized with ``numpy.lib.stride_tricks.sliding_window_view``: the padded input is
viewed as an array of windows ``(N, C, H_out, W_out, kH, kW)`` without copying, and the
reduction runs over the last two axes. The backward passes scatter the gradient back
into the windows, adding where windows overlap.

Inputs are ``(N, C, H, W)`` or, as in torch, unbatched ``(C, H, W)``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlref._checks import check_bool
from dlref._geometry import (
    adaptive_output_size,
    adaptive_windows,
    avg_pool2d_geometry,
    batched,
    pool_geometry,
    window_positions,
)
from dlref._norm_args import check_grad_output

__all__ = [
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
]


def _check_grad_output(
    grad_output, input, expected: tuple[int, ...], name: str
) -> None:
    """``grad_output``: floating, in ``input``'s dtype, of the shape ``expected`` of
    ``name``'s output."""
    check_grad_output(grad_output, input, expected, f"{name}'s output")


def _windows(x, k, s, p, d, out, fill):
    """The windows of ``x`` (N, C, H, W) as a view (N, C, H_out, W_out, kH, kW).

    ``x`` is padded with ``fill``: ``p`` on the left and top, and on the right and
    bottom as far as the last window reaches (at most ``p``, or beyond with
    ``ceil_mode``).
    """
    N, C, H, W = x.shape
    # rows covered: o s - p + i d for o < H_out, i < k;
    # the last one is (H_out-1)s - p + (k-1)d
    extra_h = max(0, (out[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (H + p[0]))
    extra_w = max(0, (out[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (W + p[1]))
    x_pad = np.pad(
        x, ((0, 0), (0, 0), (p[0], extra_h), (p[1], extra_w)), constant_values=fill
    )
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)  # dilated window
    # (N, C, H', W', span_h, span_w)
    view = sliding_window_view(x_pad, span, axis=(2, 3))
    # (N, C, Ho, Wo, kH, kW)
    return view[:, :, : out[0] * s[0] : s[0], : out[1] * s[1] : s[1], :: d[0], :: d[1]]


# -- max pooling -----------------------------------------------------------------------


def _max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode):
    """Max pooling of ``input`` ``(N, C, H, W)`` or ``(C, H, W)``; returns
    ``(output, indices)``.

    ``indices`` are flat indices into each channel's ``H * W`` plane, as torch returns
    them, or -1 for a window that holds no input element (only padding).
    """
    k, s, p, d, out = pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode
    )
    x, unbatched = batched("input", input)
    N, C, H, W = x.shape
    windows = _windows(x, k, s, p, d, out, fill=-np.inf)  # (N, C, Ho, Wo, kH, kW)
    values = windows.reshape(N, C, out[0], out[1], k[0] * k[1])  # (N, C, Ho, Wo, kH*kW)
    # (Ho, kH): input row of each element
    rows = window_positions(k[0], s[0], p[0], d[0], out[0])
    cols = window_positions(k[1], s[1], p[1], d[1], out[1])  # (Wo, kW): input column
    row_ok = (rows >= 0) & (rows < H)
    col_ok = (cols >= 0) & (cols < W)
    # (Ho, Wo, kH*kW)
    inside = (row_ok[:, None, :, None] & col_ok[None, :, None, :]).reshape(
        out[0], out[1], -1
    )
    # y = max over the window; a NaN in the window makes y NaN, as in torch
    output = values.max(axis=-1)  # (N, C, Ho, Wo)
    # the argmax: the first element (row-major within the window) equal to the max,
    # never a padding element;
    # torch's loop keeps the first maximum too (it replaces only on >)
    is_max = ((values == output[..., None]) | np.isnan(values)) & inside
    first = is_max.argmax(axis=-1)  # (N, C, Ho, Wo)
    i, j = np.divmod(first, k[1])
    o_h = np.arange(out[0])[:, None]
    o_w = np.arange(out[1])[None, :]
    indices = rows[o_h, i] * W + cols[o_w, j]  # (N, C, Ho, Wo)
    indices = np.where(is_max.any(axis=-1), indices, -1).astype(np.int64)
    if unbatched:
        return output[0], indices[0]
    return output, indices


def _max_pool2d_scatter(grad_output, indices, input_shape) -> np.ndarray:
    """Route each output gradient to the input element its window took: dL/dx[idx] +=
    g."""
    g, _ = batched("grad_output", grad_output)
    idx, _ = batched("indices", indices)
    N, C, Ho, Wo = g.shape
    H, W = input_shape[-2:]
    plane = H * W
    # a flat index into the whole (N*C*H*W) input: channel offset + index within the
    # plane (N*C, Ho*Wo)
    flat = idx.reshape(N * C, Ho * Wo) + (np.arange(N * C) * plane)[:, None]
    valid = idx.reshape(N * C, Ho * Wo) >= 0
    # overlapping windows that pick the same element add their gradients (bincount sums)
    grad = np.bincount(
        flat[valid], weights=g.reshape(N * C, Ho * Wo)[valid], minlength=N * C * plane
    )
    return grad.reshape(input_shape).astype(grad_output.dtype, copy=False)


def max_pool2d(
    input: np.ndarray,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    r"""2-D max pooling: the largest value in each window of each channel.

    $$y_{n,c,o_h,o_w} = \max_{0 \le i < k_H,\ 0 \le j < k_W}
      x_{n,\,c,\,o_h s_H - p_H + i d_H,\ o_w s_W - p_W + j d_W}$$

    where $x$ is padded with $-\infty$ (padding never wins the max).

    Args:
        input: floating-point array.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows, an int or a pair; default ``kernel_size``
            (non-overlapping windows).
        padding: implicit $-\infty$ padding on both sides, an int or a pair; at most
            ``kernel_size // 2``.
        dilation: spacing between window elements, an int or a pair (default 1).
        ceil_mode: round the output size up instead of down, so that a partial window at
            the end is kept (as long as it starts inside the input or the left padding).
        return_indices: also return where each maximum came from.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``) with $H_{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor +
        1$, and the same for $W$.

    Returns:
        The pooled array (same dtype as ``input``); with ``return_indices=True``, the
        tuple ``(output, indices)`` where ``indices`` (int64) are flat positions in each
        channel's ``H * W`` plane, as ``torch.nn.functional.max_pool2d`` returns them.

    Ties: the first maximum in row-major window order wins, as in torch's CPU kernel;
    the backward pass routes the gradient to that element only.

    PyTorch equivalent: ``torch.nn.functional.max_pool2d`` (same arguments, defaults and
    output size).

    Differences from PyTorch: a window made only of padding (possible only with
    dilation) gets index -1 (torch returns an arbitrary index there); with several NaNs
    in one window the index is the first NaN (torch: the last). Errors are
    ``ValueError``/``TypeError`` raised before computing (torch: ``RuntimeError``);
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int or a pair
    (torch also expands a one-element sequence); ``return_indices`` must be a bool
    (torch tests it for truth).
    """
    check_bool("return_indices", return_indices)
    output, indices = _max_pool2d_with_indices(
        input, kernel_size, stride, padding, dilation, ceil_mode
    )
    return (output, indices) if return_indices else output


def max_pool2d_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray:
    r"""Gradient of `max_pool2d` for its input.

    Max is a selection: $\partial y_o / \partial x_m$ is 1 for the element $m$ that won
    window $o$ and 0 for every other. So

    $$\frac{\partial L}{\partial x_m} = \sum_{o\,:\ \operatorname{argmax}(o) = m}
    \frac{\partial L}{\partial y_o}$$

    each output's gradient goes to its window's maximum, and an element that is the
    maximum of several overlapping windows receives the sum. Every other element gets 0.

    Args:
        grad_output: $\partial L/\partial y$, the shape of `max_pool2d`'s output.
        input: the ``input`` given to `max_pool2d`.
        kernel_size: as given to `max_pool2d`.
        stride: as given to `max_pool2d`.
        padding: as given to `max_pool2d`.
        dilation: as given to `max_pool2d`.
        ceil_mode: as given to `max_pool2d`.
        return_indices: accepted for symmetry with `max_pool2d`; it does not change the
            gradient.

    Returns:
        $\partial L/\partial x$, the shape and dtype of ``input``.

    Differences from PyTorch: as for `max_pool2d`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    check_bool("return_indices", return_indices)
    *_, out = pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode)
    _check_grad_output(grad_output, input, input.shape[:-2] + out, "max_pool2d")
    output, indices = _max_pool2d_with_indices(
        input, kernel_size, stride, padding, dilation, ceil_mode
    )
    return _max_pool2d_scatter(grad_output, indices, input.shape).astype(
        input.dtype, copy=False
    )


# -- average pooling -------------------------------------------------------------------


def avg_pool2d(
    input: np.ndarray,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    r"""2-D average pooling: the mean of each window of each channel.

    $$y_{n,c,o_h,o_w} = \frac{1}{D_{o_h,o_w}} \sum_{i < k_H,\ j < k_W}
      x_{n,\,c,\,o_h s_H - p_H + i,\ o_w s_W - p_W + j}$$

    with $x$ zero-padded. The divisor $D$ is, as in torch: ``divisor_override`` if
    given; else with ``count_include_pad=True`` the number of window elements inside the
    padded input ($k_H k_W$ except for a ``ceil_mode`` window hanging over the end);
    else the number of window elements inside the input itself.

    Args:
        input: floating-point array.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows, an int or a pair; default ``kernel_size``.
        padding: implicit zero padding on both sides; at most ``kernel_size // 2``.
        ceil_mode: round the output size up instead of down (see `max_pool2d`).
        count_include_pad: count the padding zeros in the divisor (default ``True``, as
            torch).
        divisor_override: a fixed divisor for every window, or ``None``.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``), $H_{out} = \lfloor (H + 2p - k)/s \rfloor + 1$.

    Returns:
        The pooled array, same dtype as ``input``.

    PyTorch equivalent: ``torch.nn.functional.avg_pool2d`` (same arguments and
    defaults). Differences from PyTorch: errors are ``ValueError``/``TypeError`` raised
    before computing; ``kernel_size``, ``stride`` and ``padding`` take an int or a pair
    (torch also expands a one-element sequence).
    """
    k, s, p, out, D = avg_pool2d_geometry(
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )
    x, unbatched = batched("input", input)
    windows = _windows(x, k, s, p, (1, 1), out, fill=0.0)  # (N, C, Ho, Wo, kH, kW)
    # y = (sum over the window) / D
    # (N, C, Ho, Wo)
    output = (windows.sum(axis=(-2, -1)) / D).astype(input.dtype, copy=False)
    return output[0] if unbatched else output


def avg_pool2d_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    r"""Gradient of `avg_pool2d` for its input.

    Each output is $y_o = \frac{1}{D_o}\sum_{m \in o} x_m$, so
    $\partial y_o / \partial x_m = 1/D_o$ for every element $m$ of window $o$:

    $$\frac{\partial L}{\partial x_m} = \sum_{o \ni m}
    \frac{1}{D_o}\frac{\partial L}{\partial y_o}$$

    each output's gradient is spread evenly over its window, and overlapping windows
    add. The part that lands on padding is dropped.

    Args:
        grad_output: $\partial L/\partial y$, the shape of `avg_pool2d`'s output.
        input: the ``input`` given to `avg_pool2d`.
        kernel_size: as given to `avg_pool2d`.
        stride: as given to `avg_pool2d`.
        padding: as given to `avg_pool2d`.
        ceil_mode: as given to `avg_pool2d`.
        count_include_pad: as given to `avg_pool2d`.
        divisor_override: as given to `avg_pool2d`.

    Returns:
        $\partial L/\partial x$, the shape and dtype of ``input``.

    Differences from PyTorch: as for `avg_pool2d`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    k, s, p, out, D = avg_pool2d_geometry(
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )
    x, unbatched = batched("input", input)
    N, C, H, W = x.shape
    _check_grad_output(grad_output, input, input.shape[:-2] + out, "avg_pool2d")
    g, _ = batched("grad_output", grad_output)
    share = g / D  # (N, C, Ho, Wo): dL/dy_o / D_o
    # padded gradient, large enough for every window (ceil_mode may hang over the end)
    Hp = max(H + 2 * p[0], (out[0] - 1) * s[0] + k[0])
    Wp = max(W + 2 * p[1], (out[1] - 1) * s[1] + k[1])
    grad_pad = np.zeros((N, C, Hp, Wp), dtype=np.result_type(share, np.float32))
    # col2im: for each position (i, j) in the window, the windows' shares land on a
    # strided grid of the input;
    # a loop over the k_H * k_W positions, vectorized over everything else
    for i in range(k[0]):
        for j in range(k[1]):
            grad_pad[
                :, :, i : i + out[0] * s[0] : s[0], j : j + out[1] * s[1] : s[1]
            ] += share
    # drop the padding: (N, C, H, W)
    grad = grad_pad[:, :, p[0] : p[0] + H, p[1] : p[1] + W]
    grad = grad.astype(input.dtype, copy=True)
    return grad[0] if unbatched else grad


# -- adaptive average pooling ----------------------------------------------------------


def _adaptive_mean(x: np.ndarray, out: int, axis: int) -> np.ndarray:
    """Adaptive average along ``axis`` (-2 or -1): output ``o`` is the mean of window
    ``o``.

    One sum per window (a loop over the ``out`` windows, each a vectorized slice sum),
    not a product with the averaging matrix, so a NaN or inf stays in the windows that
    hold it.
    """
    start, end = adaptive_windows(x.shape[axis], out)
    # sum of window o along axis, for every other index: (..., out, W) or (..., out)
    sums = np.stack(
        [np.take(x, range(a, b), axis=axis).sum(axis=axis) for a, b in zip(start, end)],
        axis=axis,
    )
    length = (end - start).astype(x.dtype)
    return sums / (length[:, None] if axis == -2 else length)


def _adaptive_mean_backward(g: np.ndarray, size: int, axis: int) -> np.ndarray:
    """The adjoint of `_adaptive_mean`: output ``o``'s gradient / its length, added on
    each position of window ``o``."""
    start, end = adaptive_windows(size, g.shape[axis])
    length = (end - start).astype(g.dtype)
    share = g / (length[:, None] if axis == -2 else length)  # dL/dy_o / length_o
    shape = list(g.shape)
    shape[axis] = size
    grad = np.zeros(shape, dtype=g.dtype)  # (..., size, W) or (..., size)
    window = [slice(None)] * g.ndim
    # where windows overlap, inf + -inf = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        for o, (a, b) in enumerate(zip(start, end)):
            window[axis] = slice(a, b)
            # window o's positions get its share
            grad[tuple(window)] += np.take(share, [o], axis=axis)
    return grad


def adaptive_avg_pool2d(input: np.ndarray, output_size) -> np.ndarray:
    r"""Average pooling to a fixed output size, whatever the input size.

    Output row $o$ of $H_{out}$ averages input rows
    $\lfloor o H / H_{out} \rfloor, \dots, \lceil (o+1) H / H_{out} \rceil - 1$ (windows
    may differ in size by one and may overlap); columns alike. The map is linear and
    separable:

    $$Y_{n,c} = P_H\, X_{n,c}\, P_W^\top$$

    where row $o$ of $P_H \in \mathbb{R}^{H_{out} \times H}$ holds $1/\text{length}$
    on window $o$. It is computed as one mean per window along $H$, then along $W$ (a
    product with $P_H$ would multiply a NaN by its zeros and spread it to every output).
    ``output_size=1`` is *global average pooling*: one mean per channel.

    Args:
        input: floating-point array.
        output_size: ``H_out = W_out``, or a pair ``(H_out, W_out)`` where ``None``
            keeps that input dimension.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``).

    Returns:
        The pooled array, same dtype as ``input``.

    PyTorch equivalent: ``torch.nn.functional.adaptive_avg_pool2d`` (same window
    indices).

    Differences from PyTorch: ``output_size`` must be >= 1 and ``input`` 3-D or 4-D with
    non-empty ``C``, ``H``, ``W`` for every ``output_size`` (torch returns an empty
    result for ``output_size=0``, and its ``output_size=1`` shortcut, a mean, takes any
    input of at least two dimensions). Errors are ``ValueError``/``TypeError`` naming
    the argument.
    """
    Ho, Wo = adaptive_output_size(input, output_size)
    # Y = P_H X P_W^T, as a mean over each window along H, then along W
    # (..., Ho, Wo)
    return _adaptive_mean(_adaptive_mean(input, Ho, axis=-2), Wo, axis=-1)


def adaptive_avg_pool2d_backward(
    grad_output: np.ndarray, input: np.ndarray, output_size
) -> np.ndarray:
    r"""Gradient of `adaptive_avg_pool2d` for its input.

    With $Y = P_H X P_W^\top$ and $G = \partial L/\partial Y$: $\partial L/\partial X =
    P_H^\top G\, P_W$: each output's gradient spread evenly over its window (overlapping
    windows add).

    Args:
        grad_output: $G$, the shape of `adaptive_avg_pool2d`'s output.
        input: the ``input`` given to `adaptive_avg_pool2d`.
        output_size: as given to `adaptive_avg_pool2d`.

    Returns:
        $\partial L/\partial X$, the shape and dtype of ``input``.

    Differences from PyTorch: as for `adaptive_avg_pool2d`; and ``grad_output`` must
    have the dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a
    gradient of another dtype silently.
    """
    Ho, Wo = adaptive_output_size(input, output_size)
    H, W = input.shape[-2:]
    _check_grad_output(
        grad_output, input, input.shape[:-2] + (Ho, Wo), "adaptive_avg_pool2d"
    )
    # dL/dX = P_H^T G P_W: the adjoint along W, then along H
    # (..., H, W)
    grad = _adaptive_mean_backward(
        _adaptive_mean_backward(grad_output, W, axis=-1), H, axis=-2
    )
    return grad.astype(input.dtype, copy=False)
