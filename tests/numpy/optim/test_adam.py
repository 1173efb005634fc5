"""dlref.numpy.optim.Adam and AdamW against torch.optim.Adam and AdamW."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.optim import Adam, AdamW

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)
beta = st.sampled_from([0.0, 0.5, 0.9, 0.999]) | st.floats(0.0, 0.999)


@st.composite
def adam_kwargs(draw):
    return {
        "lr": draw(st.sampled_from([0.0, 1e-3, 0.1]) | st.floats(0.0, 0.3)),
        "betas": (draw(beta), draw(beta)),
        "eps": draw(st.sampled_from([1e-8, 1e-4, 0.1])),
        "weight_decay": draw(st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.5)),
        "amsgrad": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@given(kwargs=adam_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=3, max_size=3), decoupled=st.booleans())
def test_adam_trajectory_matches_torch(side_by_side, kwargs, shapes, seed, lrs, decoupled):
    problem = side_by_side.Problem(shapes, seed, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "betas": (0.5, 0.9)} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(Adam, torch.optim.Adam, problem, {**kwargs, "decoupled_weight_decay": decoupled},
                     group_kwargs)


@given(kwargs=adam_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=3, max_size=3))
def test_adamw_trajectory_matches_torch(side_by_side, kwargs, shapes, seed, lrs):
    problem = side_by_side.Problem(shapes, seed, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "weight_decay": 0.2} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(AdamW, torch.optim.AdamW, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("cls, reference_cls", [(Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)])
@pytest.mark.parametrize("options", [
    {}, {"amsgrad": True}, {"weight_decay": 0.1}, {"betas": (0.5, 0.9)}, {"eps": 0.1, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, cls, reference_cls, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, steps=200)
    side_by_side.run(cls, reference_cls, problem, {"lr": 0.05, **options}, steps=200)


@pytest.mark.parametrize("cls, reference_cls", [(Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)])
def test_defaults_are_torchs(cls, reference_cls):
    opt = cls([nn.Parameter(np.zeros(2))])
    reference = reference_cls([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in opt.defaults.items():
        assert reference[key] == value, key
    assert opt.defaults["weight_decay"] == (1e-2 if cls is AdamW else 0.0)
    assert opt.defaults["decoupled_weight_decay"] is (cls is AdamW)


def test_first_step_is_lr_times_sign():
    """Bias correction makes m_hat_1 = g and v_hat_1 = g^2: the first step is lr * sign(g)."""
    p = nn.Parameter(np.zeros(3))
    opt = Adam([p], lr=0.01, eps=0.0)
    p.grad = np.array([1e-4, -3.0, 50.0])
    opt.step()
    np.testing.assert_allclose(p.data, [-0.01, 0.01, -0.01])


def test_adamw_decays_every_weight_by_the_same_factor():
    """With a zero gradient, one AdamW step is theta * (1 - lr * weight_decay); Adam's L2 is not."""
    theta0 = np.array([1.0, -2.0, 4.0])
    p, q = nn.Parameter(theta0), nn.Parameter(theta0)
    decoupled, coupled = AdamW([p], lr=0.1, weight_decay=0.5), Adam([q], lr=0.1, weight_decay=0.5)
    p.grad, q.grad = np.zeros(3), np.zeros(3)
    decoupled.step()
    coupled.step()
    np.testing.assert_allclose(p.data, theta0 * (1 - 0.1 * 0.5))
    np.testing.assert_allclose(q.data, theta0 - 0.1 * np.sign(theta0), rtol=1e-6)  # L2 gradient, normalized


def test_adamw_keeps_decoupled_after_loading_an_adam_state_dict():
    p = nn.Parameter(np.zeros(2))
    opt = AdamW([p])
    opt.load_state_dict(Adam([nn.Parameter(np.zeros(2))]).state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_float32_stays_float32(side_by_side):
    problem = side_by_side.Problem([[(5, 3)]], seed=3, dtype=np.float32)
    ours, _, opt, _ = side_by_side.run(Adam, torch.optim.Adam, problem, {"lr": 0.01, "amsgrad": True},
                                       rtol=1e-4, atol=1e-5)
    state = opt.state[ours[0]]
    assert ours[0].data.dtype == np.float32
    assert {state[k].dtype for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")} == {np.dtype(np.float32)}


@pytest.mark.parametrize("cls, reference_cls", [(Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)])
@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1e-3}, "lr"),
    ({"eps": -1e-8}, "eps"),
    ({"betas": (1.0, 0.999)}, r"betas\[0\]"),
    ({"betas": (-0.1, 0.999)}, r"betas\[0\]"),
    ({"betas": (0.9, 1.0)}, r"betas\[1\]"),
    ({"betas": (0.9, 1.5)}, r"betas\[1\]"),
    ({"weight_decay": -0.1}, "weight_decay"),
])
def test_invalid_hyperparameters_raise_like_torch(cls, reference_cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([nn.Parameter(np.zeros(2))], **kwargs)
    with pytest.raises(ValueError):
        reference_cls([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"betas": (0.9,)}, ValueError, "betas"),
    ({"betas": 0.9}, ValueError, "betas"),
    ({"betas": (0.9, math.nan)}, ValueError, r"betas\[1\]"),
    ({"betas": ("0.9", 0.999)}, TypeError, r"betas\[0\]"),
    ({"amsgrad": "no"}, TypeError, "amsgrad"),
])
def test_bad_values_and_types_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        Adam([nn.Parameter(np.zeros(2))], **kwargs)
