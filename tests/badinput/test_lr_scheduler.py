"""Bad inputs to the learning-rate schedulers of both backends, judged by ``torch.optim.lr_scheduler``.

Each scheduler is built with one bad argument (the optimizer, a hyperparameter,
``last_epoch``) or loads one bad state dict, and then steps six epochs: a value torch
accepts at first and fails on later (``step_size=0``, a string ``gamma`` in a state dict)
is judged by that failure, and the rates of both are compared where both run. As in
test_optim.py, the optimizer and the state dict are recipes (`Recipe`) that build the same
thing for each backend: dlref.numpy's SGD, or torch's for ``dlref.torch`` and the reference.
"""

from __future__ import annotations

import copy
import math
import types

import numpy as np
import pytest
import torch

from badinput.framework import Case, check_valid_call, expand, ids, judge
from dlref.numpy import nn
from dlref.numpy import optim as numpy_optim
from dlref.numpy.optim import lr_scheduler as numpy_schedulers
from dlref.torch.optim import lr_scheduler as torch_schedulers

NAN, INF = math.nan, math.inf
STEPS = 6


def _numpy_sgd():
    return numpy_optim.SGD([nn.Parameter(np.zeros(2))], lr=0.1)


def _torch_sgd():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))], lr=0.1)


# each backend: its optimizer, and the other backend's (a scheduler must refuse that one)
NUMPY = types.SimpleNamespace(name="numpy", sgd=_numpy_sgd, other=_torch_sgd, schedulers=numpy_schedulers)
TORCH = types.SimpleNamespace(name="torch", sgd=_torch_sgd, other=_numpy_sgd, schedulers=torch_schedulers)
REFERENCE = types.SimpleNamespace(name="reference", sgd=_torch_sgd, other=_numpy_sgd,
                                  schedulers=torch.optim.lr_scheduler)


class Recipe:
    """A value built afresh for one backend: ``build(backend)``; printed as its label."""

    def __init__(self, label: str, build):
        self.label, self.build = label, build

    def __call__(self, *args):
        return self.build(*args)

    def __repr__(self) -> str:
        return self.label


def _resumable(backend):
    optimizer = backend.sgd()
    optimizer.param_groups[0]["initial_lr"] = 0.1
    return optimizer


VALID_OPTIMIZER = Recipe("valid", lambda b: b.sgd())
BAD_OPTIMIZERS = [
    Recipe("None", lambda b: None),
    Recipe("list", lambda b: []),
    Recipe("'sgd'", lambda b: "sgd"),
    Recipe("param_groups", lambda b: b.sgd().param_groups),
    Recipe("other_backend", lambda b: b.other()),
]

# name -> (valid keywords, the hostile values of each)
SCHEDULERS = {
    "StepLR": ({"step_size": 2}, {"step_size": [0, -1, 1.5, True, "2", None],
                                  "gamma": [0.0, -1.0, NAN, INF, "0.1", None]}),
    "ExponentialLR": ({"gamma": 0.9}, {"gamma": [0.0, -1.0, NAN, INF, "0.1", None]}),
    "CosineAnnealingLR": ({"T_max": 4}, {"T_max": [0, -4, 2.5, "4", None],
                                         "eta_min": [-1.0, NAN, INF, "0", None]}),
    "LinearLR": ({}, {"start_factor": [0.0, 2.0, -1.0, NAN, "0.5", None], "end_factor": [-0.5, 2.0, NAN, None],
                      "total_iters": [0, -1, 2.5, "5", None]}),
}
BAD_LAST_EPOCH = [-2, 0, 1.5, "x", None]

POSITIVE_GAMMA = ("gamma must be finite and > 0 (torch takes 0, a negative, NaN or inf factor and "
                  "returns such rates); see the scheduler's Differences from PyTorch")
INT_PERIOD = ("a period or a length in epochs must be an int >= 1 (torch takes a float, or one < 1 and "
              "then returns meaningless rates); see the scheduler's Differences from PyTorch")
STRICTER = {
    "step_size=-1": INT_PERIOD, "step_size=1.5": INT_PERIOD, "step_size=True": INT_PERIOD,
    "gamma=0.0": POSITIVE_GAMMA, "gamma=-1.0": POSITIVE_GAMMA, "gamma=nan": POSITIVE_GAMMA,
    "gamma=inf": POSITIVE_GAMMA,
    "T_max=-4": INT_PERIOD, "T_max=2.5": INT_PERIOD,
    "total_iters=0": INT_PERIOD, "total_iters=-1": INT_PERIOD, "total_iters=2.5": INT_PERIOD,
    "eta_min=-1.0": "eta_min must be finite and >= 0 (torch checks nothing); see CosineAnnealingLR",
    "eta_min=nan": "eta_min must be finite and >= 0 (torch checks nothing); see CosineAnnealingLR",
    "eta_min=inf": "eta_min must be finite and >= 0 (torch checks nothing); see CosineAnnealingLR",
    "start_factor=nan": "NaN factors are refused (torch's range check lets NaN through); see LinearLR",
    "end_factor=nan": "NaN factors are refused (torch's range check lets NaN through); see LinearLR",
    "state_dict=without_base_lrs": ("load_state_dict refuses a state dict that lacks a public entry (torch keeps "
                                    "the scheduler's own value); see LRScheduler's Differences from PyTorch"),
    "state_dict=without_last_epoch": ("load_state_dict refuses a state dict that lacks a public entry (torch "
                                      "keeps the scheduler's own value)"),
    "state_dict=empty": "load_state_dict refuses a state dict that lacks a public entry (torch keeps its own)",
    "state_dict=another_scheduler's": ("load_state_dict refuses a state dict that lacks a public entry, as "
                                       "another scheduler's does (torch loads it over its own)"),
    "state_dict=base_lrs_too_long": "base_lrs must hold one rate per parameter group (torch loads any list)",
    "state_dict=base_lrs_empty": "base_lrs must hold one rate per parameter group (torch loads any list)",
}


