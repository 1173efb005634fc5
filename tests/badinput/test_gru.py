"""Bad inputs to the gated recurrent units (``GRUCell``, ``GRU``) of both backends, judged by torch.

Forward passes with and without an initial state, constructors and ``load_state_dict`` are
judged by ``torch.nn.GRU``/``GRUCell`` holding the same weights; the NumPy ``backward``
passes (``grad_output`` and ``grad_h_n`` for the layer, ``grad_output`` for the cell) by
torch's autograd through that layer, returning the gradients for the input and the initial
state. dlref's own argument ``dropout_masks`` has no torch counterpart: every hostile value
must raise (``reference=None``).
"""

import numpy as np
import pytest
import torch

from badinput.framework import Case, convert, expand, ids, judge
from badinput.recurrent import (BAD_SIZES, BAD_STACK, BOOL, CELL, CELL_STRICTER, LAYER, H, I,
                                 L, N, numpy_layer, torch_layer, twin_layer)
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, module_cases
from dlref.numpy import nn

rng = np.random.default_rng(0)
X = rng.standard_normal((L, N, I))                  # (L, N, H_in)
XC = rng.standard_normal((N, I))                    # a cell's (N, H_in)
H0 = rng.standard_normal((2, N, H))                 # h_0 of a 2-layer stack: (num_layers, N, H)
HC = rng.standard_normal((N, H))                    # a cell's h


STACK_STRICTER = {"bias=None": BOOL, "bias=1": BOOL}


def state_cases(name, kwargs, x, h, variant=""):
    """The forward pass given an initial state ``hx``, both backends, judged by torch."""
    def ours(input, hx):
        return numpy_layer(name, kwargs)(input, hx)

    def twin(input, hx):
        return twin_layer(name, kwargs)(input, hx)

    def reference(input, hx):
        return torch_layer(name, kwargs)(input, hx)

    suffix = f"-{variant}" if variant else ""
    return [Case(f"dlref.numpy.nn.{name}", ours, dict(input=x, hx=h), reference=reference,
                 id=f"{name}{suffix}-forward-hx"),
            Case(f"dlref.torch.nn.{name}", twin, dict(input=convert(x), hx=convert(h)), reference=reference,
                 id=f"torch-{name}{suffix}-forward-hx")]


def backward_case(name, kwargs, x, h, grad_names, variant=""):
    """The NumPy layer's backward after a forward from ``h``, judged by torch's autograd (grads for input and hx)."""
    def run(**grads):
        layer = numpy_layer(name, kwargs)
        layer(x, h)
        return layer.backward(*[grads[n] for n in grad_names])

    def reference(**grads):
        leaves = [torch.from_numpy(a.copy()).requires_grad_(True) for a in (x, h)]
        outputs = torch_layer(name, kwargs)(*leaves)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        # a None gradient for h_n means "no gradient flows from it" (dlref's documented default)
        pairs = [(o, grads[n]) for k, (o, n) in enumerate(zip(outputs, grad_names)) if k == 0 or grads[n] is not None]
        return torch.autograd.grad([o for o, _ in pairs], leaves, [g for _, g in pairs])

    probe = numpy_layer(name, kwargs)(x, h)
    shapes = [a.shape for a in (probe if isinstance(probe, tuple) else (probe,))]
    args = {n: np.ones(shape) for n, shape in zip(grad_names, shapes)}
    suffix = f"-{variant}" if variant else ""
    return Case(f"dlref.numpy.nn.{name}", run, args, reference=reference, stricter=BACKWARD_STRICTER,
                id=f"{name}{suffix}-backward")


