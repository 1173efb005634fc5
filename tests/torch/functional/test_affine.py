"""dlref.torch.functional.linear against torch.nn.functional.linear, on every available device."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import functional as F


@given(leading=st.lists(st.integers(1, 4), min_size=0, max_size=3), in_features=st.integers(1, 7),
       out_features=st.integers(1, 7), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_forward_and_gradients_match_torch(device, leading, in_features, out_features, bias, seed):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    x = torch.randn(*leading, in_features, dtype=torch.float64, generator=gen).to(device)
    W = torch.randn(out_features, in_features, dtype=torch.float64, generator=gen).to(device)
    b = torch.randn(out_features, dtype=torch.float64, generator=gen).to(device) if bias else None
    g = torch.randn(*leading, out_features, dtype=torch.float64, generator=gen).to(device)

    inputs_ours = [t.clone().requires_grad_() if t is not None else None for t in (x, W, b)]
    inputs_theirs = [t.clone().requires_grad_() if t is not None else None for t in (x, W, b)]
    y_ours = F.linear(*inputs_ours)
    y_theirs = TF.linear(*inputs_theirs)
    assert y_ours.device.type == device.type
    assert_close(y_ours, y_theirs)
    y_ours.backward(g)
    y_theirs.backward(g)
    for ours, theirs in zip(inputs_ours, inputs_theirs):
        if ours is not None:
            assert ours.grad.device.type == device.type
            assert_close(ours.grad, theirs.grad)


@pytest.mark.parametrize("bias", [True, False])
def test_autograd_gradcheck(device, bias):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 3, dtype=torch.float64, generator=gen).to(device).requires_grad_()
    W = torch.randn(5, 3, dtype=torch.float64, generator=gen).to(device).requires_grad_()
    b = torch.randn(5, dtype=torch.float64, generator=gen).to(device).requires_grad_() if bias else None
    assert torch.autograd.gradcheck(F.linear, (x, W, b))


def test_does_not_call_the_op_it_mirrors(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch.nn.functional.linear was called")

    monkeypatch.setattr(torch.nn.functional, "linear", forbidden)
    monkeypatch.setattr(torch._C._nn, "linear", forbidden)
    y = F.linear(torch.ones(2, 3, device=device), torch.ones(4, 3, device=device), torch.zeros(4, device=device))
    assert y.device.type == device.type
    assert_close(y, torch.full((2, 4), 3.0))


def test_float32_stays_float32(device):
    y = F.linear(torch.ones(2, 3, device=device), torch.ones(4, 3, device=device), torch.ones(4, device=device))
    assert y.dtype == torch.float32 and y.device.type == device.type


def test_agrees_with_the_numpy_implementation(device):
    from dlref.numpy import functional as NF

    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    y = F.linear(*(torch.tensor(a, device=device) for a in (x, W, b)))
    assert y.device.type == device.type
    assert_close(y, NF.linear(x, W, b))


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"input must have shape \(\*, 3\).*got shape \(4, 2\)"):
        F.linear(torch.zeros(4, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"weight must be 2-D.*got shape \(3,\)"):
        F.linear(torch.zeros(4, 3), torch.zeros(3))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\), got \(3,\)"):
        F.linear(torch.zeros(4, 3), torch.zeros(5, 3), torch.zeros(3))
    with pytest.raises(TypeError, match="input must have a floating-point dtype, got torch.int64"):
        F.linear(torch.zeros(4, 3, dtype=torch.int64), torch.zeros(5, 3))
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        F.linear(torch.zeros(4, 3), torch.zeros(5, 3, dtype=torch.int32))
    with pytest.raises(TypeError, match="input must be an array or tensor, got list"):
        F.linear([[1.0, 2.0, 3.0]], torch.zeros(5, 3))
