"""Learning-rate schedulers (NumPy): step for step against torch.optim.lr_scheduler, against
the closed forms, with several parameter groups, chained, resumed, saved and restored, and
with bad arguments."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.optim import Optimizer, lr_scheduler
from dlref.testing import assert_close


class PlainSGD(Optimizer):
    """The smallest optimizer: p <- p - lr * grad. Only the learning rate matters here."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data -= group["lr"] * p.grad


def make_pair(lrs):
    """Our optimizer and torch's, with one parameter group per learning rate."""
    ours = PlainSGD([{"params": [nn.Parameter(np.zeros(2))], "lr": lr} for lr in lrs])
    theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs])
    return ours, theirs


# name -> (our class, torch class, hypothesis strategy for the keyword arguments)
SCHEDULERS = {
    "StepLR": (lr_scheduler.StepLR, torch.optim.lr_scheduler.StepLR,
               st.fixed_dictionaries({"step_size": st.integers(1, 12),
                                      "gamma": st.floats(0.05, 1.5)})),
    "ExponentialLR": (lr_scheduler.ExponentialLR, torch.optim.lr_scheduler.ExponentialLR,
                      st.fixed_dictionaries({"gamma": st.floats(0.5, 1.05)})),
    "CosineAnnealingLR": (lr_scheduler.CosineAnnealingLR, torch.optim.lr_scheduler.CosineAnnealingLR,
                          st.fixed_dictionaries({"T_max": st.integers(1, 30),
                                                 "eta_min": st.sampled_from([0.0, 1e-4, 1e-3, 0.01])})),
    "LinearLR": (lr_scheduler.LinearLR, torch.optim.lr_scheduler.LinearLR,
                 st.fixed_dictionaries({"start_factor": st.floats(0.01, 1.0),
                                        "end_factor": st.floats(0.0, 1.0),
                                        "total_iters": st.integers(1, 20)})),
}

lrs_strategy = st.lists(st.floats(1e-4, 10.0), min_size=1, max_size=3)


def closed_form(name, eta_0, t, kwargs):
    """The learning rate at epoch t from the formulas in the docstrings."""
    if name == "StepLR":
        return eta_0 * kwargs["gamma"] ** (t // kwargs["step_size"])
    if name == "ExponentialLR":
        return eta_0 * kwargs["gamma"] ** t
    if name == "CosineAnnealingLR":
        eta_min = kwargs["eta_min"]
        return eta_min + 0.5 * (eta_0 - eta_min) * (1 + math.cos(math.pi * t / kwargs["T_max"]))
    f_s, f_e, T = kwargs["start_factor"], kwargs["end_factor"], kwargs["total_iters"]
    return eta_0 * (f_s + (f_e - f_s) * min(t, T) / T)


def step_both(ours, theirs, opt_ours, opt_theirs):
    opt_ours.step()
    opt_theirs.step()          # torch warns when its scheduler steps before its optimizer
    ours.step()
    theirs.step()


def assert_same_lrs(ours, theirs, opt_ours, opt_theirs, where):
    # the recursions are computed operation for operation as torch does: equal, not just close
    assert ours.get_last_lr() == theirs.get_last_lr(), where
    assert [g["lr"] for g in opt_ours.param_groups] == [g["lr"] for g in opt_theirs.param_groups], where


@pytest.mark.parametrize("name", list(SCHEDULERS))
@given(data=st.data(), lrs=lrs_strategy, steps=st.integers(1, 120))
def test_matches_torch_step_for_step(name, data, lrs, steps):
    ours_cls, theirs_cls, kwargs_strategy = SCHEDULERS[name]
    kwargs = data.draw(kwargs_strategy)
    opt_ours, opt_theirs = make_pair(lrs)
    ours, theirs = ours_cls(opt_ours, **kwargs), theirs_cls(opt_theirs, **kwargs)
    assert ours.base_lrs == theirs.base_lrs == lrs
    assert_same_lrs(ours, theirs, opt_ours, opt_theirs, "after construction")
    for t in range(1, steps + 1):
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert ours.last_epoch == theirs.last_epoch == t
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"epoch {t}")


@pytest.mark.parametrize("name", list(SCHEDULERS))
@given(data=st.data(), lrs=lrs_strategy)
def test_follows_closed_form(name, data, lrs):
    ours_cls, _, kwargs_strategy = SCHEDULERS[name]
    kwargs = data.draw(kwargs_strategy)
    opt, _ = make_pair(lrs)
    sched = ours_cls(opt, **kwargs)
    for t in range(100):
        expected = [closed_form(name, eta_0, t, kwargs) for eta_0 in lrs]
        assert_close(np.array(sched.get_last_lr()), np.array(expected), rtol=1e-10, atol=1e-12,
                     msg=f"{name} epoch {t}")
        sched.step()


