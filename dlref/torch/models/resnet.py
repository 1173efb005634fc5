r"""Residual networks: the blocks, torchvision's `ResNet`, and a small `DigitsResNet`.

A residual block computes $y = \sigma(\mathcal F(x) + x)$: a few layers $\mathcal F$
(the *residual branch*) whose output is added to the block's input carried unchanged by
the *shortcut*. The blocks here are

* `BasicBlock`: $\mathcal F$ = conv3x3-BN-ReLU-conv3x3-BN (ResNet-18/34);
* `Bottleneck`: $\mathcal F$ = conv1x1-BN-ReLU-conv3x3-BN-ReLU-conv1x1-BN, stride on the
  3x3 conv as in torchvision ("ResNet V1.5"); with ``groups > 1`` it is ResNeXt's block;
* `PreActBlock`: BN-ReLU-conv3x3-BN-ReLU-conv3x3 with no ReLU after the addition
  (He et al. 2016, "Identity mappings");
* `PlainBlock`: `BasicBlock` without the shortcut, the control of the degradation
  experiment.

`ResNet` is laid out like ``torchvision.models.ResNet`` (same modules, ``state_dict``
keys, initialization and parameter counts: 11,689,512 for ResNet-18, 25,557,032 for
ResNet-50). The layers are ``torch.nn`` layers by default; ``norm_layer`` and
``conv_layer`` accept dlref's own ``BatchNorm2d`` and ``Conv2d``. The factories
(`resnet18` ... `wide_resnet50_2`) build untrained networks: unlike torchvision's they
take no ``weights`` (nothing is downloaded), only ``num_classes`` and
``zero_init_residual``.

References:
    He, Zhang, Ren, Sun (2016), Deep residual learning for image recognition, CVPR,
    https://arxiv.org/abs/1512.03385.
    He, Zhang, Ren, Sun (2016), Identity mappings in deep residual networks, ECCV,
    https://arxiv.org/abs/1603.05027.
    Xie, Girshick, Dollár, Tu, He (2017), Aggregated residual transformations for deep
    neural networks (ResNeXt), CVPR, https://arxiv.org/abs/1611.05431.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

from dlref._checks import check_bool, check_positive_int, shape_of
from dlref.torch.nn.conv import Conv2d as DlrefConv2d
from dlref.torch.nn.normalization import BatchNorm2d as DlrefBatchNorm2d

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "PreActBlock",
    "PlainBlock",
    "ResNet",
    "DigitsResNet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "wide_resnet50_2",
]


def _check_class(name: str, value, base: type) -> None:
    """Raise TypeError unless ``value`` is a subclass of ``base`` (a class, not an
    instance)."""
    if not (isinstance(value, type) and issubclass(value, base)):
        raise TypeError(
            f"{name} must be a subclass of {base.__module__}.{base.__qualname__}, "
            f"got {value!r}"
        )


def _layer_types(norm_layer, conv_layer) -> tuple:
    """Fill in torch's defaults and check what came."""
    norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
    conv_layer = nn.Conv2d if conv_layer is None else conv_layer
    # a class or a function that makes a layer;
    # a layer itself (an nn.Module instance) is callable too
    if not callable(norm_layer) or isinstance(norm_layer, nn.Module):
        raise TypeError(
            "norm_layer must be a class or function making a normalization layer "
            f"from a channel count (e.g. torch.nn.BatchNorm2d), got {norm_layer!r}"
        )
    _check_class("conv_layer", conv_layer, nn.Module)
    return norm_layer, conv_layer


def _layer(name: str, factory, *args, **kwargs) -> nn.Module:
    """``factory(*args, **kwargs)``, an ``nn.Module``; a TypeError names the argument
    that gave the factory."""
    try:
        layer = factory(*args, **kwargs)
    except TypeError as error:
        raise TypeError(
            f"{name} {factory!r} cannot be called as {name}(*{args}, **{kwargs}): "
            f"{error}"
        ) from None
    if not isinstance(layer, nn.Module):
        raise TypeError(
            f"{name} must make an nn.Module, got {type(layer).__name__} from "
            f"{factory!r}"
        )
    return layer


def _norm(norm_layer, channels: int) -> nn.Module:
    """``norm_layer(channels)``, checked."""
    return _layer("norm_layer", norm_layer, channels)


def _check_downsample(downsample) -> None:
    if downsample is not None and not isinstance(downsample, nn.Module):
        raise TypeError(
            "downsample must be None or an nn.Module (the projection shortcut), got "
            f"{downsample!r}"
        )


def _check_shortcut(shortcut: torch.Tensor, out: torch.Tensor) -> None:
    """The shortcut must match the residual branch's output, or the sum would broadcast
    or fail."""
    if shortcut.shape != out.shape:
        raise ValueError(
            "downsample must map the block's input to the residual branch's output "
            f"shape {shape_of(out)}, got {shape_of(shortcut)}"
        )


