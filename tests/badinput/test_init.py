"""Bad inputs to ``dlref.numpy.nn.init``, judged by ``torch.nn.init`` on a tensor of the same shape.

See framework.py for the rule. Every function gets the generated hostile variants of its
``tensor`` (``None``, a list, 0-d/1-d tensors where no fan can be computed, an empty tensor,
integer/float16/complex dtypes, NaN and inf) and its own extras: bad ``gain``, ``mode``,
``nonlinearity``, ``a``/``b``/``mean``/``std``/``val``. The fills are random, so the judge compares
what it always compares: raised or not, the shape and dtype, and no NaN torch lacks.
"""

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from dlref.numpy.nn import Parameter, init

W = np.zeros((3, 4))   # a Linear weight (out_features=3, in_features=4)
NAN, INF = float("nan"), float("inf")


def ours(name):
    """``init.<name>``; a Parameter result is given back as its array (torch returns the tensor)."""
    def call(**a):
        result = getattr(init, name)(**a)
        return result.data if isinstance(result, Parameter) else result
    return call


def reference(name):
    """``torch.nn.init.<name>`` (the fan helper is private there); a dlref Parameter becomes torch's."""
    fn = torch.nn.init._calculate_fan_in_and_fan_out if name == "calculate_fan_in_and_fan_out" \
        else getattr(torch.nn.init, name)

    def call(**a):
        if isinstance(a.get("tensor"), Parameter):
            a["tensor"] = torch.nn.Parameter(torch.tensor(a["tensor"].data))
        return fn(**a)
    return call


# the tensor itself: a Parameter, a 0-d and a 1-d one (no fan), an empty 1-d one (a no-op for kaiming)
TENSORS = [("tensor=Parameter", {"tensor": Parameter(W)}), ("tensor=()", {"tensor": np.zeros(())}),
           ("tensor=(5,)", {"tensor": np.zeros(5)}), ("tensor=(0,)", {"tensor": np.zeros(0)}),
           ("tensor=(2, 3, 3, 3)", {"tensor": np.zeros((2, 3, 3, 3))}), ("tensor=str", {"tensor": "weight"})]
# Not here: a (0, 0) weight for the Xavier functions, which dlref leaves as it is (a documented
# difference, tests/numpy/nn/test_init.py) where torch divides by zero (a ZeroDivisionError, no rule).
REALS = lambda name: [(f"{name}='1'", {name: "1"}), (f"{name}=None", {name: None}),  # noqa: E731
                      (f"{name}=nan", {name: NAN}), (f"{name}=inf", {name: INF}), (f"{name}=-inf", {name: -INF}),
                      (f"{name}=True", {name: True})]
KAIMING = REALS("a") + [
    ("a=-1", {"a": -1.0}), ("a=1e200", {"a": 1e200}),
    ("mode='fan_avg'", {"mode": "fan_avg"}), ("mode=None", {"mode": None}), ("mode=1", {"mode": 1}),
    ("mode='FAN_OUT'", {"mode": "FAN_OUT"}),
    ("nonlinearity='softmax'", {"nonlinearity": "softmax"}), ("nonlinearity=None", {"nonlinearity": None}),
    ("nonlinearity='RELU'", {"nonlinearity": "RELU"}),
    ("nonlinearity='relu', a='x'", {"nonlinearity": "relu", "a": "x"}),
    ("nonlinearity='tanh'", {"nonlinearity": "tanh"}),
]
NOT_A_NUMBER = "a must be a number even where the nonlinearity ignores it (torch ignores it then)"
NOT_A_BOOL = "a bool is not a number here (torch reads True as 1)"
A_NONE = ("a must be a number (torch reads a=None as calculate_gain's default slope 0.01, though a's own "
          "default is 0)")
NAN_REASON = "a NaN argument raises (torch fills the tensor with NaN, or returns a NaN gain)"

# name -> (valid keyword arguments, extra hostile calls, stricter labels)
FUNCTIONS = {
    "uniform_": (dict(tensor=W, a=-1.0, b=1.0),
                 REALS("a") + REALS("b") + [("a > b", {"a": 1.0, "b": 0.0}), ("a = b", {"a": 0.5, "b": 0.5}),
                                             ("b - a = inf", {"a": -1e308, "b": 1e308})], {}),
    "normal_": (dict(tensor=W, mean=0.0, std=1.0),
                REALS("mean") + REALS("std") + [("std=-1", {"std": -1.0}), ("std=0", {"std": 0.0})], {}),
    "constant_": (dict(tensor=W, val=0.5), REALS("val"), {}),
    "zeros_": (dict(tensor=W), [], {}),
    "ones_": (dict(tensor=W), [], {}),
    "xavier_uniform_": (dict(tensor=W, gain=1.0), REALS("gain") + [("gain=-1", {"gain": -1.0}),
                                                                   ("gain=1e200", {"gain": 1e200})], {}),
    "xavier_normal_": (dict(tensor=W, gain=1.0), REALS("gain") + [("gain=-1", {"gain": -1.0}),
                                                                  ("gain=1e200", {"gain": 1e200})], {}),
    "kaiming_uniform_": (dict(tensor=W, a=0.0, mode="fan_in", nonlinearity="leaky_relu"), KAIMING,
                         {"nonlinearity='relu', a='x'": NOT_A_NUMBER, "a=None": A_NONE}),
    "kaiming_normal_": (dict(tensor=W, a=0.0, mode="fan_in", nonlinearity="leaky_relu"), KAIMING,
                        {"nonlinearity='relu', a='x'": NOT_A_NUMBER, "a=None": A_NONE}),
    "calculate_fan_in_and_fan_out": (dict(tensor=W), [], {}),
}


def cases():
    out = []
    for name, (args, extra, stricter) in FUNCTIONS.items():
        strict = dict(COMMON_STRICTER, **stricter)
        strict.update({label: NAN_REASON for label, _ in extra if label.endswith("=nan")})
        strict.update({label: NOT_A_BOOL for label, _ in extra if label.endswith("=True")})
        out.append(Case(f"dlref.numpy.nn.init.{name}", ours(name), args, reference=reference(name),
                        stricter=strict, extra=TENSORS + extra))
    # calculate_gain takes no array: only its own extras (a linear-like name is left out: torch
    # returns the int 1 there and dlref the float 1.0, a documented difference)
    out.append(Case("dlref.numpy.nn.init.calculate_gain", ours("calculate_gain"),
                    dict(nonlinearity="leaky_relu", param=0.2), reference=reference("calculate_gain"), hostile=(),
                    stricter={"param=nan": NAN_REASON},
                    extra=[("nonlinearity='softmax'", {"nonlinearity": "softmax"}),
                           ("nonlinearity=None", {"nonlinearity": None}), ("nonlinearity=1", {"nonlinearity": 1}),
                           ("nonlinearity='Tanh'", {"nonlinearity": "Tanh"}),
                           ("nonlinearity='tanh'", {"nonlinearity": "tanh"}),
                           ("nonlinearity='relu', param='x'", {"nonlinearity": "relu", "param": "x"}),
                           ("param='x'", {"param": "x"}), ("param=True", {"param": True}),
                           ("param=None", {"param": None}), ("param=nan", {"param": NAN}),
                           ("param=inf", {"param": INF}), ("param=[0.1]", {"param": [0.1]})]))
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)
