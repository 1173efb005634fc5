"""dlref.torch.optim.AdamW against torch.optim.AdamW: trajectories for every option, decoupled decay, state dicts."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlref.torch.optim import Adam, AdamW

# the device fixture is a torch.device: safe to share between hypothesis examples
with_device = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)
beta = st.sampled_from([0.0, 0.5, 0.9, 0.999]) | st.floats(0.0, 0.999)


@st.composite
def adamw_kwargs(draw):
    return {
        "lr": draw(st.sampled_from([0.0, 1e-3, 0.1]) | st.floats(0.0, 0.3)),
        "betas": (draw(beta), draw(beta)),
        "eps": draw(st.sampled_from([1e-8, 1e-4, 0.1])),
        "weight_decay": draw(st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.5)),
        "amsgrad": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@with_device
@given(kwargs=adamw_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2))
def test_trajectory_matches_torch(side_by_side, device, kwargs, shapes, seed, lrs):
    problem = side_by_side.Problem(shapes, seed, device, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "weight_decay": 0.2, "betas": (0.5, 0.9)} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(AdamW, torch.optim.AdamW, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {}, {"amsgrad": True}, {"weight_decay": 0.1}, {"betas": (0.5, 0.9)}, {"eps": 0.1, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, device, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, device=device, steps=200)
    side_by_side.run(AdamW, torch.optim.AdamW, problem, {"lr": 0.05, **options}, steps=200)


def test_defaults_are_torchs():
    opt = AdamW([torch.zeros(2, requires_grad=True)])
    assert opt.defaults["weight_decay"] == 1e-2 and opt.defaults["decoupled_weight_decay"] is True
    reference = torch.optim.AdamW([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in opt.defaults.items():
        assert reference[key] == value, key


def test_decays_every_weight_by_the_same_factor(device):
    """With a zero gradient, one AdamW step is theta * (1 - lr * weight_decay); Adam's L2 is not."""
    theta0 = torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64, device=device)
    p, q = theta0.clone().requires_grad_(), theta0.clone().requires_grad_()
    decoupled, coupled = AdamW([p], lr=0.1, weight_decay=0.5), Adam([q], lr=0.1, weight_decay=0.5)
    p.grad, q.grad = torch.zeros_like(p), torch.zeros_like(q)
    decoupled.step()
    coupled.step()
    assert torch.allclose(p.detach(), theta0 * (1 - 0.1 * 0.5), rtol=1e-15, atol=0)
    assert torch.allclose(q.detach(), theta0 - 0.1 * theta0.sign(), rtol=1e-6, atol=0)   # L2, normalized


@pytest.mark.parametrize("adam_cls", [Adam, torch.optim.Adam])
def test_keeps_decoupled_after_loading_an_adam_state_dict(adam_cls):
    """As torch.optim.AdamW: an Adam state dict (decoupled_weight_decay=False) loads as AdamW."""
    opt = AdamW([torch.zeros(2, requires_grad=True)])
    opt.load_state_dict(adam_cls([torch.zeros(2, requires_grad=True)]).state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
    reference = torch.optim.AdamW([torch.zeros(2, requires_grad=True)])
    reference.load_state_dict(adam_cls([torch.zeros(2, requires_grad=True)]).state_dict())
    assert reference.param_groups[0]["decoupled_weight_decay"] is True


def test_adamw_is_adam_with_decoupled_decay(side_by_side, device):
    problem = side_by_side.Problem([[(3,), (2, 2)]], seed=4, device=device, steps=30)
    ours, theirs = problem.params(), problem.params()
    kwargs = {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}
    opts = (AdamW(ours, **kwargs), Adam(theirs, **kwargs, decoupled_weight_decay=True))
    side_by_side.run(None, None, problem, kwargs, steps=30, params=(ours, theirs), opts=opts,
                     rtol=0.0, atol=0.0)
