"""dlref.torch.optim.lr_scheduler against torch.optim.lr_scheduler: the same rates (==) step for step,
past T_max, with several groups, chained, saved and restored, resumed; torch's schedules never used;
bad arguments refused before anything changes."""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlref.numpy.optim.lr_scheduler as numpy_lr_scheduler
from dlref.numpy import nn as numpy_nn
from dlref.numpy.optim import SGD as NumpySGD
from dlref.torch.optim import SGD, Adam, lr_scheduler

# the device fixture is a torch.device: safe to share between hypothesis examples
with_device = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NAMES = ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]

# name -> hypothesis strategy for the keyword arguments
KWARGS = {
    "StepLR": st.fixed_dictionaries({"step_size": st.integers(1, 12), "gamma": st.floats(0.05, 1.5)}),
    "ExponentialLR": st.fixed_dictionaries({"gamma": st.floats(0.5, 1.05)}),
    "CosineAnnealingLR": st.fixed_dictionaries({"T_max": st.integers(1, 20),
                                                "eta_min": st.sampled_from([0.0, 1e-4, 1e-3, 0.01])}),
    "LinearLR": st.fixed_dictionaries({"start_factor": st.floats(0.01, 1.0), "end_factor": st.floats(0.0, 1.0),
                                       "total_iters": st.integers(1, 20)}),
}
# fixed arguments, for the tests that are not about the arguments
FIXED = {"StepLR": {"step_size": 3, "gamma": 0.5}, "ExponentialLR": {"gamma": 0.9},
         "CosineAnnealingLR": {"T_max": 7, "eta_min": 0.001},
         "LinearLR": {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 6}}

lrs_strategy = st.lists(st.floats(1e-4, 10.0), min_size=1, max_size=3)


def ours_and_theirs(name):
    return getattr(lr_scheduler, name), getattr(torch.optim.lr_scheduler, name)


def make_pair(lrs, device="cpu", ours_cls=SGD):
    """Our optimizer and torch's, with one parameter group (one parameter on ``device``) per learning rate."""
    def groups():
        return [{"params": [torch.zeros(2, dtype=torch.float64, device=device, requires_grad=True)], "lr": lr}
                for lr in lrs]
    return ours_cls(groups(), momentum=0.9) if ours_cls is SGD else ours_cls(groups()), \
        torch.optim.SGD(groups(), momentum=0.9)


def step_both(ours, theirs, opt_ours, opt_theirs):
    """One epoch: each optimizer steps on a gradient of ones, then its scheduler."""
    for opt in (opt_ours, opt_theirs):
        for group in opt.param_groups:
            for p in group["params"]:
                p.grad = torch.ones_like(p)
        opt.step()
    ours.step()
    theirs.step()


def assert_same_lrs(ours, theirs, opt_ours, opt_theirs, where):
    # torch's arithmetic, operation for operation: equal, not just close
    assert ours.get_last_lr() == theirs.get_last_lr(), where
    assert [g["lr"] for g in opt_ours.param_groups] == [g["lr"] for g in opt_theirs.param_groups], where
    assert ours.last_epoch == theirs.last_epoch, where


@pytest.mark.parametrize("name", NAMES)
@with_device
@given(data=st.data(), lrs=lrs_strategy, steps=st.integers(30, 70))
def test_matches_torch_step_for_step(name, device, data, lrs, steps):
    ours_cls, theirs_cls = ours_and_theirs(name)
    kwargs = data.draw(KWARGS[name])
    opt_ours, opt_theirs = make_pair(lrs, device)
    ours, theirs = ours_cls(opt_ours, **kwargs), theirs_cls(opt_theirs, **kwargs)
    assert ours.base_lrs == theirs.base_lrs == lrs
    assert_same_lrs(ours, theirs, opt_ours, opt_theirs, "after construction")
    for t in range(1, steps + 1):        # at least 30 epochs: past T_max (<= 20) and total_iters
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"epoch {t}")
    for p, q in zip(opt_ours.param_groups, opt_theirs.param_groups):   # the optimizers used the rates
        assert torch.allclose(p["params"][0], q["params"][0], rtol=1e-12, atol=0)


