"""Pooling layers as ``torch.nn.Module`` subclasses over
`dlref.torch.functional.pooling`.

They have no parameters and no buffers; autograd gives the backward pass. Constructors,
defaults, attributes and ``repr`` are torch's.
"""

from __future__ import annotations

import torch
from torch import nn

from dlref._checks import check_bool
from dlref._geometry import check_divisor_override, check_output_size, pool_arguments
from dlref.torch.functional.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d


class MaxPool2d(nn.Module):
    r"""2-D max pooling over windows of each channel (see
    `dlref.torch.functional.max_pool2d`).

    $$y_{n,c,o_h,o_w} =
    \max_{i,j}\ x_{n,\,c,\,o_h s_H - p_H + i d_H,\ o_w s_W - p_W + j d_W}$$

    Args:
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows; default ``kernel_size``.
        padding: implicit $-\infty$ padding, at most ``kernel_size // 2``.
        dilation: spacing between window elements.
        return_indices: ``forward`` also returns the flat index of each maximum.
        ceil_mode: round the output size up instead of down.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` with
        $H_{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$.

    PyTorch equivalent: ``torch.nn.MaxPool2d`` (same constructor, defaults and
    ``repr``). Differences from PyTorch: bad arguments raise
    ``ValueError``/``TypeError`` in the constructor, with the rules of
    `dlref.torch.functional.max_pool2d` (pairs, a bool ``return_indices``).
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode
        # bad arguments fail here, not at the first forward
        pool_arguments(
            self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode
        )
        check_bool("return_indices", return_indices)

    def forward(self, input: torch.Tensor):
        return max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(nn.Module):
    r"""2-D average pooling over windows of each channel (see
    `dlref.torch.functional.avg_pool2d`).

    $$y_{n,c,o_h,o_w} = \frac{1}{D_{o_h,o_w}} \sum_{i,j}
    x_{n,\,c,\,o_h s_H - p_H + i,\ o_w s_W - p_W + j}$$

    Args:
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows; default ``kernel_size``.
        padding: implicit zero padding, at most ``kernel_size // 2``.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count padding zeros in the divisor $D$ (default ``True``).
        divisor_override: a fixed divisor $D$, or ``None``.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` with
        $H_{out} = \lfloor (H + 2p - k)/s \rfloor + 1$.

    PyTorch equivalent: ``torch.nn.AvgPool2d`` (same constructor, defaults and
    ``repr``). Differences from PyTorch: bad arguments raise
    ``ValueError``/``TypeError`` in the constructor, with the rules of
    `dlref.torch.functional.avg_pool2d` (pairs).
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        # bad arguments fail here, not at the first forward
        pool_arguments(self.kernel_size, self.stride, self.padding, 1, ceil_mode)
        check_bool("count_include_pad", count_include_pad)
        check_divisor_override(divisor_override)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}"
        )


class AdaptiveAvgPool2d(nn.Module):
    r"""Average pooling to a fixed output size (see
    `dlref.torch.functional.adaptive_avg_pool2d`).

    ``AdaptiveAvgPool2d(1)`` is global average pooling: one mean per channel, whatever
    the input's height and width.

    Args:
        output_size: ``H_out = W_out``, or ``(H_out, W_out)`` where ``None`` keeps that
            input dimension.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.

    PyTorch equivalent: ``torch.nn.AdaptiveAvgPool2d`` (same constructor and ``repr``).

    Differences from PyTorch: as for `dlref.torch.functional.adaptive_avg_pool2d`
    (``output_size`` >= 1; a 3-D or 4-D input for every ``output_size``).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size
        check_output_size(self.output_size)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
