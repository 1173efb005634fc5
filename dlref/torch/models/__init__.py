"""Whole models built from dlref.torch and torch.nn layers, laid out like
torchvision's."""

from dlref.torch.models.resnet import (
    BasicBlock,
    Bottleneck,
    DigitsResNet,
    PlainBlock,
    PreActBlock,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    wide_resnet50_2,
)

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
