"""Bad inputs to embeddings (``embedding``, ``embedding_backward``, ``Embedding``) of both backends, judged by torch.

The NumPy ``embedding`` with ``max_norm`` renormalizes its ``weight`` in place, as torch's
does: each call gets a copy of the case's table, so the calls stay independent.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, grads_reference, module_cases
from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.torch import functional as TTF

rng = np.random.default_rng(0)
I = np.array([[0, 4, 1], [1, 1, 3]])                 # (2, 3) indices into 5 rows
W = rng.standard_normal((5, 3))                      # (num_embeddings, embedding_dim)
G = np.ones((2, 3, 3))                               # the output's shape

# why dlref raises where torch returns (stated in the docstrings)
SPARSE = "sparse=True is a ValueError: dlref has no sparse gradients"
MAX_NORM = "max_norm must be >= 0 and norm_type > 0 (torch scales by a negative max_norm, ignores norm_type unused)"
PADDING_BOOL = "padding_idx must be None or an int, not a bool (torch takes True as 1)"
SIZES = "num_embeddings and embedding_dim must be >= 1 (torch builds an empty table)"
MAX_NORM_NAN = "max_norm must not be NaN (torch compares the norms with NaN and leaves the rows as they are)"
OPTIONS_STRICTER = {"sparse=True": SPARSE, "max_norm=-1": MAX_NORM, "norm_type=0": MAX_NORM,
                    "norm_type=-2": MAX_NORM, "padding_idx=True": PADDING_BOOL, "max_norm=nan": MAX_NORM_NAN}

BAD_OPTIONS = [
    ("padding_idx=5", {"padding_idx": 5}), ("padding_idx=-6", {"padding_idx": -6}),
    ("padding_idx=1.5", {"padding_idx": 1.5}), ("padding_idx='1'", {"padding_idx": "1"}),
    ("padding_idx=True", {"padding_idx": True}),
    ("max_norm=-1", {"max_norm": -1.0}), ("max_norm=nan", {"max_norm": float("nan")}),
    ("max_norm='1'", {"max_norm": "1"}),
    ("norm_type=0", {"norm_type": 0.0, "max_norm": 1.0}), ("norm_type=-2", {"norm_type": -2.0, "max_norm": 1.0}),
    ("norm_type=None", {"norm_type": None, "max_norm": 1.0}),
    ("scale_grad_by_freq='yes'", {"scale_grad_by_freq": "yes"}), ("scale_grad_by_freq=None",
                                                                  {"scale_grad_by_freq": None}),
    ("sparse=True", {"sparse": True}), ("sparse=None", {"sparse": None}),
    # indices out of range, and of a type that is no index
    ("input=5", {"input": np.array([5])}), ("input=-1", {"input": np.array([[0, -1]])}),
    ("input=float", {"input": I.astype(np.float64)}), ("input=bool", {"input": I > 1}),
    ("input=int32", {"input": I.astype(np.int32)}), ("input=0-D", {"input": np.array(2)}),
]
BAD_EMBEDDING = [
    ("num_embeddings=0", {"num_embeddings": 0}), ("num_embeddings=2.5", {"num_embeddings": 2.5}),
    ("num_embeddings=None", {"num_embeddings": None}), ("embedding_dim=0", {"embedding_dim": 0}),
    ("embedding_dim=-1", {"embedding_dim": -1}), ("embedding_dim='3'", {"embedding_dim": "3"}),
    ("padding_idx=5", {"padding_idx": 5}), ("padding_idx=-6", {"padding_idx": -6}),
    ("padding_idx=1.5", {"padding_idx": 1.5}), ("padding_idx=True", {"padding_idx": True}),
    ("max_norm=-1", {"max_norm": -1.0}), ("norm_type=0", {"norm_type": 0.0, "max_norm": 1.0}),
    ("scale_grad_by_freq='yes'", {"scale_grad_by_freq": "yes"}), ("sparse=True", {"sparse": True}),
    ("dtype=int64", {"dtype": np.int64}), ("dtype=complex128", {"dtype": np.complex128}),
]


def _copied(fn):
    """``fn`` given its own copy of a NumPy ``weight`` (``max_norm`` writes into it)."""
    def call(**kwargs):
        weight = kwargs.get("weight")
        if isinstance(weight, np.ndarray):
            kwargs = dict(kwargs, weight=weight.copy())
        return fn(**kwargs)
    return call


def _torch_input(changes: dict) -> dict:
    """An extra's changes as the torch twin takes them (index arrays as tensors)."""
    return {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v) for k, v in changes.items()}