def _rates(scheduler, optimizer, steps=STEPS):
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    return np.asarray(rates, dtype=np.float64)


def constructor_case(name, backend):
    valid, bad = SCHEDULERS[name]
    extra = [(f"optimizer={recipe!r}", {"optimizer": recipe}) for recipe in BAD_OPTIMIZERS]
    extra += [(f"{k}={v!r}", {k: v}) for k, values in bad.items() for v in values]
    extra += [(f"last_epoch={v!r}", {"last_epoch": v}) for v in BAD_LAST_EPOCH]
    extra += [("last_epoch=3, resumable", {"last_epoch": 3, "optimizer": Recipe("resumable", _resumable)})]

    def run(back, optimizer, **kwargs):
        optimizer = optimizer(back)
        return _rates(getattr(back.schedulers, name)(optimizer, **kwargs), optimizer)

    prefix = "" if backend is NUMPY else "torch-"
    return Case(f"dlref.{backend.name}.optim.lr_scheduler.{name}", lambda **a: run(backend, **a),
                dict(optimizer=VALID_OPTIMIZER, **valid), reference=lambda **a: run(REFERENCE, **a),
                hostile=(), stricter=dict(STRICTER), extra=extra, id=f"{prefix}{name}-constructor")


def _without(d, key):
    return {k: v for k, v in d.items() if k != key}


# name -> a value torch takes in a state dict and fails on at the next step
BAD_LOADED = {"StepLR": {"step_size": 0}, "ExponentialLR": {"gamma": "x"}, "CosineAnnealingLR": {"T_max": 0},
              "LinearLR": {"total_iters": "5"}}


def load_state_dict_case(name, backend):
    valid, _ = SCHEDULERS[name]
    other = "StepLR" if name != "StepLR" else "ExponentialLR"
    changes = {
        "None": lambda sd, b: None,
        "list": lambda sd, b: [sd],
        "without_base_lrs": lambda sd, b: _without(sd, "base_lrs"),
        "without_last_epoch": lambda sd, b: _without(sd, "last_epoch"),
        "empty": lambda sd, b: {},
        "extra_entry": lambda sd, b: {**sd, "foo": 1},
        "base_lrs_too_long": lambda sd, b: {**sd, "base_lrs": list(sd["base_lrs"]) * 2},
        "base_lrs_empty": lambda sd, b: {**sd, "base_lrs": []},
        "last_epoch='x'": lambda sd, b: {**sd, "last_epoch": "x"},
        f"{next(iter(BAD_LOADED[name]))}={next(iter(BAD_LOADED[name].values()))!r}":
            lambda sd, b: {**sd, **BAD_LOADED[name]},
        "another_scheduler's": lambda sd, b: getattr(b.schedulers, other)(
            b.sgd(), **SCHEDULERS[other][0]).state_dict(),
    }

    def run(back, state_dict):
        optimizer = back.sgd()
        scheduler = getattr(back.schedulers, name)(optimizer, **valid)
        _rates(scheduler, optimizer, steps=2)
        saved = state_dict(copy.deepcopy(scheduler.state_dict()), back)
        optimizer = back.sgd()
        scheduler = getattr(back.schedulers, name)(optimizer, **valid)
        scheduler.load_state_dict(saved)
        return _rates(scheduler, optimizer, steps=3)

    prefix = "" if backend is NUMPY else "torch-"
    return Case(f"dlref.{backend.name}.optim.lr_scheduler.{name}", lambda state_dict: run(backend, state_dict),
                dict(state_dict=Recipe("valid", lambda sd, b: sd)),
                reference=lambda state_dict: run(REFERENCE, state_dict), hostile=(), stricter=dict(STRICTER),
                extra=[(f"state_dict={label}", {"state_dict": Recipe(label, change)})
                       for label, change in changes.items()], id=f"{prefix}{name}-load_state_dict")


class _Constant(numpy_schedulers.LRScheduler):
    """The smallest subclass: it keeps every rate, so the base class's own arguments are judged."""

    def get_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]


class _TorchConstant(torch.optim.lr_scheduler.LRScheduler):
    def get_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]


def base_case():
    def run(back, cls, optimizer, **kwargs):
        optimizer = optimizer(back)
        return _rates(cls(optimizer, **kwargs), optimizer)

    extra = [(f"optimizer={recipe!r}", {"optimizer": recipe}) for recipe in BAD_OPTIMIZERS]
    extra += [(f"last_epoch={v!r}", {"last_epoch": v}) for v in BAD_LAST_EPOCH]
    return Case("dlref.numpy.optim.lr_scheduler.LRScheduler", lambda **a: run(NUMPY, _Constant, **a),
                dict(optimizer=VALID_OPTIMIZER), reference=lambda **a: run(REFERENCE, _TorchConstant, **a),
                hostile=(), extra=extra, id="LRScheduler-constructor")


def cases():
    out = [base_case()]
    for name in SCHEDULERS:
        for backend in (NUMPY, TORCH):
            out += [constructor_case(name, backend), load_state_dict_case(name, backend)]
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's note on optimizer.step() before scheduler.step()
@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_valid_call(case):
    check_valid_call(case)
