"""dlref.torch.optim.SGD and Adam against torch.optim.SGD, Adam and AdamW.

Both optimizers start from the same float64 parameters; at every step each gets the autograd
gradient of the same test function at its own parameters, plus the same per-step noise.
"""

import importlib
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch.optim import SGD, Adam

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)


class Problem:
    def __init__(self, shapes_per_group, seed, steps=25):
        rng = np.random.default_rng(seed)
        self.sizes = [len(s) for s in shapes_per_group]
        flat = [shape for s in shapes_per_group for shape in s]
        self.theta0 = [torch.from_numpy(rng.normal(0, 2, s)) for s in flat]
        self.a = [torch.from_numpy(rng.uniform(0.2, 2.0, s)) for s in flat]
        self.c = [torch.from_numpy(rng.normal(0, 1, s)) for s in flat]
        self.noise = [torch.from_numpy(rng.normal(0, 0.3, (steps,) + s)) for s in flat]
        self.skip = rng.random((len(flat), steps)) < 0.1

    def params(self):
        return [torch.nn.Parameter(t.clone()) for t in self.theta0]

    def groups(self, params, group_kwargs):
        out, start = [], 0
        for size, kwargs in zip(self.sizes, group_kwargs):
            out.append({"params": params[start:start + size], **kwargs})
            start += size
        return out

    def backward(self, params, t, maximize=False):
        """f = sum a (theta - c)^2 / 2 - 0.5 cos(theta) + noise_t . theta (negated when maximizing)."""
        for i, p in enumerate(params):
            p.grad = None
            if self.skip[i, t]:
                continue
            f = (self.a[i] * (p - self.c[i]) ** 2 / 2 - 0.5 * torch.cos(p) + self.noise[i][t] * p).sum()
            (-f if maximize else f).backward()


def run(ours_cls, theirs_cls, problem, kwargs, group_kwargs=None, steps=25, opts=None, params=None, start=0):
    group_kwargs = group_kwargs or [{} for _ in problem.sizes]
    ours, theirs = params or (problem.params(), problem.params())
    opt, reference = opts or (ours_cls(problem.groups(ours, group_kwargs), **kwargs),
                              theirs_cls(problem.groups(theirs, group_kwargs), **kwargs))
    for t in range(start, start + steps):
        problem.backward(ours, t, kwargs.get("maximize", False))
        problem.backward(theirs, t, kwargs.get("maximize", False))
        opt.step()
        reference.step()
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert_close(p, q, msg=f"parameter {i} after step {t + 1}")
    mine, expected = opt.state_dict(), reference.state_dict()
    assert sorted(mine["state"]) == sorted(expected["state"])
    for index, state in expected["state"].items():
        assert sorted(mine["state"][index]) == sorted(state)
        for key, value in state.items():
            assert_close(mine["state"][index][key], value, msg=f"state[{index}][{key!r}]")
    return ours, theirs, opt, reference


@st.composite
def sgd_kwargs(draw):
    momentum = draw(st.sampled_from([0.0, 0.9]) | st.floats(0.0, 0.99))
    nesterov = momentum > 0 and draw(st.booleans())
    return {"lr": draw(st.floats(0.0, 0.3)), "momentum": momentum,
            "dampening": 0.0 if nesterov else draw(st.floats(0.0, 1.0)),
            "weight_decay": draw(st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.3)),
            "nesterov": nesterov, "maximize": draw(st.booleans())}


@st.composite
def adam_kwargs(draw):
    beta = st.sampled_from([0.0, 0.9, 0.999]) | st.floats(0.0, 0.999)
    return {"lr": draw(st.floats(0.0, 0.3)), "betas": (draw(beta), draw(beta)),
            "eps": draw(st.sampled_from([1e-8, 1e-3, 0.1])),
            "weight_decay": draw(st.sampled_from([0.0, 0.01]) | st.floats(0.0, 0.5)),
            "amsgrad": draw(st.booleans()), "maximize": draw(st.booleans()),
            "decoupled_weight_decay": draw(st.booleans())}


@given(kwargs=sgd_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2))
def test_sgd_matches_torch(kwargs, shapes, seed, lrs):
    group_kwargs = [{}] + [{"lr": lr} for lr in lrs[:len(shapes) - 1]]
    run(SGD, torch.optim.SGD, Problem(shapes, seed), kwargs, group_kwargs)


@given(kwargs=adam_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2))
def test_adam_matches_torch(kwargs, shapes, seed, lrs):
    group_kwargs = [{}] + [{"lr": lr, "betas": (0.5, 0.9)} for lr in lrs[:len(shapes) - 1]]
    run(Adam, torch.optim.Adam, Problem(shapes, seed), kwargs, group_kwargs)


def test_adam_decoupled_is_adamw():
    problem = Problem([[(3, 2), (4,)]], seed=0, steps=100)
    ours, theirs = problem.params(), problem.params()
    opt = Adam(ours, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)
    reference = torch.optim.AdamW(theirs, lr=0.05, weight_decay=0.1)
    run(None, None, problem, {}, steps=100, params=(ours, theirs), opts=(opt, reference))