def test_cosine_past_T_max_climbs_back():
    opt, _ = make_pair([1.0])
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(16):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs[4] == pytest.approx(0.1, abs=1e-15) and lrs[12] == pytest.approx(0.1, abs=1e-15)
    assert lrs[8] == pytest.approx(1.0) and lrs[16] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(lrs[:4], lrs[1:5]))     # down to eta_min over T_max epochs
    assert all(a < b for a, b in zip(lrs[4:8], lrs[5:9]))     # then back up: period 2 T_max


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_param_groups_with_different_lrs(name):
    ours_cls, theirs_cls, _ = SCHEDULERS[name]
    kwargs = {"StepLR": {"step_size": 3, "gamma": 0.5}, "ExponentialLR": {"gamma": 0.9},
              "CosineAnnealingLR": {"T_max": 7, "eta_min": 0.001},
              "LinearLR": {"start_factor": 0.1, "total_iters": 6}}[name]
    lrs = [0.1, 0.02, 3.0]
    opt_ours, opt_theirs = make_pair(lrs)
    ours, theirs = ours_cls(opt_ours, **kwargs), theirs_cls(opt_theirs, **kwargs)
    for t in range(30):
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"epoch {t + 1}")
        # each group keeps its own scale: every rate is its initial rate times one shared factor
        factors = np.array(ours.get_last_lr()) / np.array(lrs)
        if name != "CosineAnnealingLR":         # eta_min is absolute, not relative
            assert_close(factors, np.full(3, factors[0]), rtol=1e-12, atol=0.0)
    assert [g["initial_lr"] for g in opt_ours.param_groups] == lrs


@given(lrs=lrs_strategy, warmup=st.integers(1, 10), T_max=st.integers(5, 40), steps=st.integers(1, 60))
def test_chained_warmup_and_cosine_matches_torch(lrs, warmup, T_max, steps):
    """Two schedulers on one optimizer multiply their factors, in torch as here."""
    opt_ours, opt_theirs = make_pair(lrs)
    ours = [lr_scheduler.LinearLR(opt_ours, start_factor=0.1, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(opt_ours, T_max=T_max)]
    theirs = torch.optim.lr_scheduler.ChainedScheduler([
        torch.optim.lr_scheduler.LinearLR(opt_theirs, start_factor=0.1, total_iters=warmup),
        torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=T_max)])
    for t in range(1, steps + 1):
        opt_ours.step()
        opt_theirs.step()
        for s in ours:
            s.step()
        theirs.step()
        got = [g["lr"] for g in opt_ours.param_groups]
        assert_close(np.array(got), np.array(theirs.get_last_lr()), rtol=1e-12, atol=0.0)
        if t <= T_max:                        # the product of the two closed forms
            expected = [eta_0 * (0.1 + 0.9 * min(t, warmup) / warmup) * 0.5 * (1 + math.cos(math.pi * t / T_max))
                        for eta_0 in lrs]
            assert_close(np.array(got), np.array(expected), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip(name):
    ours_cls, _, _ = SCHEDULERS[name]
    kwargs = {"StepLR": {"step_size": 4, "gamma": 0.3}, "ExponentialLR": {"gamma": 0.8},
              "CosineAnnealingLR": {"T_max": 5, "eta_min": 0.01},
              "LinearLR": {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 8}}[name]
    # one run without interruption
    opt, _ = make_pair([0.5, 0.05])
    sched = ours_cls(opt, **kwargs)
    reference = []
    for _ in range(25):
        sched.step()
        reference.append(sched.get_last_lr())
    # the same run saved after 9 epochs and restored into new objects
    opt_a, _ = make_pair([0.5, 0.05])
    sched_a = ours_cls(opt_a, **kwargs)
    for _ in range(9):
        sched_a.step()
    saved_opt, saved_sched = opt_a.state_dict(), sched_a.state_dict()
    assert "optimizer" not in saved_sched and saved_sched["last_epoch"] == 9
    opt_b, _ = make_pair([0.5, 0.05])
    sched_b = ours_cls(opt_b, **kwargs)       # constructed before loading, as torch advises
    opt_b.load_state_dict(saved_opt)
    sched_b.load_state_dict(saved_sched)
    assert sched_b.get_last_lr() == reference[8]
    for t in range(9, 25):
        sched_b.step()
        assert sched_b.get_last_lr() == reference[t], f"epoch {t + 1}"
    # the saved dict is a copy: stepping on does not change it
    assert saved_sched["last_epoch"] == 9


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_has_torch_entries_and_loads_torch_state(name):
    ours_cls, theirs_cls, _ = SCHEDULERS[name]
    kwargs = {"StepLR": {"step_size": 2}, "ExponentialLR": {"gamma": 0.7},
              "CosineAnnealingLR": {"T_max": 6}, "LinearLR": {}}[name]
    opt_ours, opt_theirs = make_pair([0.3, 0.01])
    ours, theirs = ours_cls(opt_ours, **kwargs), theirs_cls(opt_theirs, **kwargs)
    for _ in range(5):
        step_both(ours, theirs, opt_ours, opt_theirs)
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert set(mine) <= set(torchs)
    for key, value in mine.items():
        assert value == torchs[key], key
    # a fresh scheduler of ours picks up torch's state and continues as torch does
    opt_fresh, _ = make_pair([0.3, 0.01])
    fresh = ours_cls(opt_fresh, **kwargs)
    opt_fresh.load_state_dict({"state": {}, "param_groups": [
        {**{k: v for k, v in g.items() if k in ("lr", "initial_lr")}, "params": [i]}
        for i, g in enumerate(opt_theirs.state_dict()["param_groups"])]})
    fresh.load_state_dict(torchs)
    for t in range(5):
        opt_theirs.step()
        theirs.step()
        fresh.step()
        assert fresh.get_last_lr() == theirs.get_last_lr(), f"epoch {t + 6}"


@pytest.mark.parametrize("name", list(SCHEDULERS))
@pytest.mark.parametrize("last_epoch", [0, 3, 7])
def test_resume_with_last_epoch_matches_torch(name, last_epoch):
    ours_cls, theirs_cls, _ = SCHEDULERS[name]
    kwargs = {"StepLR": {"step_size": 4, "gamma": 0.5}, "ExponentialLR": {"gamma": 0.9},
              "CosineAnnealingLR": {"T_max": 5, "eta_min": 0.001},
              "LinearLR": {"start_factor": 0.25, "total_iters": 6}}[name]
    opt_ours, opt_theirs = make_pair([0.2, 0.7])
    for group in opt_ours.param_groups + opt_theirs.param_groups:
        group["initial_lr"] = 1.0         # as a loaded optimizer state would hold it
    ours = ours_cls(opt_ours, last_epoch=last_epoch, **kwargs)
    theirs = theirs_cls(opt_theirs, last_epoch=last_epoch, **kwargs)
    assert ours.base_lrs == theirs.base_lrs == [1.0, 1.0]
    assert_same_lrs(ours, theirs, opt_ours, opt_theirs, "after construction")
    for t in range(20):
        step_both(ours, theirs, opt_ours, opt_theirs)
        assert_same_lrs(ours, theirs, opt_ours, opt_theirs, f"step {t + 1}")


def test_second_scheduler_keeps_initial_lr():
    opt, _ = make_pair([0.4])
    first = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    first.step()
    second = lr_scheduler.StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.4
    assert second.base_lrs == [0.4] and second.get_last_lr() == [0.2]


def test_steps_a_real_optimizer_and_training_loop():
    """The optimizer reads the scheduled rate: the update shrinks as the schedule decays."""
    p = nn.Parameter(np.zeros(1))
    opt = PlainSGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    moves = []
    for _ in range(6):
        p.grad = np.ones(1)
        before = p.data.copy()
        opt.step()
        moves.append(float(before[0] - p.data[0]))
        sched.step()
    assert_close(np.array(moves), np.array([1.0, 1.0, 0.1, 0.1, 0.01, 0.01]), rtol=1e-12, atol=0.0)


def test_with_dlref_sgd():
    """The schedulers drive dlref.numpy.optim.SGD as torch's drive torch.optim.SGD."""
    from dlref.numpy.optim import SGD
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(5)
    p = nn.Parameter(w0.copy())
    w = torch.tensor(w0, requires_grad=True)
    opt_ours, opt_theirs = SGD([p], lr=0.5, momentum=0.9), torch.optim.SGD([w], lr=0.5, momentum=0.9)
    ours = lr_scheduler.CosineAnnealingLR(opt_ours, T_max=10)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=10)
    for _ in range(15):
        p.grad = 2 * p.data                        # gradient of |w|^2
        opt_ours.step()
        opt_theirs.zero_grad()
        (w ** 2).sum().backward()
        opt_theirs.step()
        ours.step()
        theirs.step()
        assert_close(p.data, w)
    assert ours.get_last_lr() == theirs.get_last_lr()