def _check_block_args(inplanes, planes, stride, groups, base_width, dilation) -> None:
    """Every block's size arguments are positive ints."""
    for name, value in (
        ("inplanes", inplanes),
        ("planes", planes),
        ("stride", stride),
        ("groups", groups),
        ("base_width", base_width),
        ("dilation", dilation),
    ):
        check_positive_int(name, value)


def _check_plain_widths(block: str, groups, base_width, dilation) -> None:
    """Blocks built on BasicBlock's two 3x3 convolutions have no grouped, wide or
    dilated form."""
    if groups != 1 or base_width != 64 or dilation != 1:
        raise ValueError(
            f"{block} only supports groups=1, base_width=64 and dilation=1, got "
            f"groups={groups}, base_width={base_width}, dilation={dilation}"
        )


def conv3x3(
    in_planes: int,
    out_planes: int,
    stride: int = 1,
    groups: int = 1,
    dilation: int = 1,
    conv_layer: type = nn.Conv2d,
) -> nn.Module:
    """3x3 convolution, padding equal to the dilation (so stride 1 keeps H and W), no
    bias (a BN follows)."""
    return _layer(
        "conv_layer",
        conv_layer,
        in_planes,
        out_planes,
        kernel_size=3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def conv1x1(
    in_planes: int, out_planes: int, stride: int = 1, conv_layer: type = nn.Conv2d
) -> nn.Module:
    """1x1 convolution, no bias: mixes channels at each position (and subsamples when
    ``stride > 1``)."""
    return _layer(
        "conv_layer",
        conv_layer,
        in_planes,
        out_planes,
        kernel_size=1,
        stride=stride,
        bias=False,
    )


class BasicBlock(nn.Module):
    r"""The residual block of ResNet-18 and ResNet-34: two 3x3 convolutions and a
    shortcut.

    $$
    y = \operatorname{ReLU}\big(\mathcal F(x) + s(x)\big), \qquad
    \mathcal F(x) = \operatorname{BN}_2\big(W_2 *
    \operatorname{ReLU}(\operatorname{BN}_1(W_1 * x))\big)
    $$

    with $s(x) = x$ (identity shortcut) when ``downsample`` is ``None``, and
    $s(x) = \operatorname{BN}(W_s * x)$ (a 1x1 projection with the block's stride) when
    the shape changes. $\mathcal F$ is nonlinear (a ReLU between the convolutions) and
    has no bias in its convolutions: each BN's shift plays that role.

    Args:
        inplanes: channels of the input.
        planes: channels of the output (``expansion = 1``).
        stride: stride of the first 3x3 convolution (2 halves H and W).
        downsample: the projection shortcut, a module mapping ``(N, inplanes, H, W)`` to
            the output's shape; ``None`` for the identity (then ``inplanes == planes``
            and ``stride == 1``).
        groups: must be 1 (grouped convolutions are the `Bottleneck`'s).
        base_width: must be 64.
        dilation: dilation of the 3x3 convolutions (padding follows it); must be 1, as
            in torchvision.
        norm_layer: the normalization class, called as ``norm_layer(channels)`` (default
            ``torch.nn.BatchNorm2d``).
        conv_layer: the convolution class (default ``torch.nn.Conv2d``;
            ``dlref.torch.nn.Conv2d`` works).

    Shape:
        input ``(N, inplanes, H, W)``; output ``(N, planes, H', W')`` with
        $H' = \lfloor (H - 1)/\text{stride} \rfloor + 1$ (the same for $W'$).

    PyTorch equivalent: ``torchvision.models.resnet.BasicBlock`` (same submodule names:
    ``conv1, bn1, relu, conv2, bn2, downsample``).

    References: He et al. (2016), Deep residual learning for image recognition, Fig. 2
    and 5 (left).

    Differences from torchvision: ``conv_layer`` is an addition; ``dilation > 1`` raises
    ``ValueError`` (torchvision: ``NotImplementedError``); arguments are checked, and so
    are ``forward``'s input (shape, channels, dtype) and the shortcut's shape.
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block_args(inplanes, planes, stride, groups, base_width, dilation)
        _check_downsample(downsample)
        if groups != 1 or base_width != 64:
            raise ValueError(
                "BasicBlock only supports groups=1 and base_width=64, got "
                f"groups={groups} and base_width={base_width}; use Bottleneck for "
                "grouped (ResNeXt) or wide blocks"
            )
        if dilation > 1:
            raise ValueError(
                f"BasicBlock only supports dilation=1, got dilation={dilation}"
            )
        if downsample is None and (stride != 1 or inplanes != planes):
            raise ValueError(
                "an identity shortcut needs stride=1 and inplanes == planes, got "
                f"stride={stride}, inplanes={inplanes}, planes={planes}: pass a "
                "downsample (projection) module"
            )
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self.inplanes = inplanes  # channels the input must have
        # residual branch F: conv3x3 (stride) - BN - ReLU - conv3x3 - BN
        self.conv1 = conv3x3(inplanes, planes, stride, conv_layer=conv_layer)
        self.bn1 = _norm(norm_layer, planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, conv_layer=conv_layer)
        self.bn2 = _norm(norm_layer, planes)
        # shortcut s: identity (None) or projection
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.inplanes, self.conv1.weight.dtype)
        # s(x): the input itself, or its 1x1 projection when the shape changes
        identity = x if self.downsample is None else self.downsample(x)

        # F(x) = BN2(conv2(ReLU(BN1(conv1(x)))))
        out = self.conv1(x)  # (N, planes, H', W')
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)

        # y = ReLU(F(x) + s(x))
        _check_shortcut(identity, out)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    r"""The residual block of ResNet-50/101/152 and, with ``groups > 1``, of ResNeXt.

    $$
    y = \operatorname{ReLU}\big(\mathcal F(x) + s(x)\big), \qquad
    \mathcal F = \operatorname{BN}_3 \circ W_3^{1\times1} \circ \operatorname{ReLU}
    \circ \operatorname{BN}_2
    \circ W_2^{3\times3,\,\text{stride},\,\text{groups}}
    \circ \operatorname{ReLU} \circ \operatorname{BN}_1 \circ W_1^{1\times1}
    $$

    The first 1x1 convolution reduces the channels to $\text{width} = \lfloor
    \text{planes} \cdot \text{base\_width} / 64 \rfloor \cdot \text{groups}$, the 3x3
    convolution works at that width (in ``groups`` independent groups), and the last 1x1
    convolution expands to ``planes * 4`` channels. The stride sits on the 3x3
    convolution ("ResNet V1.5", torchvision's choice; the original paper put it on the
    first 1x1, which skips three quarters of the input positions).

    Args:
        inplanes: channels of the input.
        planes: the stage's base width; the output has ``planes * expansion`` (= 4
            planes) channels.
        stride: stride of the 3x3 convolution.
        downsample: the projection shortcut, or ``None`` for the identity
            (then ``inplanes == 4 * planes`` and ``stride == 1``).
        groups: groups of the 3x3 convolution (ResNeXt's *cardinality*).
        base_width: channels per group at ``planes = 64`` (64 for ResNet, 4 for
            ResNeXt-50 32x4d, 128 for Wide ResNet-50-2).
        dilation: dilation (and padding) of the 3x3 convolution.
        norm_layer: normalization class, ``norm_layer(channels)`` (default
            ``torch.nn.BatchNorm2d``).
        conv_layer: convolution class (default ``torch.nn.Conv2d``).

    Shape:
        input ``(N, inplanes, H, W)``; output ``(N, 4 * planes, H', W')``,
        $H' = \lfloor (H - 1)/\text{stride} \rfloor + 1$.

    PyTorch equivalent: ``torchvision.models.resnet.Bottleneck`` (submodules ``conv1,
    bn1, conv2, bn2, conv3, bn3, relu, downsample``).

    References: He et al. (2016), Fig. 5 (right); Xie et al. (2017), ResNeXt, Fig. 3(c).

    Differences from torchvision: ``conv_layer`` is an addition; arguments are checked,
    and so are ``forward``'s input (shape, channels, dtype) and the shortcut's shape.
    """

    expansion: int = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block_args(inplanes, planes, stride, groups, base_width, dilation)
        _check_downsample(downsample)
        # width = floor(planes * base_width / 64) * groups:
        # channels of the 3x3 convolution
        width = int(planes * (base_width / 64.0)) * groups
        if width == 0:
            raise ValueError(
                "planes * base_width / 64 must be >= 1 (the 3x3 convolution's width "
                f"per group), got planes={planes}, base_width={base_width}"
            )
        if downsample is None and (stride != 1 or inplanes != planes * self.expansion):
            raise ValueError(
                "an identity shortcut needs stride=1 and inplanes == planes * 4, "
                f"got stride={stride}, inplanes={inplanes}, planes={planes}: pass a "
                "downsample (projection) module"
            )
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self.inplanes = inplanes  # channels the input must have
        # residual branch F:
        # 1x1 reduce - 3x3 (stride, groups) - 1x1 expand, each followed by BN
        self.conv1 = conv1x1(inplanes, width, conv_layer=conv_layer)
        self.bn1 = _norm(norm_layer, width)
        self.conv2 = conv3x3(
            width, width, stride, groups, dilation, conv_layer=conv_layer
        )
        self.bn2 = _norm(norm_layer, width)
        self.conv3 = conv1x1(width, planes * self.expansion, conv_layer=conv_layer)
        self.bn3 = _norm(norm_layer, planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.inplanes, self.conv1.weight.dtype)
        identity = x if self.downsample is None else self.downsample(x)

        out = self.relu(self.bn1(self.conv1(x)))  # (N, width, H, W): reduce
        # (N, width, H', W'): 3x3, stride, groups
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # (N, 4 planes, H', W'): expand

        # y = ReLU(F(x) + s(x))
        _check_shortcut(identity, out)
        out += identity
        return self.relu(out)


class PreActBlock(nn.Module):
    r"""Pre-activation residual block: BN and ReLU come *before* each convolution.

    $$
    y = x + W_2 * \operatorname{ReLU}\big(\operatorname{BN}_2\big(W_1 *
        \operatorname{ReLU}(\operatorname{BN}_1(x))\big)\big)
    $$

    Nothing follows the addition, so the shortcut path from any block to any later one
    is a pure sum: $x_L = x_l + \sum_{i=l}^{L-1} \mathcal F_i(x_i)$. When the shape
    changes, the shortcut is a 1x1 convolution (no BN) applied to the pre-activated
    input $\operatorname{ReLU}(\operatorname{BN}_1(x))$, as in the authors' code. A
    network of these blocks needs a final BN-ReLU after its last block (`ResNet` and
    `DigitsResNet` add one, ``final_bn``).

    Args:
        inplanes: channels of the input (the channels ``bn1`` normalizes).
        planes: channels of the output.
        stride: stride of the first 3x3 convolution.
        downsample: the projection shortcut, applied to
            $\operatorname{ReLU}(\operatorname{BN}_1(x))$; ``None`` for the identity.
        groups: must be 1.
        base_width: must be 64.
        dilation: must be 1.
        norm_layer: normalization class (default ``torch.nn.BatchNorm2d``).
        conv_layer: convolution class (default ``torch.nn.Conv2d``).

    Shape:
        input ``(N, inplanes, H, W)``; output ``(N, planes, H', W')``.

    PyTorch equivalent: none in torch or torchvision; submodules ``bn1, relu, conv1,
    bn2, conv2, downsample``.

    References: He, Zhang, Ren, Sun (2016), Identity mappings in deep residual networks,
    Fig. 1(b) and 4(e).
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block_args(inplanes, planes, stride, groups, base_width, dilation)
        _check_downsample(downsample)
        _check_plain_widths("PreActBlock", groups, base_width, dilation)
        if downsample is None and (stride != 1 or inplanes != planes):
            raise ValueError(
                "an identity shortcut needs stride=1 and inplanes == planes, got "
                f"stride={stride}, inplanes={inplanes}, planes={planes}: pass a "
                "downsample (projection) module"
            )
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self.inplanes = inplanes  # channels the input must have
        self.bn1 = _norm(norm_layer, inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = conv3x3(inplanes, planes, stride, conv_layer=conv_layer)
        self.bn2 = _norm(norm_layer, planes)
        self.conv2 = conv3x3(planes, planes, conv_layer=conv_layer)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.inplanes, self.conv1.weight.dtype)
        # pre-activation a = ReLU(BN1(x));
        # a new tensor, so x itself is kept for the shortcut
        a = self.relu(self.bn1(x))
        # s = x (identity) or W_s * a (projection of the pre-activated input)
        shortcut = x if self.downsample is None else self.downsample(a)

        # F(x) = W2 * ReLU(BN2(W1 * a))
        out = self.conv1(a)  # (N, planes, H', W')
        out = self.conv2(self.relu(self.bn2(out)))

        # y = F(x) + s: no activation after the addition
        _check_shortcut(shortcut, out)
        return out + shortcut


class PlainBlock(nn.Module):
    r"""`BasicBlock` without its shortcut: conv3x3-BN-ReLU-conv3x3-BN-ReLU.

    $$
    y = \operatorname{ReLU}\big(\operatorname{BN}_2\big(W_2 *
        \operatorname{ReLU}(\operatorname{BN}_1(W_1 * x))\big)\big)
    $$

    The "plain" network of He et al. (2015) is a ResNet built from these: the same
    layers and parameters (less the projection shortcuts), nothing added. It is the
    control experiment for the degradation problem.

    Args:
        inplanes: channels of the input.
        planes: channels of the output.
        stride: stride of the first 3x3 convolution.
        downsample: must be ``None`` (there is no shortcut to project).
        groups: must be 1.
        base_width: must be 64.
        dilation: must be 1.
        norm_layer: normalization class (default ``torch.nn.BatchNorm2d``).
        conv_layer: convolution class (default ``torch.nn.Conv2d``).

    PyTorch equivalent: none (submodule names as `BasicBlock`'s).
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block_args(inplanes, planes, stride, groups, base_width, dilation)
        _check_downsample(downsample)
        _check_plain_widths("PlainBlock", groups, base_width, dilation)
        if downsample is not None:
            raise ValueError("PlainBlock has no shortcut: downsample must be None")
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self.inplanes = inplanes  # channels the input must have
        self.conv1 = conv3x3(inplanes, planes, stride, conv_layer=conv_layer)
        self.bn1 = _norm(norm_layer, planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, conv_layer=conv_layer)
        self.bn2 = _norm(norm_layer, planes)
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.inplanes, self.conv1.weight.dtype)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, planes, H', W')
        return self.relu(self.bn2(self.conv2(out)))  # nothing added


def _check_block(block) -> None:
    _check_class("block", block, nn.Module)
    expansion = getattr(block, "expansion", None)
    if (
        isinstance(expansion, bool)
        or not isinstance(expansion, numbers.Integral)
        or expansion < 1
    ):
        raise TypeError(
            "block must have an int class attribute 'expansion' >= 1 (as BasicBlock "
            f"and Bottleneck do), got {block.__name__}.expansion = {expansion!r}"
        )


def _check_layers(layers, n_stages: int) -> list[int]:
    if not isinstance(layers, (list, tuple)) or len(layers) != n_stages:
        raise ValueError(
            f"layers must be a list of {n_stages} ints (blocks per stage), got "
            f"{layers!r}"
        )
    for i, n in enumerate(layers):
        check_positive_int(f"layers[{i}]", n)
    return list(layers)


def _make_downsample(
    block: type,
    inplanes: int,
    outplanes: int,
    stride: int,
    norm_layer,
    conv_layer: type,
) -> nn.Module | None:
    """The projection shortcut of a stage's first block: 1x1 conv (stride) + BN, or
    ``None``.

    ``None`` when the shape is kept (the identity shortcut does) and for `PlainBlock`
    (no shortcut). A `PreActBlock` projects its already normalized input: no BN after
    the conv.
    """
    if issubclass(block, PlainBlock) or (stride == 1 and inplanes == outplanes):
        return None
    if issubclass(block, PreActBlock):
        return nn.Sequential(
            conv1x1(inplanes, outplanes, stride, conv_layer=conv_layer)
        )
    return nn.Sequential(
        conv1x1(inplanes, outplanes, stride, conv_layer=conv_layer),
        _norm(norm_layer, outplanes),
    )


def _init_weights(model: nn.Module, zero_init_residual: bool) -> None:
    """torchvision's initialization: He-normal convs (fan_out), BN weight 1 and bias 0.

    With ``zero_init_residual`` each block's residual branch starts at zero, so each
    block starts as the identity (before its final ReLU): the last BN's weight is set to
    0 (`BasicBlock`: ``bn2``, `Bottleneck`: ``bn3``; Goyal et al. 2017), or, in a
    `PreActBlock` whose last layer is a convolution, that convolution's weight.
    """
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, DlrefConv2d)):
            # W ~ N(0, 2 / fan_out), fan_out = C_out * kH * kW / groups
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif (
            isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, DlrefBatchNorm2d))
            and m.weight is not None
        ):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    if not zero_init_residual:
        return
    for m in model.modules():
        if isinstance(m, PlainBlock):
            raise ValueError(
                "zero_init_residual=True needs blocks with a shortcut: PlainBlock "
                "would output zeros"
            )
        if isinstance(m, Bottleneck) and m.bn3.weight is not None:
            nn.init.constant_(m.bn3.weight, 0)
        elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
            nn.init.constant_(m.bn2.weight, 0)
        elif isinstance(m, PreActBlock):
            nn.init.constant_(m.conv2.weight, 0)


def _check_images(x: torch.Tensor, channels: int, dtype: torch.dtype) -> None:
    """``x``: a tensor ``(N, channels, H, W)`` of the network's floating dtype
    ``dtype``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"x must have shape (N, {channels}, H, W), got {shape_of(x)}")
    if x.dtype != dtype:
        raise TypeError(
            f"x must have the network's dtype {dtype}, got {x.dtype} (convert x, or "
            "the network with .to(dtype))"
        )


