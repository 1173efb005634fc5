"""`Conv2d` as a ``torch.nn.Module`` built on our ``conv2d`` (unfold and matmul)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlref._checks import check_torch_float_dtype
from dlref._geometry import (
    batched,
    check_padding_fits,
    conv2d_layer_arguments,
    resolve_padding,
)
from dlref.torch.functional.conv import _check_tensor, conv2d


class Conv2d(nn.Module):
    r"""2-D convolution layer: ``out_channels`` learned kernels slid over the input.

    $$
    y_{n,o} = b_o + \sum_{c} w_{o,c} \star x_{n,c}
    $$

    with $\star$ the 2-D cross-correlation of `dlref.torch.functional.conv2d`.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output (number of kernels).
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or ``(s_H, s_W)`` (default 1).
        padding: an int, ``(p_H, p_W)``, ``'valid'`` or ``'same'`` (default 0).
        dilation: an int or ``(d_H, d_W)`` (default 1).
        groups: independent channel groups (default 1).
        bias: learn one bias per output channel (default ``True``).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or
            ``'circular'``.
        device: where the parameters live (default: torch's default device).
        dtype: parameter dtype (default: torch's default dtype, float32).

    Initialization (torch's, drawn from torch's global generator in the same order, so
    ``torch.manual_seed`` gives the same weights as ``torch.nn.Conv2d``): ``weight`` by
    ``kaiming_uniform_(a=sqrt(5))``, i.e. $U(-1/\sqrt{\text{fan\_in}},
    1/\sqrt{\text{fan\_in}})$ with $\text{fan\_in} = C_\text{in}/\text{groups} \cdot k_H
    k_W$, and ``bias`` from the same interval.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output
        ``(N, C_out, H_out, W_out)``; ``weight`` ``(C_out, C_in / groups, kH, kW)``;
        ``bias`` ``(C_out,)``.

    PyTorch equivalent: ``torch.nn.Conv2d``, same parameter names and ``state_dict``
    keys. Differences from PyTorch: argument errors are ``ValueError``/``TypeError``
    naming the argument.
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
        device=None,
        dtype=None,
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
        check_torch_float_dtype("dtype", dtype)
        factory_kwargs = {"device": device, "dtype": dtype}
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = nn.Parameter(
            torch.empty(
                (out_channels, in_channels // groups, *self.kernel_size),
                **factory_kwargs,
            )
        )
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, **factory_kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's default initialization: uniform in ``±1/sqrt(fan_in)``,
        ``fan_in = C_in/groups * kH * kW``."""
        # kaiming_uniform_ with a = sqrt(5):
        # bound = sqrt(6 / ((1 + a^2) fan_in)) = 1 / sqrt(fan_in)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.weight.shape[2] * self.weight.shape[3]
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if self.padding_mode == "zeros":
            return conv2d(
                input,
                self.weight,
                self.bias,
                self.stride,
                self.padding,
                self.dilation,
                self.groups,
            )
        _check_tensor("input", input)
        batched("input", input)  # 3-D or 4-D, checked before padding
        padding = resolve_padding(
            self.padding, self.kernel_size, self.stride, self.dilation
        )
        check_padding_fits(padding, self.padding_mode, input.shape[-2:])
        top, bottom, left, right = padding
        # (..., H_p, W_p)
        padded = F.pad(input, (left, right, top, bottom), mode=self.padding_mode)
        return conv2d(
            padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups
        )

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