def test_cosine_past_T_max_climbs_back_as_torchs():
    opt_ours, opt_theirs = make_pair([1.0])
    ours = lr_scheduler.CosineAnnealingLR(opt_ours, T_max=4, eta_min=0.1)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=4, eta_min=0.1)
    lrs = [ours.get_last_lr()[0]]
    for t in range(30):
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"epoch {t + 1}")
        lrs.append(ours.get_last_lr()[0])
    assert lrs[4] == pytest.approx(0.1, abs=1e-15) and lrs[12] == pytest.approx(0.1, abs=1e-15)
    assert lrs[8] == pytest.approx(1.0) and lrs[16] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(lrs[:4], lrs[1:5]))      # down to eta_min over T_max epochs
    assert all(a < b for a, b in zip(lrs[4:8], lrs[5:9]))      # then back up: period 2 T_max


@pytest.mark.parametrize("name", NAMES)
def test_follows_closed_form(name):
    kwargs = FIXED[name]
    lrs = [0.1, 0.02, 3.0]
    opt, _ = make_pair(lrs)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    for t in range(40):
        for eta_0, lr in zip(lrs, sched.get_last_lr()):
            if name == "StepLR":
                expected = eta_0 * kwargs["gamma"] ** (t // kwargs["step_size"])
            elif name == "ExponentialLR":
                expected = eta_0 * kwargs["gamma"] ** t
            elif name == "CosineAnnealingLR":
                eta_min = kwargs["eta_min"]
                expected = eta_min + 0.5 * (eta_0 - eta_min) * (1 + math.cos(math.pi * t / kwargs["T_max"]))
            else:
                f_s, f_e, T = kwargs["start_factor"], kwargs["end_factor"], kwargs["total_iters"]
                expected = eta_0 * (f_s + (f_e - f_s) * min(t, T) / T)
            assert lr == pytest.approx(expected, rel=1e-10, abs=1e-13), f"{name} epoch {t}"
        opt.step()
        sched.step()


@pytest.mark.parametrize("name", NAMES)
def test_drives_torchs_optimizer_and_adam_too(name, device):
    """Ours on torch.optim.SGD and on dlref's Adam gives torch's rates on torch's SGD."""
    ours_cls, theirs_cls = ours_and_theirs(name)
    _, opt_torch = make_pair([0.1, 0.01], device)
    _, opt_reference = make_pair([0.1, 0.01], device)
    opt_adam, _ = make_pair([0.1, 0.01], device, ours_cls=Adam)
    on_torch, on_adam = ours_cls(opt_torch, **FIXED[name]), ours_cls(opt_adam, **FIXED[name])
    theirs = theirs_cls(opt_reference, **FIXED[name])
    for t in range(30):
        step_both(on_torch, theirs, opt_torch, opt_reference)
        opt_adam.step()
        on_adam.step()
        assert on_torch.get_last_lr() == on_adam.get_last_lr() == theirs.get_last_lr(), f"epoch {t + 1}"


@with_device
@given(lrs=lrs_strategy, warmup=st.integers(1, 10), T_max=st.integers(5, 40), steps=st.integers(1, 60))
def test_chained_warmup_and_cosine_matches_torch(device, lrs, warmup, T_max, steps):
    """Ours chained by hand, and ours inside torch's ChainedScheduler, give torch's chained rates."""
    opt_ours, opt_theirs = make_pair(lrs, device)
    opt_mixed, _ = make_pair(lrs, device)
    ours = [lr_scheduler.LinearLR(opt_ours, start_factor=0.1, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(opt_ours, T_max=T_max)]
    mixed = torch.optim.lr_scheduler.ChainedScheduler([
        lr_scheduler.LinearLR(opt_mixed, start_factor=0.1, total_iters=warmup),
        lr_scheduler.CosineAnnealingLR(opt_mixed, T_max=T_max)])
    theirs = torch.optim.lr_scheduler.ChainedScheduler([
        torch.optim.lr_scheduler.LinearLR(opt_theirs, start_factor=0.1, total_iters=warmup),
        torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=T_max)])
    for t in range(1, steps + 1):
        for opt in (opt_ours, opt_theirs, opt_mixed):
            opt.step()
        for s in ours:
            s.step()
        mixed.step()
        theirs.step()
        expected = theirs.get_last_lr()
        assert [g["lr"] for g in opt_ours.param_groups] == expected, f"epoch {t}"
        assert mixed.get_last_lr() == expected, f"epoch {t}"


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    ours_cls, _ = ours_and_theirs(name)
    kwargs = FIXED[name]
    opt, _ = make_pair([0.5, 0.05])
    sched = ours_cls(opt, **kwargs)
    reference = []
    for _ in range(25):
        opt.step()
        sched.step()
        reference.append(sched.get_last_lr())
    # the same run saved after 9 epochs and restored into new objects
    opt_a, _ = make_pair([0.5, 0.05])
    sched_a = ours_cls(opt_a, **kwargs)
    for _ in range(9):
        opt_a.step()
        sched_a.step()
    saved_opt, saved_sched = opt_a.state_dict(), sched_a.state_dict()
    assert "optimizer" not in saved_sched and saved_sched["last_epoch"] == 9
    opt_b, _ = make_pair([0.5, 0.05])
    sched_b = ours_cls(opt_b, **kwargs)       # constructed before loading, as torch advises
    opt_b.load_state_dict(saved_opt)
    sched_b.load_state_dict(saved_sched)
    assert sched_b.get_last_lr() == reference[8]
    for t in range(9, 25):
        opt_b.step()
        sched_b.step()
        assert sched_b.get_last_lr() == reference[t], f"epoch {t + 1}"


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_is_torchs_and_loads_across(name):
    ours_cls, theirs_cls = ours_and_theirs(name)
    kwargs = FIXED[name]
    opt_ours, opt_theirs = make_pair([0.3, 0.01])
    ours, theirs = ours_cls(opt_ours, **kwargs), theirs_cls(opt_theirs, **kwargs)
    for _ in range(5):
        step_both(ours, theirs, opt_ours, opt_theirs)
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert mine == torchs
    # a fresh torch scheduler picks up our state, and a fresh one of ours torch's; both go on as torch
    pairs = []
    for cls, source in ((theirs_cls, mine), (ours_cls, torchs)):
        opt, _ = make_pair([0.3, 0.01])
        fresh = cls(opt, **kwargs)             # constructed before loading, as torch advises
        opt.load_state_dict(opt_theirs.state_dict())
        fresh.load_state_dict(source)
        pairs.append((opt, fresh))
    for t in range(25):
        opt_theirs.step()
        theirs.step()
        for opt, fresh in pairs:
            opt.step()
            fresh.step()
            assert fresh.get_last_lr() == theirs.get_last_lr(), f"epoch {t + 6}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("last_epoch", [0, 3, 7])
def test_resume_with_last_epoch_matches_torch(name, last_epoch):
    ours_cls, theirs_cls = ours_and_theirs(name)
    opt_ours, opt_theirs = make_pair([0.2, 0.7])
    for group in opt_ours.param_groups + opt_theirs.param_groups:
        group["initial_lr"] = 1.0         # as a loaded optimizer state would hold it
    ours = ours_cls(opt_ours, last_epoch=last_epoch, **FIXED[name])
    theirs = theirs_cls(opt_theirs, last_epoch=last_epoch, **FIXED[name])
    assert ours.base_lrs == theirs.base_lrs == [1.0, 1.0]
    assert_same_lrs(ours, theirs, opt_ours, opt_theirs, "after construction")
    for t in range(30):
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"step {t + 1}")