@pytest.mark.parametrize("cls, reference_cls, kwargs", [
    (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
])
def test_state_dicts_load_across_and_training_continues(cls, reference_cls, kwargs):
    """torch's state_dict into ours and ours into torch's, mid-training: the trajectories stay equal."""
    problem = Problem([[(3,)], [(2, 2)]], seed=1, steps=40)
    group_kwargs = [{}, {"lr": kwargs["lr"] / 2}]
    ours, theirs, opt, reference = run(cls, reference_cls, problem, kwargs, group_kwargs, steps=10)
    # swap the optimizers' states: each continues from the other's state dict
    fresh_ours = cls(problem.groups(ours, [{}, {}]), **kwargs)
    fresh_theirs = reference_cls(problem.groups(theirs, [{}, {}]), **kwargs)
    fresh_ours.load_state_dict(reference.state_dict())
    fresh_theirs.load_state_dict(opt.state_dict())
    assert fresh_ours.param_groups[1]["lr"] == kwargs["lr"] / 2
    run(None, None, problem, kwargs, steps=30, start=10, params=(ours, theirs), opts=(fresh_ours, fresh_theirs))


def test_defaults_are_torchs():
    p = [torch.zeros(2, requires_grad=True)]
    for ours, theirs in [(SGD(p), torch.optim.SGD(p)), (Adam(p), torch.optim.Adam(p))]:
        for key, value in ours.defaults.items():
            assert theirs.defaults[key] == value, key


def test_trains_a_model_with_autograd_and_closure():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64)
    models = [torch.nn.Linear(5, 1).double() for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    opts = [Adam(models[0].parameters(), lr=0.01), torch.optim.Adam(models[1].parameters(), lr=0.01)]
    for _ in range(50):
        losses = []
        for model, opt in zip(models, opts):
            def closure(model=model, opt=opt):
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                return loss
            losses.append(opt.step(closure))
        assert_close(losses[0], losses[1])
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert_close(a, b)


def test_parameters_without_grad_are_skipped_and_zero_grad():
    frozen, trained = torch.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    for cls in (SGD, Adam):
        opt = cls([frozen, trained], lr=0.1, **({"momentum": 0.9} if cls is SGD else {}))
        trained.grad = torch.ones(3)
        opt.step()
        assert torch.equal(frozen.detach(), torch.ones(3)) and frozen not in opt.state
        opt.zero_grad()
        assert trained.grad is None


def test_never_calls_torchs_optimizers(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("called torch's implementation")

    for name in ("sgd", "adam", "adamw"):
        module = importlib.import_module(f"torch.optim.{name}")
        for attr in dir(module):
            if attr.startswith(("_single_tensor", "_multi_tensor", "_fused")):
                monkeypatch.setattr(module, attr, forbidden)
        monkeypatch.setattr(module, name, forbidden)
    for cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        monkeypatch.setattr(cls, "step", forbidden)
    problem = Problem([[(3,)]], seed=0)
    for cls, kwargs in [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.1, "amsgrad": True})]:
        params = problem.params()
        opt = cls(params, **kwargs)
        for t in range(3):
            problem.backward(params, t)
            opt.step()


@pytest.mark.parametrize("cls, reference_cls, kwargs, match", [
    (SGD, torch.optim.SGD, {"lr": -0.1}, "lr"),
    (SGD, torch.optim.SGD, {"momentum": -0.1}, "momentum"),
    (SGD, torch.optim.SGD, {"weight_decay": -0.1}, "weight_decay"),
    (SGD, torch.optim.SGD, {"nesterov": True}, "nesterov"),
    (SGD, torch.optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.5}, "nesterov"),
    (Adam, torch.optim.Adam, {"lr": -0.1}, "lr"),
    (Adam, torch.optim.Adam, {"eps": -1.0}, "eps"),
    (Adam, torch.optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    (Adam, torch.optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    (Adam, torch.optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
])
def test_invalid_hyperparameters_raise_like_torch(cls, reference_cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        reference_cls([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("cls, kwargs, error, match", [
    (SGD, {"lr": math.nan}, ValueError, "lr"),
    (SGD, {"maximize": "yes"}, TypeError, "maximize"),
    (Adam, {"betas": (0.9,)}, ValueError, "betas"),
    (Adam, {"amsgrad": None}, TypeError, "amsgrad"),
])
def test_bad_values_and_types_raise(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


def test_invalid_group_raises():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="lr"):
        SGD([{"params": [a]}, {"params": [b], "lr": -1.0}], lr=0.1)
    opt = Adam([a])
    with pytest.raises(ValueError, match=r"betas\[0\]"):
        opt.add_param_group({"params": [b], "betas": (1.5, 0.9)})
    assert len(opt.param_groups) == 1
