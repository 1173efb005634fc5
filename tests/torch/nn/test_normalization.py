"""dlref.torch.nn BatchNorm2d and LayerNorm (from tensor primitives) against torch.nn's:
outputs, autograd gradients, running statistics over several steps, state_dict across,
torch.autograd.gradcheck, repr, errors, and that the torch ops are never called."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import nn


def run(module, x, g):
    """Forward and backward; returns the output, the input gradient and the parameter gradients."""
    xt = x.clone().requires_grad_(True)
    y = module(xt)
    y.backward(g)
    return y.detach(), xt.grad, {name: p.grad for name, p in module.named_parameters()}


def randomize_affine(module, generator):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype))


def assert_same_step(ours, theirs, x, g):
    y, gx, gp = run(ours, x, g)
    y_ref, gx_ref, gp_ref = run(theirs, x, g)
    assert_close(y, y_ref)
    assert_close(gx, gx_ref, atol=1e-6)
    assert gp.keys() == gp_ref.keys()
    for name in gp:
        assert_close(gp[name], gp_ref[name], atol=1e-6, msg=name)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value, msg=key)


@given(n=st.integers(1, 5), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4),
       momentum=st.sampled_from([0.1, 0.5, 1.0, 0.0, None]), affine=st.booleans(), bias=st.booleans(),
       track=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]), steps=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_batchnorm2d_matches_torch(n, c, h, w, momentum, affine, bias, track, eps, steps, seed):
    if n * h * w < 2:
        n = 2
    gen = torch.Generator().manual_seed(seed)
    kwargs = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track, bias=bias,
                  dtype=torch.float64)
    ours, theirs = nn.BatchNorm2d(c, **kwargs), torch.nn.BatchNorm2d(c, **kwargs)
    randomize_affine(theirs, gen)
    ours.load_state_dict(theirs.state_dict())
    for _ in range(steps):
        x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64) * 3 + 2
        g = torch.randn(x.shape, generator=gen, dtype=torch.float64)
        ours.zero_grad(), theirs.zero_grad()
        assert_same_step(ours.train(), theirs.train(), x, g)
    x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
    g = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    ours.zero_grad(), theirs.zero_grad()
    assert_same_step(ours.eval(), theirs.eval(), x, g)


@given(leading=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       normalized=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       affine=st.booleans(), bias=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]),
       seed=st.integers(0, 2**31 - 1))
def test_layernorm_matches_torch(leading, normalized, affine, bias, eps, seed):
    gen = torch.Generator().manual_seed(seed)
    kwargs = dict(eps=eps, elementwise_affine=affine, bias=bias, dtype=torch.float64)
    ours, theirs = nn.LayerNorm(normalized, **kwargs), torch.nn.LayerNorm(normalized, **kwargs)
    randomize_affine(theirs, gen)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(*leading, *normalized, generator=gen, dtype=torch.float64) * 3 - 1
    g = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    assert_same_step(ours, theirs, x, g)


def test_gradcheck():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(2, dtype=torch.float64)
    ln = nn.LayerNorm((3, 2), dtype=torch.float64)
    x = torch.randn(3, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: bn.train()(x), (x,))
    assert torch.autograd.gradcheck(lambda x: bn.eval()(x), (x,))
    assert torch.autograd.gradcheck(ln, (x,))


def test_never_calls_the_torch_ops(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the torch op was called")

    for name in ("batch_norm", "layer_norm"):
        monkeypatch.setattr(TF, name, forbidden)
        monkeypatch.setattr(torch, name, forbidden)
    x = torch.randn(4, 3, 2, 2)
    nn.BatchNorm2d(3)(x)
    nn.BatchNorm2d(3).eval()(x)
    nn.LayerNorm(2)(x)


def test_state_dict_loads_across_and_float32_default():
    torch.manual_seed(0)
    theirs = torch.nn.BatchNorm2d(3)
    theirs(torch.randn(8, 3, 4, 4) * 2 + 1)
    ours = nn.BatchNorm2d(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [b.dtype for b in ours.buffers()] == [torch.float32, torch.float32, torch.int64]
    ours.load_state_dict(theirs.state_dict())
    back = torch.nn.BatchNorm2d(3)
    back.load_state_dict(ours.state_dict())
    x = torch.randn(2, 3, 4, 4)
    assert_close(ours.eval()(x), theirs.eval()(x))
    assert_close(back.eval()(x), theirs(x))
    ln_theirs = torch.nn.LayerNorm((4, 4), bias=False)
    ln_ours = nn.LayerNorm((4, 4), bias=False)
    ln_ours.load_state_dict(ln_theirs.state_dict())
    assert_close(ln_ours(x), ln_theirs(x))


def test_momentum_none_is_a_cumulative_average():
    torch.manual_seed(0)
    layer = nn.BatchNorm2d(2, momentum=None, dtype=torch.float64)
    batches = [torch.randn(4, 2, 3, 3, dtype=torch.float64) * (k + 1) + k for k in range(3)]
    for x in batches:
        layer(x)
    means = torch.stack([x.mean(dim=(0, 2, 3)) for x in batches])
    variances = torch.stack([x.transpose(0, 1).reshape(2, -1).var(dim=1, unbiased=True) for x in batches])
    assert_close(layer.running_mean, means.mean(0))
    assert_close(layer.running_var, variances.mean(0))


def test_repr_matches_torch():
    for args in [dict(), dict(momentum=None, affine=False, track_running_stats=False), dict(bias=False)]:
        assert repr(nn.BatchNorm2d(5, **args)) == repr(torch.nn.BatchNorm2d(5, **args))
    for args in [dict(), dict(elementwise_affine=False), dict(eps=1e-6, bias=False)]:
        assert repr(nn.LayerNorm(7, **args)) == repr(torch.nn.LayerNorm(7, **args))


def test_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\) expected input with 3 channels \(dim 1\), got 4"):
        nn.BatchNorm2d(3)(torch.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"expected 4-D \(N, C, H, W\) input, got shape \(2, 3, 5\)"):
        nn.BatchNorm2d(3)(torch.randn(2, 3, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm2d(3)(torch.randn(1, 3, 1, 1))
    with pytest.raises(ValueError, match=r"normalized_shape=\[5\] must equal the trailing dimensions"):
        nn.LayerNorm(5)(torch.randn(3, 4))
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        nn.BatchNorm2d(3, momentum=-0.1)
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        nn.LayerNorm(3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        nn.BatchNorm2d(3).load_state_dict(torch.nn.BatchNorm2d(4).state_dict())