def test_second_scheduler_keeps_initial_lr():
    opt, _ = make_pair([0.4])
    first = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    first.step()
    second = lr_scheduler.StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.4
    assert second.base_lrs == [0.4] and second.get_last_lr() == [0.2]


@pytest.mark.parametrize("name", NAMES)
def test_never_uses_torchs_schedules(monkeypatch, name):
    ours_cls, theirs_cls = ours_and_theirs(name)
    assert issubclass(ours_cls, torch.optim.lr_scheduler.LRScheduler)   # torch's base, for chaining
    assert not issubclass(ours_cls, theirs_cls) and "get_lr" in vars(ours_cls)
    # torch's rates first, with its code intact
    opt_theirs = make_pair([0.3, 0.02])[1]
    theirs = theirs_cls(opt_theirs, **FIXED[name])
    expected = [theirs.get_last_lr()]
    for _ in range(30):
        opt_theirs.step()
        theirs.step()
        expected.append(theirs.get_last_lr())

    def forbidden(*args, **kwargs):
        raise AssertionError("called torch's schedule")

    for other in NAMES:
        cls = getattr(torch.optim.lr_scheduler, other)
        monkeypatch.setattr(cls, "get_lr", forbidden)
        monkeypatch.setattr(cls, "_get_closed_form_lr", forbidden)
    with pytest.raises(AssertionError, match="torch's schedule"):     # the patch bites
        theirs.step()
    opt_ours = make_pair([0.3, 0.02])[0]
    ours = ours_cls(opt_ours, **FIXED[name])
    got = [ours.get_last_lr()]
    for _ in range(30):
        opt_ours.step()
        ours.step()
        got.append(ours.get_last_lr())
    assert got == expected


