"""Activation modules (NumPy) against torch.nn: outputs, input gradients, repr, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules

# (ours, theirs): the same configuration on both sides
PAIRS = [
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.ELU(), lambda: torch.nn.ELU()),
    (lambda: nn.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    (lambda: nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
    (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
]
IDS = [repr(theirs()) for _, theirs in PAIRS]


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
                    elements=st.floats(-20, 20)))
def test_matches_torch_module(pair, x):
    ours, theirs = pair[0](), pair[1]().double()
    compare_modules(ours, theirs, x)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_repr_matches_torch(pair):
    assert repr(pair[0]()) == repr(pair[1]())


@pytest.mark.parametrize("ours, theirs", [
    (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
    (nn.LeakyReLU(0.2, inplace=True), torch.nn.LeakyReLU(0.2, inplace=True)),
    (nn.ELU(alpha=2.0, inplace=True), torch.nn.ELU(alpha=2.0, inplace=True)),
    (nn.SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=2), torch.nn.LogSoftmax(dim=2)),
])
def test_repr_with_arguments(ours, theirs):
    assert repr(ours) == repr(theirs)


def test_inplace_flag_does_not_modify_the_input():
    x = np.array([-1.0, 0.5, 2.0])
    before = x.copy()
    for module in (nn.ReLU(inplace=True), nn.LeakyReLU(inplace=True), nn.ELU(inplace=True), nn.SiLU(inplace=True)):
        module(x)
        module.backward(np.ones_like(x))
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_no_parameters_and_empty_state_dict(pair):
    ours = pair[0]()
    assert list(ours.parameters()) == []
    assert len(ours.state_dict()) == 0 == len(pair[1]().state_dict())
    ours.load_state_dict(pair[1]().state_dict())


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_float32_is_kept(pair, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    module = pair[0]()
    y = module(x)
    assert y.dtype == np.float32
    assert module.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_backward_before_forward(pair):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        pair[0]().backward(np.ones(3))


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_extreme_inputs(pair):
    x = np.array([[-1e4, -1000.0, 0.0, 1000.0, 1e4]], dtype=np.float32)
    module = pair[0]()
    y = module(x)
    g = module.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


def test_in_a_network_against_torch(rng):
    # Linear -> GELU -> Linear -> LogSoftmax: gradients reach the first layer's weights
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.GELU(), torch.nn.Linear(8, 3),
                                 torch.nn.LogSoftmax(dim=1)).double()
    ours = nn.Sequential(nn.Linear(5, 8, dtype=np.float64), nn.GELU(), nn.Linear(8, 3, dtype=np.float64),
                         nn.LogSoftmax(dim=1))
    compare_modules(ours, theirs, rng.standard_normal((6, 5)))


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.ReLU(inplace=1)
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.SiLU(inplace="yes")
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        nn.LeakyReLU("0.1")
    with pytest.raises(ValueError, match="negative_slope must be >= 0 when inplace=True"):
        nn.LeakyReLU(-0.1, inplace=True)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        nn.ELU(alpha="1")
    with pytest.raises(ValueError, match="alpha must be >= 0 when inplace=True"):
        nn.ELU(alpha=-1.0, inplace=True)
    with pytest.raises(ValueError, match="approximate must be one of"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.Softmax(dim=None)
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.LogSoftmax(dim=1.5)
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\]"):
        nn.Softmax(dim=3)(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        nn.Tanh()(np.arange(3))


def test_negative_alpha_without_inplace_matches_torch(rng):
    x = rng.standard_normal((4, 3))
    compare_modules(nn.ELU(alpha=-0.5), torch.nn.ELU(alpha=-0.5).double(), x)
    compare_modules(nn.LeakyReLU(-0.5), torch.nn.LeakyReLU(-0.5).double(), x)


def test_backward_uses_the_latest_forward(rng):
    module = nn.Sigmoid()
    module(np.zeros(2))
    module(np.array([100.0, -100.0]))
    assert_close(module.backward(np.ones(2)), np.array([3.720075976020836e-44] * 2), rtol=1e-14, atol=0)
