"""Bad inputs to gradient clipping (``nn.utils`` of both backends), judged by ``torch.nn.utils``.

See framework.py for the rule. The clipping functions take parameters, not arrays, so each case
calls a small wrapper: it makes one parameter per gradient (of the gradient's shape and dtype),
sets ``.grad`` to the (possibly hostile) gradient, clips, and returns what torch returns plus
the clipped gradients, so those are compared too. ``parameters=...`` replaces the parameters
themselves by a hostile value.
"""

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from dlref.numpy.nn import Linear, Parameter
from dlref.numpy.nn import utils as nu
from dlref.torch.nn import utils as tu

rng = np.random.default_rng(0)
G1 = rng.standard_normal((3, 4)) * 2
G2 = rng.standard_normal(5)
OWN = object()   # "the parameters made from grad and grad2"


def numpy_parameter(grad):
    """A Parameter whose ``.grad`` is ``grad`` (its data has the gradient's shape and dtype)."""
    array = grad if isinstance(grad, np.ndarray) else np.zeros(3)
    p = Parameter(np.zeros(array.shape, array.dtype), requires_grad=array.dtype.kind in "fc")   # as torch_parameter
    p.grad = grad.copy() if isinstance(grad, np.ndarray) else grad   # clipping is in place
    return p


def torch_parameter(grad):
    """A leaf tensor whose ``.grad`` is ``grad`` (torch raises here for a list: not a Tensor)."""
    t = grad if isinstance(grad, torch.Tensor) else torch.zeros(3, dtype=torch.float64)
    p = torch.zeros(t.shape, dtype=t.dtype, requires_grad=t.is_floating_point() or t.is_complex())
    p.grad = grad.clone() if isinstance(grad, torch.Tensor) else grad   # clipping is in place
    return p


def clip_norm(clip, make):
    def call(grad, grad2, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None, parameters=OWN):
        params = [make(grad), make(grad2)] if parameters is OWN else parameters
        total = clip(params, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite,
                     foreach=foreach)
        return (total,) + tuple(p.grad for p in params)
    return call


def clip_value(clip, make):
    def call(grad, grad2, clip_value, foreach=None, parameters=OWN):
        params = [make(grad), make(grad2)] if parameters is OWN else parameters
        assert clip(params, clip_value, foreach=foreach) is None
        return tuple(p.grad for p in params)
    return call


NOT_A_BOOL = "error_if_nonfinite and foreach must be bools (torch takes any truthy value)"
NOT_A_NUMBER = "the threshold must be a number (torch converts it with float(), so it takes the string '1')"
NORM_STRICTER = dict(COMMON_STRICTER, **{
    "max_norm=-1": "a negative max_norm raises (torch flips the sign of every gradient)",
    "max_norm=nan": "a NaN max_norm raises (torch turns every gradient into NaN)",
    "norm_type=0": "norm_type must be > 0 (torch computes a norm of norms that is not the norm of the whole vector)",
    "norm_type=-1": "norm_type must be > 0 (as for norm_type=0)",
    "error_if_nonfinite='yes'": NOT_A_BOOL, "foreach=1": NOT_A_BOOL, "max_norm='1'": NOT_A_NUMBER,
})
VALUE_STRICTER = dict(COMMON_STRICTER, **{
    "clip_value=-1": "a negative clip_value raises (torch sets every entry to it)",
    "clip_value=nan": "a NaN clip_value raises (torch turns every gradient into NaN)",
    "foreach=1": NOT_A_BOOL, "clip_value='1'": NOT_A_NUMBER,
})


def parameter_extras(module, empty=True):
    """Hostile ``parameters`` themselves (torch's reference gets a torch module for a module).

    ``empty``: whether to include ``parameters=[]`` (clip_grad_value_ leaves it out: torch's
    foreach kernel fails on an empty list with a RuntimeError, a torch bug rather than a rule;
    dlref does nothing there, as clip_grad_norm_ does in both).
    """
    return [("parameters=None", {"parameters": None}), ("parameters=5", {"parameters": 5}),
            ("parameters='ab'", {"parameters": "ab"}), ("parameters=[1.0]", {"parameters": [1.0]}),
            ("parameters=[None]", {"parameters": [None]}), ("parameters=module", {"parameters": module})] + (
        [("parameters=[]", {"parameters": []})] if empty else [])