class ResNet(nn.Module):
    r"""The ImageNet residual network, laid out like ``torchvision.models.ResNet``.

    Stem: conv 7x7/2 (64 channels) - BN - ReLU - max-pool 3x3/2, taking $H \times W$ to
    $\lceil H/4 \rceil \times \lceil W/4 \rceil$ (for sizes divisible by 4). Then four
    stages ``layer1``..``layer4`` of ``layers[i]`` blocks with base widths 64, 128, 256,
    512; the first block of stages 2-4 has stride 2 (halving H and W) and a projection
    shortcut, the others keep the shape and use the identity. Then global average
    pooling and a linear classifier:

    $$
    \text{logits} = W_{fc}\, \frac{1}{H_4 W_4} \sum_{h,w} x^{(4)}_{:,h,w} + b_{fc}.
    $$

    ``ResNet(BasicBlock, [2, 2, 2, 2])`` is ResNet-18 (11,689,512 parameters),
    ``[3, 4, 6, 3]`` ResNet-34; ``ResNet(Bottleneck, [3, 4, 6, 3])`` ResNet-50
    (25,557,032), ``[3, 4, 23, 3]`` ResNet-101, ``[3, 8, 36, 3]`` ResNet-152
    (60,192,808); with ``groups=32, width_per_group=4``, ResNeXt-50 32x4d (25,028,904).
    The name counts the weighted layers: $1 + (2 \text{ or } 3) \sum_i \text{layers}_i +
    1$.

    Args:
        block: the block class: `BasicBlock`, `Bottleneck`, `PreActBlock` (adds
            ``final_bn``, a BN-ReLU after ``layer4``) or `PlainBlock` (no shortcuts).
        layers: four ints, the number of blocks in each stage.
        num_classes: outputs of the final linear layer.
        zero_init_residual: start each block's residual branch at zero (the last BN
            weight of each block set to 0), so each block starts as the identity (before
            its ReLU).
        groups: groups of the 3x3 convolutions (`Bottleneck` only: ResNeXt's
            cardinality).
        width_per_group: channels per group at base width 64 (`Bottleneck` only).
        replace_stride_with_dilation: three bools, one per stage 2-4: keep the
            resolution and dilate the 3x3 convolutions instead of striding (for dense
            prediction).
        norm_layer: normalization class (default ``torch.nn.BatchNorm2d``).
        conv_layer: convolution class (default ``torch.nn.Conv2d``).

    Shape:
        input ``(N, 3, H, W)`` (any $H, W \ge 1$; 224 is the ImageNet size); output
        ``(N, num_classes)``.

    Returns:
        ``forward(x)`` returns the logits, ``(N, num_classes)``.

    Initialization (torchvision's): convolutions
    $W \sim \mathcal N(0, 2/\text{fan\_out})$, BN weight 1 and bias 0, ``fc`` torch's
    default $U(\pm 1/\sqrt{\text{fan\_in}})$.

    PyTorch equivalent: ``torchvision.models.ResNet`` and its factories ``resnet18`` ...
    (same module names and ``state_dict`` keys, so torchvision's checkpoints load).

    References: He et al. (2016), Deep residual learning for image recognition, Table 1;
    Xie et al. (2017), Aggregated residual transformations (ResNeXt);
    Goyal et al. (2017), Accurate, large minibatch SGD (zero-initialized last BN).

    Differences from torchvision: ``conv_layer`` is an addition; `PreActBlock` and
    `PlainBlock` are accepted; arguments are checked and errors are
    ``ValueError``/``TypeError`` (``replace_stride_with_dilation`` with a block other
    than `Bottleneck` raises even where no block would be dilated; ``forward`` checks
    the input's shape and dtype).
    """

    def __init__(
        self,
        block: type,
        layers: list[int],
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: list[bool] | None = None,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block(block)
        layers = _check_layers(layers, 4)
        check_positive_int("num_classes", num_classes)
        check_positive_int("groups", groups)
        check_positive_int("width_per_group", width_per_group)
        check_bool("zero_init_residual", zero_init_residual)
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if (
            not isinstance(replace_stride_with_dilation, (list, tuple))
            or len(replace_stride_with_dilation) != 3
        ):
            raise ValueError(
                f"replace_stride_with_dilation must be None or a list of 3 bools, "
                f"got {replace_stride_with_dilation!r}"
            )
        for i, dilate in enumerate(replace_stride_with_dilation):
            check_bool(f"replace_stride_with_dilation[{i}]", dilate)
        if issubclass(block, (BasicBlock, PreActBlock, PlainBlock)) and (
            groups != 1 or width_per_group != 64
        ):
            raise ValueError(
                f"{block.__name__} only supports groups=1 and width_per_group=64, "
                f"got groups={groups} and width_per_group={width_per_group}; use "
                "Bottleneck for ResNeXt or wide ResNets"
            )
        if issubclass(block, (BasicBlock, PreActBlock, PlainBlock)) and any(
            replace_stride_with_dilation
        ):
            raise ValueError(
                f"replace_stride_with_dilation needs Bottleneck: {block.__name__}'s "
                "3x3 convolutions have no dilated form, got "
                f"{replace_stride_with_dilation!r}"
            )
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self._norm_layer = norm_layer
        self._conv_layer = conv_layer
        self.inplanes = 64  # channels entering the next stage
        self.dilation = 1
        self.groups = groups
        self.base_width = width_per_group

        # stem: (N, 3, H, W) -> (N, 64, H/4, W/4)
        self.conv1 = _layer(
            "conv_layer",
            conv_layer,
            3,
            self.inplanes,
            kernel_size=7,
            stride=2,
            padding=3,
            bias=False,
        )
        self.bn1 = _norm(norm_layer, self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        # four stages; each of stages 2-4 halves H and
        # W (or dilates) and doubles the base width
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(
            block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0]
        )
        self.layer3 = self._make_layer(
            block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1]
        )
        self.layer4 = self._make_layer(
            block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2]
        )
        # pre-activation nets end with BN-ReLU (their blocks end with an addition);
        # no module otherwise
        self.final_bn = (
            _norm(norm_layer, 512 * block.expansion)
            if issubclass(block, PreActBlock)
            else nn.Identity()
        )
        # head: global average pooling, then a linear classifier
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        _init_weights(self, zero_init_residual)

    def _make_layer(
        self,
        block: type,
        planes: int,
        blocks: int,
        stride: int = 1,
        dilate: bool = False,
    ) -> nn.Sequential:
        """One stage: ``blocks`` blocks; the first may change the shape (stride,
        channels), the rest keep it."""
        previous_dilation = self.dilation
        if dilate:  # keep the resolution, widen the 3x3 kernels' reach
            self.dilation *= stride
            stride = 1
        downsample = _make_downsample(
            block,
            self.inplanes,
            planes * block.expansion,
            stride,
            self._norm_layer,
            self._conv_layer,
        )
        stage = [
            block(
                self.inplanes,
                planes,
                stride,
                downsample,
                self.groups,
                self.base_width,
                previous_dilation,
                self._norm_layer,
                self._conv_layer,
            )
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            stage.append(
                block(
                    self.inplanes,
                    planes,
                    groups=self.groups,
                    base_width=self.base_width,
                    dilation=self.dilation,
                    norm_layer=self._norm_layer,
                    conv_layer=self._conv_layer,
                )
            )
        return nn.Sequential(*stage)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, 3, self.conv1.weight.dtype)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, H/4, W/4)
        x = self.layer1(x)  # (N, 64 e, H/4, W/4), e = block.expansion
        x = self.layer2(x)  # (N, 128 e, H/8, W/8)
        x = self.layer3(x)  # (N, 256 e, H/16, W/16)
        x = self.layer4(x)  # (N, 512 e, H/32, W/32)
        x = self.final_bn(x)
        if not isinstance(self.final_bn, nn.Identity):
            x = self.relu(x)
        x = self.avgpool(x)  # (N, 512 e, 1, 1)
        x = torch.flatten(x, 1)  # (N, 512 e)
        return self.fc(x)  # (N, num_classes)


