"""dlref.torch.nn.Conv2d against torch.nn.Conv2d; initialization, outputs and gradients on every available device."""

import math
import warnings

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import nn


def test_same_seed_same_initial_weights_as_torch(device):
    for kwargs in (dict(), dict(bias=False), dict(groups=2, padding="same")):
        torch.manual_seed(3)  # seeds every device's generator
        ours = nn.Conv2d(4, 6, (3, 2), device=device, **kwargs)
        torch.manual_seed(3)
        theirs = torch.nn.Conv2d(4, 6, (3, 2), device=device, **kwargs)
        for (name_a, a), (name_b, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
            assert name_a == name_b
            assert a.device.type == device.type, name_a
            assert torch.equal(a, b), name_a


def test_init_bounds():
    layer = nn.Conv2d(64, 128, 3, groups=4)
    bound = 1 / math.sqrt(16 * 9)  # fan_in = C_in / groups * kH * kW
    assert layer.weight.abs().max().item() <= bound and layer.bias.abs().max().item() <= bound
    assert layer.weight.abs().max().item() > 0.999 * bound
    assert abs(layer.weight.double().var().item() / (bound**2 / 3) - 1) < 0.03


def test_parameters_and_state_dict_match_torch():
    for bias in (True, False):
        ours, theirs = nn.Conv2d(4, 6, 3, bias=bias, groups=2), torch.nn.Conv2d(4, 6, 3, bias=bias, groups=2)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert isinstance(ours, torch.nn.Module)
        assert repr(ours) == repr(theirs)


@given(groups=st.integers(1, 2), kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       stride=st.integers(1, 2), padding=st.sampled_from([0, 1, (2, 1), "valid", "same"]),
       dilation=st.sampled_from([1, 2, (1, 2)]),
       padding_mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]), bias=st.booleans(),
       batched=st.booleans(), seed=st.integers(0, 2**16))
def test_load_across_then_same_outputs_and_gradients(device, groups, kernel, stride, padding, dilation, padding_mode,
                                                     bias, batched, seed):
    if padding == "same":
        stride = 1
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
                  padding_mode=padding_mode, dtype=torch.float64, device=device)
    theirs = torch.nn.Conv2d(2 * groups, 3 * groups, kernel, **kwargs)
    ours = nn.Conv2d(2 * groups, 3 * groups, kernel, **kwargs)
    ours.load_state_dict(theirs.state_dict())
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    shape = (2, 2 * groups, 7, 6) if batched else (2 * groups, 7, 6)
    x = torch.randn(shape, dtype=torch.float64, generator=gen).to(device)
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    with warnings.catch_warnings():  # torch warns that 'same' with even kernels copies the input
        warnings.simplefilter("ignore", UserWarning)
        y_theirs = theirs(x_theirs)
    y_ours = ours(x_ours)
    assert y_ours.device.type == device.type
    assert_close(y_ours, y_theirs)
    g = torch.randn(y_theirs.shape, dtype=torch.float64, generator=gen).to(device)
    y_ours.backward(g)
    y_theirs.backward(g)
    assert_close(x_ours.grad, x_theirs.grad)
    grads_theirs = {n: p.grad for n, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        assert p.device.type == p.grad.device.type == device.type, name
        assert_close(p.grad, grads_theirs[name])


def test_float32_by_default(device):
    assert nn.Conv2d(3, 4, 3).weight.dtype == torch.float32
    layer = nn.Conv2d(3, 4, 3, device=device)
    assert layer.weight.dtype == torch.float32 and layer.weight.device.type == device.type
    y = layer(torch.randn(2, 3, 5, 5, device=device))
    assert y.dtype == torch.float32 and y.device.type == device.type


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((3, 4, 3), dict(groups=2), ValueError, r"in_channels \(3\) must be divisible by groups \(2\)"),
    ((4, 3, 3), dict(groups=2), ValueError, r"out_channels \(3\) must be divisible by groups \(2\)"),
    ((0, 3, 3), {}, ValueError, "in_channels must be >= 1"),
    ((3, 4, (3, 0)), {}, ValueError, "kernel_size must be >= 1"),
    ((3, 4, 3), dict(padding="same", stride=2), ValueError, "padding='same' is not supported for strided"),
    ((3, 4, 3), dict(padding="full"), ValueError, "padding must be an int, a pair of ints, 'valid' or 'same'"),
    ((3, 4, 3), dict(padding_mode="zero"), ValueError, "padding_mode must be one of"),
    ((3, 4, 3), dict(dtype=torch.int64), TypeError, "dtype must be a floating-point torch.dtype"),
])
def test_constructor_errors_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.Conv2d(*args, **kwargs)


def test_forward_errors_name_the_argument():
    with pytest.raises(ValueError, match="input has 2 channels"):
        nn.Conv2d(3, 4, 3)(torch.zeros(1, 2, 5, 5))
    with pytest.raises(ValueError, match="padding 3 must be smaller than the input width 3 with padding_mode='reflect'"):
        nn.Conv2d(3, 4, 3, padding=3, padding_mode="reflect")(torch.zeros(1, 3, 5, 3))
