"""A hand-written depthwise 3x3 convolution, tested against dlref.

The worked example of the how-to page docs/testing-your-layer.md, which shows this file
piece by piece; the test suite runs it as it stands. In a project of your own, the layer
would live in your package and this test file would import it.
"""

# --8<-- [start:layer]
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn as reference
from dlref.numpy.functional import conv2d, conv2d_backward
from dlref.testing import assert_close, compare_modules, gradcheck, to_numpy
from dlref.testing.strategies import arrays, conv2d_args


def window(p: int, q: int, stride: int, H_out: int, W_out: int) -> tuple:
    """Index of the input pixels that kernel tap (p, q) meets, one per output pixel."""
    return (slice(None), slice(None),
            slice(p, p + stride * (H_out - 1) + 1, stride), slice(q, q + stride * (W_out - 1) + 1, stride))


class DepthwiseConv3x3Function(torch.autograd.Function):
    """One 3x3 filter per channel, as nine shifted slices, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride: int, padding: int):
        x_pad = F.pad(x, (padding, padding, padding, padding))       # (N, C, H + 2p, W + 2p)
        H_out = (x_pad.shape[2] - 3) // stride + 1
        W_out = (x_pad.shape[3] - 3) // stride + 1
        # y[n, c, i, j] = b[c] + sum_{p, q} w[c, 0, p, q] x_pad[n, c, s i + p, s j + q]
        y = bias.view(1, -1, 1, 1).repeat(x.shape[0], 1, H_out, W_out)  # (N, C, H_out, W_out)
        for p in range(3):
            for q in range(3):
                y += weight[:, 0, p, q].view(1, -1, 1, 1) * x_pad[window(p, q, stride, H_out, W_out)]
        ctx.save_for_backward(x_pad, weight)
        ctx.stride, ctx.padding = stride, padding
        return y

    @staticmethod
    def backward(ctx, grad_y):
        x_pad, weight = ctx.saved_tensors
        stride, padding = ctx.stride, ctx.padding
        H_out, W_out = grad_y.shape[2:]
        grad_x_pad = torch.zeros_like(x_pad)
        grad_weight = torch.zeros_like(weight)
        for p in range(3):
            for q in range(3):
                taps = window(p, q, stride, H_out, W_out)
                # dL/dw[c, 0, p, q] = sum_{n, i, j} g[n, c, i, j] x_pad[n, c, s i + p, s j + q]
                grad_weight[:, 0, p, q] = (grad_y * x_pad[taps]).sum(dim=(0, 2, 3))
                # each pixel that tap (p, q) met gets w[c, 0, p, q] g back
                grad_x_pad[taps] += weight[:, 0, p, q].view(1, -1, 1, 1) * grad_y
        # dL/db[c] = sum_{n, i, j} g[n, c, i, j]
        grad_bias = grad_y.sum(dim=(0, 2, 3))
        H, W = x_pad.shape[2] - 2 * padding, x_pad.shape[3] - 2 * padding
        grad_x = grad_x_pad[:, :, padding:padding + H, padding:padding + W]  # cut the padding off
        return grad_x, grad_weight, grad_bias, None, None


class DepthwiseConv3x3(torch.nn.Module):
    """The layer: parameters named and laid out as torch.nn.Conv2d(C, C, 3, groups=C)'s."""

    def __init__(self, channels: int, stride: int = 1, padding: int = 1, device=None, dtype=None):
        super().__init__()
        self.stride, self.padding = stride, padding
        self.weight = torch.nn.Parameter(torch.empty(channels, 1, 3, 3, device=device, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.empty(channels, device=device, dtype=dtype))
        torch.nn.init.uniform_(self.weight, -1 / 3, 1 / 3)  # 1 / sqrt(fan_in), fan_in = 9
        torch.nn.init.uniform_(self.bias, -1 / 3, 1 / 3)

    def forward(self, x):
        return DepthwiseConv3x3Function.apply(x, self.weight, self.bias, self.stride, self.padding)
# --8<-- [end:layer]


# --8<-- [start:strategy]
# every call this layer supports: 3x3 kernels, one per channel, int strides and paddings
DEPTHWISE_3X3 = conv2d_args(kernel_size=3, dilation=1, depthwise=True, bias=True, max_groups=4,
                            stride=st.integers(1, 2), padding=st.integers(0, 1))
# --8<-- [end:strategy]


# --8<-- [start:module]
@given(args=DEPTHWISE_3X3, data=st.data())
def test_layer_matches_dlref_conv2d(args, data):
    x = data.draw(arrays(args.input_shape, np.float64))
    C = args.in_channels
    torch.manual_seed(0)
    ours = DepthwiseConv3x3(C, args.stride, args.padding, dtype=torch.float64)
    oracle = reference.Conv2d(C, C, 3, stride=args.stride, padding=args.padding, groups=C, dtype=np.float64)
    # copies ours' weights into the oracle, then compares the outputs and every gradient
    compare_modules(oracle, ours, x, rtol=1e-10, atol=1e-12)
# --8<-- [end:module]


# --8<-- [start:gradcheck]
@given(args=DEPTHWISE_3X3, data=st.data())
def test_backward_matches_finite_differences(args, data):
    x = data.draw(arrays(args.input_shape, np.float64, min_value=-1, max_value=1))
    w = data.draw(arrays(args.weight_shape, np.float64, min_value=-1, max_value=1))
    b = data.draw(arrays((args.out_channels,), np.float64, min_value=-1, max_value=1))

    def forward(x, w, b):
        tensors = [torch.from_numpy(a) for a in (x, w, b)]
        return DepthwiseConv3x3Function.apply(*tensors, args.stride, args.padding).numpy()

    def backward(grad_y, x, w, b):
        tensors = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        DepthwiseConv3x3Function.apply(*tensors, args.stride, args.padding).backward(torch.from_numpy(grad_y))
        return tuple(t.grad.numpy() for t in tensors)

    # the hand-written backward against central differences of the layer's own forward
    assert gradcheck(forward, backward, [x, w, b])
# --8<-- [end:gradcheck]


# --8<-- [start:devices]
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                                 reason="no CUDA device here"))]
# for |x|, |w|, |b|, |g| <= 1: how they were chosen is in "Tolerances" on the how-to page
TOLERANCES = {torch.float64: dict(rtol=1e-10, atol=1e-12), torch.float32: dict(rtol=1e-4, atol=1e-4)}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@given(args=DEPTHWISE_3X3, data=st.data())
def test_on_each_device_and_dtype(device, dtype, args, data):
    bounded = dict(min_value=-1, max_value=1)
    x = data.draw(arrays(args.input_shape, np.float64, **bounded))
    w = data.draw(arrays(args.weight_shape, np.float64, **bounded))
    b = data.draw(arrays((args.out_channels,), np.float64, **bounded))
    g = data.draw(arrays(args.output_shape, np.float64, **bounded))
    # the layer, on the device in the dtype under test
    x_t, w_t, b_t = (torch.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in (x, w, b))
    y_t = DepthwiseConv3x3Function.apply(x_t, w_t, b_t, args.stride, args.padding)
    y_t.backward(torch.tensor(g, dtype=dtype, device=device))
    # the oracle, in float64 on the CPU, from the same (rounded) numbers
    x, w, b, g = (to_numpy(torch.tensor(a, dtype=dtype)).astype(np.float64) for a in (x, w, b, g))
    kwargs = dict(stride=args.stride, padding=args.padding, groups=args.groups)
    expected = [conv2d(x, w, b, **kwargs), *conv2d_backward(g, x, w, b, **kwargs)]
    for name, actual, wanted in zip(["output", "grad x", "grad weight", "grad bias"],
                                    [y_t, x_t.grad, w_t.grad, b_t.grad], expected):
        assert actual.device.type == device and actual.dtype == dtype, name
        assert_close(to_numpy(actual).astype(np.float64), wanted, msg=name, **TOLERANCES[dtype])
# --8<-- [end:devices]
