"""dlref.numpy.optim.SGD against torch.optim.SGD: trajectories, state, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.optim import SGD

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)


@st.composite
def sgd_kwargs(draw):
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]) | st.floats(0.0, 0.99))
    nesterov = momentum > 0 and draw(st.booleans())
    return {
        "lr": draw(st.sampled_from([0.0, 1e-3, 0.1]) | st.floats(0.0, 0.5)),
        "momentum": momentum,
        "dampening": 0.0 if nesterov else draw(st.sampled_from([0.0, 0.1]) | st.floats(0.0, 1.0)),
        "weight_decay": draw(st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.3)),
        "nesterov": nesterov,
        "maximize": draw(st.booleans()),
    }


@given(kwargs=sgd_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.5), min_size=3, max_size=3))
def test_trajectory_matches_torch(side_by_side, kwargs, shapes, seed, lrs):
    """Every option, several parameter groups (each with its own lr), 25 steps, float64."""
    problem = side_by_side.Problem(shapes, seed, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(SGD, torch.optim.SGD, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.5},
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True},
    {"weight_decay": 0.1},
])
def test_long_trajectory_matches_torch(side_by_side, options):
    """200 steps of each option on its own."""
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, steps=200)
    side_by_side.run(SGD, torch.optim.SGD, problem, {"lr": 0.1, **options}, steps=200)


def test_defaults_are_torchs():
    p = nn.Parameter(np.zeros(2))
    opt = SGD([p])
    reference = torch.optim.SGD([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in opt.defaults.items():
        assert reference[key] == value, key
    assert opt.defaults["lr"] == 1e-3


def test_momentum_buffer_starts_at_the_gradient():
    """b_1 = g_1 (not (1 - dampening) g_1), as in torch."""
    p = nn.Parameter(np.array([1.0, 2.0]))
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = np.array([1.0, -1.0])
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, -1.0])
    np.testing.assert_allclose(p.data, [0.9, 2.1])
    opt.step()  # b_2 = 0.9 b_1 + 0.5 g_2
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [1.4, -1.4])


def test_no_momentum_keeps_no_state():
    p = nn.Parameter(np.ones(3))
    opt = SGD([p], lr=0.1)
    p.grad = np.ones(3)
    opt.step()
    assert opt.state_dict()["state"] == {}
    np.testing.assert_allclose(p.data, 0.9)


def test_float32_stays_float32(side_by_side):
    problem = side_by_side.Problem([[(5, 3)]], seed=3, dtype=np.float32)
    ours, _, opt, _ = side_by_side.run(SGD, torch.optim.SGD, problem,
                                       {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
                                       rtol=1e-5, atol=1e-5)
    assert ours[0].data.dtype == np.float32
    assert opt.state[ours[0]]["momentum_buffer"].dtype == np.float32


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "lr"),
    ({"momentum": -0.5}, "momentum"),
    ({"weight_decay": -1e-4}, "weight_decay"),
    ({"nesterov": True}, "nesterov"),                                        # no momentum
    ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),   # dampening
])
def test_invalid_hyperparameters_raise_like_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD([nn.Parameter(np.zeros(2))], **kwargs)
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": math.nan}, ValueError, "lr"),              # torch accepts NaN
    ({"lr": "0.1"}, TypeError, "lr"),
    ({"nesterov": "yes", "momentum": 0.9}, TypeError, "nesterov"),
    ({"maximize": None}, TypeError, "maximize"),
])
def test_bad_values_and_types_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        SGD([nn.Parameter(np.zeros(2))], **kwargs)


def test_invalid_group_hyperparameter_raises():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="lr"):
        SGD([{"params": [a]}, {"params": [b], "lr": -1.0}], lr=0.1)
    opt = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        opt.add_param_group({"params": [b], "momentum": -0.1})
    assert len(opt.param_groups) == 1
