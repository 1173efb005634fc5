"""Helpers shared by the optimizer tests: run a dlref optimizer and its torch.optim twin side by side.

Both optimizers start from the same parameters (float64 unless asked) and get, at every
step, the gradient of the same test function evaluated at *their own* current parameters:

    g = a * (theta - c) + 0.5 * sin(theta) + noise_t

(a > 0, c and the per-step noise fixed by the seed), so the trajectories evolve
independently and any difference in the update shows up and compounds. With
``maximize=True`` the gradient of the negated function is given, so both still converge.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from dlref.numpy import nn
from dlref.testing import assert_close


class Problem:
    """Parameters in groups, and the gradient of a smooth non-quadratic test function."""

    def __init__(self, shapes_per_group, seed, dtype=np.float64, steps=25, no_grad=()):
        rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.shapes = [shape for shapes in shapes_per_group for shape in shapes]
        self.sizes = [len(shapes) for shapes in shapes_per_group]
        self.theta0 = [rng.normal(0, 2, shape).astype(dtype) for shape in self.shapes]
        self.a = [rng.uniform(0.2, 2.0, shape) for shape in self.shapes]
        self.c = [rng.normal(0, 1, shape) for shape in self.shapes]
        self.noise = [rng.normal(0, 0.3, (steps,) + shape) for shape in self.shapes]
        # parameters that never get a gradient, and random (parameter, step) pairs without one
        self.no_grad = set(no_grad)
        self.skip = rng.random((len(self.shapes), steps)) < 0.1

    def grad(self, i, theta, t, maximize):
        theta = np.asarray(theta, dtype=np.float64)
        g = self.a[i] * (theta - self.c[i]) + 0.5 * np.sin(theta) + self.noise[i][t]
        return np.asarray(-g if maximize else g, dtype=self.dtype)

    def groups(self, params, group_kwargs):
        out, start = [], 0
        for size, kwargs in zip(self.sizes, group_kwargs):
            out.append({"params": params[start:start + size], **kwargs})
            start += size
        return out


def make_params(problem):
    ours = [nn.Parameter(t.copy()) for t in problem.theta0]
    torch_dtype = torch.float64 if problem.dtype == np.float64 else torch.float32
    theirs = [torch.nn.Parameter(torch.tensor(t.copy(), dtype=torch_dtype)) for t in problem.theta0]
    return ours, theirs


def set_grads(problem, ours, theirs, t, maximize):
    """Give each parameter its gradient for step t (or none, for the skipped ones)."""
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if i in problem.no_grad or problem.skip[i, t]:
            p.grad, q.grad = None, None
            continue
        p.grad = problem.grad(i, p.data, t, maximize)
        q.grad = torch.from_numpy(problem.grad(i, q.detach().numpy(), t, maximize))


def run_side_by_side(ours_cls, theirs_cls, problem, kwargs, group_kwargs=None, steps=25, start=0,
                     opts=None, params=None, check=True, **tol):
    """Step both optimizers ``steps`` times, comparing every parameter after every step.

    ``group_kwargs`` (one dict per group) override ``kwargs`` group by group. Returns
    ``(ours_params, theirs_params, ours_opt, theirs_opt)`` so a test can go on.
    """
    maximize = kwargs.get("maximize", False)
    if params is None:
        params = make_params(problem)
    ours, theirs = params
    if opts is None:
        group_kwargs = group_kwargs or [{} for _ in problem.sizes]
        opt_ours = ours_cls(problem.groups(ours, group_kwargs), **kwargs)
        opt_theirs = theirs_cls(problem.groups(theirs, group_kwargs), **kwargs)
    else:
        opt_ours, opt_theirs = opts
    for t in range(start, start + steps):
        set_grads(problem, ours, theirs, t, maximize)
        before = [p.data.copy() for p in ours]
        opt_ours.step()
        opt_theirs.step()
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert p.data.dtype == problem.dtype, f"parameter {i} changed dtype to {p.data.dtype}"
            if check:
                assert_close(p.data, q, msg=f"parameter {i} after step {t + 1}", **tol)
            if p.grad is None:
                np.testing.assert_array_equal(p.data, before[i], err_msg=f"parameter {i} had no grad")
    if check:
        compare_state(opt_ours, opt_theirs, **tol)
    return ours, theirs, opt_ours, opt_theirs


def compare_state(opt_ours, opt_theirs, **tol):
    """Same state_dict layout and values: the same parameters hold state, under the same keys."""
    mine, reference = opt_ours.state_dict(), opt_theirs.state_dict()
    assert sorted(mine["state"]) == sorted(reference["state"]), "different parameters hold state"
    for index, state in reference["state"].items():
        assert sorted(mine["state"][index]) == sorted(state), f"state keys of parameter {index}"
        for key, value in state.items():
            if key == "step":
                assert mine["state"][index][key] == int(value.item())
            else:
                assert_close(mine["state"][index][key], value, msg=f"state[{index}][{key!r}]", **tol)
    assert len(mine["param_groups"]) == len(reference["param_groups"])
    for ours_group, their_group in zip(mine["param_groups"], reference["param_groups"]):
        assert set(ours_group) <= set(their_group), set(ours_group) - set(their_group)
        for key, value in ours_group.items():
            assert value == their_group[key], f"param_groups[...][{key!r}]: {value} != {their_group[key]}"


@pytest.fixture(scope="session")
def side_by_side():
    """The helpers above, as one namespace (test modules cannot import a conftest)."""
    return types.SimpleNamespace(Problem=Problem, make_params=make_params, set_grads=set_grads,
                                 run=run_side_by_side, compare_state=compare_state)