class DigitsResNet(nn.Module):
    r"""A small residual network for 8x8 images (scikit-learn's digits), fast on a CPU.

    The CIFAR design of He et al. (2015, Sec. 4.2) at a smaller scale: a 3x3 convolution
    stem (no 7x7, no max-pool: the image is only 8x8), then one stage per entry of
    ``layers`` with base widths ``widths``; every stage after the first halves H and W
    (8 -> 4 -> 2 with three stages); then global average pooling and a linear layer.
    With `BasicBlock` and ``layers = (n, n, n)`` it has $6n + 2$ weighted layers
    (ResNet-20 for $n = 3$). With `PlainBlock` it is the plain network of the same
    depth.

    Args:
        block: `BasicBlock`, `Bottleneck`, `PreActBlock` or `PlainBlock`.
        layers: blocks per stage (any number of stages).
        widths: base width of each stage (same length as ``layers``).
        num_classes: outputs of the final linear layer.
        in_channels: channels of the input images (1 for digits).
        zero_init_residual: start each block's residual branch at zero.
        norm_layer: normalization class (default ``torch.nn.BatchNorm2d``).
        conv_layer: convolution class (default ``torch.nn.Conv2d``).

    Shape:
        input ``(N, in_channels, H, W)`` (8x8 for digits); output ``(N, num_classes)``.

    PyTorch equivalent: none; module names follow `ResNet` (``conv1, bn1, relu, layer1,
    ..., avgpool, fc``) and the initialization is the same.

    References: He et al. (2016), Deep residual learning for image recognition, Sec. 4.2
    (CIFAR-10).
    """

    def __init__(
        self,
        block: type = BasicBlock,
        layers=(3, 3, 3),
        widths=(16, 32, 64),
        num_classes: int = 10,
        in_channels: int = 1,
        zero_init_residual: bool = False,
        norm_layer=None,
        conv_layer: type | None = None,
    ):
        super().__init__()
        _check_block(block)
        if not isinstance(layers, (list, tuple)) or len(layers) == 0:
            raise ValueError(
                "layers must be a non-empty list of ints (blocks per stage), got "
                f"{layers!r}"
            )
        layers = _check_layers(layers, len(layers))
        if not isinstance(widths, (list, tuple)) or len(widths) != len(layers):
            raise ValueError(
                f"widths must be a list with one width per stage ({len(layers)}), "
                f"got {widths!r}"
            )
        for i, width in enumerate(widths):
            check_positive_int(f"widths[{i}]", width)
        check_positive_int("num_classes", num_classes)
        check_positive_int("in_channels", in_channels)
        check_bool("zero_init_residual", zero_init_residual)
        norm_layer, conv_layer = _layer_types(norm_layer, conv_layer)
        self.in_channels = in_channels

        # stem: (N, C, 8, 8) -> (N, widths[0], 8, 8)
        self.conv1 = conv3x3(in_channels, widths[0], conv_layer=conv_layer)
        self.bn1 = _norm(norm_layer, widths[0])
        self.relu = nn.ReLU(inplace=True)
        inplanes = widths[0]
        for i, (blocks, planes) in enumerate(zip(layers, widths)):
            stride = 1 if i == 0 else 2
            outplanes = planes * block.expansion
            downsample = _make_downsample(
                block, inplanes, outplanes, stride, norm_layer, conv_layer
            )
            stage = [
                block(
                    inplanes,
                    planes,
                    stride,
                    downsample,
                    norm_layer=norm_layer,
                    conv_layer=conv_layer,
                )
            ]
            stage += [
                block(outplanes, planes, norm_layer=norm_layer, conv_layer=conv_layer)
                for _ in range(1, blocks)
            ]
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
            inplanes = outplanes
        self.num_stages = len(layers)
        self.final_bn = (
            _norm(norm_layer, inplanes)
            if issubclass(block, PreActBlock)
            else nn.Identity()
        )
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)

        _init_weights(self, zero_init_residual)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.in_channels, self.conv1.weight.dtype)
        x = self.relu(self.bn1(self.conv1(x)))  # (N, widths[0], H, W)
        for i in range(self.num_stages):
            x = getattr(self, f"layer{i + 1}")(x)  # stage i + 1 halves H and W if i > 0
        x = self.final_bn(x)
        if not isinstance(self.final_bn, nn.Identity):
            x = self.relu(x)
        x = torch.flatten(self.avgpool(x), 1)  # (N, C_last)
        return self.fc(x)  # (N, num_classes)


