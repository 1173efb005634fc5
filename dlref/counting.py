r"""Parameter and operation counts of convolution and linear layers, from their
formulas.

What is counted, stated once for every function here:

* **Parameters**: the number of learnable scalars (weights plus biases).
* **MACs** (multiply-accumulates, also called multiply-adds or "Mult-Adds", as in the
  MobileNet papers): one multiplication of a weight by an input value, added into an
  accumulator. A convolution output element computed from $K$ weights costs $K$ MACs.
* **FLOPs** (floating-point operations): $2 \times$ MACs, counting the multiply and the
  add separately. This is the convention of ``torch.utils.flop_counter`` and of most
  papers that say "FLOPs". It is exact for a layer with bias ($K$ products, $K - 1$
  additions to sum them, one more to add the bias); without bias the true count is one
  less per output element. Bias additions, activations, pooling and normalization are
  not counted.

Operation counts are **per example** (one image, one input vector): multiply by the
batch size for a batch.

For a 2-D convolution with $C_{in}$ input and $C_{out}$ output channels, a
$k_H \times k_W$ kernel, $g$ groups and an $H_{out} \times W_{out}$ output:

$$\text{parameters} = C_{out} \cdot \frac{C_{in}}{g} \cdot k_H k_W +
C_{out}\ [\text{bias}]$$

$$\text{MACs} = H_{out} W_{out} \cdot C_{out} \cdot \frac{C_{in}}{g} \cdot k_H k_W$$

`count_parameters` counts the parameters of a ``dlref.numpy.nn`` or a ``torch.nn``
module, so the formulas can be checked against real layers.
"""

from __future__ import annotations

from dlref._checks import check_bool, check_positive_int
from dlref._geometry import check_groups, conv_output_length, pair, resolve_padding

__all__ = [
    "conv2d_output_size",
    "conv2d_parameters",
    "conv2d_macs",
    "conv2d_flops",
    "linear_parameters",
    "linear_macs",
    "linear_flops",
    "count_parameters",
]


def conv2d_output_size(
    input_size, kernel_size, stride=1, padding=0, dilation=1
) -> tuple[int, int]:
    r"""Output height and width of a 2-D convolution (torch's formula).

    $$H_{out} = \left\lfloor \frac{H + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$$

    Args:
        input_size: ``H`` or ``(H, W)``.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or ``(s_H, s_W)``.
        dilation: an int or ``(d_H, d_W)``.
        padding: an int, a pair, ``'valid'`` (no padding) or ``'same'`` (output size =
            input size; stride 1 only, as in torch).

    Returns:
        ``(H_out, W_out)``. Raises ``ValueError`` when the kernel does not fit.
    """
    H, W = pair("input_size", input_size, 1)
    k = pair("kernel_size", kernel_size, 1)
    s = pair("stride", stride, 1)
    d = pair("dilation", dilation, 1)
    top, bottom, left, right = resolve_padding(padding, k, s, d)
    out = (
        conv_output_length(H, k[0], s[0], top + bottom, d[0]),
        conv_output_length(W, k[1], s[1], left + right, d[1]),
    )
    if out[0] < 1 or out[1] < 1:
        raise ValueError(
            f"kernel_size={kernel_size!r} (dilation={dilation!r}) does not fit the "
            f"input {H}x{W} with padding={padding!r}"
        )
    return out


def conv2d_parameters(
    in_channels: int, out_channels: int, kernel_size, groups: int = 1, bias: bool = True
) -> int:
    r"""Number of learnable scalars of ``torch.nn.Conv2d`` with these arguments.

    $$C_{out} \cdot \frac{C_{in}}{g} \cdot k_H k_W + C_{out}\ [\text{if bias}]$$

    Each of the $C_{out}$ filters sees only the $C_{in}/g$ channels of its group.
    Special cases: $g = 1$ is the ordinary convolution; $g = C_{in} = C_{out}$ is the
    depthwise convolution ($C \cdot k_H k_W$ weights); $k = 1$ is the pointwise (1x1)
    convolution ($C_{out} C_{in}$ weights, as a ``Linear`` over channels).

    Args:
        in_channels: $C_{in}$ (divisible by ``groups``).
        out_channels: $C_{out}$ (divisible by ``groups``).
        kernel_size: an int or ``(kH, kW)``.
        groups: $g$ (default 1).
        bias: count the $C_{out}$ biases (default ``True``, as torch).

    Returns:
        The parameter count, an int.
    """
    check_groups(in_channels, out_channels, groups)
    kH, kW = pair("kernel_size", kernel_size, 1)
    check_bool("bias", bias)
    # C_out * (C_in / g) * kH * kW weights, + C_out biases
    return out_channels * (in_channels // groups) * kH * kW + (
        out_channels if bias else 0
    )


