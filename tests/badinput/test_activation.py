"""Bad inputs to the activations of both backends, judged by torch (see framework.py)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, autograd_reference, expand, ids, judge, module_backward_reference
from badinput.layers import BACKWARD_STRICTER
from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.torch import functional as TTF
from dlref.torch import nn as tnn

X = np.random.default_rng(0).standard_normal((3, 4))
G = np.ones((3, 4))

# name -> (torch reference, extra keyword arguments)
ELEMENTWISE = {
    "sigmoid": (torch.sigmoid, {}), "tanh": (torch.tanh, {}), "relu": (TF.relu, {}),
    "leaky_relu": (TF.leaky_relu, {"negative_slope": 0.1}), "elu": (TF.elu, {"alpha": 1.0}),
    "gelu": (TF.gelu, {"approximate": "none"}), "silu": (TF.silu, {}),
    "softmax": (TF.softmax, {"dim": -1}), "log_softmax": (TF.log_softmax, {"dim": -1}),
}
MODULES = {"Sigmoid": {}, "Tanh": {}, "ReLU": {}, "LeakyReLU": {"negative_slope": 0.1}, "ELU": {"alpha": 1.0},
           "GELU": {}, "SiLU": {}, "Softmax": {"dim": -1}, "LogSoftmax": {"dim": -1}}
# why dlref raises where torch returns (stated under "Differences from PyTorch" in each docstring)
NO_IMPLICIT_DIM = ("dim=None is a TypeError: torch's dim=None picks a dimension implicitly (deprecated, with a "
                   "warning); dlref does not guess which dimension holds the classes")
BAD_KEYWORDS = {"negative_slope": ["0.1", None], "alpha": ["1", None], "approximate": ["fast", None],
                "dim": [2, 1.0, None]}


def keyword_extras(keywords):
    return [(f"{k}={v!r}", {k: v}) for k in keywords for v in BAD_KEYWORDS[k]]


def stricter(keywords, base=COMMON_STRICTER):
    return dict(base, **({"dim=None": NO_IMPLICIT_DIM} if "dim" in keywords else {}))


def cases():
    out = []
    for name, (ref, kw) in ELEMENTWISE.items():
        out.append(Case(f"dlref.numpy.functional.{name}", getattr(F, name), dict(input=X, **kw),
                        reference=ref if name in ("sigmoid", "tanh") else (lambda ref=ref, **a: ref(**a)),
                        rename={}, extra=keyword_extras(kw), stricter=stricter(kw)))
        out.append(Case(f"dlref.torch.functional.{name}", getattr(TTF, name), dict(input=torch.tensor(X), **kw),
                        reference=lambda ref=ref, **a: ref(**a), extra=keyword_extras(kw), stricter=stricter(kw),
                        id=f"torch-{name}"))
        # the backward pass: its inputs are checked like the forward's, and grad_output must fit
        out.append(Case(f"dlref.numpy.functional.{name}_backward", getattr(F, f"{name}_backward"),
                        dict(grad_output=G, input=X, **kw),
                        reference=autograd_reference(lambda ref=ref, **a: ref(**a)),
                        stricter=stricter(kw, BACKWARD_STRICTER)))
    for name, kw in MODULES.items():
        def forward(module_kw=kw, name=name, **a):
            return getattr(nn, name)(**module_kw)(a["input"])

        def forward_torch(module_kw=kw, name=name, **a):
            return getattr(tnn, name)(**module_kw)(a["input"])

        def reference(module_kw=kw, name=name, **a):
            return getattr(torch.nn, name)(**module_kw)(a["input"])

        def backward(module_kw=kw, name=name, **a):
            module = getattr(nn, name)(**module_kw)
            module(X)
            return module.backward(a["grad_output"])

        def construct(name=name, **a):
            return getattr(nn, name)(**a)(X)

        def construct_torch(name=name, **a):
            return getattr(tnn, name)(**a)(torch.tensor(X))

        def construct_reference(name=name, **a):
            return getattr(torch.nn, name)(**a)(torch.tensor(X))

        out.append(Case(f"dlref.numpy.nn.{name}", forward, dict(input=X), reference=reference, id=f"{name}-forward"))
        # torch's autograd through torch's module judges the gradient
        backward_reference = module_backward_reference(lambda name=name, module_kw=kw: getattr(torch.nn, name)(
            **module_kw), X)
        out.append(Case(f"dlref.numpy.nn.{name}", backward, dict(grad_output=G), reference=backward_reference,
                        stricter=BACKWARD_STRICTER, id=f"{name}-backward"))
        out.append(Case(f"dlref.numpy.nn.{name}", construct, dict(kw), reference=construct_reference, hostile=(),
                        extra=keyword_extras(kw), stricter=stricter(kw), id=f"{name}-constructor"))
        out.append(Case(f"dlref.torch.nn.{name}", forward_torch, dict(input=torch.tensor(X)), reference=reference,
                        id=f"torch-{name}-forward"))
        out.append(Case(f"dlref.torch.nn.{name}", construct_torch, dict(kw), reference=construct_reference,
                        hostile=(), extra=keyword_extras(kw), stricter=stricter(kw), id=f"torch-{name}-constructor"))
    return out


CASES = cases()
# torch's reference warns when it is asked for its deprecated dim=None
pytestmark = pytest.mark.filterwarnings("ignore:Implicit dimension choice:UserWarning")
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_backward_before_forward_says_so(name):
    with pytest.raises(RuntimeError, match="before forward"):
        getattr(nn, name)(**MODULES[name]).backward(G)
