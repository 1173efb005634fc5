"""dlref.numpy.nn.Linear against torch.nn.Linear: outputs, gradients, state_dict, init, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck


@given(leading=st.lists(st.integers(1, 4), min_size=0, max_size=3), in_features=st.integers(1, 8),
       out_features=st.integers(1, 8), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_matches_torch_linear(leading, in_features, out_features, bias, seed):
    rng = np.random.default_rng(seed)
    ours = nn.Linear(in_features, out_features, bias=bias, dtype=np.float64)
    theirs = torch.nn.Linear(in_features, out_features, bias=bias, dtype=torch.float64)
    x = rng.standard_normal((*leading, in_features))
    compare_modules(ours, theirs, x, generator=rng)


def test_gradcheck_through_the_module():
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2, dtype=np.float64, generator=rng)
    x = rng.standard_normal((4, 3))

    def forward(x, W, b):
        layer.weight.data, layer.bias.data = W, b
        return layer(x)

    def backward(g, x, W, b):
        layer.zero_grad()
        forward(x, W, b)
        grad_x = layer.backward(g)
        return grad_x, layer.weight.grad, layer.bias.grad

    assert gradcheck(forward, backward, [x, layer.weight.data.copy(), layer.bias.data.copy()])


def test_gradients_accumulate_over_backward_calls():
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2, dtype=np.float64, generator=rng)
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    assert_close(layer.weight.grad, 2 * once[0])
    assert_close(layer.bias.grad, 2 * once[1])


def test_default_dtype_is_float32_and_kept():
    layer = nn.Linear(3, 2)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = np.ones((4, 3), dtype=np.float32)
    y = layer(x)
    grad_x = layer.backward(np.ones_like(y))
    assert y.dtype == grad_x.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_float32_matches_torch_float32():
    ours, theirs = nn.Linear(5, 4), torch.nn.Linear(5, 4)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    compare_modules(ours, theirs, x)


def test_state_dict_keys_and_layout_match_torch():
    for bias in (True, False):
        ours, theirs = nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert ours.weight.shape == tuple(theirs.weight.shape) == (3, 5)  # one row per output unit


def test_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(400, 300, dtype=np.float64, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    W, b = layer.weight.data, layer.bias.data
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.999 * bound  # the whole interval is used
    # U(-a, a) has mean 0 and variance a^2 / 3; 120000 draws pin both down closely
    assert abs(W.mean()) < 0.01 * bound
    assert abs(W.var() / (bound**2 / 3) - 1) < 0.02
    # torch's layer uses the same interval
    torch.manual_seed(0)
    theirs = torch.nn.Linear(400, 300)
    # torch's weights are float32: the largest may round up to float32(bound), just above bound
    largest = theirs.weight.abs().max().item()
    assert largest <= float(np.float32(bound)) and largest > 0.999 * bound


def test_init_is_reproducible_with_a_generator():
    a = nn.Linear(4, 3, generator=np.random.default_rng(7))
    b = nn.Linear(4, 3, generator=np.random.default_rng(7))
    c = nn.Linear(4, 3, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_repr_matches_torch():
    assert repr(nn.Linear(4, 3)) == repr(torch.nn.Linear(4, 3))
    assert repr(nn.Linear(4, 3, bias=False)) == repr(torch.nn.Linear(4, 3, bias=False))


def test_wrong_in_features_names_input():
    with pytest.raises(ValueError, match=r"input must have shape \(\*, 4\).*got shape \(2, 3\)"):
        nn.Linear(4, 3)(np.zeros((2, 3), dtype=np.float32))


def test_non_float_input_is_a_type_error():
    with pytest.raises(TypeError, match="input must have a floating-point dtype, got int64"):
        nn.Linear(2, 3)(np.array([[1, 2]]))


@pytest.mark.parametrize("args,error,match", [
    ((0, 3), ValueError, "in_features must be >= 1, got 0"),
    ((3, -1), ValueError, "out_features must be >= 1, got -1"),
    ((2.0, 3), TypeError, "in_features must be an int, got float"),
    ((2, "3"), TypeError, "out_features must be an int, got str"),
    ((True, 3), TypeError, "in_features must be an int, got bool"),
])
def test_bad_constructor_arguments(args, error, match):
    with pytest.raises(error, match=match):
        nn.Linear(*args)


def test_integer_dtype_is_refused():
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype, got int64"):
        nn.Linear(2, 3, dtype=np.int64)


def test_fully_connected_means_every_output_depends_on_every_input():
    """Misconception 4: no output unit of a Linear layer sees only part of its input."""
    layer = nn.Linear(5, 4, dtype=np.float64, generator=np.random.default_rng(0))
    jacobian = layer.weight.data  # dy/dx, (out_features, in_features)
    assert np.all(jacobian != 0)
    layer(np.zeros((1, 5)))
    assert_close(layer.backward(np.eye(4)[[0]]), jacobian[[0]])


def test_backward_checks_the_gradient_shape():
    layer = nn.Linear(4, 3)
    layer(np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of linear's output \(2, 3\)"):
        layer.backward(np.zeros((2, 4), dtype=np.float32))
    assert layer.weight.grad is None  # nothing accumulated
