"""Bad inputs to dropout (``dropout``, ``dropout_backward``, ``dropout_mask``, ``Dropout``) of both backends.

Judged by torch's ``F.dropout`` / ``nn.Dropout``. Randomness is pinned so that NaN falls in the
same places: the NumPy calls draw from ``default_rng(0)`` (whose mask keeps the element a
hostile ``inf`` is put in), the torch twin and torch draw after ``torch.manual_seed(0)`` (the
same masks on the CPU). dlref's own arguments (``mask``, ``generator``, ``dropout_mask``) have
no torch counterpart: every hostile value of those must raise (``reference=None``).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, module_cases
from dlref.numpy import functional as F
from dlref.torch import functional as TTF

X = np.random.default_rng(1).standard_normal((3, 4))
XT = torch.tensor(X)
MASK = np.random.default_rng(0).random((3, 4)) >= 0.5
assert MASK.flat[0], "the mask must keep the element a hostile inf is put in"

# why dlref raises where torch returns (stated in each docstring)
BOOL = "inplace must be a bool (torch tests it for truth)"
P_BOOL = "p must be a real number, not a bool (torch takes True as 1)"
GENERATOR = "generator is dlref's addition: a numpy.random.Generator or None (torch has no such argument)"
STRICTER = dict(COMMON_STRICTER, **{"inplace='yes'": BOOL, "inplace=None": BOOL, "p=True": P_BOOL})

BAD_P = [("p=-0.1", {"p": -0.1}), ("p=1.5", {"p": 1.5}), ("p=nan", {"p": float("nan")}), ("p='0.5'", {"p": "0.5"}),
         ("p=None", {"p": None}), ("p=True", {"p": True})]
BAD_FLAGS = [("training='yes'", {"training": "yes"}), ("training=None", {"training": None}),
             ("training=1", {"training": 1}), ("inplace='yes'", {"inplace": "yes"}),
             ("inplace=None", {"inplace": None})]
BAD_MASK = [("mask=float", {"mask": MASK.astype(np.float64)}), ("mask=int", {"mask": MASK.astype(np.int64)}),
            ("mask=transposed", {"mask": MASK.T}), ("mask=row", {"mask": MASK[:1]})]
BAD_SHAPE = [("shape=None", {"shape": None}), ("shape=(-1,3)", {"shape": (-1, 3)}), ("shape=(2.5,)", {"shape": (2.5,)}),
             ("shape='3'", {"shape": "3"}), ("shape=(True,)", {"shape": (True,)})]


def numpy_dropout(**a):
    return F.dropout(**a, generator=np.random.default_rng(0))


def torch_dropout(**a):
    torch.manual_seed(0)
    return TTF.dropout(**a)


def reference(input, p, training, inplace):
    torch.manual_seed(0)
    return TF.dropout(input, p, training, inplace)


def backward_reference(grad_output, input, p, training, inplace, mask):
    """torch's autograd through dropout with the mask dlref is given (torch's F.dropout judges p and training)."""
    TF.dropout(input, p, training, inplace)
    x = input.detach().requires_grad_(True)
    if mask.shape != x.shape:       # torch's own mask always has the input's shape
        raise ValueError(f"mask {tuple(mask.shape)} and input {tuple(x.shape)} differ")
    # y = x * m / (1 - p) in training (0 for p = 1), y = x in evaluation
    y = (x * mask.to(x.dtype) / (1 - p) if p < 1 else x * 0) if training else x
    return torch.autograd.grad(y, x, grad_output)[0]


def cases():
    keywords = dict(p=0.5, training=True, inplace=False)
    out = [
        Case("dlref.numpy.functional.dropout", numpy_dropout, dict(input=X, **keywords), reference=reference,
             stricter=STRICTER, extra=BAD_P + BAD_FLAGS + [("training=False", {"training": False}),
                                                          ("p=0", {"p": 0.0}), ("p=1", {"p": 1.0})]),
        Case("dlref.torch.functional.dropout", torch_dropout, dict(input=XT, **keywords), reference=reference,
             stricter=STRICTER, extra=BAD_P + BAD_FLAGS + [("training=False", {"training": False}),
                                                          ("p=0", {"p": 0.0}), ("p=1", {"p": 1.0})],
             id="torch-dropout"),
        # dlref's mask and generator: every hostile value raises (None: draw a mask)
        Case("dlref.numpy.functional.dropout", F.dropout, dict(input=X, **keywords, mask=MASK), hostile=("mask",),
             accepts=("none",), extra=BAD_MASK + [("generator=0", {"generator": 0, "mask": None}),
                                                  ("generator='seed'", {"generator": "seed", "mask": None})],
             id="dropout-mask"),
        Case("dlref.torch.functional.dropout", TTF.dropout, dict(input=XT, **keywords, mask=torch.tensor(MASK)),
             hostile=("mask",), accepts=("none",),
             extra=[(label, {"mask": torch.tensor(m["mask"])}) for label, m in BAD_MASK]
             + [("mask=numpy", {"mask": MASK}), ("generator=0", {"generator": 0, "mask": None}),
                ("generator=numpy", {"generator": np.random.default_rng(0), "mask": None})],
             id="torch-dropout-mask"),
        Case("dlref.numpy.functional.dropout_backward", F.dropout_backward,
             dict(grad_output=np.ones((3, 4)), input=X, **keywords, mask=MASK), reference=backward_reference,
             hostile=("grad_output", "input"), stricter=dict(BACKWARD_STRICTER, **STRICTER),
             extra=BAD_P + BAD_FLAGS),
        Case("dlref.numpy.functional.dropout_backward", F.dropout_backward,
             dict(grad_output=np.ones((3, 4)), input=X, **keywords, mask=MASK), hostile=("mask",),
             extra=BAD_MASK, id="dropout_backward-mask"),
        Case("dlref.numpy.functional.dropout_mask", F.dropout_mask, dict(shape=(3, 4), p=0.5), accepts=("shape=[3,4]",
                                                                                                         "shape=5"),
             extra=BAD_SHAPE + BAD_P + [("shape=[3,4]", {"shape": [3, 4]}), ("shape=5", {"shape": 5}),
                                        ("generator=0", {"generator": 0})]),
        Case("dlref.torch.functional.dropout_mask", TTF.dropout_mask, dict(shape=(3, 4), p=0.5),
             accepts=("shape=[3,4]", "shape=5", "shape=Size"),
             extra=BAD_SHAPE + BAD_P + [("shape=[3,4]", {"shape": [3, 4]}), ("shape=5", {"shape": 5}),
                                        ("shape=Size", {"shape": torch.Size((3, 4))}),
                                        ("generator=0", {"generator": 0}), ("device='bogus'", {"device": "bogus"}),
                                        ("device=1.5", {"device": 1.5})],
             id="torch-dropout_mask"),
    ]
    out += module_cases("Dropout", dict(p=0.5), X, BAD_P + [("inplace='yes'", {"inplace": "yes"}),
                                                           ("generator=0", {"generator": 0})],
                        constructor_stricter={"inplace='yes'": BOOL, "generator=0": GENERATOR, "p=True": P_BOOL},
                        seed=0)
    out += module_cases("Dropout", dict(p=0.5), X, seed=0, eval_mode=True)
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_backward_before_forward_says_so():
    backward_before_forward("Dropout", dict(p=0.5), np.ones((3, 4)))
