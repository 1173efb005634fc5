"""Pooling layers: thin modules over `dlref.numpy.functional.pooling`.

They have no parameters and no state. ``forward`` keeps what ``backward`` needs (the
input's shape and, for max pooling, where each maximum came from), and
``backward(grad_output)`` returns the gradient for the input.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool
from dlref._geometry import check_divisor_override, check_output_size, pool_arguments
from dlref.numpy.functional import pooling as F
from dlref.numpy.nn.module import Module


class MaxPool2d(Module):
    r"""2-D max pooling over windows of each channel (see
    `dlref.numpy.functional.max_pool2d`).

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
    ``repr``). ``backward`` takes the gradient of the pooled output only (not of the
    indices).

    Differences from PyTorch: bad arguments raise ``ValueError``/``TypeError`` in the
    constructor, with the rules of `dlref.numpy.functional.max_pool2d` (pairs, a bool
    ``return_indices``).
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
        self.stride = stride if stride is not None else self.kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode
        # bad arguments fail here, not at the first forward
        pool_arguments(
            self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode
        )
        check_bool("return_indices", return_indices)

    def forward(self, input: np.ndarray):
        output, indices = F._max_pool2d_with_indices(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
        )
        self._save(input=input, output_shape=output.shape, indices=indices)
        return (output, indices) if self.return_indices else output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, output_shape, indices = self._saved("input", "output_shape", "indices")
        F._check_grad_output(grad_output, input, output_shape, "MaxPool2d")
        return F._max_pool2d_scatter(grad_output, indices, input.shape).astype(
            input.dtype, copy=False
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    r"""2-D average pooling over windows of each channel (see
    `dlref.numpy.functional.avg_pool2d`).

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
    ``repr``).

    Differences from PyTorch: bad arguments raise ``ValueError``/``TypeError`` in the
    constructor, with the rules of `dlref.numpy.functional.avg_pool2d` (pairs).
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
        self.stride = stride if stride is not None else self.kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        # bad arguments fail here, not at the first forward
        pool_arguments(self.kernel_size, self.stride, self.padding, 1, ceil_mode)
        check_bool("count_include_pad", count_include_pad)
        check_divisor_override(divisor_override)

    def _keywords(self) -> dict:
        return dict(
            kernel_size=self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
            divisor_override=self.divisor_override,
        )

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.avg_pool2d(input, **self._keywords())

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.avg_pool2d_backward(
            grad_output, self._saved("input"), **self._keywords()
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}"
        )


class AdaptiveAvgPool2d(Module):
    r"""Average pooling to a fixed output size (see
    `dlref.numpy.functional.adaptive_avg_pool2d`).

    ``AdaptiveAvgPool2d(1)`` is global average pooling: one mean per channel, whatever
    the input's height and width, the usual bridge from the last convolution to the
    classifier.

    Args:
        output_size: ``H_out = W_out``, or ``(H_out, W_out)`` where ``None`` keeps that
            input dimension.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.

    PyTorch equivalent: ``torch.nn.AdaptiveAvgPool2d``.

    Differences from PyTorch: as for `dlref.numpy.functional.adaptive_avg_pool2d`
    (``output_size`` >= 1; a 3-D or 4-D input for every ``output_size``).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size
        check_output_size(self.output_size)

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.adaptive_avg_pool2d_backward(
            grad_output, self._saved("input"), self.output_size
        )

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
