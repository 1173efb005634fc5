"""Bad inputs to ``dlref.numpy.nn``'s Module, Parameter, Sequential and Flatten, judged by ``torch.nn``.

See framework.py for the rule. ``Module.load_state_dict`` gets a state dict whose entries are
the case's arguments (so each entry gets the generated hostile variants), plus missing,
unexpected and wrong-shaped keys; both libraries load it into the same small network
(Linear-ReLU-Linear) and return the network's state afterwards. ``Sequential`` gets layers
named by a spec (``"linear"``, ``"relu"``) that each library builds as its own module, or a
hostile object passed as it is.
"""

from collections import OrderedDict

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, Case, autograd_reference, expand, ids, judge
from dlref.numpy import nn

rng = np.random.default_rng(0)
STATE = {"0.weight": rng.standard_normal((3, 4)), "0.bias": rng.standard_normal(3),
         "2.weight": rng.standard_normal((2, 3)), "2.bias": rng.standard_normal(2)}
MISSING = object()   # "leave this key out of the state dict"
X = rng.standard_normal((2, 4)).astype(np.float32)
X3 = rng.standard_normal((2, 3, 4))


# -- Module.load_state_dict ---------------------------------------------------------------------

def load(make, state_of):
    def call(strict=True, **entries):
        model = make()
        model.load_state_dict({k: v for k, v in entries.items() if v is not MISSING}, strict=strict)
        return tuple(state_of(model))
    return call


load_ours = load(lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)),
                 lambda m: m.state_dict().values())
load_torch = load(lambda: torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)),
                  lambda m: m.state_dict().values())

LOAD_EXTRAS = [
    ("missing 0.bias", {"0.bias": MISSING}),
    ("missing everything", {k: MISSING for k in STATE}),
    ("3.weight=unexpected", {"3.weight": np.zeros((2, 2))}),
    ("0.weight.extra=unexpected", {"0.weight.extra": np.zeros(1)}),
    ("strict=False, missing 0.bias", {"0.bias": MISSING, "strict": False}),
    ("strict=False, unexpected 3.weight", {"3.weight": np.zeros((2, 2)), "strict": False}),
    ("strict=False, wrong shape", {"0.weight": np.zeros((4, 3)), "strict": False}),
    ("0.weight transposed", {"0.weight": STATE["0.weight"].T.copy()}),
    ("0.weight=str", {"0.weight": "weights"}),
    ("0.bias=float", {"0.bias": 1.0}),
]
LOAD_SKIP = {"list": ("load_state_dict takes anything np.asarray takes, lists included (design.md's contract for "
                      "dlref.numpy modules); torch takes tensors only")}
LOAD_STRICTER = dict(COMMON_STRICTER, complex=(
    "a complex value for a real parameter raises TypeError (torch drops the imaginary part with a warning)"))


class Mode:
    """``module.train(mode)`` on a one-layer network of each library."""

    @staticmethod
    def ours(mode):
        return nn.Sequential(nn.Linear(4, 3)).train(mode)(X)

    @staticmethod
    def reference(mode):
        return torch.nn.Sequential(torch.nn.Linear(4, 3)).train(mode)(torch.from_numpy(X))


def load_mapping_ours(state_dict):
    return nn.Linear(4, 3).load_state_dict(state_dict)


def load_mapping_reference(state_dict):
    return torch.nn.Linear(4, 3).load_state_dict(state_dict)


# -- Sequential ---------------------------------------------------------------------------------

def build(spec, library):
    """A layer named by ``spec`` in ``library`` (``nn`` or ``torch.nn``); anything else as it is."""
    if isinstance(spec, str) and spec in ("linear", "relu"):
        return library.Linear(4, 3) if spec == "linear" else library.ReLU()
    return spec


def append(library, to_input):
    def call(module):
        return library.Sequential(build("linear", library)).append(build(module, library))(to_input(X))
    return call


def sequential(library, to_input):
    def call(modules):
        if isinstance(modules, dict):   # an OrderedDict (framework.convert makes a plain dict of it)
            layers = (OrderedDict((name, build(spec, library)) for name, spec in modules.items()),)
        else:
            layers = tuple(build(spec, library) for spec in modules)
        return library.Sequential(*layers)(to_input(X))
    return call


SEQUENTIAL_EXTRAS = [
    ("modules=(1,)", {"modules": (1,)}), ("modules=(None,)", {"modules": (None,)}),
    ("modules=('linear', None)", {"modules": ("linear", None)}),
    ("modules=(function,)", {"modules": (lambda x: x,)}), ("modules=(array,)", {"modules": (np.zeros(3),)}),
    ("modules=('linear', 'linear')", {"modules": ("linear", "linear")}),
    ("modules=(dict,)", {"modules": ({"fc": "linear"},)}),
    ("modules=OrderedDict", {"modules": OrderedDict([("fc", "linear"), ("act", "relu")])}),
    ("modules=OrderedDict with int name", {"modules": OrderedDict([(1, "linear")])}),
    ("modules=OrderedDict with dotted name", {"modules": OrderedDict([("fc.1", "linear")])}),
    ("modules=OrderedDict with empty name", {"modules": OrderedDict([("", "linear")])}),
    ("modules=OrderedDict naming forward", {"modules": OrderedDict([("forward", "linear")])}),
    ("modules=OrderedDict naming training", {"modules": OrderedDict([("training", "linear")])}),
    ("modules=OrderedDict of a non-module", {"modules": OrderedDict([("fc", 3)])}),
]


# -- Flatten ------------------------------------------------------------------------------------

def flatten_ours(input, start_dim=1, end_dim=-1):
    return nn.Flatten(start_dim, end_dim)(input)