def dropout_masks_cases():
    kwargs = dict(LAYER, dropout=0.5)
    good = [rng.random((L, N, H)) > 0.5]
    bad = [("dropout_masks=array", {"dropout_masks": good[0]}),
           ("dropout_masks=two", {"dropout_masks": good * 2}), ("dropout_masks=empty", {"dropout_masks": []}),
           ("dropout_masks=float", {"dropout_masks": [good[0].astype(np.float64)]}),
           ("dropout_masks=wrong_shape", {"dropout_masks": [good[0][:, :1]]}),
           ("dropout_masks=None_inside", {"dropout_masks": [None]}),
           ("dropout_masks=tuple_of_lists", {"dropout_masks": (good[0].tolist(),)})]

    def ours(dropout_masks):
        return numpy_layer("GRU", kwargs)(X, dropout_masks=dropout_masks)

    def twin(dropout_masks):
        masks = [convert(m) if isinstance(m, np.ndarray) else m for m in dropout_masks] \
            if isinstance(dropout_masks, (list, tuple)) else convert(dropout_masks)
        return twin_layer("GRU", kwargs)(torch.from_numpy(X), dropout_masks=masks)

    def twin_numpy_masks(dropout_masks):
        return twin_layer("GRU", kwargs)(torch.from_numpy(X), dropout_masks=dropout_masks)

    return [Case("dlref.numpy.nn.GRU", ours, dict(dropout_masks=good), hostile=(), extra=bad,
                 id="GRU-dropout_masks"),
            Case("dlref.numpy.nn.GRU", ours, dict(dropout_masks=good), hostile=(),
                 extra=[("dropout_masks=tensor", {"dropout_masks": [torch.from_numpy(good[0])]})],
                 id="GRU-dropout_masks-tensor"),
            Case("dlref.torch.nn.GRU", twin, dict(dropout_masks=good), hostile=(), extra=bad,
                 id="torch-GRU-dropout_masks"),
            Case("dlref.torch.nn.GRU", twin_numpy_masks, dict(dropout_masks=[convert(good[0])]), hostile=(),
                 extra=[("dropout_masks=numpy", {"dropout_masks": good})], id="torch-GRU-dropout_masks-numpy")]


def cases():
    out = []
    out += module_cases("GRU", LAYER, X, BAD_STACK, constructor_stricter=STACK_STRICTER, backward=False)
    out += [c for c in module_cases("GRU", dict(LAYER, bidirectional=True, batch_first=True),
                                    X.transpose(1, 0, 2).copy(), variant="bidirectional", backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]
    out += [c for c in module_cases("GRU", dict(LAYER, bidirectional=True), X[:, 0].copy(), variant="unbatched",
                                    backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]
    out += module_cases("GRUCell", CELL, XC, BAD_SIZES, constructor_stricter=CELL_STRICTER, backward=False)
    out += [c for c in module_cases("GRUCell", CELL, XC[0].copy(), variant="unbatched", backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]

    out += state_cases("GRU", LAYER, X, H0)
    out += state_cases("GRU", dict(LAYER, bidirectional=True), X[:, 0].copy(),
                       np.concatenate([H0[:, 0], H0[:, 1]]), variant="unbatched")        # (4, H)
    out += state_cases("GRUCell", CELL, XC, HC)

    out.append(backward_case("GRU", dict(LAYER, bidirectional=True), X, np.concatenate([H0, H0]),
                             ("grad_output", "grad_h_n")))
    out.append(backward_case("GRU", dict(LAYER, batch_first=True), X.transpose(1, 0, 2).copy(), H0,
                             ("grad_output", "grad_h_n"), variant="batch_first"))
    out.append(backward_case("GRUCell", CELL, XC, HC, ("grad_output",)))

    out += dropout_masks_cases()
    return out


CASES = cases()
CALLS = expand(CASES)
# torch warns when it builds the empty or single-layer-dropout layers the constructor cases ask it for
pytestmark = [pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning"),
              pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last:UserWarning")]


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("name,kwargs,grad", [("GRU", LAYER, np.ones((L, N, H))), ("GRUCell", CELL, np.ones((N, H)))])
def test_backward_before_forward_says_so(name, kwargs, grad):
    backward_before_forward(name, kwargs, grad)
