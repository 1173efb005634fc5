"""Bad inputs to 2-D convolution (``conv2d``, ``conv2d_backward``, ``Conv2d``) of both backends, judged by torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, grads_reference, module_cases
from dlref.numpy import functional as F
from dlref.torch import functional as TTF

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 5, 5))
W = rng.standard_normal((4, 3, 3, 3))
B = rng.standard_normal(4)
G = np.ones((2, 4, 5, 5))               # conv2d's output with padding=1

# bad geometry arguments of the function (torch raises for each)
BAD_GEOMETRY = [
    ("stride=0", {"stride": 0}), ("stride=-1", {"stride": -1}), ("stride=1.5", {"stride": 1.5}),
    ("stride=(1,)", {"stride": (1,)}), ("stride=(1,1,1)", {"stride": (1, 1, 1)}), ("stride=None", {"stride": None}),
    ("stride='1'", {"stride": "1"}),
    ("padding=-1", {"padding": -1}), ("padding='full'", {"padding": "full"}), ("padding=1.0", {"padding": 1.0}),
    ("padding=(1,2,3)", {"padding": (1, 2, 3)}), ("padding=same,stride=2", {"padding": "same", "stride": 2}),
    ("padding=None", {"padding": None}),
    ("dilation=0", {"dilation": 0}), ("dilation=(1,0)", {"dilation": (1, 0)}), ("dilation=None", {"dilation": None}),
    ("groups=0", {"groups": 0}), ("groups=2", {"groups": 2}), ("groups=3", {"groups": 3}),
    ("groups=1.5", {"groups": 1.5}), ("groups=None", {"groups": None}),
    ("kernel_too_large", {"padding": 0, "dilation": 3}),
]
# torch's kernel expands a one-element sequence; dlref takes an int or a pair (conv2d's docstring)
PAIRS = "stride, padding and dilation take an int or a pair (torch's kernel also expands a 1-element sequence)"

BAD_CONV = [
    ("in_channels=0", {"in_channels": 0}), ("in_channels=2.5", {"in_channels": 2.5}),
    ("in_channels=None", {"in_channels": None}), ("out_channels=0", {"out_channels": 0}),
    ("out_channels=-1", {"out_channels": -1}), ("out_channels='4'", {"out_channels": "4"}),
    ("kernel_size=0", {"kernel_size": 0}), ("kernel_size=(3,)", {"kernel_size": (3,)}),
    ("kernel_size=2.5", {"kernel_size": 2.5}), ("kernel_size=None", {"kernel_size": None}),
    ("kernel_size=9", {"kernel_size": 9}),
    ("stride=0", {"stride": 0}), ("stride=(1,1,1)", {"stride": (1, 1, 1)}),
    ("padding=-1", {"padding": -1}), ("padding='full'", {"padding": "full"}),
    ("padding=same,stride=2", {"padding": "same", "stride": 2}),
    ("dilation=0", {"dilation": 0}), ("groups=0", {"groups": 0}), ("groups=2", {"groups": 2}),
    ("groups=1.5", {"groups": 1.5}),
    ("padding_mode='bogus'", {"padding_mode": "bogus"}), ("padding_mode=None", {"padding_mode": None}),
    ("padding_mode=reflect,padding=5", {"padding_mode": "reflect", "padding": 5}),
    ("padding_mode=circular,padding=6", {"padding_mode": "circular", "padding": 6}),
    ("dtype=int64", {"dtype": np.int64}), ("dtype=complex128", {"dtype": np.complex128}),
]


def cases():
    def reference(input, weight, bias, stride, padding, dilation, groups):
        return TF.conv2d(input, weight, bias, stride, padding, dilation, groups)

    geometry = dict(stride=1, padding=1, dilation=1, groups=1)
    pairs = {"stride=(1,)": PAIRS}
    out = [
        Case("dlref.numpy.functional.conv2d", F.conv2d, dict(input=X, weight=W, bias=B, **geometry),
             reference=reference, extra=BAD_GEOMETRY, stricter=dict(COMMON_STRICTER, **pairs)),
        Case("dlref.torch.functional.conv2d", TTF.conv2d,
             dict(input=torch.tensor(X), weight=torch.tensor(W), bias=torch.tensor(B), **geometry),
             reference=reference, extra=BAD_GEOMETRY, stricter=dict(COMMON_STRICTER, **pairs), id="torch-conv2d"),
        Case("dlref.numpy.functional.conv2d_backward", F.conv2d_backward,
             dict(grad_output=G, input=X, weight=W, bias=B, **geometry),
             reference=grads_reference(reference, ("input", "weight", "bias")),
             stricter=dict(BACKWARD_STRICTER, **pairs),
             extra=BAD_GEOMETRY),
        # unbatched (C, H, W), and a strided, dilated, grouped geometry
        Case("dlref.numpy.functional.conv2d", F.conv2d,
             dict(input=X[0], weight=W[:, :1], bias=None, stride=2, padding=(1, 2), dilation=2, groups=1),
             reference=reference, hostile=("input", "weight"), id="conv2d-unbatched"),
        Case("dlref.numpy.functional.conv2d", F.conv2d,
             dict(input=np.concatenate([X, X[:, :1]], axis=1), weight=W[:2, :2], bias=B[:2], stride=(2, 1),
                  padding=0, dilation=(1, 2), groups=2),
             reference=reference, id="conv2d-groups"),
    ]
    kwargs = dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, dtype=np.float64)
    out += module_cases("Conv2d", kwargs, X, BAD_CONV)
    for mode in ("reflect", "replicate", "circular"):
        out += [case for case in module_cases("Conv2d", dict(kwargs, padding_mode=mode), X, variant=mode)
                if not case.id.endswith("constructor")]
    return out


CASES = cases()
CALLS = expand(CASES)
# torch warns when it builds the empty layers the constructor cases ask it for
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_backward_before_forward_says_so():
    backward_before_forward("Conv2d", dict(in_channels=3, out_channels=4, kernel_size=3, dtype=np.float64), G)
