"""dlref.numpy.nn.ConvTranspose2d against torch.nn.ConvTranspose2d: outputs, gradients,
output_size, state_dict, init, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck


@given(
    groups=st.integers(1, 2),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.sampled_from([1, 2, (2, 3)]),
    padding=st.sampled_from([0, 1, (1, 0)]),
    dilation=st.sampled_from([1, 2, (1, 2)]),
    output_padding=st.sampled_from([0, 1]),
    bias=st.booleans(),
    batched=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_matches_torch_conv_transpose2d(
    groups,
    c_in,
    c_out,
    kernel,
    stride,
    padding,
    dilation,
    output_padding,
    bias,
    batched,
    seed,
):
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    if any(output_padding >= max(si, di) for si, di in zip(s, d)):
        output_padding = 0
    rng = np.random.default_rng(seed)
    kwargs = dict(
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        bias=bias,
        dilation=dilation,
    )
    ours = nn.ConvTranspose2d(
        groups * c_in, groups * c_out, kernel, dtype=np.float64, **kwargs
    )
    theirs = torch.nn.ConvTranspose2d(
        groups * c_in, groups * c_out, kernel, dtype=torch.float64, **kwargs
    )
    shape = (2, groups * c_in, 3, 4) if batched else (groups * c_in, 3, 4)
    compare_modules(ours, theirs, rng.standard_normal(shape), generator=rng)


@pytest.mark.parametrize("output_size", [(9, 9), (10, 10), (9, 10), [2, 3, 10, 9]])
def test_output_size_as_torch(output_size):
    rng = np.random.default_rng(0)
    ours = nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1, dtype=np.float64, generator=rng
    )
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=torch.float64)
    theirs.load_state_dict(
        {k: torch.from_numpy(v) for k, v in ours.state_dict().items()}
    )
    x = rng.standard_normal((2, 2, 5, 5))
    xt = torch.tensor(x, requires_grad=True)
    y, yt = ours(x, output_size=output_size), theirs(xt, output_size=output_size)
    assert y.shape == tuple(yt.shape) == (2, 3, *output_size[-2:])
    assert_close(y, yt)
    # backward uses the output padding of the forward call
    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    assert_close(ours.backward(g), xt.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)


def test_output_size_out_of_range_raises_as_torch_does():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = np.zeros((1, 2, 5, 5), np.float32)
    for output_size, error in [
        ((11, 9), ValueError),
        ((8, 9), ValueError),
        ((9, 9, 9), ValueError),
        (9, TypeError),
    ]:
        with pytest.raises(error):
            theirs(torch.from_numpy(x), output_size=output_size)
        with pytest.raises(error, match="output_size"):
            ours(x, output_size=output_size)
    with pytest.raises(ValueError, match=r"sizes range from \(9, 9\) to \(10, 10\)"):
        ours(x, output_size=(11, 9))


def test_gradcheck_through_the_module():
    rng = np.random.default_rng(0)
    layer = nn.ConvTranspose2d(
        2,
        3,
        (3, 2),
        padding=(1, 0),
        stride=(2, 1),
        output_padding=(1, 0),
        dtype=np.float64,
        generator=rng,
    )
    x = rng.standard_normal((2, 2, 3, 4))

    def forward(x, w, b):
        layer.weight.data, layer.bias.data = w, b
        return layer(x)

    def backward(g, x, w, b):
        layer.zero_grad()
        forward(x, w, b)
        grad_x = layer.backward(g)
        return grad_x, layer.weight.grad, layer.bias.grad

    assert gradcheck(
        forward, backward, [x, layer.weight.data.copy(), layer.bias.data.copy()]
    )


def test_state_dict_round_trips_with_torch():
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)
    ours = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours.load_state_dict(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    # (C_in, C_out / groups, kH, kW)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (4, 3, 3, 3)
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5)).astype(np.float32)
    with torch.no_grad():
        assert_close(ours(x), theirs(torch.from_numpy(x)))
    assert list(nn.ConvTranspose2d(4, 6, 3, bias=False).state_dict()) == ["weight"]
    # and back: torch loads ours, and computes what ours computes
    other = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)
    theirs.load_state_dict(
        {k: torch.from_numpy(v) for k, v in other.state_dict().items()}
    )
    with torch.no_grad():
        assert_close(other(x), theirs(torch.from_numpy(x)))


def test_init_bounds_use_the_transposed_fan():
    layer = nn.ConvTranspose2d(8, 64, 3, groups=4, generator=np.random.default_rng(0))
    # torch's fan_in is weight.shape[1] * kH * kW = C_out / groups * kH * kW
    bound = 1 / math.sqrt(16 * 9)
    assert layer.weight.shape == (8, 16, 3, 3)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    assert np.abs(layer.bias.data).max() <= bound
    theirs = torch.nn.ConvTranspose2d(8, 64, 3, groups=4)
    assert theirs.weight.abs().max().item() <= bound


def test_default_dtype_is_float32_and_kept():
    layer = nn.ConvTranspose2d(3, 4, 3, stride=2)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    x = np.ones((2, 3, 5, 5), dtype=np.float32)
    y = layer(x)
    grad_x = layer.backward(np.ones_like(y))
    assert y.shape == (2, 4, 11, 11)
    assert y.dtype == grad_x.dtype == layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


def test_repr_matches_torch():
    for kwargs in (
        dict(),
        dict(stride=2, padding=1, output_padding=1, groups=2, bias=False),
        dict(dilation=(1, 2)),
    ):
        assert repr(nn.ConvTranspose2d(4, 6, 3, **kwargs)) == repr(
            torch.nn.ConvTranspose2d(4, 6, 3, **kwargs)
        )


def test_decoder_doubles_the_size():
    # the usual decoder step: kernel 3, stride 2, padding 1, output_padding 1
    layer = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
    assert layer(np.zeros((1, 8, 7, 7), np.float32)).shape == (1, 4, 14, 14)


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        (
            (3, 4, 3),
            dict(groups=2),
            ValueError,
            r"in_channels \(3\) must be divisible by",
        ),
        (
            (4, 3, 3),
            dict(groups=2),
            ValueError,
            r"out_channels \(3\) must be divisible by",
        ),
        ((0, 3, 3), {}, ValueError, "in_channels must be >= 1"),
        ((3, 4, (3, 0)), {}, ValueError, "kernel_size must be >= 1"),
        (
            (3, 4, 3),
            dict(output_padding=1),
            ValueError,
            "output_padding must be smaller than either stride or dilation",
        ),
        (
            (3, 4, 3),
            dict(output_padding=2, stride=2),
            ValueError,
            "output_padding must be smaller than either stride or dilation",
        ),
        (
            (3, 4, 3),
            dict(padding="same"),
            TypeError,
            "padding must be an int or a pair",
        ),
        (
            (3, 4, 3),
            dict(padding_mode="reflect"),
            ValueError,
            "padding_mode must be 'zeros'",
        ),
        ((3, 4, 3), dict(dtype=np.int64), TypeError, "dtype must be a floating-point"),
    ],
)
def test_constructor_errors_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.ConvTranspose2d(*args, **kwargs)


def test_forward_errors_name_the_argument():
    with pytest.raises(ValueError, match="input has 2 channels"):
        nn.ConvTranspose2d(3, 4, 3)(np.zeros((1, 2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="padding=.* is too large"):
        nn.ConvTranspose2d(3, 4, 1, padding=1)(np.zeros((1, 3, 1, 1), np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.ConvTranspose2d(3, 4, 3).backward(np.zeros((1, 4, 7, 7), np.float32))
