"""Bad inputs to the whole models: ``dlref.numpy.models.Perceptron`` and ``dlref.torch.models`` (ResNets).

See framework.py for the rule. Neither has a reference here (torch has no perceptron, and
torchvision is not installed), so ``reference=None``: every hostile call must raise
``ValueError``/``TypeError`` naming an argument, except the kinds a case lists in ``accepts``
(with the reason beside them). The networks are tiny (a ResNet of one block per stage, a
DigitsResNet of widths 4 and 8) and built once, so the file stays fast.
"""

import functools

import numpy as np
import pytest
import torch

from badinput.framework import Case, expand, ids, judge
from dlref.numpy.models import Perceptron
from dlref.torch import models
from dlref.torch.models import BasicBlock, Bottleneck, DigitsResNet, PlainBlock, PreActBlock, ResNet

# -- Perceptron ---------------------------------------------------------------------------------

XS = np.array([[1.0, 2.0, 0.5], [2.0, 1.0, 1.0], [-1.0, -2.0, 0.0], [-2.0, -1.0, -0.5]])   # separable
YS = np.array([1, 1, 0, 0])
FINITE = "the data must be finite: a NaN or inf sample would corrupt the weights (sklearn raises too)"


def perceptron_new(**a):
    return Perceptron(**a).weight.data


def perceptron_fit(**a):
    return Perceptron(3).fit(**a)


def perceptron_predict(input):
    model = Perceptron(3)
    model.fit(XS, YS, epochs=5)
    return model.predict(input)


def perceptron_decision_function(input):
    model = Perceptron(3)
    model.fit(XS, YS, epochs=5)
    return model.decision_function(input)


def perceptron_step(x, y):
    return Perceptron(3).step(x, y)


NUMBERS = lambda name: [(f"{name}={v!r}", {name: v}) for v in (0, -1, 1.5, None, True, "3")]  # noqa: E731
PERCEPTRON = [
    Case("dlref.numpy.models.Perceptron", perceptron_new, dict(in_features=3, lr=1.0, dtype=np.float64),
         hostile=(), id="Perceptron-constructor",
         extra=NUMBERS("in_features") + [
             ("lr=0", {"lr": 0.0}), ("lr=-1", {"lr": -1.0}), ("lr='1'", {"lr": "1"}), ("lr=None", {"lr": None}),
             ("lr=nan", {"lr": float("nan")}), ("lr=inf", {"lr": float("inf")}), ("lr=True", {"lr": True}),
             ("dtype=int64", {"dtype": np.int64}), ("dtype='bad'", {"dtype": "bad"}),
             ("dtype=complex128", {"dtype": np.complex128}), ("dtype=torch.float32", {"dtype": torch.float32}),
             ("dtype=float32", {"dtype": np.float32}), ("dtype='float32'", {"dtype": "float32"})],
         # a NumPy float dtype by any name is fine
         accepts=("dtype=float32", "dtype='float32'")),
    Case("dlref.numpy.models.Perceptron", perceptron_fit, dict(X=XS, y=YS, epochs=3, shuffle=False),
         id="Perceptron-fit",
         extra=[("y=2", {"y": np.array([1, 2, 0, 0])}), ("y=-1", {"y": np.array([1, -1, 0, 0])}),
                ("y=float", {"y": YS.astype(float)}), ("y=bool", {"y": YS.astype(bool)}),
                ("epochs=0", {"epochs": 0}), ("epochs=1.5", {"epochs": 1.5}), ("epochs=None", {"epochs": None}),
                ("shuffle='yes'", {"shuffle": "yes"}), ("shuffle=None", {"shuffle": None}),
                ("shuffle=True", {"shuffle": True}),
                ("generator='x'", {"generator": "x"}), ("generator=0", {"generator": 0}),
                ("X=(N, 0)", {"X": XS[:, :0]}), ("X=(0, 3), y=(0,)", {"X": XS[:0], "y": YS[:0]})],
         # labels as a list or bools, a float16 X and shuffling are fine; an empty data set is
         # fitted in one epoch without mistakes (nothing to classify)
         accepts=("y=list", "y=bool", "X=float16", "shuffle=True", "X=(0, 3), y=(0,)")),
    Case("dlref.numpy.models.Perceptron", perceptron_predict, dict(input=XS), id="Perceptron-predict",
         extra=[("input=(N, 0)", {"input": XS[:, :0]})],
         # any batch shape (*, in_features) is fine, an empty batch and float16 too
         accepts=("extra_dim", "fewer_dims", "empty", "float16")),
    Case("dlref.numpy.models.Perceptron", perceptron_decision_function, dict(input=XS),
         id="Perceptron-decision_function", accepts=("extra_dim", "fewer_dims", "empty", "float16")),
    Case("dlref.numpy.models.Perceptron", perceptron_step, dict(x=XS[0], y=1), id="Perceptron-step",
         extra=[(f"y={v!r}", {"y": v}) for v in (2, -1, 1.0, True, None, "1")]
         + [("y=np.int64(0)", {"y": np.int64(0)})],
         accepts=("float16", "y=np.int64(0)")),
]


