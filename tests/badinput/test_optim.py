"""Bad inputs to the optimizers of both backends, judged by ``torch.optim`` (see framework.py).

Each optimizer is exercised four ways, on each backend: its constructor (bad parameters,
bad hyperparameters), ``step`` (a gradient of the wrong shape or dtype, a closure that is
not callable), ``add_param_group`` and ``load_state_dict`` (a state dict that does not
fit). Every call ends with optimizer steps, so that a bad value torch accepts at first and
fails on later (a ``step_size`` of 0, a string ``lr`` in an added group, a state tensor of
the wrong shape) is judged by that failure.

A parameter list, a parameter group or a state dict cannot be handed to both libraries as
one value: each backend needs its own parameter objects. So the hostile value is a
*recipe* (`Recipe`), which builds the same thing for each backend: dlref's NumPy
``Parameter`` objects, or torch tensors for ``dlref.torch`` and for the reference.
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
from dlref.torch import optim as torch_optim

RNG = np.random.default_rng(0)
THETA = [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]  # two parameters, float64
GRAD = [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]   # their gradients, at every step


def _numpy_grad(p):
    return next(g for g in GRAD if g.shape == p.data.shape).astype(p.data.dtype)


def _torch_grad(p):
    return torch.tensor(next(g for g in GRAD if g.shape == tuple(p.shape))).to(p.dtype)


# how each backend makes a parameter, its gradient, and reads its values back
NUMPY = types.SimpleNamespace(
    name="numpy", param=lambda a: nn.Parameter(a.copy()), grad=_numpy_grad, data=lambda p: p.data.copy(),
    module=lambda: nn.Linear(4, 3, dtype=np.float64))
TORCH = types.SimpleNamespace(
    name="torch", param=lambda a: torch.nn.Parameter(torch.tensor(a)), grad=_torch_grad,
    data=lambda p: p.detach().clone(), module=lambda: torch.nn.Linear(4, 3, dtype=torch.float64))


class Recipe:
    """A hostile value built afresh for one backend: ``build(backend)``; printed as its label."""

    def __init__(self, label: str, build):
        self.label, self.build = label, build

    def __call__(self, backend):
        return self.build(backend)

    def __repr__(self) -> str:
        return self.label


def _params(backend):
    return [backend.param(t) for t in THETA]


def _used_generator(backend):
    params = _params(backend)
    generator = (p for p in params)
    list(generator)  # a first optimizer took them all
    return generator, params


def _typed(backend, dtype: str):
    if backend is NUMPY:  # an integer parameter cannot require a gradient, as in torch
        p = nn.Parameter(np.round(THETA[0]).astype({"int": np.int64, "complex": np.complex128,
                                                    "float16": np.float16}[dtype]), requires_grad=dtype != "int")
    else:
        value = torch.tensor(np.round(THETA[0]))
        p = value.long() if dtype == "int" else torch.nn.Parameter(
            value.to({"complex": torch.complex128, "float16": torch.float16}[dtype]))
    return [p], [p]


def _single(backend):
    p = backend.param(THETA[0])
    return p, [p]


def _duplicate(backend):
    p = backend.param(THETA[0])
    return [p, p], [p]


def _shared_by_groups(backend):
    p = backend.param(THETA[0])
    return [{"params": [p]}, {"params": [p]}], [p]


def _set_in_group(backend):
    p = backend.param(THETA[0])
    return [{"params": {p}}], [p]


def _mixed(backend):
    params = _params(backend)
    return [params[0], {"params": [params[1]]}], params


def _non_leaf(backend):
    if backend is NUMPY:  # a NumPy array has no history: the nearest thing is an array that is no Parameter
        return [THETA[0].copy()], []
    return [torch.nn.Parameter(torch.tensor(THETA[0])) * 2], []


VALID = Recipe("valid", lambda b: (lambda ps: (ps, ps))(_params(b)))
BAD_PARAMS = [
    Recipe("None", lambda b: (None, [])),
    Recipe("3", lambda b: (3, [])),
    Recipe("empty", lambda b: ([], [])),
    Recipe("used_generator", _used_generator),
    Recipe("module", lambda b: (b.module(), [])),
    Recipe("single", _single),
    Recipe("arrays", lambda b: ([t.copy() for t in THETA], [])),
    Recipe("a_group", lambda b: (lambda ps: ({"params": ps}, ps))(_params(b))),
    Recipe("duplicate", _duplicate),
    Recipe("shared_by_groups", _shared_by_groups),
    Recipe("group_without_params", lambda b: ([{"lr": 0.1}], [])),
    Recipe("group_params_set", _set_in_group),
    Recipe("group_params_None", lambda b: ([{"params": None}], [])),
    Recipe("mixed", _mixed),
    Recipe("non_leaf", _non_leaf),
    Recipe("int", lambda b: _typed(b, "int")),
    Recipe("complex", lambda b: _typed(b, "complex")),
    Recipe("float16", lambda b: _typed(b, "float16")),
]

# the hostile values of each hyperparameter (torch's answers to them differ, and are asked)
NAN, INF = math.nan, math.inf
BAD_HYPERPARAMETERS = {
    "lr": [-1.0, NAN, INF, "0.1", None],
    "eps": [-1.0, NAN, None, "x"],
    "weight_decay": [-1.0, NAN, None],
    "momentum": [-1.0, NAN, None],
    "dampening": [NAN, None],
    "nesterov": [True, "yes", None],
    "betas": [(0.9,), (0.9, 1.0), (1.5, 0.9), (-0.1, 0.9), (NAN, 0.9), ("a", 0.9), (0.9, 0.999, 0.1), None, "ab"],
    "alpha": [-1.0, 2.0, NAN, None],
    "lr_decay": [-1.0, None],
    "initial_accumulator_value": [-1.0, NAN, None],
    "maximize": ["yes", None], "amsgrad": ["yes", None], "centered": ["yes", None],
}

# name -> (hyperparameters of the valid call, its constructor's keywords)
OPTIMIZERS = {
    "SGD": ({"lr": 0.1, "momentum": 0.9}, ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")),
    "Adagrad": ({"lr": 0.1}, ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")),
    "RMSprop": ({"lr": 0.01}, ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")),
    "Adam": ({"lr": 0.01}, ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")),
    "AdamW": ({"lr": 0.01}, ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")),
}

FLAGS = ("dlref's flags are bools and its hyperparameters numbers, also where torch never reads them "
         "(torch takes any truthy value for a flag, and ignores dampening without momentum); "
         "see dlref._optim_args")
NAN_REFUSED = ("NaN hyperparameters are refused (torch's SGD takes a NaN lr, weight_decay, momentum or "
               "dampening and returns NaN weights); see the optimizers' Differences from PyTorch")
STRICTER = {
    "lr=nan": NAN_REFUSED, "weight_decay=nan": NAN_REFUSED, "momentum=nan": NAN_REFUSED,
    "dampening=nan": NAN_REFUSED, "dampening=None": FLAGS, "nesterov=None": FLAGS,
    "nesterov='yes'": FLAGS, "maximize='yes'": FLAGS, "maximize=None": FLAGS, "amsgrad='yes'": FLAGS,
    "amsgrad=None": FLAGS, "centered='yes'": FLAGS, "centered=None": FLAGS,
    "alpha=2.0": "RMSprop's alpha > 1 is refused: torch takes it, and v_t turns negative (NaN steps)",
    "params=duplicate": ("a parameter listed twice is refused: torch warns that this will become an error, "
                         "and meanwhile updates it twice per step"),
    "param_group=twice": ("a parameter listed twice is refused: torch warns that this will become an error, "
                          "and meanwhile updates it twice per step"),
    "param_group=lr=-1": ("the hyperparameters of an added group are checked (torch checks only the "
                          "constructor's); see Optimizer's Differences from PyTorch"),
    "params=complex": ("dlref's optimizers take floating-point parameters only (torch also optimizes complex "
                       "ones, as pairs of reals)"),
    "state_dict=unknown_index": ("a state entry for a parameter no group holds is refused (torch drops it "
                                 "silently)"),
    "grad=tensor": "dlref.numpy's optimizers take NumPy gradients (a torch tensor is refused, not mixed in)",
    "state_dict=group_lr=-1": ("the hyperparameters of a loaded group are checked like the constructor's "
                               "(torch loads any value)"),
}


def _run(backend, cls, params, leaves, hyper, steps=2, closure=None):
    """Build the optimizer, give every parameter its gradient and step; the parameters' values."""
    optimizer = cls(params, **hyper)
    for _ in range(steps):
        for p in leaves:
            p.grad = backend.grad(p)
        optimizer.step(closure)
    return tuple(backend.data(p) for p in leaves)