def test_base_class_needs_get_lr():
    opt, _ = make_pair([0.1])
    with pytest.raises(NotImplementedError, match="get_lr"):
        lr_scheduler.LRScheduler(opt)


@pytest.mark.parametrize("make, error, match", [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), TypeError, "step_size"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.0), ValueError, "gamma"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=-0.5), ValueError, "gamma"),
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=float("nan")), ValueError, "gamma"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=float("inf")), ValueError, "gamma"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma="0.9"), TypeError, "gamma"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=-1e-3), ValueError, "eta_min"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=1.5), ValueError, "start_factor"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=-0.1), ValueError, "end_factor"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.1), ValueError, "end_factor"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=-2), ValueError, "last_epoch"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=1.0), TypeError, "last_epoch"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=3), ValueError, "initial_lr"),
    (lambda o: lr_scheduler.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 2),
     TypeError, "optimizer"),
])
def test_bad_arguments(make, error, match):
    opt, _ = make_pair([0.1])
    with pytest.raises(error, match=match):
        make(opt)
    assert opt.param_groups[0]["lr"] == 0.1      # nothing was changed before the error


def test_load_state_dict_checks_its_input():
    opt, _ = make_pair([0.1])
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        sched.load_state_dict(lr_scheduler.ExponentialLR(make_pair([0.1])[0], gamma=0.5).state_dict())
    with pytest.raises(TypeError, match="state_dict"):
        sched.load_state_dict([1, 2])
