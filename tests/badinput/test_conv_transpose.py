"""Bad inputs to 2-D transposed convolution (``conv_transpose2d``, its backward,
``ConvTranspose2d``) of both backends, judged by torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import (COMMON_STRICTER, Case, check_valid_call, expand, ids,
                                judge)
from badinput.layers import (
    BACKWARD_STRICTER,
    backward_before_forward,
    grads_reference,
    module_cases,
)
from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.torch import functional as TTF
from dlref.torch import nn as tnn

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 5, 5))
W = rng.standard_normal((3, 4, 3, 3))  # (C_in, C_out / groups, kH, kW)
B = rng.standard_normal(4)
G = np.ones((2, 4, 10, 10))  # the output with stride 2, padding 1, output_padding 1
W_GROUPS = rng.standard_normal((4, 3, 3, 2))  # 2 groups of 2 input channels
B_GROUPS = rng.standard_normal(6)

# bad geometry arguments of the function (torch raises for each)
BAD_GEOMETRY = [
    ("stride=0", {"stride": 0}), ("stride=-1", {"stride": -1}),
    ("stride=1.5", {"stride": 1.5}), ("stride=(2,)", {"stride": (2,)}),
    ("stride=(1,1,1)", {"stride": (1, 1, 1)}), ("stride=None", {"stride": None}),
    ("stride='2'", {"stride": "2"}),
    ("padding=-1", {"padding": -1}), ("padding='same'", {"padding": "same"}),
    ("padding=1.0", {"padding": 1.0}), ("padding=(1,2,3)", {"padding": (1, 2, 3)}),
    ("padding=None", {"padding": None}), ("padding=too_large", {"padding": 6}),
    ("output_padding=-1", {"output_padding": -1}),
    ("output_padding=2", {"output_padding": 2}),
    ("output_padding=(1,2)", {"output_padding": (1, 2)}),
    ("output_padding=(0,)", {"output_padding": (0,)}),
    ("output_padding=0.5", {"output_padding": 0.5}),
    ("output_padding=None", {"output_padding": None}),
    ("output_padding=1,stride=1", {"output_padding": 1, "stride": 1}),
    ("output_padding=1,stride=1,dilation=2",
     {"output_padding": 1, "stride": 1, "dilation": 2}),
    ("dilation=0", {"dilation": 0}), ("dilation=(1,0)", {"dilation": (1, 0)}),
    ("dilation=None", {"dilation": None}),
    ("groups=0", {"groups": 0}), ("groups=2", {"groups": 2}),
    ("groups=3", {"groups": 3}),
    ("groups=1.5", {"groups": 1.5}), ("groups=None", {"groups": None}),
]
# torch's kernel expands a one-element sequence; dlref takes an int or a pair
PAIRS = ("stride, padding, output_padding and dilation take an int or a pair (torch's "
         "kernel also expands a one-element sequence)")

BAD_LAYER = [
    ("in_channels=0", {"in_channels": 0}), ("in_channels=2.5", {"in_channels": 2.5}),
    ("in_channels=None", {"in_channels": None}),
    ("out_channels=0", {"out_channels": 0}),
    ("out_channels=-1", {"out_channels": -1}),
    ("out_channels='4'", {"out_channels": "4"}),
    ("kernel_size=0", {"kernel_size": 0}), ("kernel_size=(3,)", {"kernel_size": (3,)}),
    ("kernel_size=2.5", {"kernel_size": 2.5}),
    ("kernel_size=None", {"kernel_size": None}),
    ("stride=0", {"stride": 0}), ("stride=(1,1,1)", {"stride": (1, 1, 1)}),
    ("padding=-1", {"padding": -1}), ("padding='same'", {"padding": "same"}),
    ("padding=too_large", {"padding": 6}),
    ("output_padding=2", {"output_padding": 2}),
    ("output_padding=-1", {"output_padding": -1}),
    ("output_padding=1,stride=1", {"output_padding": 1, "stride": 1}),
    ("dilation=0", {"dilation": 0}), ("groups=0", {"groups": 0}),
    ("groups=2", {"groups": 2}), ("groups=1.5", {"groups": 1.5}),
    ("padding_mode='reflect'", {"padding_mode": "reflect"}),
    ("padding_mode=None", {"padding_mode": None}),
    ("dtype=int64", {"dtype": np.int64}),
    ("dtype=complex128", {"dtype": np.complex128}),
]
# torch's conv_transpose2d (unlike its conv2d) casts a bias of another dtype silently
BIAS_DTYPE = ("dlref's conv_transpose2d takes bias in the dtype of input (a TypeError "
              "naming both), as torch's conv2d does; torch's conv_transpose2d casts it")
BIAS_STRICTER = {"bias=float16": BIAS_DTYPE, "bias=mixed_precision": BIAS_DTYPE}

# hostile output_size arguments of the layers' forward (torch raises for each)
BAD_OUTPUT_SIZE = [
    ("output_size=too_large", {"output_size": (11, 10)}),
    ("output_size=too_small", {"output_size": (8, 9)}),
    ("output_size=3_values", {"output_size": (2, 9, 9)}),
    ("output_size=int", {"output_size": 9}),
    ("output_size=1_value", {"output_size": (9,)}),
]


def layer_cases() -> list[Case]:
    """``ConvTranspose2d.forward(input, output_size)`` of both backends vs torch's."""
    kwargs = dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1)
    numpy_layer = nn.ConvTranspose2d(**kwargs, dtype=np.float64,
                                     generator=np.random.default_rng(0))
    state = {k: torch.from_numpy(v.copy()) for k, v in numpy_layer.state_dict().items()}
    torch_layer = torch.nn.ConvTranspose2d(**kwargs, dtype=torch.float64)
    torch_layer.load_state_dict(state)
    twin = tnn.ConvTranspose2d(**kwargs, dtype=torch.float64)
    twin.load_state_dict(state)

    def reference(input, output_size):
        return torch_layer(input, output_size=output_size)

    def forward(input, output_size):
        return numpy_layer(input, output_size=output_size)

    def forward_twin(input, output_size):
        return twin(input, output_size=output_size)

    args = dict(input=X, output_size=(10, 9))
    return [
        Case("dlref.numpy.nn.ConvTranspose2d", forward, args, reference=reference,
             extra=BAD_OUTPUT_SIZE, id="ConvTranspose2d-output_size"),
        Case("dlref.torch.nn.ConvTranspose2d", forward_twin,
             dict(args, input=torch.tensor(X)), reference=reference,
             extra=BAD_OUTPUT_SIZE, id="torch-ConvTranspose2d-output_size"),
    ]