# -- the constructor ------------------------------------------------------------------------------


def constructor_case(name, backend, cls, reference_cls):
    valid, keywords = OPTIMIZERS[name]
    extra = [(f"params={recipe!r}", {"params": recipe}) for recipe in BAD_PARAMS]
    extra += [(f"{k}={v!r}", {k: v}) for k in keywords for v in BAD_HYPERPARAMETERS[k]]
    if name == "SGD":  # nesterov needs momentum: without it (the default 0) it is refused
        extra = [(label, dict(changes, momentum=0.0) if label == "nesterov=True" else changes)
                 for label, changes in extra]

    def ours(params, **hyper):
        return _run(backend, cls, *params(backend), hyper)

    def reference(params, **hyper):
        return _run(TORCH, reference_cls, *params(TORCH), hyper)

    prefix = "" if backend is NUMPY else "torch-"
    return Case(f"dlref.{backend.name}.optim.{name}", ours, dict(params=VALID, **valid), reference=reference,
                hostile=(), stricter=dict(STRICTER), extra=extra, id=f"{prefix}{name}-constructor")


# -- step: the gradient and the closure -------------------------------------------------------------

TORCH_REFUSES_THE_GRADIENT = ("torch refuses the assignment p.grad = g itself (a gradient of another shape "
                              "or dtype, or not a tensor), so no such gradient reaches dlref.torch's step")


