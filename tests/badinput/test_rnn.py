"""Bad inputs to the recurrent layers (``RNNCell``, ``LSTMCell``, ``RNN``, ``LSTM``) of both backends, judged by torch.

Forward passes with and without initial states, constructors and ``load_state_dict`` are
judged by the ``torch.nn`` layer holding the same weights; the NumPy ``backward`` passes
(which take the gradients of every output: ``grad_output``, ``grad_h_n``, ``grad_c_n``) by
torch's autograd through that layer, returning the gradients for the input and the initial
states. dlref's own argument ``dropout_masks`` has no torch counterpart: every hostile value
must raise (``reference=None``).
"""

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, Case, convert, expand, ids, judge
from badinput.recurrent import (BAD_SIZES, BAD_STACK, BOOL, CELL, CELL_STRICTER, LAYER, H, I,
                                 L, N, numpy_layer, torch_layer, twin_layer)
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, module_cases
from dlref.numpy import nn

rng = np.random.default_rng(0)
X = rng.standard_normal((L, N, I))                  # (L, N, H_in)
XC = rng.standard_normal((N, I))                    # a cell's (N, H_in)
S = [rng.standard_normal((2, N, H)) for _ in range(2)]   # h_0, c_0 of a 2-layer stack: (num_layers, N, H)
SC = [rng.standard_normal((N, H)) for _ in range(2)]     # a cell's h, c


BAD_NONLINEARITY = [("nonlinearity='sigmoid'", {"nonlinearity": "sigmoid"}),
                    ("nonlinearity=None", {"nonlinearity": None}), ("nonlinearity='TANH'", {"nonlinearity": "TANH"})]
LSTM_CELL_MIXED = ("a state must have the input's dtype (TypeError); torch's LSTM and LSTMCell mix a c_0 of "
                   "another dtype into c_n silently")


# -- forward with initial states, and backward ---------------------------------------------------


def _hx(lstm: bool, states):
    """The ``hx`` argument from the case's state arguments (``hx``, or ``h_0`` and ``c_0``)."""
    return tuple(states) if lstm else states[0]


def state_cases(name, kwargs, x, states, state_names):
    lstm = len(state_names) == 2

    def ours(input, **st):
        return numpy_layer(name, kwargs)(input, _hx(lstm, [st[n] for n in state_names]))

    def twin(input, **st):
        return twin_layer(name, kwargs)(input, _hx(lstm, [st[n] for n in state_names]))

    def reference(input, **st):
        return torch_layer(name, kwargs)(input, _hx(lstm, [st[n] for n in state_names]))

    args = dict(input=x, **dict(zip(state_names, states)))
    stricter = dict(COMMON_STRICTER)
    if name in ("LSTM", "LSTMCell"):
        stricter.update({"c_0=float16": LSTM_CELL_MIXED, "c_0=mixed_precision": LSTM_CELL_MIXED})
    return [
        Case(f"dlref.numpy.nn.{name}", ours, args, reference=reference, stricter=stricter, aliases=("hx",),
             id=f"{name}-forward-hx"),
        Case(f"dlref.torch.nn.{name}", twin, {k: convert(v) for k, v in args.items()}, reference=reference,
             stricter=stricter, aliases=("hx",), id=f"torch-{name}-forward-hx"),
    ]


def backward_case(name, kwargs, x, states, state_names, grad_names):
    """The NumPy layer's backward after a forward from ``states``, judged by torch's autograd."""
    lstm = len(state_names) == 2

    def run(**grads):
        layer = numpy_layer(name, kwargs)
        layer(x, _hx(lstm, states))
        return layer.backward(*[grads[n] for n in grad_names])

    def reference(**grads):
        leaves = [torch.from_numpy(a.copy()).requires_grad_(True) for a in (x, *states)]
        outputs = torch.utils._pytree.tree_leaves(torch_layer(name, kwargs)(leaves[0], _hx(lstm, leaves[1:])))
        # a None gradient for a state output means "no gradient flows from it" (dlref's documented default)
        pairs = [(o, grads[n]) for k, (o, n) in enumerate(zip(outputs, grad_names))
                 if k == 0 or grads[n] is not None]
        return torch.autograd.grad([o for o, _ in pairs], leaves, [g for _, g in pairs])

    probe = numpy_layer(name, kwargs)(x, _hx(lstm, states))
    shapes = [a.shape for a in torch.utils._pytree.tree_leaves(probe)]
    args = {n: np.ones(shape) for n, shape in zip(grad_names, shapes)}
    return Case(f"dlref.numpy.nn.{name}", run, args, reference=reference, stricter=BACKWARD_STRICTER,
                id=f"{name}-backward")


