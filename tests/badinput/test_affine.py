"""Bad inputs to the affine map (``linear``, ``linear_backward``, ``Linear``) of both backends, judged by torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, grads_reference, module_cases
from dlref.numpy import functional as F
from dlref.torch import functional as TTF

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
W = rng.standard_normal((5, 4))
B = rng.standard_normal(5)
G = np.ones((3, 5))

# why dlref raises where torch returns (stated in linear's docstring)
SHAPES = "bias must be 1-D (out_features,): torch also broadcasts a 0-D or (1, out_features) bias"
SHAPE_STRICTER = {"bias=fewer_dims": SHAPES, "bias=extra_dim": SHAPES}
LINEAR_STRICTER = dict(COMMON_STRICTER, **SHAPE_STRICTER)
# Linear's constructor: torch builds a layer with no inputs or outputs; dlref asks for at least one
FEATURES = "in_features and out_features must be >= 1 (torch builds an empty layer for 0)"

BAD_LINEAR = [
    ("in_features=0", {"in_features": 0}), ("in_features=-1", {"in_features": -1}),
    ("in_features=2.5", {"in_features": 2.5}), ("in_features='4'", {"in_features": "4"}),
    ("in_features=None", {"in_features": None}), ("in_features=True", {"in_features": True}),
    ("out_features=0", {"out_features": 0}), ("out_features=-2", {"out_features": -2}),
    ("out_features=5.0", {"out_features": 5.0}), ("out_features=None", {"out_features": None}),
    ("dtype=int64", {"dtype": np.int64}), ("dtype=complex128", {"dtype": np.complex128}),
    ("dtype='float'", {"dtype": "float"}), ("bias=None", {"bias": None}),
]


def cases():
    def reference(input, weight, bias):
        return TF.linear(input, weight, bias)

    out = [
        Case("dlref.numpy.functional.linear", F.linear, dict(input=X, weight=W, bias=B), reference=reference,
             stricter=LINEAR_STRICTER),
        Case("dlref.torch.functional.linear", TTF.linear,
             dict(input=torch.tensor(X), weight=torch.tensor(W), bias=torch.tensor(B)), reference=reference,
             stricter=LINEAR_STRICTER, id="torch-linear"),
        Case("dlref.numpy.functional.linear_backward", F.linear_backward,
             dict(grad_output=G, input=X, weight=W, bias=B),
             reference=grads_reference(reference, ("input", "weight", "bias")),
             stricter=dict(BACKWARD_STRICTER, **SHAPE_STRICTER)),
    ]
    out += module_cases("Linear", dict(in_features=4, out_features=5, dtype=np.float64), X, BAD_LINEAR,
                        constructor_stricter={"out_features=0": FEATURES})
    return out


CASES = cases()
# torch warns when it builds the empty Linear(4, 0) the constructor cases ask it for
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_backward_before_forward_says_so():
    backward_before_forward("Linear", dict(in_features=4, out_features=5, dtype=np.float64), G)