def step_case(name, backend, cls, reference_cls):
    valid, _ = OPTIMIZERS[name]

    def ours(grad, closure=None):
        p = backend.param(THETA[0])
        optimizer = cls([p], **valid)
        p.grad = grad
        optimizer.step(closure)
        return backend.data(p)

    def reference(grad, closure=None):
        p = TORCH.param(THETA[0])
        optimizer = reference_cls([p], **valid)
        p.grad = grad
        optimizer.step(closure)
        return TORCH.data(p)

    prefix = "" if backend is NUMPY else "torch-"
    grad = GRAD[0] if backend is NUMPY else torch.tensor(GRAD[0])
    extra = [("closure=1", {"closure": 1}), ("closure='loss'", {"closure": "loss"})]
    skip = {}
    if backend is NUMPY:
        extra += [("grad=float32", {"grad": GRAD[0].astype(np.float32)}),
                  ("grad=tensor", {"grad": torch.tensor(GRAD[0])})]
    else:
        skip = {kind: TORCH_REFUSES_THE_GRADIENT for kind in
                ("list", "extra_dim", "fewer_dims", "empty", "wrong_size", "int", "float16", "complex")}
    return Case(f"dlref.{backend.name}.optim.{name}", ours, dict(grad=grad), reference=reference,
                stricter=dict(STRICTER), skip=skip, extra=extra, id=f"{prefix}{name}-step")


# -- add_param_group --------------------------------------------------------------------------------