def resnet18(*, num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-18: `BasicBlock`, ``[2, 2, 2, 2]``, 11,689,512 parameters (torchvision's
    ``resnet18()``)."""
    return ResNet(
        BasicBlock,
        [2, 2, 2, 2],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
    )


def resnet34(*, num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-34: `BasicBlock`, ``[3, 4, 6, 3]``, 21,797,672 parameters."""
    return ResNet(
        BasicBlock,
        [3, 4, 6, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
    )


def resnet50(*, num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-50: `Bottleneck`, ``[3, 4, 6, 3]``, 25,557,032 parameters."""
    return ResNet(
        Bottleneck,
        [3, 4, 6, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
    )


def resnet101(*, num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-101: `Bottleneck`, ``[3, 4, 23, 3]``, 44,549,160 parameters."""
    return ResNet(
        Bottleneck,
        [3, 4, 23, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
    )


def resnet152(*, num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-152: `Bottleneck`, ``[3, 8, 36, 3]``, 60,192,808 parameters."""
    return ResNet(
        Bottleneck,
        [3, 8, 36, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
    )


def resnext50_32x4d(
    *, num_classes: int = 1000, zero_init_residual: bool = False
) -> ResNet:
    """ResNeXt-50 32x4d: `Bottleneck` with 32 groups of 4 channels (at base width 64),
    25,028,904 parameters."""
    return ResNet(
        Bottleneck,
        [3, 4, 6, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        groups=32,
        width_per_group=4,
    )


def resnext101_32x8d(
    *, num_classes: int = 1000, zero_init_residual: bool = False
) -> ResNet:
    """ResNeXt-101 32x8d: `Bottleneck`, ``[3, 4, 23, 3]``, 32 groups of 8, 88,791,336
    parameters."""
    return ResNet(
        Bottleneck,
        [3, 4, 23, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        groups=32,
        width_per_group=8,
    )


def wide_resnet50_2(
    *, num_classes: int = 1000, zero_init_residual: bool = False
) -> ResNet:
    """Wide ResNet-50-2: ResNet-50 with bottleneck 3x3 convolutions twice as wide,
    68,883,240 parameters."""
    return ResNet(
        Bottleneck,
        [3, 4, 6, 3],
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        width_per_group=128,
    )