def cases():
    def reference(input, weight, bias, stride, padding, output_padding, groups,
                  dilation):
        return TF.conv_transpose2d(input, weight, bias, stride, padding, output_padding,
                                   groups, dilation)

    geometry = dict(stride=2, padding=1, output_padding=1, groups=1, dilation=1)
    pairs = {"stride=(2,)": PAIRS, "output_padding=(0,)": PAIRS, **BIAS_STRICTER}
    out = [
        Case("dlref.numpy.functional.conv_transpose2d", F.conv_transpose2d,
             dict(input=X, weight=W, bias=B, **geometry), reference=reference,
             extra=BAD_GEOMETRY, stricter=dict(COMMON_STRICTER, **pairs)),
        Case("dlref.torch.functional.conv_transpose2d", TTF.conv_transpose2d,
             dict(input=torch.tensor(X), weight=torch.tensor(W), bias=torch.tensor(B),
                  **geometry),
             reference=reference, extra=BAD_GEOMETRY,
             stricter=dict(COMMON_STRICTER, **pairs), id="torch-conv_transpose2d"),
        Case("dlref.numpy.functional.conv_transpose2d_backward",
             F.conv_transpose2d_backward,
             dict(grad_output=G, input=X, weight=W, bias=B, **geometry),
             reference=grads_reference(reference, ("input", "weight", "bias")),
             stricter=dict(BACKWARD_STRICTER, **pairs), extra=BAD_GEOMETRY),
        # unbatched (C, H, W) with no bias, and a strided, dilated, grouped geometry
        Case("dlref.numpy.functional.conv_transpose2d", F.conv_transpose2d,
             dict(input=X[0], weight=W[:, :1], bias=None, stride=(2, 3), padding=(1, 2),
                  output_padding=(0, 2), groups=1, dilation=2),
             reference=reference, hostile=("input", "weight"),
             id="conv_transpose2d-unbatched"),
        Case("dlref.numpy.functional.conv_transpose2d", F.conv_transpose2d,
             dict(input=np.concatenate([X, X[:, :1]], axis=1), weight=W_GROUPS,
                  bias=B_GROUPS, stride=(1, 2), padding=0, output_padding=(1, 0),
                  groups=2, dilation=(2, 1)),
             reference=reference, stricter=dict(COMMON_STRICTER, **BIAS_STRICTER),
             id="conv_transpose2d-groups"),
    ]
    kwargs = dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1,
                  output_padding=1, dtype=np.float64)
    # torch's constructor accepts a bad output_padding that its forward then rejects;
    # dlref's rejects it up front: both raise, as the constructor cases require
    out += module_cases("ConvTranspose2d", kwargs, X, BAD_LAYER)
    out += layer_cases()
    return out


CASES = cases()
CALLS = expand(CASES)
# torch warns when it builds the empty layers the constructor cases ask it for
pytestmark = pytest.mark.filterwarnings(
    "ignore:Initializing zero-element tensors:UserWarning")


@pytest.mark.parametrize("case", CASES, ids=[c.id or c.name for c in CASES])
def test_valid_call_agrees_with_torch(case):
    check_valid_call(case)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_backward_before_forward_says_so():
    backward_before_forward("ConvTranspose2d",
                            dict(in_channels=3, out_channels=4, kernel_size=3,
                                 dtype=np.float64), np.ones((2, 4, 7, 7)))