def _group_recipe(label, make):
    """A recipe for an optimizer over THETA[0] and the group to add to it."""
    def build(backend):
        first = backend.param(THETA[0])
        group, leaves = make(backend, first)
        return first, group, leaves
    return Recipe(label, build)


GROUPS = [
    _group_recipe("list", lambda b, first: ([b.param(THETA[1])], [])),
    _group_recipe("None", lambda b, first: (None, [])),
    _group_recipe("no_params", lambda b, first: ({"lr": 0.1}, [])),
    _group_recipe("params_None", lambda b, first: ({"params": None}, [])),
    _group_recipe("params_set", lambda b, first: (lambda q: ({"params": {q}}, [q]))(b.param(THETA[1]))),
    _group_recipe("params_arrays", lambda b, first: ({"params": [THETA[1].copy()]}, [])),
    _group_recipe("in_another_group", lambda b, first: ({"params": [first]}, [])),
    _group_recipe("twice", lambda b, first: (lambda q: ({"params": [q, q]}, [q]))(b.param(THETA[1]))),
    _group_recipe("lr=-1", lambda b, first: (lambda q: ({"params": [q], "lr": -1.0}, [q]))(b.param(THETA[1]))),
    _group_recipe("lr='x'", lambda b, first: (lambda q: ({"params": [q], "lr": "x"}, [q]))(b.param(THETA[1]))),
    _group_recipe("weight_decay=None",
                  lambda b, first: (lambda q: ({"params": [q], "weight_decay": None}, [q]))(b.param(THETA[1]))),
]
VALID_GROUP = _group_recipe("valid", lambda b, first: (lambda q: ({"params": [q], "lr": 0.05}, [q]))(b.param(THETA[1])))
SINGLE_GROUP = _group_recipe("single", lambda b, first: (lambda q: ({"params": q}, [q]))(b.param(THETA[1])))


def add_param_group_case(name, backend, cls, reference_cls):
    valid, _ = OPTIMIZERS[name]

    def run(back, klass, param_group):
        first, group, leaves = param_group(back)
        optimizer = klass([first], **valid)
        optimizer.add_param_group(group)
        for p in [first, *leaves]:
            p.grad = back.grad(p)
        optimizer.step()
        return tuple(back.data(p) for p in [first, *leaves])

    prefix = "" if backend is NUMPY else "torch-"
    return Case(f"dlref.{backend.name}.optim.{name}", lambda param_group: run(backend, cls, param_group),
                dict(param_group=VALID_GROUP), reference=lambda param_group: run(TORCH, reference_cls, param_group),
                hostile=(), stricter=dict(STRICTER), extra=[(f"param_group={g!r}", {"param_group": g}) for g in GROUPS]
                + [("param_group=single", {"param_group": SINGLE_GROUP})], id=f"{prefix}{name}-add_param_group")


# -- load_state_dict --------------------------------------------------------------------------------


def _first_state(sd, change):
    """``sd`` with ``change(entry)`` as the state of parameter 0."""
    state = dict(sd["state"])
    state[0] = change(dict(state[0]))
    return {**sd, "state": state}


def _group0(sd, change):
    return {**sd, "param_groups": [change(dict(sd["param_groups"][0]))] + list(sd["param_groups"][1:])}


def _arrays(entry, change):
    return {k: (change(v) if getattr(v, "ndim", 0) else v) for k, v in entry.items()}


def _without(d, key):
    return {k: v for k, v in d.items() if k != key}


