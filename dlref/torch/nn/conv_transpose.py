"""`ConvTranspose2d` as a ``torch.nn.Module`` built on our ``conv_transpose2d``."""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref._checks import check_torch_float_dtype
from dlref._geometry import (
    batched,
    conv_transpose2d_layer_arguments,
    output_padding_for_size,
)
from dlref.torch.functional.conv import _check_tensor
from dlref.torch.functional.conv_transpose import conv_transpose2d


class ConvTranspose2d(nn.Module):
    r"""2-D transposed convolution layer: each input pixel stamps learned kernels.

    $$
    y_{n,o} = b_o + \sum_{c} w_{c,o} \star^\top x_{n,c}
    $$

    with $\star^\top$ the transposed convolution of
    `dlref.torch.functional.conv_transpose2d`, the adjoint of a convolution with the
    same weight; with stride $s > 1$ it upsamples.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or ``(s_H, s_W)`` (default 1).
        padding: an int or ``(p_H, p_W)``, cut off each border of the output
            (default 0).
        output_padding: an int or a pair added at the bottom and right (default 0);
            smaller than ``stride`` or ``dilation`` in each dimension.
        groups: independent channel groups (default 1).
        bias: learn one bias per output channel (default ``True``).
        dilation: an int or ``(d_H, d_W)`` (default 1).
        padding_mode: ``'zeros'`` only (as in torch).
        device: where the parameters live (default: torch's default device).
        dtype: parameter dtype (default: torch's default dtype, float32).

    Initialization (torch's, drawn from torch's global generator in the same order, so
    ``torch.manual_seed`` gives the weights of ``torch.nn.ConvTranspose2d``): ``weight``
    by ``kaiming_uniform_(a=sqrt(5))``, $U(-1/\sqrt{\text{fan\_in}},
    1/\sqrt{\text{fan\_in}})$ with $\text{fan\_in} = C_\text{out}/\text{groups} \cdot
    k_H k_W$ (the weight's second dimension), and ``bias`` from the same interval.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output
        ``(N, C_out, H_out, W_out)`` with
        $H_\text{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$;
        ``weight`` ``(C_in, C_out / groups, kH, kW)``; ``bias`` ``(C_out,)``.

    PyTorch equivalent: ``torch.nn.ConvTranspose2d``, same parameter names and
    ``state_dict`` keys, and ``forward(input, output_size=None)``.

    Differences from PyTorch: argument errors are ``ValueError``/``TypeError`` naming
    the argument; the ``output_padding`` rule is checked by the constructor (torch
    checks it at the first forward).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        (
            self.kernel_size,
            self.stride,
            self.padding,
            self.output_padding,
            self.dilation,
        ) = conv_transpose2d_layer_arguments(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            dilation,
            padding_mode,
        )
        check_torch_float_dtype("dtype", dtype)
        factory_kwargs = {"device": device, "dtype": dtype}
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        # (C_in, C_out / groups, kH, kW): the layout of the convolution it is adjoint to
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = nn.Parameter(torch.empty(shape, **factory_kwargs))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, **factory_kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's init: uniform in ``±1/sqrt(fan_in)``, fan_in from weight.shape[1]."""
        # kaiming_uniform_ with a = sqrt(5): bound = sqrt(6 / ((1 + a^2) fan_in))
        #                                         = 1 / sqrt(fan_in)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            # fan_in = weight.shape[1] * kH * kW = C_out / groups * kH * kW
            fan_in = self.weight.shape[1] * self.weight.shape[2] * self.weight.shape[3]
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: torch.Tensor, output_size=None) -> torch.Tensor:
        output_padding = self.output_padding
        if output_size is not None:
            _check_tensor("input", input)
            batched("input", input)  # 3-D or 4-D, checked before reading its size
            output_padding = output_padding_for_size(
                tuple(input.shape),
                output_size,
                self.kernel_size,
                self.stride,
                self.padding,
                self.dilation,
            )
        return conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
