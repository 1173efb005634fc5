"""Helpers shared by the torch optimizer tests: run a dlref.torch optimizer and its torch.optim twin side by side.

Both optimizers start from the same float64 parameters on the test's device; at every step
each gets the autograd gradient of the same test function at *its own* parameters,

    f = sum a (theta - c)^2 / 2 - 0.5 cos(theta) + noise_t . theta

(a > 0, c and the per-step noise fixed by the seed; negated with ``maximize=True``), so the
trajectories evolve independently and any difference in the update compounds. Random
(parameter, step) pairs get no gradient, and ``no_grad`` parameters never get one.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from dlref.testing import assert_close


class Problem:
    """Parameters in groups, and a smooth non-quadratic test function of them."""

    def __init__(self, shapes_per_group, seed, device="cpu", steps=25, no_grad=()):
        rng = np.random.default_rng(seed)
        self.sizes = [len(s) for s in shapes_per_group]
        flat = [shape for s in shapes_per_group for shape in s]

        def tensor(x):
            return torch.tensor(x, dtype=torch.float64, device=device)

        self.theta0 = [tensor(rng.normal(0, 2, s)) for s in flat]
        self.a = [tensor(rng.uniform(0.2, 2.0, s)) for s in flat]
        self.c = [tensor(rng.normal(0, 1, s)) for s in flat]
        self.noise = [tensor(rng.normal(0, 0.3, (steps,) + s)) for s in flat]
        self.skip = rng.random((len(flat), steps)) < 0.1
        self.no_grad = set(no_grad)

    def params(self):
        return [torch.nn.Parameter(t.clone()) for t in self.theta0]

    def groups(self, params, group_kwargs):
        out, start = [], 0
        for size, kwargs in zip(self.sizes, group_kwargs):
            out.append({"params": params[start:start + size], **kwargs})
            start += size
        return out

    def backward(self, params, t, maximize=False):
        """Set each parameter's ``.grad`` for step t (None for the skipped ones)."""
        for i, p in enumerate(params):
            p.grad = None
            if i in self.no_grad or self.skip[i, t]:
                continue
            f = (self.a[i] * (p - self.c[i]) ** 2 / 2 - 0.5 * torch.cos(p) + self.noise[i][t] * p).sum()
            (-f if maximize else f).backward()


def run(ours_cls, theirs_cls, problem, kwargs, group_kwargs=None, steps=25, start=0, opts=None,
        params=None, **tol):
    """Step both optimizers ``steps`` times, comparing every parameter after every step and the state at the end.

    ``group_kwargs`` (one dict per group) override ``kwargs`` group by group. Returns
    ``(ours_params, theirs_params, ours_opt, theirs_opt)`` so a test can go on.
    """
    maximize = kwargs.get("maximize", False)
    ours, theirs = params or (problem.params(), problem.params())
    if opts is None:
        group_kwargs = group_kwargs or [{} for _ in problem.sizes]
        opts = (ours_cls(problem.groups(ours, group_kwargs), **kwargs),
                theirs_cls(problem.groups(theirs, group_kwargs), **kwargs))
    opt, reference = opts
    for t in range(start, start + steps):
        problem.backward(ours, t, maximize)
        problem.backward(theirs, t, maximize)
        before = [p.detach().clone() for p in ours]
        opt.step()
        reference.step()
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert p.device == q.device and p.dtype == torch.float64, f"parameter {i} moved or changed dtype"
            assert_close(p, q, msg=f"parameter {i} after step {t + 1}", **tol)
            if p.grad is None:
                assert torch.equal(p.detach(), before[i]), f"parameter {i} had no grad but changed"
    compare_state(opt, reference, **tol)
    return ours, theirs, opt, reference


def compare_state(opt, reference, **tol):
    """The same state_dict: the same parameters hold state, under the same keys, with the same values."""
    mine, expected = opt.state_dict(), reference.state_dict()
    assert sorted(mine["state"]) == sorted(expected["state"]), "different parameters hold state"
    for index, state in expected["state"].items():
        assert sorted(mine["state"][index]) == sorted(state), f"state keys of parameter {index}"
        for key, value in state.items():
            got = mine["state"][index][key]
            assert got.device == value.device and got.dtype == value.dtype, f"state[{index}][{key!r}]"
            assert_close(got, value, msg=f"state[{index}][{key!r}]", **tol)
    assert len(mine["param_groups"]) == len(expected["param_groups"])
    for ours_group, their_group in zip(mine["param_groups"], expected["param_groups"]):
        assert set(ours_group) <= set(their_group), set(ours_group) - set(their_group)
        for key, value in ours_group.items():
            # torch's implementation switches, which a group of ours holds only as loaded from torch
            if key not in ("foreach", "fused", "differentiable", "capturable"):
                assert value == their_group[key], f"param_groups[...][{key!r}]: {value} != {their_group[key]}"


@pytest.fixture(scope="session")
def side_by_side():
    """The helpers above, as one namespace (test modules cannot import a conftest)."""
    return types.SimpleNamespace(Problem=Problem, run=run, compare_state=compare_state)
