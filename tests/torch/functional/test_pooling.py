"""dlref.torch.functional pooling (F.pad + Tensor.unfold) against torch.nn.functional in float64:
values, indices and autograd gradients over overlapping windows, padding, ceil_mode, dilation,
count_include_pad, rectangular kernels and unbatched inputs; ties; the mirrored ops never called;
bad arguments. Everything but the argument checks runs on every available device."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, event, given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import functional as F
from strategies import as_pair, pairs, window_settings

# -- strategies -------------------------------------------------------------------------------


@st.composite
def images(draw, integer_valued=False, min_side=1, max_side=9):
    """A (N, C, H, W) or (C, H, W) float64 CPU tensor (move it to the test's device); integer-valued ones have
    many ties."""
    batched = draw(st.booleans())
    shape = ((draw(st.integers(1, 2)),) if batched else ()) + (
        draw(st.integers(1, 3)), draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side)))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**32 - 1)))
    if integer_valued:
        return torch.randint(-2, 3, shape, generator=gen).double()
    return torch.randn(shape, dtype=torch.float64, generator=gen) * 10


def torch_raises(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
    except RuntimeError:
        return True
    return False


def both(ours, theirs, x, seed=0, **kwargs):
    """Outputs (and indices, if returned) and input gradients of both functions for the same upstream gradient.

    Ours must return, and send its gradient, to ``x``'s device.
    """
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_a, out_b = ours(xa, **kwargs), theirs(xb, **kwargs)
    ya = out_a[0] if isinstance(out_a, tuple) else out_a
    yb = out_b[0] if isinstance(out_b, tuple) else out_b
    assert all(t.device == x.device for t in (out_a if isinstance(out_a, tuple) else (out_a,)))
    g = torch.randn(yb.shape, dtype=yb.dtype, generator=torch.Generator().manual_seed(seed)).to(x.device)
    ya.backward(g)
    yb.backward(g)
    assert xa.grad.device == x.device
    return out_a, out_b, xa.grad, xb.grad


# -- max pooling ------------------------------------------------------------------------------


@pytest.mark.parametrize("integer_valued", [False, True], ids=["distinct", "ties"])
@given(data=st.data())
def test_max_pool2d_matches_torch(device, integer_valued, data):
    x = data.draw(images(integer_valued)).to(device)
    kwargs = data.draw(window_settings())
    if torch_raises(TF.max_pool2d, x, **kwargs):
        # every setting torch rejects, we reject too, before computing
        event("torch rejects the setting")
        with pytest.raises(ValueError, match="kernel_size"):
            F.max_pool2d(x, **kwargs)
        return
    # a window made only of padding (possible with dilation) gets an arbitrary index in torch, and torch's CPU
    # backward then writes out of bounds (it can abort the interpreter, torch 2.13): leave these out before it runs
    assume(bool((F.max_pool2d(x, return_indices=True, **kwargs)[1] >= 0).all()))
    (y, indices), (y_ref, indices_ref), grad, grad_ref = both(
        F.max_pool2d, TF.max_pool2d, x, return_indices=True, **kwargs)
    assert y.shape == y_ref.shape and y.dtype == torch.float64
    assert_close(y, y_ref, rtol=0, atol=0)                  # a max is exact
    assert torch.equal(indices, indices_ref)                # same element, ties included
    assert indices.dtype == torch.int64
    assert_close(grad, grad_ref)                            # gradient routed to the same element


def test_max_pool2d_ties_route_the_gradient_like_torch(device):
    # all equal: each window's gradient goes to its first (top-left) element, not split
    x = torch.ones(1, 1, 4, 4, dtype=torch.float64, device=device)
    (y, idx), (_, idx_ref), grad, grad_ref = both(F.max_pool2d, TF.max_pool2d, x, kernel_size=2, stride=1,
                                                  return_indices=True)
    assert torch.equal(idx, idx_ref)
    assert torch.equal(grad, grad_ref)
    assert set(grad.flatten().tolist()) != {grad.sum().item() / 16}   # not spread evenly
    # integer images with overlap, padding, ceil_mode and a rectangular kernel
    x = torch.randint(-1, 2, (2, 3, 9, 8), generator=torch.Generator().manual_seed(1)).double().to(device)
    for kwargs in (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                   dict(kernel_size=(3, 2), stride=1, padding=(1, 0), dilation=(1, 2))):
        (_, idx), (_, idx_ref), grad, grad_ref = both(F.max_pool2d, TF.max_pool2d, x, return_indices=True,
                                                      **kwargs)
        assert torch.equal(idx, idx_ref)
        assert_close(grad, grad_ref)


def test_max_pool2d_pads_with_minus_infinity(device):
    x = torch.full((1, 1, 3, 3), -5.0, dtype=torch.float64, device=device)
    y = F.max_pool2d(x, 3, stride=1, padding=1)
    assert torch.equal(y, torch.full((1, 1, 3, 3), -5.0, dtype=torch.float64, device=device))  # zero padding: 0
    x = torch.full((1, 1, 2, 2), -torch.inf, dtype=torch.float64, device=device)
    y, idx = F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    assert y.device == idx.device == x.device
    y_ref, idx_ref = TF.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    assert torch.equal(y, y_ref) and torch.equal(idx, idx_ref)                      # -inf input beats padding


def test_max_pool2d_window_of_padding_only(device):
    # dilation 3 with padding 1: the first window's elements at -1 and 2 fall outside a 2-wide input
    x = torch.randn(1, 1, 2, 2, dtype=torch.float64, device=device)
    y, idx = F.max_pool2d(x, 2, stride=1, padding=1, dilation=3, return_indices=True)
    assert y.device == idx.device == x.device
    y_ref = TF.max_pool2d(x, 2, stride=1, padding=1, dilation=3)
    assert torch.equal(y, y_ref)
    assert idx.min().item() == -1


def test_max_pool2d_propagates_nan(device):
    x = torch.randn(1, 1, 4, 4, dtype=torch.float64, device=device)
    x[0, 0, 1, 2] = torch.nan
    y = F.max_pool2d(x, 2)
    assert y.device == x.device
    assert torch.isnan(y[0, 0, 0, 1]) and torch.isnan(y).sum() == 1
    assert_close(y, TF.max_pool2d(x, 2))


# -- average pooling --------------------------------------------------------------------------


@given(data=st.data())
def test_avg_pool2d_matches_torch(device, data):
    x = data.draw(images()).to(device)
    kwargs = data.draw(window_settings(dilation=False))
    kwargs["count_include_pad"] = data.draw(st.booleans())
    kwargs["divisor_override"] = data.draw(st.sampled_from([None, None, 1, 3, -2]))
    if torch_raises(TF.avg_pool2d, x, **kwargs):
        event("torch rejects the setting")
        with pytest.raises(ValueError, match="kernel_size"):
            F.avg_pool2d(x, **kwargs)
        return
    y, y_ref, grad, grad_ref = both(F.avg_pool2d, TF.avg_pool2d, x, **kwargs)
    assert y.shape == y_ref.shape and y.dtype == torch.float64
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_divisor_at_the_border_and_in_ceil_mode(device, count_include_pad):
    x = torch.ones(1, 1, 5, 5, dtype=torch.float64, device=device)
    kwargs = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=count_include_pad)
    y, y_ref, grad, grad_ref = both(F.avg_pool2d, TF.avg_pool2d, x, **kwargs)
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


# -- adaptive average pooling -----------------------------------------------------------------


@given(x=images(max_side=11), output_size=st.one_of(
    st.integers(1, 7), st.tuples(st.one_of(st.none(), st.integers(1, 7)), st.one_of(st.none(), st.integers(1, 7)))))
def test_adaptive_avg_pool2d_matches_torch(device, x, output_size):
    y, y_ref, grad, grad_ref = both(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, x.to(device),
                                    output_size=output_size)
    assert y.shape == y_ref.shape
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


def test_global_average_pooling_is_the_mean_per_channel(device):
    x = torch.randn(3, 4, 7, 5, dtype=torch.float64, device=device)
    y = F.adaptive_avg_pool2d(x, 1)
    assert y.device == x.device
    assert_close(y, x.mean(dim=(-2, -1), keepdim=True))


# -- autograd, dtypes, extreme values ---------------------------------------------------------


@pytest.mark.parametrize("name, kwargs", [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", dict(kernel_size=(3, 2), stride=(1, 2), divisor_override=4)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 4))),
])
def test_autograd_gradcheck(device, name, kwargs):
    # distinct, well-separated values: max pooling is differentiable away from ties
    perm = torch.randperm(2 * 2 * 6 * 7, generator=torch.Generator().manual_seed(0))
    x = (perm.double() / 10).reshape(2, 2, 6, 7).to(device).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: getattr(F, name)(t, **kwargs), (x,))


@pytest.mark.parametrize("name, kwargs", [("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
                                          ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1)),
                                          ("adaptive_avg_pool2d", dict(output_size=3))])
def test_float32_is_kept_and_matches_torch(device, name, kwargs):
    x = torch.randn(2, 3, 8, 7, device=device)
    y = getattr(F, name)(x, **kwargs)
    assert y.dtype == torch.float32 and y.device == x.device
    assert_close(y, getattr(TF, name)(x, **kwargs))


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
def test_extreme_values_are_finite(device, name):
    x = torch.randn(2, 3, 6, 6, dtype=torch.float32, device=device) * 1e4
    kwargs = dict(output_size=2) if name == "adaptive_avg_pool2d" else dict(kernel_size=3, stride=2, padding=1)
    y = getattr(F, name)(x, **kwargs)
    assert torch.isfinite(y).all() and y.dtype == torch.float32 and y.device == x.device
    # against the exact (float64) result: a float32 sum of 9 terms of size |x| is off by at most ~9 eps |x|
    atol = 9 * torch.finfo(torch.float32).eps * x.abs().max().item()
    assert_close(y.double(), getattr(TF, name)(x.double(), **kwargs), rtol=0, atol=atol)


def test_mirrored_ops_are_never_called(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a dlref.torch pooling function called the torch op it mirrors")

    targets = [(TF, "max_pool2d"), (TF, "max_pool2d_with_indices"), (TF, "avg_pool2d"),
               (TF, "adaptive_avg_pool2d"), (torch, "max_pool2d"), (torch, "max_pool2d_with_indices"),
               (torch, "avg_pool2d"), (torch, "adaptive_avg_pool2d"), (torch, "adaptive_max_pool2d"),
               (torch._C._nn, "max_pool2d_with_indices"), (torch._C._nn, "avg_pool2d"),
               (torch._C._nn, "adaptive_avg_pool2d"), (torch.nn, "MaxPool2d"), (torch.nn, "AvgPool2d"),
               (torch.nn, "AdaptiveAvgPool2d")]
    for module, name in targets:
        if hasattr(module, name):
            monkeypatch.setattr(module, name, forbidden)
    with pytest.raises(AssertionError, match="mirrors"):      # the patch is in force
        TF.max_pool2d(torch.zeros(1, 1, 2, 2), 2)
    x = torch.randn(2, 3, 7, 6, device=device, requires_grad=True)
    y, _ = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
    z = F.avg_pool2d(x, (3, 2), stride=1, padding=(1, 0), count_include_pad=False)
    w = F.adaptive_avg_pool2d(x, (2, 3))
    (y.sum() + z.sum() + w.sum()).backward()
    assert x.grad.shape == x.shape and x.grad.device == x.device


# -- bad arguments ------------------------------------------------------------------------------

X = torch.zeros(1, 1, 5, 5)


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.max_pool2d(X, 7), ValueError, "kernel_size=7.*larger than the padded input"),
    (lambda: F.avg_pool2d(X, (2, 6)), ValueError, r"kernel_size=\(2, 6\).*larger than the padded input"),
    (lambda: F.max_pool2d(X, 3, dilation=3), ValueError, "larger than the padded input"),
    (lambda: F.max_pool2d(X, 2, padding=2), ValueError, "padding must be at most half of kernel_size"),
    (lambda: F.avg_pool2d(X, 3, padding=(0, 2)), ValueError, "padding must be at most half of kernel_size"),
    (lambda: F.max_pool2d(X, 2, padding=-1), ValueError, "padding must be >= 0"),
    (lambda: F.max_pool2d(X[0, 0], 2), ValueError, r"input must be 3-D \(C, H, W\) or 4-D.*channel dimension"),
    (lambda: F.avg_pool2d(X[None], 2), ValueError, "input must be 3-D"),
    (lambda: F.adaptive_avg_pool2d(X[0, 0], 1), ValueError, "input must be 3-D"),
    (lambda: F.max_pool2d(torch.zeros(1, 0, 4, 4), 2), ValueError, "input must have non-zero C, H and W"),
    (lambda: F.max_pool2d(X.long(), 2), TypeError, "input must have a floating-point dtype"),
    (lambda: F.max_pool2d(X.numpy(), 2), TypeError, "input must be a torch.Tensor"),
    (lambda: F.avg_pool2d(X.tolist(), 2), TypeError, "input must be a torch.Tensor"),
    (lambda: F.adaptive_avg_pool2d(X.numpy(), 2), TypeError, "input must be a torch.Tensor"),
    (lambda: F.max_pool2d(X, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: F.max_pool2d(X, 2.0), TypeError, "kernel_size must be an int"),
    (lambda: F.max_pool2d(X, (2, 2, 2)), ValueError, "kernel_size must be an int or a pair"),
    (lambda: F.max_pool2d(X, 2, stride=0), ValueError, "stride must be >= 1"),
    (lambda: F.max_pool2d(X, 2, dilation=0), ValueError, "dilation must be >= 1"),
    (lambda: F.max_pool2d(X, 2, ceil_mode=1), TypeError, "ceil_mode must be a bool"),
    (lambda: F.max_pool2d(X, 2, return_indices="yes"), TypeError, "return_indices must be a bool"),
    (lambda: F.avg_pool2d(X, 2, count_include_pad=None), TypeError, "count_include_pad must be a bool"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=0), ValueError, "divisor_override must not be zero"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=1.5), TypeError, "divisor_override must be an int"),
    (lambda: F.adaptive_avg_pool2d(X, 0), ValueError, "output_size must be >= 1"),
    (lambda: F.adaptive_avg_pool2d(X, (1, 2, 3)), ValueError, "output_size must be an int or a pair"),
    (lambda: F.adaptive_avg_pool2d(X, 1.0), TypeError, "output_size must be an int"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
