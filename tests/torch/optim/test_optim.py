"""dlref.torch.optim against torch.optim: SGD and Adam trajectories, and what every optimizer shares
(defaults, state dicts loading across, torch's update code never used, checked hyperparameters).

Adagrad, RMSprop and AdamW have their trajectories in their own files; the helpers
(``side_by_side``) are in conftest.py.
"""

import importlib
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlref.numpy.optim as numpy_optim
from dlref.numpy import nn as numpy_nn
from dlref.testing import assert_close
from dlref.torch.optim import SGD, Adagrad, Adam, AdamW, RMSprop

# the device fixture is a torch.device: safe to share between hypothesis examples
with_device = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
groups_of_shapes = st.lists(st.lists(shapes, min_size=1, max_size=2), min_size=1, max_size=3)

# each twin, its torch class, and hyperparameters that exercise its state
OPTIMIZERS = [
    (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
]
IDS = [cls.__name__ for cls, _, _ in OPTIMIZERS]


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


@with_device
@given(kwargs=sgd_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2))
def test_sgd_matches_torch(side_by_side, device, kwargs, shapes, seed, lrs):
    group_kwargs = [{}] + [{"lr": lr} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(SGD, torch.optim.SGD, side_by_side.Problem(shapes, seed, device), kwargs, group_kwargs)


@with_device
@given(kwargs=adam_kwargs(), shapes=groups_of_shapes, seed=st.integers(0, 2**32 - 1),
       lrs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2))
def test_adam_matches_torch(side_by_side, device, kwargs, shapes, seed, lrs):
    group_kwargs = [{}] + [{"lr": lr, "betas": (0.5, 0.9)} for lr in lrs[:len(shapes) - 1]]
    side_by_side.run(Adam, torch.optim.Adam, side_by_side.Problem(shapes, seed, device), kwargs, group_kwargs)


