"""Sequential and Flatten against torch.nn.Sequential and torch.nn.Flatten."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules


def pair(widths, bias=True):
    """The same stack of Linear layers (float64) in both libraries."""
    ours = nn.Sequential(*[nn.Linear(a, b, bias=bias, dtype=np.float64) for a, b in zip(widths, widths[1:])])
    theirs = torch.nn.Sequential(*[torch.nn.Linear(a, b, bias=bias, dtype=torch.float64)
                                   for a, b in zip(widths, widths[1:])])
    return ours, theirs


# -- Sequential: forward and backward ----------------------------------------------------------


@given(widths=st.lists(st.integers(1, 6), min_size=2, max_size=5), batch=st.integers(1, 5),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_sequential_of_linears_matches_torch(widths, batch, bias, seed):
    rng = np.random.default_rng(seed)
    ours, theirs = pair(widths, bias)
    x = rng.standard_normal((batch, widths[0]))
    compare_modules(ours, theirs, x, generator=rng)


@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4), seed=st.integers(0, 2**16))
def test_flatten_then_linear_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    features = int(np.prod(shape[1:]))
    ours = nn.Sequential(nn.Flatten(), nn.Linear(features, 3, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(features, 3, dtype=torch.float64))
    x = rng.standard_normal(shape)
    compare_modules(ours, theirs, x, generator=rng)


@given(batch=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_mlp_with_activations_and_nesting_matches_torch(batch, seed):
    rng = np.random.default_rng(seed)
    ours = nn.Sequential(nn.Flatten(), nn.Linear(6, 5, dtype=np.float64), nn.Tanh(),
                         nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.ReLU()),
                         nn.Linear(4, 3, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 5), torch.nn.Tanh(),
                                 torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU()),
                                 torch.nn.Linear(4, 3)).double()
    x = rng.standard_normal((batch, 2, 3))
    compare_modules(ours, theirs, x, generator=rng)


def test_backward_chains_gradients_right_to_left():
    rng = np.random.default_rng(0)
    ours, _ = pair([4, 3, 2])
    x = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 2))
    ours(x)
    grad_x = ours.backward(g)
    # by hand: d/dx of (x W0^T + b0) W1^T + b1 is g W1 W0
    W0, W1 = ours[0].weight.data, ours[1].weight.data
    assert_close(grad_x, g @ W1 @ W0)
    assert_close(ours[1].weight.grad, g.T @ (x @ W0.T + ours[0].bias.data))
    assert_close(ours[0].weight.grad, (g @ W1).T @ x)


def test_empty_sequential_is_the_identity():
    x = np.arange(6.0).reshape(2, 3)
    seq = nn.Sequential()
    np.testing.assert_array_equal(seq(x), x)
    np.testing.assert_array_equal(seq.backward(x), x)
    assert len(seq) == 0 and seq.state_dict() == OrderedDict()


# -- Sequential: construction, indexing, names ------------------------------------------------


def test_indexing_and_iteration():
    layers = [nn.Linear(2, 3), nn.Flatten(), nn.Linear(3, 4)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3
    assert list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    with pytest.raises(IndexError):
        seq[3]


def test_slicing_keeps_names_and_shares_modules_as_in_torch():
    ours = nn.Sequential(nn.Linear(2, 3), nn.Flatten(), nn.Linear(3, 4), nn.Linear(4, 5))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Flatten(), torch.nn.Linear(3, 4),
                                 torch.nn.Linear(4, 5))
    for index in (slice(1, None), slice(None, 2), slice(None, None, 2), slice(-2, None)):
        part_ours, part_theirs = ours[index], theirs[index]
        assert isinstance(part_ours, nn.Sequential)
        assert list(part_ours.state_dict()) == list(part_theirs.state_dict())
        assert [n for n, _ in part_ours.named_children()] == [n for n, _ in part_theirs.named_children()]
    assert ours[2:][0] is ours[2]  # the same layer objects, not copies


def test_ordered_dict_names_match_torch():
    ours = nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 3)), ("flat", nn.Flatten()), ("fc2", nn.Linear(3, 2))]))
    theirs = torch.nn.Sequential(OrderedDict([("fc1", torch.nn.Linear(4, 3)), ("flat", torch.nn.Flatten()),
                                              ("fc2", torch.nn.Linear(3, 2))]))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert ours.fc1 is ours[0] and ours.fc2 is ours[-1]
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    assert_close(ours(x), theirs(torch.from_numpy(x)))


def test_append_adds_the_next_index():
    seq = nn.Sequential(nn.Linear(2, 3))
    assert seq.append(nn.Linear(3, 1)) is seq
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_sequential_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match="got ufunc at '1'"):
        nn.Sequential(nn.Linear(2, 2), np.tanh)
    with pytest.raises(TypeError, match="got Linear at '0'"):
        nn.Sequential(torch.nn.Linear(2, 2))


# -- Flatten ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4), (5,), (2, 1, 3)])
@pytest.mark.parametrize("start_dim,end_dim", [(1, -1), (0, -1), (0, 1), (1, 2), (-2, -1), (-3, -2), (2, 2),
                                               (0, 0), (-1, -1)])
def test_flatten_matches_torch(shape, start_dim, end_dim):
    x = np.random.default_rng(0).standard_normal(shape)
    theirs = torch.nn.Flatten(start_dim, end_dim)
    ours = nn.Flatten(start_dim, end_dim)
    try:
        expected = theirs(torch.from_numpy(x))
    except (IndexError, RuntimeError):
        with pytest.raises(ValueError, match="start_dim|end_dim"):
            ours(x)
        return
    out = ours(x)
    np.testing.assert_array_equal(out, expected.numpy())
    grad = np.random.default_rng(1).standard_normal(out.shape)
    grad_input = ours.backward(grad)
    assert grad_input.shape == x.shape
    np.testing.assert_array_equal(grad_input.reshape(-1), grad.reshape(-1))


def test_flatten_of_a_scalar_is_one_element_as_in_torch():
    out = nn.Flatten(0)(np.array(2.0))
    assert out.shape == tuple(torch.nn.Flatten(0)(torch.tensor(2.0)).shape) == (1,)


def test_flatten_keeps_dtype_and_needs_no_floats():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    out = nn.Flatten()(x)
    assert out.dtype == np.int32 and out.shape == (2, 12)


def test_flatten_rejects_dims_out_of_range():
    with pytest.raises(ValueError, match=r"start_dim must be in \[-2, 1\].*got 5"):
        nn.Flatten(5)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"start_dim must be in \[-1, 0\]"):
        nn.Flatten()(np.zeros(3))  # torch raises too: dimension 1 does not exist
    with pytest.raises(ValueError, match=r"end_dim must be in \[-3, 2\].*got -4"):
        nn.Flatten(0, -4)(np.zeros((2, 3, 4)))


def test_flatten_rejects_start_after_end():
    with pytest.raises(ValueError, match=r"start_dim \(2\) must come before end_dim \(1\)"):
        nn.Flatten(2, 1)(np.zeros((2, 3, 4)))


def test_flatten_rejects_bad_arguments():
    with pytest.raises(TypeError, match="start_dim must be an int"):
        nn.Flatten(1.0)
    with pytest.raises(TypeError, match="end_dim must be an int"):
        nn.Flatten(1, "last")
    with pytest.raises(TypeError, match="input must be a numpy.ndarray"):
        nn.Flatten()([[1.0, 2.0]])


def test_flatten_repr_matches_torch():
    assert repr(nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))


def test_flatten_backward_checks_the_gradient_shape():
    flatten = nn.Flatten()
    flatten(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of the output \(2, 12\), got \(12, 2\)"):
        flatten.backward(np.zeros((12, 2)))
