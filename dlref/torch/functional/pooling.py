r"""2-D pooling from ``F.pad`` and ``Tensor.unfold``; autograd gives the backward
passes.

The padded input is viewed as windows ``(N, C, H_out, W_out, kH, kW)`` by two
``Tensor.unfold`` calls (a view, no copy), exactly as the NumPy versions in
`dlref.numpy.functional.pooling` do with ``sliding_window_view``, and each window is
reduced to one number. The argument checks and the output-size arithmetic come from the
backend-neutral `dlref._geometry`, which the NumPy module uses too, so both backends
accept and reject the same calls with the same messages.

``torch.nn.functional.max_pool2d``, ``avg_pool2d`` and ``adaptive_avg_pool2d`` (and the
``torch.nn`` layers and ATen kernels behind them) are never called here: the tests
compare against them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlref._checks import check_bool
from dlref._geometry import (
    adaptive_output_size,
    adaptive_windows,
    avg_pool2d_geometry,
    batched,
    pool_geometry,
    window_positions,
)

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _check_tensor(input) -> None:
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")


def _windows(x: torch.Tensor, k, s, p, d, out, fill: float) -> torch.Tensor:
    """The windows of ``x`` (N, C, H, W) as (N, C, H_out, W_out, kH, kW), a strided view
    of the padded input.

    ``x`` is padded with ``fill``: ``p`` on the left and top, and on the right and
    bottom as far as the last window reaches (at most ``p``, or beyond with
    ``ceil_mode``).
    """
    N, C, H, W = x.shape
    # rows covered: o s - p + i d for o < H_out, i < k;
    # the last one is (H_out-1)s - p + (k-1)d
    extra_h = max(0, (out[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (H + p[0]))
    extra_w = max(0, (out[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (W + p[1]))
    x_pad = F.pad(x, (p[1], extra_w, p[0], extra_h), value=fill)  # (N, C, H', W')
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)  # dilated window
    # (N, C, >=Ho, >=Wo, span_h, span_w)
    view = x_pad.unfold(2, span[0], s[0]).unfold(3, span[1], s[1])
    return view[:, :, : out[0], : out[1], :: d[0], :: d[1]]  # (N, C, Ho, Wo, kH, kW)


def max_pool2d(
    input: torch.Tensor,
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

    where $x$ is padded with $-\infty$ (padding never wins the max). The window's first
    maximum in row-major order is picked with a mask and gathered, so autograd sends the
    whole gradient $\partial L/\partial y_o$ to that one element, as torch's kernel does
    (``amax`` would split it evenly among tied elements).

    Args:
        input: floating-point tensor.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows, an int or a pair; default ``kernel_size``.
        padding: implicit $-\infty$ padding on both sides, at most ``kernel_size // 2``.
        dilation: spacing between window elements, an int or a pair (default 1).
        ceil_mode: round the output size up instead of down (a last window must start
            inside the input or the left padding).
        return_indices: also return where each maximum came from.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``) with $H_{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor +
        1$, and the same for $W$.

    Returns:
        The pooled tensor (dtype of ``input``); with ``return_indices=True`` the tuple
        ``(output, indices)`` where ``indices`` (int64) are flat positions in each
        channel's ``H * W`` plane, as ``torch.nn.functional.max_pool2d`` returns them.

    PyTorch equivalent: ``torch.nn.functional.max_pool2d`` (not called here).

    Differences from PyTorch: a window made only of padding (possible only with
    dilation) gets index -1 (torch: an arbitrary index); with several NaNs in a window
    the index is the first NaN (torch: the last). Argument errors are
    ``ValueError``/``TypeError`` naming the argument (torch: ``RuntimeError``);
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int or a pair
    (torch also expands a one-element sequence); ``return_indices`` must be a bool
    (torch tests it for truth). Memory: the window mask holds $k_H k_W$ values per
    output, which torch's direct kernel avoids.
    """
    _check_tensor(input)
    check_bool("return_indices", return_indices)
    k, s, p, d, out = pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode
    )
    x, unbatched = batched("input", input)
    N, C, H, W = x.shape
    windows = _windows(x, k, s, p, d, out, fill=float("-inf"))  # (N, C, Ho, Wo, kH, kW)
    values = windows.reshape(N, C, out[0], out[1], k[0] * k[1])  # (N, C, Ho, Wo, kH*kW)
    device = input.device
    # (Ho, kH): input row
    rows = torch.as_tensor(
        window_positions(k[0], s[0], p[0], d[0], out[0]), device=device
    )
    # (Wo, kW): input column
    cols = torch.as_tensor(
        window_positions(k[1], s[1], p[1], d[1], out[1]), device=device
    )
    row_ok = (rows >= 0) & (rows < H)
    col_ok = (cols >= 0) & (cols < W)
    # (Ho, Wo, kH*kW)
    inside = (row_ok[:, None, :, None] & col_ok[None, :, None, :]).reshape(
        out[0], out[1], -1
    )
    with torch.no_grad():
        # the argmax: the first element (row-major in the window) equal to the max or
        # NaN, never a padding element;
        # torch's loop keeps the first maximum too (it replaces only on >)
        peak = values.amax(dim=-1, keepdim=True)  # (N, C, Ho, Wo, 1)
        is_max = ((values == peak) | values.isnan()) & inside
        position = torch.arange(k[0] * k[1], device=device)
        # (N, C, Ho, Wo)
        first = torch.where(is_max, position, k[0] * k[1]).amin(dim=-1)
        found = first < k[0] * k[1]
        first = torch.where(found, first, 0)  # padding-only window: its -inf
    # y = x at the argmax; gather's gradient goes to that element alone
    output = values.gather(-1, first[..., None]).squeeze(-1)  # (N, C, Ho, Wo)
    if unbatched:
        output = output[0]
    if not return_indices:
        return output
    i, j = first // k[1], first % k[1]  # row and column in the window
    o_h = torch.arange(out[0], device=device)[:, None]
    o_w = torch.arange(out[1], device=device)[None, :]
    indices = rows[o_h, i] * W + cols[o_w, j]  # (N, C, Ho, Wo)
    indices = torch.where(found, indices, -1).to(torch.int64)
    return output, (indices[0] if unbatched else indices)


