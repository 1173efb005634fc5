"""dlref.torch.optim.RMSprop against torch.optim.RMSprop: trajectories for every option, state, edge cases."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlref.torch.optim import RMSprop

# the device fixture is a torch.device: safe to share between hypothesis examples
with_device = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

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


@with_device
@given(kwargs=rmsprop_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.2), min_size=2, max_size=2))
def test_trajectory_matches_torch(side_by_side, device, kwargs, shapes, seed, lrs):
    if kwargs["centered"]:
        # alpha near 0 makes v - gbar^2 a difference of nearly equal numbers, whose rounding
        # torch can turn into sqrt(negative) = NaN: see test_centered_alpha_zero_is_finite
        kwargs["alpha"] = max(kwargs["alpha"], 0.05)
    problem = side_by_side.Problem(shapes, seed, device, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "alpha": 0.5} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(RMSprop, torch.optim.RMSprop, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {}, {"alpha": 0.9}, {"momentum": 0.9}, {"centered": True}, {"centered": True, "momentum": 0.5},
    {"weight_decay": 0.1, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, device, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, device=device, steps=200)
    side_by_side.run(RMSprop, torch.optim.RMSprop, problem, {"lr": 0.01, **options}, steps=200)


def test_first_step_is_larger_than_lr(device):
    """No bias correction: v_1 = (1 - alpha) g^2, so the first step is lr / sqrt(1 - alpha) = 10 lr."""
    p = torch.zeros(2, dtype=torch.float64, device=device, requires_grad=True)
    opt = RMSprop([p], lr=0.01, alpha=0.99, eps=0.0)
    p.grad = torch.tensor([3.0, -0.02], dtype=torch.float64, device=device)
    opt.step()
    assert torch.allclose(p.detach(), torch.tensor([-0.1, 0.1], dtype=torch.float64, device=device),
                          rtol=1e-12, atol=0)


def test_centered_alpha_zero_is_finite(device):
    """alpha = 0: v_t = g_t^2 and gbar_t = g_t, so the variance is 0 and r_t = eps exactly (torch: NaN
    wherever rounding makes v_t - gbar_t^2 negative)."""
    g = torch.randn(1000, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).to(device) * torch.pi
    p = torch.zeros(1000, dtype=torch.float64, device=device, requires_grad=True)
    q = torch.zeros(1000, dtype=torch.float64, device=device, requires_grad=True)
    opt = RMSprop([p], lr=1e-3, alpha=0.0, eps=1.0, centered=True)
    reference = torch.optim.RMSprop([q], lr=1e-3, alpha=0.0, eps=1.0, centered=True)
    p.grad, q.grad = g.clone(), g.clone()
    opt.step()
    reference.step()
    assert torch.allclose(p.detach(), -1e-3 * g, rtol=1e-12, atol=0)
    finite = torch.isfinite(q.detach())
    if device.type == "cpu":     # torch on the CPU: NaN where the rounding of v - gbar^2 went negative
        assert not finite.all()
    assert torch.allclose(p.detach()[finite], q.detach()[finite], rtol=1e-7, atol=0)


def test_state_keys_follow_the_options(device):
    for momentum, centered, keys in [(0.0, False, {"step", "square_avg"}),
                                     (0.9, False, {"step", "square_avg", "momentum_buffer"}),
                                     (0.0, True, {"step", "square_avg", "grad_avg"})]:
        p = torch.zeros(2, device=device, requires_grad=True)
        q = torch.zeros(2, device=device, requires_grad=True)
        opt = RMSprop([p], momentum=momentum, centered=centered)
        reference = torch.optim.RMSprop([q], momentum=momentum, centered=centered)
        p.grad, q.grad = torch.ones(2, device=device), torch.ones(2, device=device)
        opt.step()
        reference.step()
        assert set(opt.state[p]) == set(reference.state[q]) == keys


def test_alpha_one_is_accepted_and_above_one_refused():
    RMSprop([torch.zeros(2, requires_grad=True)], alpha=1.0)
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([torch.zeros(2, requires_grad=True)], alpha=1.5)
    theta = torch.zeros(2, requires_grad=True)
    reference = torch.optim.RMSprop([theta], alpha=1.5)      # torch takes it, and the step is NaN
    theta.grad = torch.ones(2)
    reference.step()
    assert torch.isnan(theta).all()
