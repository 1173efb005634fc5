"""`Conv2d`: the 2-D convolution layer."""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_float_dtype, check_floating
from dlref._geometry import (
    batched,
    check_padding_fits,
    conv2d_layer_arguments,
    resolve_padding,
)
from dlref.numpy.functional.conv import conv2d, conv2d_backward
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter

_NUMPY_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_index(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of the padded axis, the input position it copies (reflect,
    replicate, circular).

    The pattern of ``np.pad`` applied to the positions ``0 .. size - 1`` themselves:
    with ``'reflect'``, ``before = 2`` and ``size = 4`` it is
    ``[2, 1, 0, 1, 2, 3, ...]``.
    """
    return np.pad(np.arange(size), (before, after), mode=_NUMPY_PAD_MODE[mode])


class Conv2d(Module):
    r"""2-D convolution layer: ``out_channels`` learned kernels slid over the input.

    $$
    y_{n,o} = b_o + \sum_{c} w_{o,c} \star x_{n,c}
    $$

    where $\star$ is 2-D cross-correlation (see `conv2d`): each output channel $o$ has
    one kernel of shape ``(in_channels / groups, kH, kW)`` applied at every position,
    so the same weights are shared across the whole image.

    Args:
        in_channels: channels of the input, $C_\text{in}$.
        out_channels: channels of the output (number of kernels), $C_\text{out}$.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or ``(s_H, s_W)`` (default 1).
        padding: an int, ``(p_H, p_W)``, ``'valid'`` or ``'same'`` (default 0).
        dilation: an int or ``(d_H, d_W)`` (default 1).
        groups: independent channel groups (default 1); both channel counts must be
            divisible by it. ``groups = in_channels`` is a depthwise convolution.
        bias: learn one bias per output channel (default ``True``).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or
            ``'circular'``.
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's addition:
            torch draws from its global generator).

    Initialization (torch's): ``weight`` by ``kaiming_uniform_(a=sqrt(5))``, i.e.
    $U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})$ with $\text{fan\_in} =
    C_\text{in}/\text{groups} \cdot k_H k_W$, and ``bias`` from the same interval.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output
        ``(N, C_out, H_out, W_out)`` with $H_\text{out} = \lfloor (H + 2p - d(k-1) -
        1)/s \rfloor + 1$; ``weight`` ``(C_out, C_in / groups, kH, kW)``, ``bias``
        ``(C_out,)``.

    PyTorch equivalent: ``torch.nn.Conv2d``; ``state_dict`` keys ``weight``, ``bias``.
    Differences from PyTorch: no ``device`` argument; argument errors are
    ``ValueError``/``TypeError`` naming the argument.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = (
            conv2d_layer_arguments(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                dilation,
                groups,
                padding_mode,
            )
        )
        check_float_dtype("dtype", dtype)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(
            np.empty(
                (out_channels, in_channels // groups, *self.kernel_size), dtype=dtype
            )
        )
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's default initialization: uniform in ``±1/sqrt(fan_in)``,
        ``fan_in = C_in/groups * kH * kW``."""
        rng = generator if generator is not None else np.random.default_rng()
        # kaiming_uniform_ with a = sqrt(5):
        # bound = sqrt(6 / ((1 + a^2) fan_in)) = 1 / sqrt(fan_in)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def _explicit_padding(self, input: np.ndarray):
        """For ``padding_mode`` other than ``'zeros'``: the padded input and the index
        maps used."""
        padding = resolve_padding(
            self.padding, self.kernel_size, self.stride, self.dilation
        )
        check_padding_fits(padding, self.padding_mode, input.shape[-2:])
        top, bottom, left, right = padding
        H, W = input.shape[-2:]
        rows = _pad_index(H, top, bottom, self.padding_mode)  # (H_p,)
        cols = _pad_index(W, left, right, self.padding_mode)  # (W_p,)
        return input[..., rows[:, None], cols[None, :]], rows, cols  # (..., H_p, W_p)

    def forward(self, input: np.ndarray) -> np.ndarray:
        bias = self.bias.data if self.bias is not None else None
        if self.padding_mode == "zeros":
            self._save(input=input, rows=None, cols=None, size=None)
            return conv2d(
                input,
                self.weight.data,
                bias,
                self.stride,
                self.padding,
                self.dilation,
                self.groups,
            )
        check_floating("input", input)
        batched("input", input)  # 3-D or 4-D, checked before indexing
        padded, rows, cols = self._explicit_padding(input)
        self._save(input=padded, rows=rows, cols=cols, size=input.shape[-2:])
        return conv2d(
            padded, self.weight.data, bias, self.stride, 0, self.dilation, self.groups
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, rows, cols, size = self._saved("input", "rows", "cols", "size")
        bias = self.bias.data if self.bias is not None else None
        padding = self.padding if rows is None else 0
        grad_input, grad_weight, grad_bias = conv2d_backward(
            grad_output,
            input,
            self.weight.data,
            bias,
            self.stride,
            padding,
            self.dilation,
            self.groups,
        )
        self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        if rows is not None:
            # undo the explicit padding: each input pixel gets the gradients of all its
            # copies, dL/dx[h, w] = sum of dL/dx_p[a, b] over rows[a] = h, cols[b] = w
            # (a scatter-add, so a NaN or inf in one copy's gradient reaches only the
            # pixel it copied, as in torch)
            # (..., H, W)
            grad_x = np.zeros(
                grad_input.shape[:-2] + tuple(size), dtype=grad_input.dtype
            )
            # inf + -inf = NaN, as in torch: silently
            with np.errstate(invalid="ignore"):
                np.add.at(grad_x, (..., rows[:, None], cols[None, :]), grad_input)
            grad_input = grad_x
        return grad_input

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