STATE_DICTS = {
    "None": lambda sd: None,
    "list": lambda sd: [sd],
    "no_state": lambda sd: _without(sd, "state"),
    "no_param_groups": lambda sd: _without(sd, "param_groups"),
    "extra_group": lambda sd: {**sd, "param_groups": list(sd["param_groups"]) * 2},
    "fewer_params": lambda sd: _group0(sd, lambda g: {**g, "params": g["params"][:1]}),
    "unknown_index": lambda sd: {**sd, "state": {7: sd["state"][0]}},
    "wrong_shape": lambda sd: _first_state(sd, lambda e: _arrays(e, lambda v: v[:1])),
    "lacking_entries": lambda sd: _first_state(sd, lambda e: dict(list(e.items())[:1])),
    "state_not_a_dict": lambda sd: {**sd, "state": [1]},
    "groups_not_a_list": lambda sd: {**sd, "param_groups": 3},
    "group_without_params": lambda sd: _group0(sd, lambda g: _without(g, "params")),
    "group_without_lr": lambda sd: _group0(sd, lambda g: _without(g, "lr")),
    "group_lr=-1": lambda sd: _group0(sd, lambda g: {**g, "lr": -1.0}),
    "group_lr='x'": lambda sd: _group0(sd, lambda g: {**g, "lr": "x"}),
    "float32_state": lambda sd: _first_state(sd, lambda e: _arrays(
        e, lambda v: v.float() if isinstance(v, torch.Tensor) else v.astype(np.float32))),
    "nan_state": lambda sd: _first_state(sd, lambda e: _arrays(e, lambda v: v * NAN)),
    "step='x'": lambda sd: _first_state(sd, lambda e: {**e, "step": "x"}),
}


def load_state_dict_case(name, backend, cls, reference_cls):
    valid, _ = OPTIMIZERS[name]

    def run(back, klass, state_dict):
        trained = _params(back)
        optimizer = klass(trained, **valid)
        for p in trained:
            p.grad = back.grad(p)
        optimizer.step()
        saved = state_dict(copy.deepcopy(optimizer.state_dict()))
        params = _params(back)
        optimizer = klass(params, **valid)
        optimizer.load_state_dict(saved)
        for p in params:
            p.grad = back.grad(p)
        optimizer.step()
        return tuple(back.data(p) for p in params)

    extra = [(f"state_dict={label}", {"state_dict": Recipe(label, change)}) for label, change in STATE_DICTS.items()
             if not (label == "step='x'" and name == "SGD")]  # SGD keeps no step count
    prefix = "" if backend is NUMPY else "torch-"
    return Case(f"dlref.{backend.name}.optim.{name}", lambda state_dict: run(backend, cls, state_dict),
                dict(state_dict=Recipe("valid", lambda sd: sd)), hostile=(), stricter=dict(STRICTER),
                reference=lambda state_dict: run(TORCH, reference_cls, state_dict), extra=extra,
                id=f"{prefix}{name}-load_state_dict")


# -- the NumPy base class -----------------------------------------------------------------------------


def base_case():
    def ours(params, defaults):
        return numpy_optim.Optimizer(params(NUMPY)[0], defaults).param_groups[0]["lr"]

    def reference(params, defaults):
        return torch.optim.Optimizer(params(TORCH)[0], defaults).param_groups[0]["lr"]

    extra = [("defaults=None", {"defaults": None}), ("defaults=[]", {"defaults": []})]
    extra += [(f"params={recipe!r}", {"params": recipe}) for recipe in BAD_PARAMS
              if recipe.label not in ("int", "complex", "float16")]  # torch's base takes any tensor
    return Case("dlref.numpy.optim.Optimizer", ours, dict(params=VALID, defaults={"lr": 0.1}), reference=reference,
                hostile=(), stricter=dict(STRICTER), extra=extra, id="Optimizer-constructor")


def cases():
    out = [base_case()]
    for name in OPTIMIZERS:
        reference_cls = getattr(torch.optim, name)
        for backend, module in ((NUMPY, numpy_optim), (TORCH, torch_optim)):
            cls = getattr(module, name)
            for make in (constructor_case, step_case, add_param_group_case, load_state_dict_case):
                out.append(make(name, backend, cls, reference_cls))
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.filterwarnings("ignore:optimizer contains a parameter group with duplicate parameters")
@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_valid_call(case):
    check_valid_call(case)