@pytest.mark.parametrize("make, error, match", [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), TypeError, "step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.0), ValueError, "gamma"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=-0.5), ValueError, "gamma"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=float("nan")), ValueError, "gamma"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=float("inf")), ValueError, "gamma"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma="0.9"), TypeError, "gamma"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=2.0), TypeError, "T_max"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=-1e-3), ValueError, "eta_min"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=1.5), ValueError, "start_factor"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=-0.1), ValueError, "end_factor"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.1), ValueError, "end_factor"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=-2), ValueError, "last_epoch"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=1.0), TypeError, "last_epoch"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=3), ValueError, "initial_lr"),
    (lambda o: lr_scheduler.StepLR(NumpySGD([numpy_nn.Parameter(np.zeros(1))]), 2), TypeError, "optimizer"),
])
def test_bad_arguments_raise_before_anything_changes(make, error, match):
    opt, _ = make_pair([0.1])
    with pytest.raises(error, match=match):
        make(opt)
    assert opt.param_groups[0]["lr"] == 0.1 and "initial_lr" not in opt.param_groups[0]
    assert not hasattr(opt.step, "_wrapped_by_lr_sched")      # torch's base never ran


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", {"step_size": 0}), ("StepLR", {"step_size": 2, "gamma": -1.0}),
    ("ExponentialLR", {"gamma": "a"}), ("CosineAnnealingLR", {"T_max": 5, "eta_min": math.inf}),
    ("LinearLR", {"start_factor": 2.0}), ("LinearLR", {"total_iters": 1.5}),
    ("ExponentialLR", {"gamma": 0.5, "last_epoch": -3}), ("ExponentialLR", {"gamma": 0.5, "last_epoch": 4}),
])
def test_same_errors_as_the_numpy_twins(name, kwargs):
    """One rule, one message: the checks live in dlref._optim_args for both backends."""
    with pytest.raises((ValueError, TypeError)) as ours:
        getattr(lr_scheduler, name)(make_pair([0.1])[0], **kwargs)
    with pytest.raises((ValueError, TypeError)) as numpys:
        getattr(numpy_lr_scheduler, name)(NumpySGD([numpy_nn.Parameter(np.zeros(1))], lr=0.1), **kwargs)
    assert (type(ours.value), str(ours.value)) == (type(numpys.value), str(numpys.value))