# -- ResNets ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def network(name):
    """A tiny network in evaluation mode, built once (BN uses its running statistics)."""
    torch.manual_seed(0)
    make = {
        "BasicBlock": lambda: BasicBlock(4, 4), "Bottleneck": lambda: Bottleneck(16, 4),
        "PreActBlock": lambda: PreActBlock(4, 4), "PlainBlock": lambda: PlainBlock(4, 4),
        "ResNet": lambda: ResNet(BasicBlock, [1, 1, 1, 1], num_classes=3),
        "DigitsResNet": lambda: DigitsResNet(BasicBlock, (1, 1), (4, 8), num_classes=3),
    }[name]
    return make().eval()


def forward(name):
    def call(x):
        with torch.no_grad():
            return network(name)(x)
    return call


# a batch shape the network takes: any H, W (wrong_size changes W), an empty batch; and NaN and inf,
# which a network propagates as any layer does
FORWARD_FINE = ("wrong_size", "empty", "nan", "inf")
INPUTS = {"BasicBlock": (2, 4, 6, 6), "Bottleneck": (2, 16, 6, 6), "PreActBlock": (2, 4, 6, 6),
          "PlainBlock": (2, 4, 6, 6), "ResNet": (1, 3, 16, 16), "DigitsResNet": (2, 1, 8, 8)}


def block_builder(block):
    def call(**a):
        module = block(**a).eval()
        with torch.no_grad():
            return module(torch.randn(2, a["inplanes"], 6, 6))
    return call


def block_extras(inplanes, planes):
    ds = torch.nn.Sequential(torch.nn.Conv2d(inplanes, 4 * planes, 1, bias=False))
    return [(f"inplanes={v!r}", {"inplanes": v}) for v in (0, -1, 1.5, None, True, "4")] + [
        ("planes=0", {"planes": 0}), ("planes=None", {"planes": None}),
        ("stride=0", {"stride": 0}), ("stride=2", {"stride": 2}), ("stride=1.0", {"stride": 1.0}),
        ("groups=2", {"groups": 2}), ("groups=0", {"groups": 0}),
        ("base_width=32", {"base_width": 32}), ("base_width=0", {"base_width": 0}),
        ("dilation=2", {"dilation": 2}), ("dilation=0", {"dilation": 0}),
        ("norm_layer='bn'", {"norm_layer": "bn"}),
        ("norm_layer=BatchNorm2d(4)", {"norm_layer": torch.nn.BatchNorm2d(4)}),
        ("conv_layer=Linear", {"conv_layer": torch.nn.Linear}), ("conv_layer=Conv2d(1, 1, 1)",
                                                                {"conv_layer": torch.nn.Conv2d(1, 1, 1)}),
        ("conv_layer=conv2d", {"conv_layer": torch.nn.functional.conv2d}),
        ("downsample='x'", {"downsample": "x"}), ("downsample=Conv2d class", {"downsample": torch.nn.Conv2d}),
        ("downsample=wrong shape", {"downsample": ds, "planes": 2 * planes}),
    ]


BLOCKS = {  # block -> (inplanes, planes, the extras that are fine for it)
    "BasicBlock": (BasicBlock, 4, 4, ()),
    "Bottleneck": (Bottleneck, 16, 4, ("groups=2", "base_width=32", "dilation=2")),   # ResNeXt, wide, dilated
    "PreActBlock": (PreActBlock, 4, 4, ()),
    "PlainBlock": (PlainBlock, 4, 4, ("stride=2",)),   # no shortcut, so no projection needed
}


def block_cases():
    out = []
    for name, (block, inplanes, planes, fine) in BLOCKS.items():
        out.append(Case(f"dlref.torch.models.{name}", block_builder(block), dict(inplanes=inplanes, planes=planes),
                        hostile=(), extra=block_extras(inplanes, planes), accepts=fine, id=f"{name}-constructor"))
        out.append(Case(f"dlref.torch.models.{name}", forward(name), dict(x=torch.randn(INPUTS[name])),
                        accepts=FORWARD_FINE, id=f"{name}-forward",
                        extra=[("x=channels + 1", {"x": torch.randn(2, INPUTS[name][1] + 1, 6, 6)}),
                               ("x=float64", {"x": torch.randn(INPUTS[name], dtype=torch.float64)})]))
    return out


def resnet_new(**a):
    ResNet(**a)   # only hostile arguments reach here: each must raise before anything is built


def digits_new(**a):
    model = DigitsResNet(**a).eval()
    with torch.no_grad():
        return model(torch.randn(2, a.get("in_channels", 1), 8, 8))