def reference(input, weight, **kwargs):
    return TF.embedding(input, weight, **kwargs)


def cases():
    options = dict(padding_idx=1, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False)
    renorm = dict(options, max_norm=1.5, scale_grad_by_freq=True)
    stricter = dict(COMMON_STRICTER, **OPTIONS_STRICTER)
    out = [
        Case("dlref.numpy.functional.embedding", _copied(F.embedding), dict(input=I, weight=W, **options),
             reference=reference, stricter=stricter, extra=BAD_OPTIONS),
        Case("dlref.numpy.functional.embedding", _copied(F.embedding), dict(input=I, weight=W, **renorm),
             reference=reference, stricter=stricter, id="embedding-max_norm"),
        Case("dlref.torch.functional.embedding", TTF.embedding,
             dict(input=torch.from_numpy(I), weight=torch.from_numpy(W), **options), reference=reference,
             stricter=stricter, extra=[(label, _torch_input(c)) for label, c in BAD_OPTIONS], id="torch-embedding"),
        Case("dlref.torch.functional.embedding", lambda **a: TTF.embedding(**dict(a, weight=a["weight"].clone())
                                                                           if isinstance(a["weight"], torch.Tensor)
                                                                           else a),
             dict(input=torch.from_numpy(I), weight=torch.from_numpy(W), **renorm), reference=reference,
             stricter=stricter, id="torch-embedding-max_norm"),
        Case("dlref.numpy.functional.embedding_backward", F.embedding_backward,
             dict(grad_output=G, input=I, weight=W, **options),
             reference=grads_reference(reference, ("weight",)), stricter=dict(BACKWARD_STRICTER, **OPTIONS_STRICTER),
             extra=[(label, c) for label, c in BAD_OPTIONS if not label.startswith("input=")]),
        Case("dlref.numpy.functional.embedding_backward", F.embedding_backward,
             dict(grad_output=G, input=I, weight=W, **renorm),
             reference=grads_reference(reference, ("weight",)), stricter=dict(BACKWARD_STRICTER, **OPTIONS_STRICTER),
             hostile=("grad_output",), id="embedding_backward-scale_grad_by_freq"),
    ]
    kwargs = dict(num_embeddings=5, embedding_dim=3, padding_idx=1, dtype=np.float64)
    out += module_cases("Embedding", kwargs, I, BAD_EMBEDDING, backward=False,
                        constructor_stricter=dict(OPTIONS_STRICTER, **{"embedding_dim=0": SIZES}))
    out += [c for c in module_cases("Embedding", dict(kwargs, max_norm=1.0, scale_grad_by_freq=True), I,
                                    variant="max_norm", backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]

    def run_backward(grad_output):
        layer = nn.Embedding(**kwargs, generator=np.random.default_rng(0))
        layer(I)
        assert layer.backward(grad_output) is None
        return layer.weight.grad

    def backward_reference(grad_output):
        layer = torch.nn.Embedding(5, 3, padding_idx=1, dtype=torch.float64)
        state = nn.Embedding(**kwargs, generator=np.random.default_rng(0)).state_dict()
        layer.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        return torch.autograd.grad(layer(torch.from_numpy(I)), layer.weight, grad_output)[0]

    out.append(Case("dlref.numpy.nn.Embedding", run_backward, dict(grad_output=G), reference=backward_reference,
                    stricter=BACKWARD_STRICTER, id="Embedding-backward"))
    return out


CASES = cases()
CALLS = expand(CASES)
# torch warns when it builds the empty tables the constructor cases ask it for
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


def test_backward_before_forward_says_so():
    backward_before_forward("Embedding", dict(num_embeddings=5, embedding_dim=3, dtype=np.float64), G)
