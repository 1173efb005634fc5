"""dlref.torch.optim.Adagrad against torch.optim.Adagrad: trajectories for every option, state, groups."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlref.torch.optim import Adagrad

# the device fixture is a torch.device: safe to share between hypothesis examples
with_device = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

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


@with_device
@given(kwargs=adagrad_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2))
def test_trajectory_matches_torch(side_by_side, device, kwargs, shapes, seed, lrs):
    problem = side_by_side.Problem(shapes, seed, device, no_grad={0} if len(shapes[0]) > 1 else ())
    group_kwargs = [{}] + [{"lr": lr, "lr_decay": 0.1, "eps": 1e-3} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(Adagrad, torch.optim.Adagrad, problem, kwargs, group_kwargs)


@pytest.mark.parametrize("options", [
    {}, {"lr_decay": 0.05}, {"weight_decay": 0.1}, {"initial_accumulator_value": 1.0},
    {"eps": 0.5, "maximize": True},
])
def test_long_trajectory_matches_torch(side_by_side, device, options):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=1, device=device, steps=200)
    side_by_side.run(Adagrad, torch.optim.Adagrad, problem, {"lr": 0.5, **options}, steps=200)


def test_state_exists_before_the_first_step_like_torch(side_by_side, device):
    """torch creates Adagrad's state in the constructor, with the constructor's s_0 for every group."""
    problem = side_by_side.Problem([[(2,)], [(3,)]], seed=0, device=device)
    ours, theirs = problem.params(), problem.params()
    kwargs = {"initial_accumulator_value": 0.3}
    group_kwargs = [{}, {"initial_accumulator_value": 5.0}]  # ignored by torch: s_0 is 0.3 in both groups
    opt = Adagrad(problem.groups(ours, group_kwargs), **kwargs)
    reference = torch.optim.Adagrad(problem.groups(theirs, group_kwargs), **kwargs)
    side_by_side.compare_state(opt, reference)
    assert torch.equal(opt.state[ours[1]]["sum"], torch.full((3,), 0.3, dtype=torch.float64, device=device))
    side_by_side.run(None, None, problem, kwargs, params=(ours, theirs), opts=(opt, reference))


def test_group_added_later_gets_its_state(device):
    a = torch.zeros(2, dtype=torch.float64, device=device, requires_grad=True)
    b = torch.ones(3, dtype=torch.float64, device=device, requires_grad=True)
    opt = Adagrad([a], lr=0.1, initial_accumulator_value=0.5)
    opt.add_param_group({"params": [b], "lr": 0.2})
    assert opt.state[b]["step"].item() == 0.0
    assert torch.equal(opt.state[b]["sum"], torch.full_like(b, 0.5))
    b.grad = torch.full_like(b, 2.0)
    opt.step()
    # s_1 = 0.5 + 4, theta_1 = 1 - 0.2 * 2 / (sqrt(4.5) + eps)
    expected = 1 - 0.2 * 2 / (torch.tensor(4.5, dtype=torch.float64).sqrt() + 1e-10)
    assert torch.allclose(b.detach().cpu(), expected.expand(3), rtol=1e-15, atol=0)


def test_first_step_is_lr_times_sign(device):
    """With s_0 = 0 and a tiny eps, the first step moves every coordinate by lr: g / sqrt(g^2) = sign(g)."""
    p = torch.ones(3, dtype=torch.float64, device=device, requires_grad=True)
    opt = Adagrad([p], lr=0.1)
    p.grad = torch.tensor([1e-3, -5.0, 200.0], dtype=torch.float64, device=device)
    opt.step()
    assert torch.allclose(p.detach(), torch.tensor([0.9, 1.1, 0.9], dtype=torch.float64, device=device))


def test_float32_stays_float32(device):
    theta = torch.randn(5, 3, generator=torch.Generator().manual_seed(0)).to(device).requires_grad_()
    opt = Adagrad([theta], lr=0.1, lr_decay=0.01)
    theta.grad = torch.ones_like(theta)
    opt.step()
    assert theta.dtype == torch.float32 and opt.state[theta]["sum"].dtype == torch.float32