RESNET_EXTRAS = [
    ("block=None", {"block": None}), ("block='BasicBlock'", {"block": "BasicBlock"}),
    ("block=Linear", {"block": torch.nn.Linear}), ("block=instance", {"block": BasicBlock(4, 4)}),
    ("layers=[1, 1, 1]", {"layers": [1, 1, 1]}), ("layers=[1] * 5", {"layers": [1] * 5}),
    ("layers=None", {"layers": None}), ("layers='1111'", {"layers": "1111"}),
    ("layers=[0, 1, 1, 1]", {"layers": [0, 1, 1, 1]}),
    ("layers=[1.0, 1, 1, 1]", {"layers": [1.0, 1, 1, 1]}),
    ("num_classes=0", {"num_classes": 0}), ("num_classes='3'", {"num_classes": "3"}),
    ("num_classes=None", {"num_classes": None}), ("num_classes=1.5", {"num_classes": 1.5}),
    ("zero_init_residual='yes'", {"zero_init_residual": "yes"}),
    ("zero_init_residual=None", {"zero_init_residual": None}),
    ("groups=0", {"groups": 0}), ("groups=2", {"groups": 2}), ("width_per_group=32", {"width_per_group": 32}),
    ("width_per_group=0", {"width_per_group": 0}),
    ("replace_stride_with_dilation=[True]", {"replace_stride_with_dilation": [True]}),
    ("replace_stride_with_dilation=True", {"replace_stride_with_dilation": True}),
    ("replace_stride_with_dilation=[1, 0, 0]", {"replace_stride_with_dilation": [1, 0, 0]}),
    ("replace_stride_with_dilation='abc'", {"replace_stride_with_dilation": "abc"}),
    ("replace_stride_with_dilation=[False, False, True]", {"replace_stride_with_dilation": [False, False, True]}),
    ("norm_layer='bn'", {"norm_layer": "bn"}), ("conv_layer=Linear", {"conv_layer": torch.nn.Linear}),
]
DIGITS_EXTRAS = [
    ("block=None", {"block": None}), ("layers=()", {"layers": ()}), ("layers=(0, 1)", {"layers": (0, 1)}),
    ("layers=None", {"layers": None}), ("layers=3", {"layers": 3}),
    ("widths=(4,)", {"widths": (4,)}), ("widths=(0, 8)", {"widths": (0, 8)}), ("widths=(4.0, 8)", {"widths": (4.0, 8)}),
    ("widths='48'", {"widths": "48"}), ("num_classes=0", {"num_classes": 0}), ("in_channels=0", {"in_channels": 0}),
    ("in_channels=None", {"in_channels": None}), ("zero_init_residual='yes'", {"zero_init_residual": "yes"}),
    ("zero_init_residual=True with PlainBlock", {"block": PlainBlock, "zero_init_residual": True}),
    ("norm_layer='bn'", {"norm_layer": "bn"}), ("conv_layer=Linear", {"conv_layer": torch.nn.Linear}),
    ("block=Bottleneck", {"block": Bottleneck}), ("block=PreActBlock", {"block": PreActBlock}),
    ("block=PlainBlock", {"block": PlainBlock}), ("in_channels=3", {"in_channels": 3}),
    ("zero_init_residual=True", {"zero_init_residual": True}),
]
FACTORIES = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
             "wide_resnet50_2"]
FACTORY_EXTRAS = [(f"num_classes={v!r}", {"num_classes": v}) for v in (0, -1, "10", None, 1.5, True)] + [
    (f"zero_init_residual={v!r}", {"zero_init_residual": v}) for v in ("yes", None, 1)]


def resnet_cases():
    out = [
        Case("dlref.torch.models.ResNet", resnet_new, dict(block=BasicBlock, layers=[1, 1, 1, 1], num_classes=3),
             hostile=(), extra=RESNET_EXTRAS, id="ResNet-constructor"),
        Case("dlref.torch.models.ResNet", forward("ResNet"), dict(x=torch.randn(INPUTS["ResNet"])),
             accepts=FORWARD_FINE, id="ResNet-forward",
             extra=[("x=1 channel", {"x": torch.randn(1, 1, 16, 16)}),
                    ("x=float64", {"x": torch.randn(1, 3, 16, 16).double()})]),
        Case("dlref.torch.models.DigitsResNet", digits_new,
             dict(block=BasicBlock, layers=(1, 1), widths=(4, 8), num_classes=3, in_channels=1,
                  zero_init_residual=False), hostile=(),
             extra=DIGITS_EXTRAS, id="DigitsResNet-constructor",
             accepts=("block=Bottleneck", "block=PreActBlock", "block=PlainBlock", "in_channels=3",
                      "zero_init_residual=True")),
        Case("dlref.torch.models.DigitsResNet", forward("DigitsResNet"), dict(x=torch.randn(INPUTS["DigitsResNet"])),
             accepts=FORWARD_FINE, id="DigitsResNet-forward",
             extra=[("x=3 channels", {"x": torch.randn(2, 3, 8, 8)}),
                    ("x=float64", {"x": torch.randn(2, 1, 8, 8).double()})]),
    ]
    # the factories: every hostile argument raises before the (large) network is built
    out += [Case(f"dlref.torch.models.{name}", getattr(models, name), dict(num_classes=10), hostile=(),
                 extra=FACTORY_EXTRAS) for name in FACTORIES]
    return out


CASES = PERCEPTRON + block_cases() + resnet_cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_perceptron_has_no_backward():
    with pytest.raises(RuntimeError, match="Perceptron has no backward"):
        Perceptron(3).backward(np.ones(4))