def test_adam_decoupled_is_adamw(side_by_side, device):
    problem = side_by_side.Problem([[(3, 2), (4,)]], seed=0, device=device, steps=100)
    ours, theirs = problem.params(), problem.params()
    opts = (Adam(ours, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
            torch.optim.AdamW(theirs, lr=0.05, weight_decay=0.1))
    side_by_side.run(None, None, problem, {}, steps=100, params=(ours, theirs), opts=opts)


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_state_dicts_load_across_and_training_continues(side_by_side, device, cls, reference_cls, kwargs):
    """Mid-training, torch's state_dict goes into a fresh one of ours and ours into a fresh torch one:
    the two trajectories go on equal."""
    problem = side_by_side.Problem([[(3,)], [(2, 2)]], seed=1, device=device, steps=40)
    group_kwargs = [{}, {"lr": kwargs["lr"] / 2}]
    ours, theirs, opt, reference = side_by_side.run(cls, reference_cls, problem, kwargs, group_kwargs, steps=10)
    fresh_ours = cls(problem.groups(ours, [{}, {}]), **kwargs)
    fresh_theirs = reference_cls(problem.groups(theirs, [{}, {}]), **kwargs)
    fresh_ours.load_state_dict(reference.state_dict())
    fresh_theirs.load_state_dict(opt.state_dict())
    assert fresh_ours.param_groups[1]["lr"] == fresh_theirs.param_groups[1]["lr"] == kwargs["lr"] / 2
    side_by_side.compare_state(fresh_ours, fresh_theirs)
    side_by_side.run(None, None, problem, kwargs, steps=30, start=10, params=(ours, theirs),
                     opts=(fresh_ours, fresh_theirs))


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_state_dict_round_trip_through_ours(side_by_side, device, cls, reference_cls, kwargs):
    """Ours saved and loaded into a fresh one of ours continues exactly as the original would."""
    problem = side_by_side.Problem([[(4,), (2, 3)]], seed=2, device=device, steps=30)
    ours, theirs, opt, reference = side_by_side.run(cls, reference_cls, problem, kwargs, steps=12)
    saved = opt.state_dict()
    restored = cls(ours, **{**kwargs, "lr": 1.0})    # the loaded groups bring lr back
    restored.load_state_dict(saved)
    side_by_side.run(None, None, problem, kwargs, steps=18, start=12, params=(ours, theirs),
                     opts=(restored, reference))


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_defaults_are_torchs(cls, reference_cls, kwargs):
    p = [torch.zeros(2, requires_grad=True)]
    ours, theirs = cls(p), reference_cls(p)
    for key, value in ours.defaults.items():
        assert theirs.defaults[key] == value, key
    missing = set(theirs.defaults) - set(ours.defaults)
    assert missing <= {"foreach", "fused", "differentiable", "capturable"}, missing


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_trains_a_model_with_autograd_and_closure(device, cls, reference_cls, kwargs):
    torch.manual_seed(0)
    x = torch.randn(64, 5, dtype=torch.float64, device=device)
    y = torch.randn(64, 1, dtype=torch.float64, device=device)
    models = [torch.nn.Linear(5, 1).double().to(device) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    opts = [cls(models[0].parameters(), **kwargs), reference_cls(models[1].parameters(), **kwargs)]
    for _ in range(30):
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


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_parameters_without_grad_are_skipped_and_zero_grad(device, cls, reference_cls, kwargs):
    frozen = torch.ones(3, requires_grad=True, device=device)
    trained = torch.ones(3, requires_grad=True, device=device)
    opt = cls([frozen, trained], **kwargs)
    state_before = {k: v.tolist() for k, v in opt.state.get(frozen, {}).items()}   # Adagrad has it already
    trained.grad = torch.ones(3, device=device)
    opt.step()
    assert torch.equal(frozen.detach(), torch.ones(3, device=device))
    assert {k: v.tolist() for k, v in opt.state.get(frozen, {}).items()} == state_before
    assert not torch.equal(trained.detach(), torch.ones(3, device=device))
    opt.zero_grad()
    assert trained.grad is None


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_state_lives_on_the_parameters_device_and_dtype(device, cls, reference_cls, kwargs):
    for dtype in (torch.float32, torch.float64):
        theta = torch.zeros(4, dtype=dtype, device=device, requires_grad=True)
        opt = cls([theta], **kwargs)
        theta.grad = torch.ones(4, dtype=dtype, device=device)
        opt.step()
        assert theta.dtype == dtype and theta.device == device
        for key, value in opt.state[theta].items():
            if key != "step":       # the step count is a 0-d CPU float tensor, as in torch
                assert value.device == theta.device and value.dtype == dtype, key


def _forbid_torchs_optimizers(monkeypatch):
    """Every update path of torch.optim's SGD, Adagrad, RMSprop, Adam and AdamW raises."""
    def forbidden(*args, **kwargs):
        raise AssertionError("called torch's implementation")

    for name in ("sgd", "adagrad", "rmsprop", "adam", "adamw"):
        module = importlib.import_module(f"torch.optim.{name}")
        for attr in dir(module):
            if attr.startswith(("_single_tensor", "_multi_tensor", "_fused")):
                monkeypatch.setattr(module, attr, forbidden)
        monkeypatch.setattr(module, name, forbidden)               # the functional API
        monkeypatch.setattr(torch.optim._functional, name, forbidden)
    for cls in (torch.optim.SGD, torch.optim.Adagrad, torch.optim.RMSprop, torch.optim.Adam, torch.optim.AdamW):
        monkeypatch.setattr(cls, "step", forbidden)
    for op in ("_fused_sgd_", "_fused_adagrad_", "_fused_adam_", "_fused_adamw_"):
        if hasattr(torch, op):
            monkeypatch.setattr(torch, op, forbidden)


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_never_calls_torchs_optimizers(monkeypatch, side_by_side, device, cls, reference_cls, kwargs):
    problem = side_by_side.Problem([[(3,), (2, 2)]], seed=0, device=device)
    # the reference trajectory first, with torch's code intact
    expected, reference = problem.params(), None
    reference = reference_cls(expected, **kwargs)
    for t in range(5):
        problem.backward(expected, t, kwargs.get("maximize", False))
        reference.step()
    _forbid_torchs_optimizers(monkeypatch)
    with pytest.raises(AssertionError, match="torch's implementation"):   # the patch bites
        reference.step()
    params = problem.params()
    opt = cls(params, **kwargs)
    for t in range(5):
        problem.backward(params, t, kwargs.get("maximize", False))
        opt.step()
    for p, q in zip(params, expected):
        assert_close(p, q)


@pytest.mark.parametrize("cls, reference_cls, kwargs, match", [
    (SGD, torch.optim.SGD, {"lr": -0.1}, "lr"),
    (SGD, torch.optim.SGD, {"momentum": -0.1}, "momentum"),
    (SGD, torch.optim.SGD, {"weight_decay": -0.1}, "weight_decay"),
    (SGD, torch.optim.SGD, {"nesterov": True}, "nesterov"),
    (SGD, torch.optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.5}, "nesterov"),
    (Adagrad, torch.optim.Adagrad, {"lr": -0.1}, "lr"),
    (Adagrad, torch.optim.Adagrad, {"lr_decay": -0.1}, "lr_decay"),
    (Adagrad, torch.optim.Adagrad, {"weight_decay": -1e-4}, "weight_decay"),
    (Adagrad, torch.optim.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (Adagrad, torch.optim.Adagrad, {"eps": -1e-10}, "eps"),
    (RMSprop, torch.optim.RMSprop, {"lr": -0.1}, "lr"),
    (RMSprop, torch.optim.RMSprop, {"alpha": -0.1}, "alpha"),
    (RMSprop, torch.optim.RMSprop, {"eps": -1e-8}, "eps"),
    (RMSprop, torch.optim.RMSprop, {"weight_decay": -1e-4}, "weight_decay"),
    (RMSprop, torch.optim.RMSprop, {"momentum": -0.5}, "momentum"),
    (Adam, torch.optim.Adam, {"lr": -0.1}, "lr"),
    (Adam, torch.optim.Adam, {"eps": -1.0}, "eps"),
    (Adam, torch.optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    (Adam, torch.optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    (Adam, torch.optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
    (AdamW, torch.optim.AdamW, {"lr": -0.1}, "lr"),
    (AdamW, torch.optim.AdamW, {"eps": -1.0}, "eps"),
    (AdamW, torch.optim.AdamW, {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    (AdamW, torch.optim.AdamW, {"weight_decay": -0.1}, "weight_decay"),
])
def test_invalid_hyperparameters_raise_like_torch(cls, reference_cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        reference_cls([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("cls, kwargs, error, match", [
    (SGD, {"lr": math.nan}, ValueError, "lr"),
    (SGD, {"maximize": "yes"}, TypeError, "maximize"),
    (SGD, {"dampening": None}, TypeError, "dampening"),
    (Adagrad, {"eps": math.nan}, ValueError, "eps"),
    (Adagrad, {"lr_decay": [0.1]}, TypeError, "lr_decay"),
    (Adagrad, {"maximize": 1}, TypeError, "maximize"),
    (RMSprop, {"alpha": math.nan}, ValueError, "alpha"),
    (RMSprop, {"alpha": 1.5}, ValueError, "alpha"),       # torch takes it, then returns NaN
    (RMSprop, {"momentum": "0.9"}, TypeError, "momentum"),
    (RMSprop, {"centered": 0}, TypeError, "centered"),
    (Adam, {"betas": (0.9,)}, ValueError, "betas"),
    (Adam, {"amsgrad": None}, TypeError, "amsgrad"),
    (AdamW, {"betas": "ab"}, ValueError, "betas"),
    (AdamW, {"weight_decay": "0.1"}, TypeError, "weight_decay"),
    (AdamW, {"maximize": None}, TypeError, "maximize"),
])
def test_bad_values_and_types_raise(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


# the same bad hyperparameters for the twins of both backends: one rule, one message
SAME_RULES = [
    ("SGD", {"lr": -0.1}), ("SGD", {"momentum": "a"}), ("SGD", {"nesterov": True}),
    ("SGD", {"maximize": 2}), ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": math.nan}), ("RMSprop", {"alpha": 1.01}),
    ("RMSprop", {"centered": "no"}), ("Adam", {"betas": (0.9, 1.0)}), ("Adam", {"betas": 0.9}),
    ("AdamW", {"eps": -1e-8}), ("AdamW", {"amsgrad": 1}),
]


@pytest.mark.parametrize("name, kwargs", SAME_RULES)
def test_same_errors_as_the_numpy_twins(name, kwargs):
    with pytest.raises((ValueError, TypeError)) as ours:
        getattr(importlib.import_module("dlref.torch.optim"), name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises((ValueError, TypeError)) as numpys:
        getattr(numpy_optim, name)([numpy_nn.Parameter(np.zeros(2))], **kwargs)
    assert (type(ours.value), str(ours.value)) == (type(numpys.value), str(numpys.value))


@pytest.mark.parametrize("cls, reference_cls, kwargs", OPTIMIZERS, ids=IDS)
def test_invalid_group_raises_and_adds_nothing(cls, reference_cls, kwargs):
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="lr"):
        cls([{"params": [a]}, {"params": [b], "lr": -1.0}], **kwargs)
    opt = cls([a], **kwargs)
    with pytest.raises(ValueError, match="weight_decay"):
        opt.add_param_group({"params": [b], "weight_decay": -1.0})
    assert len(opt.param_groups) == 1
    with pytest.raises(TypeError, match="param_group"):      # torch's own check still runs
        opt.add_param_group([b])


def test_invalid_adam_group_betas():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt = Adam([a])
    with pytest.raises(ValueError, match=r"betas\[0\]"):
        opt.add_param_group({"params": [b], "betas": (1.5, 0.9)})
    assert len(opt.param_groups) == 1