def avg_pool2d(
    input: torch.Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> torch.Tensor:
    r"""2-D average pooling: the mean of each window of each channel.

    $$y_{n,c,o_h,o_w} = \frac{1}{D_{o_h,o_w}} \sum_{i < k_H,\ j < k_W}
      x_{n,\,c,\,o_h s_H - p_H + i,\ o_w s_W - p_W + j}$$

    with $x$ zero-padded. The divisor $D$ is, as in torch: ``divisor_override`` if
    given; else with ``count_include_pad=True`` the number of window elements inside the
    padded input; else the number inside the input itself. Autograd spreads
    $\partial L/\partial y_o / D_o$ over window $o$, adding where windows overlap.

    Args:
        input: floating-point tensor.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows, an int or a pair; default ``kernel_size``.
        padding: implicit zero padding on both sides; at most ``kernel_size // 2``.
        ceil_mode: round the output size up instead of down (see `max_pool2d`).
        count_include_pad: count the padding zeros in the divisor (default ``True``).
        divisor_override: a fixed divisor for every window, or ``None``.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``), $H_{out} = \lfloor (H + 2p - k)/s \rfloor + 1$.

    Returns:
        The pooled tensor, dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.avg_pool2d`` (not called here).
    Differences from PyTorch:
    argument errors are ``ValueError``/``TypeError`` naming the argument;
    ``kernel_size``, ``stride`` and ``padding`` take an int or a pair (torch also
    expands a one-element sequence).
    """
    _check_tensor(input)
    k, s, p, out, D = avg_pool2d_geometry(
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )
    D = torch.as_tensor(D, dtype=input.dtype, device=input.device)  # (Ho, Wo)
    x, unbatched = batched("input", input)
    windows = _windows(x, k, s, p, (1, 1), out, fill=0.0)  # (N, C, Ho, Wo, kH, kW)
    # y = (sum over the window) / D
    output = windows.sum(dim=(-2, -1)) / D  # (N, C, Ho, Wo)
    return output[0] if unbatched else output


def _adaptive_mean(x: torch.Tensor, out: int, dim: int) -> torch.Tensor:
    """Adaptive average along ``dim`` (-2 or -1): output ``o`` is the mean of window
    ``o``.

    One sum per window (a loop over the ``out`` windows, each a slice sum), not a
    product with the averaging matrix, so a NaN or inf stays in the windows that hold
    it; autograd spreads each output's gradient over its window.
    """
    start, end = adaptive_windows(x.shape[dim], out)
    # sum of window o along dim: (..., out, W) or (..., out)
    sums = torch.stack(
        [x.narrow(dim, int(a), int(b - a)).sum(dim=dim) for a, b in zip(start, end)],
        dim=dim,
    )
    length = torch.as_tensor(end - start, dtype=x.dtype, device=x.device)
    return sums / (length[:, None] if dim == -2 else length)


def adaptive_avg_pool2d(input: torch.Tensor, output_size) -> torch.Tensor:
    r"""Average pooling to a fixed output size, whatever the input size.

    Output row $o$ of $H_{out}$ averages input rows $\lfloor o H / H_{out} \rfloor,
    \dots, \lceil (o+1) H / H_{out} \rceil - 1$ (windows may differ in size by one and
    may overlap, so one ``unfold`` cannot cut them); columns alike. The map is linear
    and separable:

    $$Y_{n,c} = P_H\, X_{n,c}\, P_W^\top$$

    where row $o$ of $P_H \in \mathbb{R}^{H_{out} \times H}$ holds $1/\text{length}$ on
    window $o$. As in the NumPy version it is computed as one mean per window along $H$,
    then along $W$ (a product with $P_H$ would spread a NaN to every output).
    ``output_size=1`` is global average pooling: one mean per channel.

    Args:
        input: floating-point tensor.
        output_size: ``H_out = W_out``, or a pair ``(H_out, W_out)`` where ``None``
            keeps that input dimension.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` (or
        ``(C, H_out, W_out)``).

    Returns:
        The pooled tensor, dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.adaptive_avg_pool2d`` (same windows; not
    called here).

    Differences from PyTorch: argument errors are ``ValueError``/``TypeError``;
    ``output_size`` must be >= 1 and ``input`` 3-D or 4-D with non-empty ``C``, ``H``,
    ``W`` for every ``output_size`` (torch returns an empty result for
    ``output_size=0``, and its ``output_size=1`` shortcut, a mean, takes any input of at
    least two dimensions).
    """
    _check_tensor(input)
    Ho, Wo = adaptive_output_size(input, output_size)
    # Y = P_H X P_W^T, as a mean over each window along H, then along W
    # (..., Ho, Wo)
    return _adaptive_mean(_adaptive_mean(input, Ho, dim=-2), Wo, dim=-1)
