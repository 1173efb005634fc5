"""Bad inputs to dlref.numpy.autograd's Tensor, judged by torch tensors with ``requires_grad`` (see framework.py).

Each case builds a `Tensor` that requires a gradient, applies one operation with a hostile
argument (the data, the other operand, an axis, a shape, the gradient given to
``backward``), backpropagates, and returns the values and the gradient; the reference does
the same with ``torch.tensor(..., requires_grad=True)``. Indexing out of range is left
out: it raises ``IndexError`` in both, which is the sequence protocol Python's iteration
relies on, not a bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from badinput.framework import Case, check_valid_call, expand, ids, judge, keep
from dlref.numpy.autograd import Tensor

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
W = RNG.standard_normal((4, 2))
G = RNG.standard_normal((3, 4))
NAME = "dlref.numpy.autograd.Tensor"


def _floats_only(data) -> bool:
    if isinstance(data, (list, tuple)):
        return all(_floats_only(d) for d in data)
    return isinstance(data, float)


def torch_tensor(data, requires_grad=True):
    """``torch.tensor``, except that Python floats (a list of them) are float64: dlref follows NumPy there.

    torch gives them its default dtype, float32; `Tensor`'s docstring says so.
    """
    dtype = torch.float64 if isinstance(data, (list, float)) and _floats_only(data) else None
    return torch.tensor(data, dtype=dtype, requires_grad=requires_grad)


def _values_and_grad(y, x):
    """``y``'s values and ``x``'s gradient after backpropagating ``y.sum()``."""
    y.sum().backward()
    if isinstance(y, Tensor):
        return y.data, x.grad
    return y.detach(), x.grad


# -- the constructor ---------------------------------------------------------------------------------

CONSTRUCTOR = Case(
    NAME, lambda data, requires_grad: Tensor(data, requires_grad=requires_grad).data, dict(data=X, requires_grad=True),
    reference=lambda data, requires_grad: torch_tensor(data, requires_grad).detach(), convert=keep, hostile=("data",),
    extra=[("requires_grad=1", {"requires_grad": 1}), ("requires_grad=None", {"requires_grad": None}),
           ("requires_grad='yes'", {"requires_grad": "yes"}), ("data='ab'", {"data": "ab"}),
           ("data=ragged", {"data": [[1.0, 2.0], [1.0]]}), ("data=int_list", {"data": [1, 2]}),
           ("data=bools", {"data": np.array([True, False])}), ("data=strings", {"data": np.array(["a"])}),
           ("data=number", {"data": 2.5})],
    # (integers without requires_grad are left out: torch keeps int64, dlref makes float64, as documented)
    id="Tensor-constructor",
)


# -- binary operations: the other operand ----------------------------------------------------------------

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "matmul": lambda a, b: a @ b,
}


def binary_case(op):
    other = W if op == "matmul" else Y
    x_nan, x_inf = X.copy(), X.copy()
    x_nan[0, 0], x_inf[0, 0] = np.nan, np.inf

    def ours(input, other):
        x = Tensor(input, requires_grad=True)
        return _values_and_grad(BINARY[op](x, other), x)

    def reference(input, other):
        x = torch.tensor(input, requires_grad=True)
        other = torch.from_numpy(other.copy()) if isinstance(other, np.ndarray) else other
        return _values_and_grad(BINARY[op](x, other), x)

    return Case(NAME, ours, dict(input=X, other=other), reference=reference, convert=keep, hostile=("other",),
                extra=[("other='a'", {"other": "a"}), ("other=True", {"other": True}), ("other=2", {"other": 2}),
                       ("other=2.5", {"other": 2.5}), ("other=2j", {"other": 2j}),
                       ("input=nan", {"input": x_nan}), ("input=inf", {"input": x_inf})],
                stricter={"complex": "dlref's Tensor holds real numbers only (complex operands are a TypeError "
                                     "naming other); see Tensor's Differences from PyTorch",
                          "other=2j": "dlref's Tensor holds real numbers only; see Tensor's Differences"},
                id=f"Tensor-{op}")


# -- elementwise functions: the data ---------------------------------------------------------------------

UNARY = ("exp", "log", "tanh", "sigmoid", "relu")


def unary_case(name):
    def ours(data):
        x = Tensor(data, requires_grad=True)
        return _values_and_grad(getattr(x, name)(), x)

    def reference(data):
        x = torch_tensor(data)
        return _values_and_grad(getattr(x, name)(), x)

    return Case(NAME, ours, dict(data=X), reference=reference, convert=keep, id=f"Tensor-{name}")


# -- reductions and shapes: their arguments ---------------------------------------------------------------


def method_case(name, valid, bad, rename=None):
    def ours(**kwargs):
        x = Tensor(X, requires_grad=True)
        if name == "reshape":  # reshape(*shape) and permute(*dims), as torch's
            return _values_and_grad(x.reshape(kwargs["shape"]), x)
        if name == "permute":
            return _values_and_grad(x.permute(*kwargs["dims"]), x)
        return _values_and_grad(getattr(x, name)(**kwargs), x)

    def reference(**kwargs):
        x = torch.tensor(X, requires_grad=True)
        if name == "reshape":
            return _values_and_grad(x.reshape(kwargs["shape"]), x)
        if name == "permute":
            return _values_and_grad(x.permute(*kwargs["dims"]), x)
        return _values_and_grad(getattr(x, name)(**kwargs), x)

    return Case(NAME, ours, valid, reference=reference, rename=rename or {}, hostile=(),
                extra=[(f"{k}={v!r}", {k: v}) for k, values in bad.items() for v in values], id=f"Tensor-{name}")


METHODS = [
    method_case("sum", {"axis": 0}, {"axis": [2, -3, 1.5, "0", (0, 0), (0, 1), None, True]}, rename={"axis": "dim"}),
    method_case("mean", {"axis": 1}, {"axis": [2, -3, 1.5, "0", (1, 1), (0, 1), None]}, rename={"axis": "dim"}),
    method_case("reshape", {"shape": (4, 3)},
                {"shape": [(5,), (2, -1, -1), (-2, -6), ("a", 3), (2.0, 6), (0, -1), (-1,), (2, 2, 3)]}),
    method_case("permute", {"dims": (1, 0)}, {"dims": [(0, 0), (0,), (0, 1, 2), (0, 2), ("a", 0), (1, -2), (1.0, 0)]}),
    method_case("transpose", {"dim0": 0, "dim1": 1},
                {"dim0": [-3, 1.5, None, -1], "dim1": [2, "1", 0]}),
    method_case("__pow__", {"exponent": 2.0}, {"exponent": [None, "2", 2j, 3, -1.0]}),
]
METHODS[-1].stricter = {"exponent=2j": "dlref's Tensor holds real numbers only (a complex exponent is a "
                                       "TypeError); see Tensor's Differences from PyTorch"}
METHODS[-1].id = "Tensor-pow"


# -- backward: the gradient ------------------------------------------------------------------------------------


def backward_ours(grad):
    x = Tensor(X, requires_grad=True)
    (x * 2).backward(grad)
    return x.grad


def backward_reference(grad):
    x = torch.tensor(X, requires_grad=True)
    (x * 2).backward(grad)
    return x.grad


def scalar_backward_ours(grad):
    x = Tensor(X, requires_grad=True)
    (x * 2).sum().backward(grad)
    return x.grad


def scalar_backward_reference(grad):
    x = torch.tensor(X, requires_grad=True)
    (x * 2).sum().backward(grad)
    return x.grad


BACKWARD = Case(
    NAME, backward_ours, dict(grad=G), reference=backward_reference,
    extra=[("grad='a'", {"grad": "a"}), ("grad=float32", {"grad": G.astype(np.float32)}), ("grad=2.0", {"grad": 2.0})],
    id="Tensor-backward",
)
SCALAR_BACKWARD = Case(
    NAME, scalar_backward_ours, dict(grad=np.array(2.0)), reference=scalar_backward_reference, hostile=(),
    extra=[("grad=None", {"grad": None}), ("grad=shape_(1,)", {"grad": np.ones(1)}),
           ("grad=2.0", {"grad": 2.0}), ("grad=list", {"grad": [2.0]}), ("grad='a'", {"grad": "a"})],
    id="Tensor-scalar_backward",
)

CASES = ([CONSTRUCTOR] + [binary_case(op) for op in BINARY] + [unary_case(name) for name in UNARY] + METHODS
         + [BACKWARD, SCALAR_BACKWARD])
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_valid_call(case):
    check_valid_call(case)