# -- dlref's dropout_masks -------------------------------------------------------------------------


def dropout_masks_cases(name):
    kwargs = dict(LAYER, dropout=0.5)
    good = [rng.random((L, N, H)) > 0.5]
    bad = [("dropout_masks=array", {"dropout_masks": good[0]}),
           ("dropout_masks=two", {"dropout_masks": good * 2}), ("dropout_masks=empty", {"dropout_masks": []}),
           ("dropout_masks=float", {"dropout_masks": [good[0].astype(np.float64)]}),
           ("dropout_masks=wrong_shape", {"dropout_masks": [good[0][:, :1]]}),
           ("dropout_masks=None_inside", {"dropout_masks": [None]})]

    def ours(dropout_masks):
        return numpy_layer(name, kwargs)(X, dropout_masks=dropout_masks)

    def twin(dropout_masks):
        masks = [convert(m) if isinstance(m, np.ndarray) else m for m in dropout_masks] \
            if isinstance(dropout_masks, list) else convert(dropout_masks)
        return twin_layer(name, kwargs)(torch.from_numpy(X), dropout_masks=masks)

    return [Case(f"dlref.numpy.nn.{name}", ours, dict(dropout_masks=good), hostile=(), extra=bad,
                 id=f"{name}-dropout_masks"),
            Case(f"dlref.torch.nn.{name}", twin, dict(dropout_masks=good), hostile=(), extra=bad,
                 id=f"torch-{name}-dropout_masks")]


def cases():
    out = []
    rnn_stricter = {"bias=None": BOOL, "bias=1": BOOL}
    out += module_cases("RNN", LAYER, X, BAD_STACK + BAD_NONLINEARITY, constructor_stricter=rnn_stricter,
                        backward=False)
    out += [c for c in module_cases("RNN", dict(LAYER, nonlinearity="relu", bidirectional=True, batch_first=True),
                                    X.transpose(1, 0, 2).copy(), variant="relu-bidirectional", backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]
    out += module_cases("LSTM", LAYER, X, BAD_STACK, constructor_stricter=rnn_stricter, backward=False)
    out += [c for c in module_cases("LSTM", dict(LAYER, bidirectional=True), X[:, 0].copy(), variant="unbatched",
                                    backward=False)
            if "constructor" not in c.id and "load_state_dict" not in c.id]
    out += module_cases("RNNCell", CELL, XC, BAD_SIZES + BAD_NONLINEARITY, constructor_stricter=CELL_STRICTER,
                        backward=False)
    out += module_cases("LSTMCell", CELL, XC, BAD_SIZES, constructor_stricter=CELL_STRICTER, backward=False)

    out += state_cases("RNN", LAYER, X, S[:1], ("hx",))
    out += state_cases("LSTM", LAYER, X, S, ("h_0", "c_0"))
    out += state_cases("RNNCell", CELL, XC, SC[:1], ("hx",))
    out += state_cases("LSTMCell", CELL, XC, SC, ("h_0", "c_0"))
    out += state_cases("LSTM", dict(LAYER, bidirectional=True), X[:, 0].copy(),
                       [np.concatenate([s[:, 0], s[:, 1]]) for s in S], ("h_0", "c_0"))   # unbatched: (4, H)

    out.append(backward_case("RNN", dict(LAYER, bidirectional=True), X, [np.concatenate(S)], ("hx",),
                             ("grad_output", "grad_h_n")))
    out.append(backward_case("LSTM", LAYER, X, S, ("h_0", "c_0"), ("grad_output", "grad_h_n", "grad_c_n")))
    out.append(backward_case("RNNCell", CELL, XC, SC[:1], ("hx",), ("grad_output",)))
    out.append(backward_case("LSTMCell", CELL, XC, SC, ("h_0", "c_0"), ("grad_h_1", "grad_c_1")))

    out += dropout_masks_cases("RNN") + dropout_masks_cases("LSTM")
    return out


CASES = cases()
CALLS = expand(CASES)
# torch warns when it builds the empty or single-layer-dropout layers the constructor cases ask it for
pytestmark = [pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning"),
              pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last:UserWarning")]


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("name,kwargs,grad", [("RNN", LAYER, np.ones((L, N, H))), ("LSTM", LAYER, np.ones((L, N, H))),
                                              ("RNNCell", CELL, np.ones((N, H))), ("LSTMCell", CELL, np.ones((N, H)))])
def test_backward_before_forward_says_so(name, kwargs, grad):
    backward_before_forward(name, kwargs, grad)
