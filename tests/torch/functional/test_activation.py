"""Activation functions from torch primitives: against torch's own ops, autograd gradcheck,
extreme inputs, and proof that the mirrored op is never called; on every available device."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import functional as NF
from dlref.testing import assert_close
from dlref.torch import functional as F
from strategies import ALL, ELEMENTWISE, NORMALIZING



def arrays(min_dims=0, bound=30.0):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=0, max_side=6),
                      elements=st.floats(-bound, bound))


def forward_backward(fn, x, g, device, **kwargs):
    """Output and input gradient of ``fn`` at the NumPy array ``x`` for the upstream gradient ``g``, on ``device``."""
    xt = torch.tensor(x, device=device, requires_grad=True)
    y = fn(xt, **kwargs)
    y.backward(torch.tensor(g, device=device))
    assert y.device.type == xt.grad.device.type == device.type
    return y.detach(), xt.grad


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_matches_torch(device, name, data):
    reference, kwargs_strategy = ELEMENTWISE[name]
    kwargs = data.draw(kwargs_strategy)
    x = data.draw(arrays())
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-10, 10)))
    y, grad = forward_backward(getattr(F, name), x, g, device, **kwargs)
    y_ref, grad_ref = forward_backward(reference, x, g, device, **kwargs)
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


@pytest.mark.parametrize("name", list(NORMALIZING))
@given(data=st.data())
def test_softmax_family_matches_torch(device, name, data):
    x = data.draw(arrays())
    size = max(x.ndim, 1)
    dim = data.draw(st.integers(-size, size - 1))
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-10, 10)))
    y, grad = forward_backward(getattr(F, name), x, g, device, dim=dim)
    y_ref, grad_ref = forward_backward(NORMALIZING[name], x, g, device, dim=dim)
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


@pytest.mark.parametrize("name", ALL)
@given(x=arrays(min_dims=1, bound=50.0))
def test_agrees_with_the_numpy_implementation(device, name, x):
    g = np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape)
    y, grad = forward_backward(getattr(F, name), x, g, device)
    assert_close(y, getattr(NF, name)(x))
    assert_close(grad, getattr(NF, name + "_backward")(g, x))


@pytest.mark.parametrize("name, kwargs", [
    ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}), ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("softmax", {"dim": 1}), ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}), ("log_softmax", {"dim": 0}),
])
def test_autograd_gradcheck(device, name, kwargs):
    gen = torch.Generator().manual_seed(0)  # a CPU generator: draw there, then move
    magnitude = 0.1 + 3 * torch.rand(3, 4, generator=gen, dtype=torch.float64)
    sign = torch.where(torch.rand(3, 4, generator=gen) < 0.5, -1.0, 1.0).double()
    x = (sign * magnitude).to(device).requires_grad_()  # away from the kinks at 0
    fn = lambda t: getattr(F, name)(t, **kwargs)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,))
    if name not in ("relu", "leaky_relu"):  # their second derivative is 0 almost everywhere
        assert torch.autograd.gradgradcheck(fn, (x,))


def test_gradients_at_zero_follow_torch(device):
    for name, kwargs in [("relu", {}), ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 2.0}),
                         ("sigmoid", {}), ("tanh", {}), ("silu", {}), ("gelu", {})]:
        reference = ELEMENTWISE[name][0]
        _, grad = forward_backward(getattr(F, name), np.zeros(1), np.ones(1), device, **kwargs)
        _, grad_ref = forward_backward(reference, np.zeros(1), np.ones(1), device, **kwargs)
        assert_close(grad, grad_ref, msg=name)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", ALL)
def test_extreme_inputs(device, name, dtype):
    x = torch.tensor([-1e4, -1000.0, -40.0, 0.0, 40.0, 1000.0, 1e4], dtype=dtype, device=device, requires_grad=True)
    y = getattr(F, name)(x)
    y.backward(torch.ones_like(y))
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert y.device.type == x.grad.device.type == device.type
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    reference = NORMALIZING[name] if name in NORMALIZING else ELEMENTWISE[name][0]
    xr = x.detach().clone().requires_grad_()
    yr = reference(xr, dim=-1) if name in NORMALIZING else reference(xr)
    yr.backward(torch.ones_like(yr))
    assert_close(y, yr)
    assert_close(x.grad, xr.grad)


@pytest.mark.parametrize("name", ALL)
def test_float32_matches_torch(device, name):
    gen = torch.Generator().manual_seed(1)  # CPU tensors, passed on as NumPy arrays
    x = 3 * torch.randn(4, 5, generator=gen)
    g = torch.randn(4, 5, generator=gen)
    y, grad = forward_backward(getattr(F, name), x.numpy(), g.numpy(), device)
    reference = (lambda t: NORMALIZING[name](t, -1)) if name in NORMALIZING else ELEMENTWISE[name][0]
    y_ref, grad_ref = forward_backward(reference, x.numpy(), g.numpy(), device)
    assert y.dtype == torch.float32
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


def test_mirrored_ops_are_never_called(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the mirrored op was called")

    for module, names in [
        (torch, ["sigmoid", "tanh", "relu", "softmax", "log_softmax", "erf"]),
        (torch.special, ["expit", "softmax", "log_softmax"]),
        (TF, ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu", "gelu", "softmax", "log_softmax"]),
        (torch.Tensor, ["sigmoid", "tanh", "relu", "softmax", "log_softmax"]),
    ]:
        for name in names:
            monkeypatch.setattr(module, name, forbidden)
    x = torch.linspace(-3, 3, 7, dtype=torch.float64, device=device, requires_grad=True)
    for name in ALL:
        y = getattr(F, name)(x)
        assert y.device.type == device.type
        y.sum().backward()
    F.gelu(x, approximate="tanh").sum().backward()
    assert x.grad.device.type == device.type


def test_softmax_degenerate_shapes_and_masking(device):
    assert F.softmax(torch.tensor(3.0, device=device)).item() == 1.0
    assert F.log_softmax(torch.tensor(3.0, device=device), dim=0).item() == 0.0
    empty = F.softmax(torch.zeros(2, 0, device=device))
    assert empty.shape == (2, 0) and empty.device.type == device.type
    x = torch.tensor([[0.0, -float("inf"), 1.0]], dtype=torch.float64, device=device, requires_grad=True)
    y = F.softmax(x)
    assert y.device.type == device.type
    y.backward(torch.ones_like(y))
    assert_close(y, TF.softmax(x.detach(), -1))
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("name", ALL)
def test_bad_inputs(name):
    with pytest.raises(TypeError, match="input must be a torch.Tensor, got ndarray"):
        getattr(F, name)(np.zeros(3))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        getattr(F, name)(torch.arange(3))


def test_bad_keywords():
    x = torch.zeros(2, 3)
    for name in NORMALIZING:
        with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] for a 2-D input, got 2"):
            getattr(F, name)(x, dim=2)
        with pytest.raises(TypeError, match="dim must be an int"):
            getattr(F, name)(x, dim=None)
    with pytest.raises(ValueError, match="approximate must be one of"):
        F.gelu(x, approximate="erf")
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        F.leaky_relu(x, negative_slope=torch.tensor(0.1))
    with pytest.raises(ValueError, match="alpha must not be NaN"):
        F.elu(x, alpha=float("nan"))
