"""What the recurrent layers' bad-input catalogues share (test_rnn.py, test_gru.py).

Sizes, constructor arguments, the hostile constructor calls and why dlref is stricter there,
and the three ways to build one layer with the same weights: dlref's NumPy layer, torch.nn's
layer and dlref's torch twin. Each catalogue draws its own arrays.
"""

import numpy as np
import torch

from dlref.numpy import nn
from dlref.torch import nn as tnn

L, N, I, H = 4, 2, 3, 5

LAYER = dict(input_size=I, hidden_size=H, num_layers=2, dtype=np.float64)
CELL = dict(input_size=I, hidden_size=H, dtype=np.float64)

BOOL = "bias, batch_first and bidirectional must be bools (torch's cells test bias for truth)"
SIZES = "sizes must be >= 1 (torch builds a zero-size layer with a warning)"
BAD_SIZES = [
    ("input_size=0", {"input_size": 0}), ("input_size=2.5", {"input_size": 2.5}),
    ("input_size=None", {"input_size": None}), ("hidden_size=0", {"hidden_size": 0}),
    ("hidden_size=-1", {"hidden_size": -1}), ("hidden_size='5'", {"hidden_size": "5"}),
    ("bias=None", {"bias": None}), ("bias=1", {"bias": 1}),
    ("dtype=int64", {"dtype": np.int64}), ("dtype=complex128", {"dtype": np.complex128}),
]
BAD_STACK = BAD_SIZES + [
    ("num_layers=0", {"num_layers": 0}), ("num_layers=1.5", {"num_layers": 1.5}),
    ("num_layers=True", {"num_layers": True}), ("num_layers=None", {"num_layers": None}),
    ("dropout=-0.1", {"dropout": -0.1}), ("dropout=1.5", {"dropout": 1.5}), ("dropout='0.5'", {"dropout": "0.5"}),
    ("dropout=True", {"dropout": True}), ("dropout=nan", {"dropout": float("nan")}),
    ("dropout=None", {"dropout": None}),
    ("batch_first=None", {"batch_first": None}), ("bidirectional=None", {"bidirectional": None}),
    ("bidirectional=1", {"bidirectional": 1}),
]
CELL_STRICTER = {"bias=None": BOOL, "bias=1": BOOL, "hidden_size=0": SIZES}


def numpy_layer(name, kwargs):
    return getattr(nn, name)(**kwargs, generator=np.random.default_rng(0))


def torch_layer(name, kwargs):
    """torch.nn's layer with the NumPy layer's weights."""
    layer = getattr(torch.nn, name)(**{k: v for k, v in kwargs.items() if k != "dtype"}, dtype=torch.float64)
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_layer(name, kwargs).state_dict().items()})
    return layer


def twin_layer(name, kwargs):
    layer = getattr(tnn, name)(**{k: v for k, v in kwargs.items() if k != "dtype"}, dtype=torch.float64)
    layer.load_state_dict(torch_layer(name, kwargs).state_dict())
    return layer
