"""`ConvTranspose2d`: the transposed convolution layer (upsampling, learned kernels)."""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_float_dtype, check_floating
from dlref._geometry import (
    batched,
    conv_transpose2d_layer_arguments,
    output_padding_for_size,
)
from dlref.numpy.functional.conv_transpose import (
    conv_transpose2d,
    conv_transpose2d_backward,
)
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter


class ConvTranspose2d(Module):
    r"""2-D transposed convolution layer: each input pixel stamps learned kernels.

    $$
    y_{n,o} = b_o + \sum_{c} w_{c,o} \star^\top x_{n,c}
    $$

    where $\star^\top$ is the transposed convolution of `conv_transpose2d`: the adjoint
    (input gradient) of a `Conv2d` with the same weight and arguments. With ``stride``
    $s > 1$ it upsamples, the usual decoder step of autoencoders and GAN generators:
    $H_\text{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$.

    Args:
        in_channels: channels of the input, $C_\text{in}$.
        out_channels: channels of the output, $C_\text{out}$.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or ``(s_H, s_W)`` (default 1).
        padding: an int or ``(p_H, p_W)``, cut off each border of the output
            (default 0).
        output_padding: an int or a pair added at the bottom and right of the output
            (default 0); smaller than ``stride`` or ``dilation`` in each dimension.
        groups: independent channel groups (default 1); both channel counts must be
            divisible by it.
        bias: learn one bias per output channel (default ``True``).
        dilation: an int or ``(d_H, d_W)`` (default 1).
        padding_mode: ``'zeros'`` only (as in torch).
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's addition:
            torch draws from its global generator).

    Initialization (torch's, the formula of `Conv2d` on this layout): ``weight`` by
    ``kaiming_uniform_(a=sqrt(5))``, i.e. $U(-1/\sqrt{\text{fan\_in}},
    1/\sqrt{\text{fan\_in}})$ with
    $\text{fan\_in} = \text{weight.shape[1]} \cdot k_H k_W
    = C_\text{out}/\text{groups} \cdot k_H k_W$ (torch computes the fan from the
    weight's second dimension), and ``bias`` from the same interval.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output
        ``(N, C_out, H_out, W_out)`` with
        $H_\text{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$;
        ``weight`` ``(C_in, C_out / groups, kH, kW)``, ``bias`` ``(C_out,)``.

    PyTorch equivalent: ``torch.nn.ConvTranspose2d``; ``state_dict`` keys ``weight``,
    ``bias``; ``forward(input, output_size=None)`` as torch's: ``output_size``
    (``(H_out, W_out)`` or the whole output shape) picks the output padding for that
    call.

    Differences from PyTorch: no ``device`` argument; argument errors are
    ``ValueError``/``TypeError`` naming the argument, and the ``output_padding`` rule
    is checked by the constructor (torch checks it at the first forward).
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
        dtype=np.float32,
        generator: np.random.Generator | None = None,
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
        check_float_dtype("dtype", dtype)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        # (C_in, C_out / groups, kH, kW): the layout of the convolution it is adjoint to
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's init: uniform in ``±1/sqrt(fan_in)``, fan_in from weight.shape[1]."""
        rng = generator if generator is not None else np.random.default_rng()
        # kaiming_uniform_ with a = sqrt(5): bound = sqrt(6 / ((1 + a^2) fan_in))
        #                                         = 1 / sqrt(fan_in)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: np.ndarray, output_size=None) -> np.ndarray:
        output_padding = self.output_padding
        if output_size is not None:
            check_floating("input", input)
            batched("input", input)  # 3-D or 4-D, checked before reading its size
            output_padding = output_padding_for_size(
                input.shape,
                output_size,
                self.kernel_size,
                self.stride,
                self.padding,
                self.dilation,
            )
        bias = self.bias.data if self.bias is not None else None
        y = conv_transpose2d(
            input,
            self.weight.data,
            bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )
        self._save(input=input, output_padding=output_padding)
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, output_padding = self._saved("input", "output_padding")
        bias = self.bias.data if self.bias is not None else None
        grad_input, grad_weight, grad_bias = conv_transpose2d_backward(
            grad_output,
            input,
            self.weight.data,
            bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )
        self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        return grad_input

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
