"""dlref.numpy.nn.Conv2d against torch.nn.Conv2d: outputs, gradients, padding modes, state_dict, init, errors."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck


@given(groups=st.integers(1, 2), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), stride=st.integers(1, 2),
       padding=st.sampled_from([0, 1, (1, 2), "valid", "same"]), dilation=st.sampled_from([1, 2, (2, 1)]),
       padding_mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]), bias=st.booleans(),
       batched=st.booleans(), seed=st.integers(0, 2**16))
def test_matches_torch_conv2d(groups, c_in, c_out, kernel, stride, padding, dilation, padding_mode, bias,
                              batched, seed):
    if padding == "same":
        stride = 1
    rng = np.random.default_rng(seed)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
                  padding_mode=padding_mode)
    ours = nn.Conv2d(groups * c_in, groups * c_out, kernel, dtype=np.float64, **kwargs)
    theirs = torch.nn.Conv2d(groups * c_in, groups * c_out, kernel, dtype=torch.float64, **kwargs)
    shape = (2, groups * c_in, 7, 8) if batched else (groups * c_in, 7, 8)  # non-square, large enough
    with warnings.catch_warnings():  # torch warns that 'same' with even kernels copies the input
        warnings.simplefilter("ignore", UserWarning)
        compare_modules(ours, theirs, rng.standard_normal(shape), generator=rng)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_gradcheck_through_the_module(padding_mode):
    rng = np.random.default_rng(0)
    layer = nn.Conv2d(2, 3, (3, 2), padding=(2, 1), stride=(1, 2), padding_mode=padding_mode,
                      dtype=np.float64, generator=rng)
    x = rng.standard_normal((2, 2, 4, 5))

    def forward(x, w, b):
        layer.weight.data, layer.bias.data = w, b
        return layer(x)

    def backward(g, x, w, b):
        layer.zero_grad()
        forward(x, w, b)
        grad_x = layer.backward(g)
        return grad_x, layer.weight.grad, layer.bias.grad

    assert gradcheck(forward, backward, [x, layer.weight.data.copy(), layer.bias.data.copy()])


def test_state_dict_loads_across_from_torch():
    theirs = torch.nn.Conv2d(4, 6, 3, padding=1, groups=2)
    ours = nn.Conv2d(4, 6, 3, padding=1, groups=2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours.load_state_dict(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    assert ours.weight.shape == tuple(theirs.weight.shape) == (6, 2, 3, 3)  # (C_out, C_in / groups, kH, kW)
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5)).astype(np.float32)
    with torch.no_grad():
        assert_close(ours(x), theirs(torch.from_numpy(x)))
    assert list(nn.Conv2d(4, 6, 3, bias=False).state_dict()) == ["weight"]
    # and back: torch loads ours
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in nn.Conv2d(4, 6, 3, padding=1, groups=2).state_dict().items()})


def test_default_dtype_is_float32_and_kept():
    layer = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    x = np.ones((2, 3, 5, 5), dtype=np.float32)
    y = layer(x)
    grad_x = layer.backward(np.ones_like(y))
    assert y.dtype == grad_x.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_float32_matches_torch_float32():
    ours, theirs = nn.Conv2d(3, 8, 3, padding=1, stride=2), torch.nn.Conv2d(3, 8, 3, padding=1, stride=2)
    x = np.random.default_rng(0).standard_normal((4, 3, 9, 9)).astype(np.float32)
    compare_modules(ours, theirs, x)


def test_gradients_accumulate_over_backward_calls():
    rng = np.random.default_rng(0)
    layer = nn.Conv2d(2, 3, 3, dtype=np.float64, generator=rng)
    x, g = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    assert_close(layer.weight.grad, 2 * once[0])
    assert_close(layer.bias.grad, 2 * once[1])


def test_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Conv2d(64, 128, (3, 5), groups=2, dtype=np.float64, generator=np.random.default_rng(0))
    fan_in = 32 * 3 * 5  # C_in / groups * kH * kW
    bound = 1 / math.sqrt(fan_in)
    W, b = layer.weight.data, layer.bias.data
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.999 * bound
    assert abs(W.var() / (bound**2 / 3) - 1) < 0.02  # U(-a, a) has variance a^2 / 3; 245760 draws
    theirs = torch.nn.Conv2d(64, 128, (3, 5), groups=2)
    assert bound * 0.999 < theirs.weight.abs().max().item() <= bound


def test_init_is_reproducible_with_a_generator():
    a = nn.Conv2d(3, 4, 3, generator=np.random.default_rng(7))
    b = nn.Conv2d(3, 4, 3, generator=np.random.default_rng(7))
    c = nn.Conv2d(3, 4, 3, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


@pytest.mark.parametrize("args,kwargs", [
    ((3, 16, 3), {}),
    ((3, 16, (3, 2)), dict(stride=2, padding=(1, 0))),
    ((4, 8, 3), dict(padding="same", dilation=2, groups=2, bias=False, padding_mode="reflect")),
    ((4, 8, 5), dict(padding="valid", padding_mode="circular")),
])
def test_repr_matches_torch(args, kwargs):
    assert repr(nn.Conv2d(*args, **kwargs)) == repr(torch.nn.Conv2d(*args, **kwargs))


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.Conv2d(1, 1, 3).backward(np.zeros((1, 1, 1, 1), dtype=np.float32))


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((0, 3, 3), {}, ValueError, "in_channels must be >= 1, got 0"),
    ((3, 0, 3), {}, ValueError, "out_channels must be >= 1, got 0"),
    ((3, 4, 3), dict(groups=2), ValueError, r"in_channels \(3\) must be divisible by groups \(2\)"),
    ((4, 3, 3), dict(groups=2), ValueError, r"out_channels \(3\) must be divisible by groups \(2\)"),
    ((4, 4, 3), dict(groups=0), ValueError, "groups must be >= 1"),
    ((3, 4, 0), {}, ValueError, "kernel_size must be >= 1"),
    ((3, 4, 2.5), {}, TypeError, "kernel_size must be an int or a pair of ints"),
    ((3, 4, 3), dict(stride=0), ValueError, "stride must be >= 1"),
    ((3, 4, 3), dict(padding=-1), ValueError, "padding must be >= 0"),
    ((3, 4, 3), dict(padding="full"), ValueError, "padding must be an int, a pair of ints, 'valid' or 'same'"),
    ((3, 4, 3), dict(padding="same", stride=2), ValueError, "padding='same' is not supported for strided"),
    ((3, 4, 3), dict(dilation=(1, 0)), ValueError, "dilation must be >= 1"),
    ((3, 4, 3), dict(padding_mode="zero"), ValueError, "padding_mode must be one of"),
    ((3, 4, 3), dict(dtype=np.int32), TypeError, "dtype must be a floating-point dtype"),
])
def test_constructor_errors_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.Conv2d(*args, **kwargs)


def test_forward_errors_name_the_argument():
    layer = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"input has 2 channels"):
        layer(np.zeros((1, 2, 5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"input must be 3-D .* or 4-D"):
        layer(np.zeros((5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"kernel \(dilated size 3 x 3\) is larger than the padded input \(2 x 5\)"):
        layer(np.zeros((1, 3, 2, 5), dtype=np.float32))
    reflect = nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"padding 2 must be smaller than the input height 2 with padding_mode='reflect'"):
        reflect(np.zeros((1, 3, 2, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"input must be 3-D"):
        reflect(np.zeros((5, 5), dtype=np.float32))
    with pytest.raises(TypeError, match=r"input must have a floating-point dtype"):
        reflect(np.zeros((1, 3, 5, 5), dtype=np.int64))