NORM_EXTRAS = [
    ("max_norm=-1", {"max_norm": -1.0}), ("max_norm='1'", {"max_norm": "1"}), ("max_norm=None", {"max_norm": None}),
    ("max_norm=nan", {"max_norm": float("nan")}), ("max_norm=inf", {"max_norm": float("inf")}),
    ("max_norm=0", {"max_norm": 0.0}),
    ("norm_type=0", {"norm_type": 0.0}), ("norm_type=-1", {"norm_type": -1.0}),
    ("norm_type='fro'", {"norm_type": "fro"}), ("norm_type=None", {"norm_type": None}),
    ("norm_type='inf'", {"norm_type": "inf"}), ("norm_type=inf", {"norm_type": float("inf")}),
    ("norm_type=1", {"norm_type": 1}), ("norm_type=3.5", {"norm_type": 3.5}),
    ("error_if_nonfinite='yes'", {"error_if_nonfinite": "yes"}), ("foreach=1", {"foreach": 1}),
]
VALUE_EXTRAS = [
    ("clip_value=-1", {"clip_value": -1.0}), ("clip_value='1'", {"clip_value": "1"}),
    ("clip_value=None", {"clip_value": None}), ("clip_value=nan", {"clip_value": float("nan")}),
    ("clip_value=inf", {"clip_value": float("inf")}), ("clip_value=0", {"clip_value": 0.0}),
    ("foreach=1", {"foreach": 1}),
]


def torch_reference(clip_factory):
    """torch's clipping through the torch wrapper; a dlref module among the parameters becomes torch's."""
    call = clip_factory(torch_parameter)

    def reference(**a):
        if isinstance(a.get("parameters"), Linear):
            a["parameters"] = torch.nn.Linear(2, 2)
        return call(**a)
    return reference


def cases():
    grads = dict(grad=G1, grad2=G2)
    tgrads = {k: torch.tensor(v) for k, v in grads.items()}
    norm_ref = torch_reference(lambda make: clip_norm(torch.nn.utils.clip_grad_norm_, make))
    value_ref = torch_reference(lambda make: clip_value(torch.nn.utils.clip_grad_value_, make))
    return [
        Case("dlref.numpy.nn.utils.clip_grad_norm_", clip_norm(nu.clip_grad_norm_, numpy_parameter),
             dict(grads, max_norm=1.0, norm_type=2.0), reference=norm_ref, stricter=NORM_STRICTER,
             extra=NORM_EXTRAS + parameter_extras(Linear(2, 2))),
        Case("dlref.torch.nn.utils.clip_grad_norm_", clip_norm(tu.clip_grad_norm_, torch_parameter),
             dict(tgrads, max_norm=1.0, norm_type=2.0), reference=norm_ref, stricter=NORM_STRICTER,
             extra=NORM_EXTRAS + parameter_extras(torch.nn.Linear(2, 2)), id="torch-clip_grad_norm_"),
        Case("dlref.numpy.nn.utils.clip_grad_value_", clip_value(nu.clip_grad_value_, numpy_parameter),
             dict(grads, clip_value=1.0), reference=value_ref, stricter=VALUE_STRICTER,
             extra=VALUE_EXTRAS + parameter_extras(Linear(2, 2), empty=False)),
        Case("dlref.torch.nn.utils.clip_grad_value_", clip_value(tu.clip_grad_value_, torch_parameter),
             dict(tgrads, clip_value=1.0), reference=value_ref, stricter=VALUE_STRICTER,
             extra=VALUE_EXTRAS + parameter_extras(torch.nn.Linear(2, 2), empty=False), id="torch-clip_grad_value_"),
    ]


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id or c.name.split(".")[-1])
def test_valid_call_agrees_with_torch(case):
    ours = case.ours(**case.args)
    theirs = case.reference(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in case.args.items()})
    for a, b in zip(ours, theirs):
        assert np.allclose(np.asarray(a), b.numpy())
