"""dlref.numpy.optim.Optimizer: parameter groups, zero_grad, state_dict round trips, errors.

Every behaviour is checked on all five optimizers and against torch.optim where torch has it.
"""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn, optim
from dlref.numpy.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

# (ours, torch's, options exercising all of the state)
CASES = [
    (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.3, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
]
IDS = [case[0].__name__ for case in CASES]


def test_public_names():
    assert set(optim.__all__) >= {"Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        assert issubclass(cls, Optimizer)


@pytest.mark.parametrize("cls, reference_cls, kwargs", CASES, ids=IDS)
@given(split=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_state_dict_round_trip_continues_the_same_trajectory(side_by_side, cls, reference_cls, kwargs,
                                                             split, seed):
    """Save after `split` steps, load into a fresh optimizer over copies: the rest is identical."""
    problem = side_by_side.Problem([[(3, 2)], [(4,), ()]], seed, steps=30)
    group_kwargs = [{}, {"lr": kwargs["lr"] / 2}]
    ours, theirs, opt, reference = side_by_side.run(cls, reference_cls, problem, kwargs, group_kwargs, steps=split)
    saved = opt.state_dict()
    copies = [nn.Parameter(p.data.copy()) for p in ours]
    restored = cls(problem.groups(copies, [{}, {}]), **kwargs)   # group lr is restored by the load
    restored.load_state_dict(saved)
    assert restored.param_groups[1]["lr"] == kwargs["lr"] / 2
    for t in range(split, 30):
        for i, (p, q) in enumerate(zip(ours, copies)):
            if problem.skip[i, t]:
                p.grad = q.grad = None
            else:
                p.grad = problem.grad(i, p.data, t, False)
                q.grad = problem.grad(i, q.data, t, False)
        opt.step()
        restored.step()
        for p, q in zip(ours, copies):
            np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("cls, reference_cls, kwargs", CASES, ids=IDS)
def test_loads_torchs_state_dict_and_continues_like_torch(side_by_side, cls, reference_cls, kwargs):
    """Train torch's optimizer, load its state_dict into ours (over the same values), go on side by side."""
    problem = side_by_side.Problem([[(3, 2)], [(4,)]], seed=5, steps=40)
    group_kwargs = [{}, {"lr": kwargs["lr"] * 2}]
    ours, theirs = side_by_side.make_params(problem)
    reference = reference_cls(problem.groups(theirs, group_kwargs), **kwargs)
    for t in range(15):
        side_by_side.set_grads(problem, ours, theirs, t, False)
        reference.step()
    for p, q in zip(ours, theirs):
        p.data = q.detach().numpy().copy()
        p.grad = None
    opt = cls(problem.groups(ours, [{}, {}]), **kwargs)
    opt.load_state_dict(reference.state_dict())
    assert opt.param_groups[1]["lr"] == kwargs["lr"] * 2
    for state in opt.state.values():
        assert all(isinstance(v, (int, np.ndarray)) for v in state.values())
    side_by_side.run(cls, reference_cls, problem, kwargs, params=(ours, theirs), opts=(opt, reference),
                     steps=25, start=15)


@pytest.mark.parametrize("cls, reference_cls, kwargs", CASES, ids=IDS)
def test_state_dict_is_a_copy_in_torchs_layout(side_by_side, cls, reference_cls, kwargs):
    problem = side_by_side.Problem([[(2, 2)], [(3,)]], seed=2, steps=3)
    ours, theirs, opt, reference = side_by_side.run(cls, reference_cls, problem, kwargs, steps=3)
    saved = opt.state_dict()
    assert set(saved) == {"state", "param_groups"}
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    snapshot = copy.deepcopy(saved)
    for state in saved["state"].values():
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                value += 100.0
    saved["param_groups"][0]["lr"] = 123.0
    side_by_side.compare_state(opt, reference)        # the optimizer did not change
    for index, state in snapshot["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(opt.state_dict()["state"][index][key], value)


@pytest.mark.parametrize("cls, reference_cls, kwargs", CASES, ids=IDS)
def test_add_param_group_like_torch(side_by_side, cls, reference_cls, kwargs):
    problem = side_by_side.Problem([[(3,)], [(2, 2)]], seed=4)
    ours, theirs = side_by_side.make_params(problem)
    opt = cls(ours[:1], **kwargs)
    reference = reference_cls(theirs[:1], **kwargs)
    opt.add_param_group({"params": ours[1], "lr": kwargs["lr"] / 3})
    reference.add_param_group({"params": theirs[1], "lr": kwargs["lr"] / 3})
    assert [set(g) - {"params"} for g in opt.param_groups] == [set(opt.defaults)] * 2
    side_by_side.run(cls, reference_cls, problem, kwargs, params=(ours, theirs), opts=(opt, reference))


@pytest.mark.parametrize("cls, reference_cls, kwargs", CASES, ids=IDS)
def test_parameters_without_grad_are_skipped(cls, reference_cls, kwargs):
    frozen = nn.Parameter(np.ones(3), requires_grad=False)
    trained = nn.Parameter(np.ones(3))
    opt = cls([frozen, trained], **kwargs)
    frozen.accumulate_grad(np.ones(3))   # a no-op: requires_grad=False
    trained.accumulate_grad(np.ones(3))
    opt.step()
    np.testing.assert_array_equal(frozen.data, 1.0)
    assert np.all(trained.data < 1.0)
    assert frozen not in opt.state or opt.state[frozen].get("step", 0) == 0


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_like_torch(set_to_none):
    p, q, r = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3)), nn.Parameter(np.ones(1))
    a, b, c = (torch.ones(n, requires_grad=True) for n in (2, 3, 1))
    p.grad, q.grad = np.full(2, 5.0), np.full(3, -1.0)
    a.grad, b.grad = torch.full((2,), 5.0), torch.full((3,), -1.0)
    opt = SGD([{"params": [p]}, {"params": [q, r]}], lr=0.1)
    reference = torch.optim.SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    reference.zero_grad(set_to_none=set_to_none)
    for ours, theirs in [(p, a), (q, b), (r, c)]:
        if theirs.grad is None:
            assert ours.grad is None
        else:
            np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
            assert ours.grad.shape == ours.data.shape


def test_step_returns_the_closures_loss():
    p = nn.Parameter(np.array([3.0]))

    def closure():
        opt.zero_grad()
        p.accumulate_grad(2 * p.data)   # the gradient of p^2
        return float(p.data[0] ** 2)

    opt = SGD([p], lr=0.25)
    assert opt.step(closure) == 9.0
    np.testing.assert_allclose(p.data, [1.5])
    assert opt.step() is None


def test_groups_take_the_defaults_they_do_not_set():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5, "betas": (0.0, 0.5)}], lr=0.01)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["betas"] == (0.9, 0.999)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.0, 0.5)
    assert opt.param_groups[1]["eps"] == 1e-8
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)