def flatten_reference(input, start_dim=1, end_dim=-1):
    return torch.nn.Flatten(start_dim, end_dim)(input)


def flatten_backward(grad_output, input, start_dim=1, end_dim=-1):
    module = nn.Flatten(start_dim, end_dim)
    module(input)
    return module.backward(grad_output)


FLATTEN_EXTRAS = [
    ("start_dim=3", {"start_dim": 3}), ("start_dim=-4", {"start_dim": -4}), ("end_dim=3", {"end_dim": 3}),
    ("start_dim=2, end_dim=1", {"start_dim": 2, "end_dim": 1}),
    ("start_dim=-1, end_dim=0", {"start_dim": -1, "end_dim": 0}),
    ("start_dim=1.0", {"start_dim": 1.0}), ("start_dim=None", {"start_dim": None}),
    ("start_dim='1'", {"start_dim": "1"}),
    ("end_dim=None", {"end_dim": None}), ("start_dim=True", {"start_dim": True}),
    ("start_dim=0", {"start_dim": 0}), ("start_dim=-1, end_dim=-1", {"start_dim": -1, "end_dim": -1}),
    ("input=()", {"input": np.zeros(())}), ("input=(), start_dim=0", {"input": np.zeros(()), "start_dim": 0}),
    ("input=(0, 3, 4), start_dim=0", {"input": np.zeros((0, 3, 4)), "start_dim": 0}),
    ("input=(2, 0, 4)", {"input": np.zeros((2, 0, 4))}),
]
NOT_AN_INT = "a bool is not a dimension (torch reads True as 1)"


def cases():
    parameter = [
        Case("dlref.numpy.nn.Parameter", lambda data, requires_grad=True: nn.Parameter(data, requires_grad).data,
             dict(data=STATE["0.weight"]),
             reference=lambda data, requires_grad=True: torch.nn.Parameter(data, requires_grad).data,
             stricter={"none": "Parameter(None) raises TypeError (torch makes an empty parameter)"},
             extra=[("requires_grad='yes'", {"requires_grad": "yes"}), ("requires_grad=None", {"requires_grad": None}),
                    ("requires_grad=1", {"requires_grad": 1}),
                    ("int data, requires_grad=False", {"data": np.arange(3), "requires_grad": False}),
                    ("bool data", {"data": np.array([True, False])}),
                    ("data=str", {"data": "weights"}), ("data=float", {"data": 1.0})]),
    ]
    module = [
        Case("dlref.numpy.nn.Module", load_ours, dict(STATE), reference=load_torch, skip=LOAD_SKIP,
             stricter=LOAD_STRICTER, extra=LOAD_EXTRAS, id="Module-load_state_dict"),
        Case("dlref.numpy.nn.Module", load_mapping_ours, dict(state_dict={}), reference=load_mapping_reference,
             hostile=(), id="Module-load_state_dict-mapping",
             extra=[("state_dict=None", {"state_dict": None}), ("state_dict=list", {"state_dict": [("weight", 1.0)]}),
                    ("state_dict=str", {"state_dict": "weight"}), ("state_dict=array", {"state_dict": np.zeros(3)})]),
        Case("dlref.numpy.nn.Module", Mode.ours, dict(mode=True), reference=Mode.reference, hostile=(),
             id="Module-train", extra=[("mode='yes'", {"mode": "yes"}), ("mode=None", {"mode": None}),
                                       ("mode=1", {"mode": 1}), ("mode=False", {"mode": False})]),
    ]
    sequential_cases = [
        Case("dlref.numpy.nn.Sequential", sequential(nn, lambda x: x), dict(modules=("linear", "relu")),
             reference=sequential(torch.nn, torch.from_numpy), hostile=(), extra=SEQUENTIAL_EXTRAS),
        Case("dlref.numpy.nn.Sequential", append(nn, lambda x: x), dict(module="relu"),
             reference=append(torch.nn, torch.from_numpy), hostile=(), id="Sequential-append",
             extra=[("module=None", {"module": None}), ("module=1", {"module": 1}),
                    ("module=function", {"module": lambda x: x})]),
    ]
    flatten = [
        Case("dlref.numpy.nn.Flatten", flatten_ours, dict(input=X3, start_dim=1, end_dim=-1),
             reference=flatten_reference, stricter=dict(COMMON_STRICTER, **{"start_dim=True": NOT_AN_INT}),
             extra=FLATTEN_EXTRAS, id="Flatten-forward"),
        Case("dlref.numpy.nn.Flatten", flatten_backward,
             dict(grad_output=np.ones((2, 12)), input=X3, start_dim=1, end_dim=-1),
             reference=autograd_reference(flatten_reference), hostile=("grad_output",),
             extra=[("grad_output=float", {"grad_output": 1.0}), ("grad_output=(24,)", {"grad_output": np.ones(24)})],
             id="Flatten-backward"),
    ]
    return parameter + module + sequential_cases + flatten


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_load_state_dict_takes_lists_and_tensors():
    """What the skipped 'list' variant would have shown: lists (and tensors) load, as design.md promises."""
    state = {k: v.tolist() for k, v in STATE.items()}
    state["0.bias"] = torch.tensor(STATE["0.bias"])
    loaded = load_ours(**state)
    assert all(a.dtype == np.float32 for a in loaded)
    assert np.allclose(loaded[0], STATE["0.weight"].astype(np.float32))


@pytest.mark.parametrize("bad", [np.zeros((4, 3)), np.zeros(3, dtype=np.complex128)])
def test_a_failed_load_changes_nothing(bad):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises((ValueError, TypeError)):
        model.load_state_dict(dict(STATE, **{"0.weight" if bad.ndim == 2 else "2.bias": bad}))
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items())


def test_flatten_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Flatten().backward(np.ones((2, 12)))
