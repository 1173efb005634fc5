"""dlref.torch.nn.Linear against torch.nn.Linear; initialization, outputs and gradients on every available device."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import nn


def test_same_seed_same_initial_weights_as_torch(device):
    for bias in (True, False):
        torch.manual_seed(3)  # seeds every device's generator
        ours = nn.Linear(7, 5, bias=bias, device=device)
        torch.manual_seed(3)
        theirs = torch.nn.Linear(7, 5, bias=bias, device=device)
        for (name_a, a), (name_b, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
            assert name_a == name_b
            assert a.device.type == device.type, name_a
            assert torch.equal(a, b), name_a


def test_init_bounds():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert layer.weight.abs().max().item() <= bound and layer.bias.abs().max().item() <= bound
    assert layer.weight.abs().max().item() > 0.999 * bound
    assert abs(layer.weight.double().var().item() / (bound**2 / 3) - 1) < 0.02


def test_parameters_and_state_dict_match_torch():
    for bias in (True, False):
        ours, theirs = nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert isinstance(ours, torch.nn.Module)


@given(leading=st.lists(st.integers(1, 4), min_size=0, max_size=3), in_features=st.integers(1, 8),
       out_features=st.integers(1, 8), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_load_across_then_same_outputs_and_gradients(device, leading, in_features, out_features, bias, seed):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    theirs = torch.nn.Linear(in_features, out_features, bias=bias, dtype=torch.float64, device=device)
    ours = nn.Linear(in_features, out_features, bias=bias, dtype=torch.float64, device=device)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(*leading, in_features, dtype=torch.float64, generator=gen).to(device)
    g = torch.randn(*leading, out_features, dtype=torch.float64, generator=gen).to(device)
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert y_ours.device.type == device.type
    assert_close(y_ours, y_theirs)
    y_ours.backward(g)
    y_theirs.backward(g)
    assert_close(x_ours.grad, x_theirs.grad)
    grads_theirs = {n: p.grad for n, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        assert p.device.type == p.grad.device.type == device.type, name
        assert_close(p.grad, grads_theirs[name])


def test_torch_loads_ours(device):
    ours = nn.Linear(3, 2, device=device)
    theirs = torch.nn.Linear(3, 2, device=device)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(4, 3, device=device)
    y = ours(x)
    assert y.device.type == device.type
    assert_close(y, theirs(x))


def test_numpy_linear_loads_ours(device):
    from dlref.numpy import nn as npnn

    ours = nn.Linear(3, 2, dtype=torch.float64, device=device)
    layer = npnn.Linear(3, 2, dtype=np.float64)
    layer.load_state_dict(ours.state_dict())  # tensors on any device: NumPy's loader moves them to the CPU
    x = np.random.default_rng(0).standard_normal((4, 3))
    assert_close(layer(x), ours(torch.tensor(x, device=device)))


def test_dtype_and_device_arguments(device):
    layer = nn.Linear(3, 2, dtype=torch.float64, device=device.type)  # a string, as users often write it
    assert layer.weight.dtype == layer.bias.dtype == torch.float64
    assert layer.weight.device.type == layer.bias.device.type == device.type
    assert nn.Linear(3, 2).weight.dtype == torch.get_default_dtype()
    y = layer(torch.ones(1, 3, dtype=torch.float64, device=device))
    assert y.dtype == torch.float64 and y.device.type == device.type


def test_module_methods_work_as_on_torch_modules():
    layer = nn.Linear(3, 2).double()
    assert layer.weight.dtype == torch.float64
    assert repr(layer) == repr(torch.nn.Linear(3, 2))
    assert repr(nn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))


def test_does_not_call_torch_linear(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch.nn.functional.linear was called")

    monkeypatch.setattr(torch.nn.functional, "linear", forbidden)
    monkeypatch.setattr(torch._C._nn, "linear", forbidden)
    layer = nn.Linear(3, 2, device=device)
    y = layer(torch.ones(4, 3, device=device))
    assert y.shape == (4, 2) and y.device.type == device.type


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((0, 3), {}, ValueError, "in_features must be >= 1, got 0"),
    ((3, 0), {}, ValueError, "out_features must be >= 1, got 0"),
    ((2.5, 3), {}, TypeError, "in_features must be an int, got float"),
    ((2, 3), {"dtype": torch.int64}, TypeError, "dtype must be a floating-point torch.dtype"),
    ((2, 3), {"dtype": np.float64}, TypeError, "dtype must be a floating-point torch.dtype"),
])
def test_bad_constructor_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.Linear(*args, **kwargs)


def test_bad_input_names_input():
    with pytest.raises(ValueError, match=r"input must have shape \(\*, 3\)"):
        nn.Linear(3, 2)(torch.zeros(4, 2))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        nn.Linear(3, 2)(torch.zeros(4, 3, dtype=torch.long))
