"""dlref.numpy.optim.RMSprop against torch.optim.RMSprop: trajectories, state, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.optim import RMSprop

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)


@st.composite
def rmsprop_kwargs(draw):
    return {
        "lr": draw(st.sampled_from([0.0, 1e-2, 0.1]) | st.floats(0.0, 0.2)),
        "alpha": draw(st.sampled_from([0.0, 0.9, 0.99]) | st.floats(0.0, 0.999)),
        "eps": draw(st.sampled_from([1e-8, 1e-4, 0.1])),
        "weight_decay": draw(st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.3)),
        "momentum": draw(st.sampled_from([0.0, 0.9]) | st.floats(0.0, 0.95)),
        "centered": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@given(kwargs=rmsprop_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.2), min_size=3, max_size=3))
def test_trajectory_matches_torch(side_by_side, kwargs, shapes, seed, lrs):
    if kwargs["centered"]:
        # alpha near 0 makes v - gbar^2 a difference of nearly equal numbers, whose rounding
        # torch can turn into sqrt(negative) = NaN: see test_centered_alpha_zero_is_finite
        kwargs["alpha"] = max(kwargs["alpha"], 0.05)
    problem = side_by_side.Problem(shapes, seed, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "alpha": 0.5} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(RMSprop, torch.optim.RMSprop, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {}, {"alpha": 0.9}, {"momentum": 0.9}, {"centered": True}, {"centered": True, "momentum": 0.5},
    {"weight_decay": 0.1, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, steps=200)
    side_by_side.run(RMSprop, torch.optim.RMSprop, problem, {"lr": 0.01, **options}, steps=200)


def test_defaults_are_torchs():
    opt = RMSprop([nn.Parameter(np.zeros(2))])
    reference = torch.optim.RMSprop([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in opt.defaults.items():
        assert reference[key] == value, key
    assert (opt.defaults["lr"], opt.defaults["alpha"], opt.defaults["eps"]) == (1e-2, 0.99, 1e-8)


def test_first_step_is_larger_than_lr():
    """No bias correction: v_1 = (1 - alpha) g^2, so the first step is lr / sqrt(1 - alpha) = 10 lr."""
    p = nn.Parameter(np.array([0.0, 0.0]))
    opt = RMSprop([p], lr=0.01, alpha=0.99, eps=0.0)
    p.grad = np.array([3.0, -0.02])
    opt.step()
    np.testing.assert_allclose(p.data, [-0.1, 0.1])


def test_centered_alpha_zero_is_finite():
    """alpha = 0: v_t = g_t^2 and gbar_t = g_t, so the variance is 0 and r_t = eps exactly."""
    rng = np.random.default_rng(0)
    p = nn.Parameter(np.zeros(1000))
    opt = RMSprop([p], lr=1e-3, alpha=0.0, eps=1.0, centered=True)
    g = rng.normal(0, 1, 1000) * np.pi
    p.grad = g
    opt.step()
    np.testing.assert_allclose(p.data, -1e-3 * g, rtol=1e-12)


def test_alpha_one_is_accepted():
    RMSprop([nn.Parameter(np.zeros(2))], alpha=1.0)


def test_float32_stays_float32(side_by_side):
    problem = side_by_side.Problem([[(5, 3)]], seed=3, dtype=np.float32)
    ours, _, opt, _ = side_by_side.run(RMSprop, torch.optim.RMSprop, problem,
                                       {"lr": 0.01, "momentum": 0.9, "centered": True},
                                       rtol=1e-4, atol=1e-5)
    state = opt.state[ours[0]]
    assert ours[0].data.dtype == np.float32
    assert {state[k].dtype for k in ("square_avg", "grad_avg", "momentum_buffer")} == {np.dtype(np.float32)}


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "lr"),
    ({"alpha": -0.1}, "alpha"),
    ({"eps": -1e-8}, "eps"),
    ({"weight_decay": -1e-4}, "weight_decay"),
    ({"momentum": -0.5}, "momentum"),
])
def test_invalid_hyperparameters_raise_like_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RMSprop([nn.Parameter(np.zeros(2))], **kwargs)
    with pytest.raises(ValueError):
        torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], **kwargs)


def test_alpha_above_one_raises_where_torch_returns_nan():
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([nn.Parameter(np.zeros(2))], alpha=1.5)
    theta = torch.zeros(2, requires_grad=True)
    reference = torch.optim.RMSprop([theta], alpha=1.5)
    theta.grad = torch.ones(2)
    reference.step()
    assert torch.isnan(theta).all()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"alpha": math.nan}, ValueError, "alpha"),
    ({"momentum": "0.9"}, TypeError, "momentum"),
    ({"centered": 0}, TypeError, "centered"),
])
def test_bad_values_and_types_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        RMSprop([nn.Parameter(np.zeros(2))], **kwargs)