def conv2d_macs(
    in_channels: int,
    out_channels: int,
    kernel_size,
    input_size,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> int:
    r"""Multiply-accumulates of one 2-D convolution on one image.

    $$\text{MACs} = H_{out} W_{out} \cdot C_{out} \cdot \frac{C_{in}}{g} \cdot k_H k_W$$

    every output element (there are $H_{out} W_{out} C_{out}$) is a dot product of its
    filter's $\frac{C_{in}}{g} k_H k_W$ weights with the input values under it.

    Args:
        in_channels: $C_{in}$ (divisible by ``groups``).
        out_channels: $C_{out}$ (divisible by ``groups``).
        kernel_size: an int or ``(kH, kW)``.
        input_size: ``H`` or ``(H, W)`` of the input.
        stride: an int or a pair (default 1).
        padding: an int, a pair, ``'valid'`` or ``'same'`` (default 0).
        dilation: an int or a pair (default 1).
        groups: $g$ (default 1).

    Returns:
        The MAC count per image, an int.
    """
    check_groups(in_channels, out_channels, groups)
    kH, kW = pair("kernel_size", kernel_size, 1)
    H_out, W_out = conv2d_output_size(
        input_size, kernel_size, stride, padding, dilation
    )
    # H_out W_out C_out (C_in / g) kH kW
    return H_out * W_out * out_channels * (in_channels // groups) * kH * kW


def conv2d_flops(
    in_channels: int,
    out_channels: int,
    kernel_size,
    input_size,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> int:
    r"""Floating-point operations of one 2-D convolution on one image: $2 \times$
    `conv2d_macs`.

    A multiply-add counts as two operations (the convention of
    ``torch.utils.flop_counter.FlopCounterMode``); the bias is not counted.

    Args:
        in_channels: $C_{in}$.
        out_channels: $C_{out}$.
        kernel_size: an int or ``(kH, kW)``.
        input_size: ``H`` or ``(H, W)`` of the input.
        stride: an int or a pair (default 1).
        padding: an int, a pair, ``'valid'`` or ``'same'`` (default 0).
        dilation: an int or a pair (default 1).
        groups: $g$ (default 1).

    Returns:
        The FLOP count per image, an int.
    """
    return 2 * conv2d_macs(
        in_channels,
        out_channels,
        kernel_size,
        input_size,
        stride,
        padding,
        dilation,
        groups,
    )


def linear_parameters(in_features: int, out_features: int, bias: bool = True) -> int:
    r"""Number of learnable scalars of ``torch.nn.Linear``: $n_{out} n_{in} + n_{out}$
    (with bias)."""
    check_positive_int("in_features", in_features)
    check_positive_int("out_features", out_features)
    check_bool("bias", bias)
    return out_features * in_features + (out_features if bias else 0)


def linear_macs(in_features: int, out_features: int) -> int:
    r"""Multiply-accumulates of ``torch.nn.Linear`` on one input vector:
    $n_{out} n_{in}$."""
    check_positive_int("in_features", in_features)
    check_positive_int("out_features", out_features)
    return out_features * in_features


def linear_flops(in_features: int, out_features: int) -> int:
    r"""Floating-point operations of ``torch.nn.Linear`` on one input vector:
    $2\, n_{out} n_{in}$."""
    return 2 * linear_macs(in_features, out_features)


def count_parameters(module, trainable_only: bool = False) -> int:
    """Number of learnable scalars of a ``dlref.numpy.nn`` or a ``torch.nn`` module.

    Sums the sizes of ``module.parameters()``; a parameter shared by several layers
    (tied weights) is counted once, because ``parameters()`` yields it once in both
    libraries.

    Args:
        module: anything with a ``parameters()`` method yielding ``dlref`` ``Parameter``
            objects (``.data`` a NumPy array) or torch tensors.
        trainable_only: count only parameters with ``requires_grad`` set.

    Returns:
        The total, an int.

    PyTorch idiom it replaces: ``sum(p.numel() for p in model.parameters())``.
    """
    if not hasattr(module, "parameters"):
        raise TypeError(
            f"module must have a parameters() method, got {type(module).__name__}"
        )
    check_bool("trainable_only", trainable_only)
    total = 0
    for param in module.parameters():
        if trainable_only and not getattr(param, "requires_grad", True):
            continue
        # torch tensors have numel(); dlref Parameters hold a NumPy array in .data
        total += int(param.numel()) if hasattr(param, "numel") else int(param.data.size)
    return total