def test_model_parameters_generator_is_accepted():
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Linear(4, 2, dtype=np.float64))
    opt = SGD(model.parameters(), lr=0.1)
    assert sum(len(g["params"]) for g in opt.param_groups) == 4


@pytest.mark.parametrize("params, error, match", [
    ([], ValueError, "empty"),
    (nn.Parameter(np.zeros(2)), TypeError, "iterable"),
    (nn.Linear(2, 2), TypeError, "parameters()"),
    ([np.zeros(2)], TypeError, r"param_group\['params'\]\[0\]"),
    ([{"lr": 0.1}], ValueError, "params"),
])
def test_bad_params_raise(params, error, match):
    with pytest.raises(error, match=match):
        SGD(params, lr=0.1)


def test_a_parameter_in_two_groups_raises():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="more than one"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        SGD([p, p], lr=0.1)
    opt = SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [p]})


def test_load_state_dict_mismatch_raises():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(3))
    saved = Adam([{"params": [a]}, {"params": [b]}]).state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        Adam([a, b]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 1 has 1 parameters, the optimizer's has 2"):
        Adam([{"params": [a]}, {"params": [b, nn.Parameter(np.zeros(1))]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state'"):
        Adam([a]).load_state_dict({"param_groups": []})
    b.grad = np.ones(3)
    trained = Adam([b])
    trained.step()
    with pytest.raises(ValueError, match="shape"):
        Adam([nn.Parameter(np.zeros(4))]).load_state_dict(trained.state_dict())


def test_base_step_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer([nn.Parameter(np.zeros(1))], {}).step()
