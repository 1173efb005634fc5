"""dlref.numpy.optim.Adagrad against torch.optim.Adagrad: trajectories, state, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.optim import Adagrad

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)


@st.composite
def adagrad_kwargs(draw):
    return {
        "lr": draw(st.sampled_from([0.0, 1e-2, 0.5]) | st.floats(0.0, 1.0)),
        "lr_decay": draw(st.sampled_from([0.0, 0.01]) | st.floats(0.0, 1.0)),
        "weight_decay": draw(st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.3)),
        "initial_accumulator_value": draw(st.sampled_from([0.0, 0.1]) | st.floats(0.0, 2.0)),
        "eps": draw(st.sampled_from([1e-10, 1e-6, 0.1])),
        "maximize": draw(st.booleans()),
    }


@given(kwargs=adagrad_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3))
def test_trajectory_matches_torch(side_by_side, kwargs, shapes, seed, lrs):
    problem = side_by_side.Problem(shapes, seed, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "lr_decay": 0.1} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(Adagrad, torch.optim.Adagrad, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {}, {"lr_decay": 0.05}, {"weight_decay": 0.1}, {"initial_accumulator_value": 1.0},
    {"eps": 0.5, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, steps=200)
    side_by_side.run(Adagrad, torch.optim.Adagrad, problem, {"lr": 0.5, **options}, steps=200)


def test_defaults_are_torchs():
    opt = Adagrad([nn.Parameter(np.zeros(2))])
    reference = torch.optim.Adagrad([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in opt.defaults.items():
        assert reference[key] == value, key
    assert (opt.defaults["lr"], opt.defaults["eps"]) == (1e-2, 1e-10)


def test_state_exists_before_the_first_step_like_torch(side_by_side):
    """torch creates Adagrad's state in the constructor, with the constructor's s_0 for every group."""
    problem = side_by_side.Problem([[(2,)], [(3,)]], seed=0)
    ours, theirs = side_by_side.make_params(problem)
    kwargs = {"initial_accumulator_value": 0.3}
    group_kwargs = [{}, {"initial_accumulator_value": 5.0}]  # ignored by torch: s_0 is 0.3 in both groups
    opt = Adagrad(problem.groups(ours, group_kwargs), **kwargs)
    reference = torch.optim.Adagrad(problem.groups(theirs, group_kwargs), **kwargs)
    side_by_side.compare_state(opt, reference)
    np.testing.assert_array_equal(opt.state[ours[1]]["sum"], 0.3)
    side_by_side.run(Adagrad, torch.optim.Adagrad, problem, kwargs, params=(ours, theirs), opts=(opt, reference))


def test_first_step_is_lr_times_sign():
    """With s_0 = 0 and a tiny eps, the first step moves every coordinate by lr: g / sqrt(g^2) = sign(g)."""
    p = nn.Parameter(np.array([1.0, 1.0, 1.0]))
    opt = Adagrad([p], lr=0.1)
    p.grad = np.array([1e-3, -5.0, 200.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 1.1, 0.9])


def test_float32_stays_float32(side_by_side):
    problem = side_by_side.Problem([[(5, 3)]], seed=3, dtype=np.float32)
    ours, _, opt, _ = side_by_side.run(Adagrad, torch.optim.Adagrad, problem, {"lr": 0.1, "lr_decay": 0.01},
                                       rtol=1e-5, atol=1e-5)
    assert ours[0].data.dtype == np.float32 and opt.state[ours[0]]["sum"].dtype == np.float32


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, "lr"),
    ({"lr_decay": -0.1}, "lr_decay"),
    ({"weight_decay": -1e-4}, "weight_decay"),
    ({"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ({"eps": -1e-10}, "eps"),
])
def test_invalid_hyperparameters_raise_like_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adagrad([nn.Parameter(np.zeros(2))], **kwargs)
    with pytest.raises(ValueError):
        torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"eps": math.nan}, ValueError, "eps"),
    ({"lr_decay": [0.1]}, TypeError, "lr_decay"),
    ({"maximize": 1}, TypeError, "maximize"),
])
def test_bad_values_and_types_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        Adagrad([nn.Parameter(np.zeros(2))], **kwargs)
