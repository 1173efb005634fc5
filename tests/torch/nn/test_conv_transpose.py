"""dlref.torch.nn.ConvTranspose2d against torch.nn.ConvTranspose2d: initialization,
state_dict, outputs and gradients, output_size, on every available device."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn as np_nn
from dlref.testing import assert_close
from dlref.torch import nn


def test_same_seed_same_initial_weights_as_torch(device):
    for kwargs in (
        dict(),
        dict(bias=False),
        dict(groups=2, stride=2, output_padding=1),
    ):
        torch.manual_seed(3)  # seeds every device's generator
        ours = nn.ConvTranspose2d(4, 6, (3, 2), device=device, **kwargs)
        torch.manual_seed(3)
        theirs = torch.nn.ConvTranspose2d(4, 6, (3, 2), device=device, **kwargs)
        pairs = zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True)
        for (name_a, a), (name_b, b) in pairs:
            assert name_a == name_b
            assert a.device.type == device.type, name_a
            assert torch.equal(a, b), name_a


def test_init_bounds_use_the_transposed_fan():
    layer = nn.ConvTranspose2d(8, 64, 3, groups=4)
    bound = 1 / math.sqrt(
        16 * 9
    )  # fan_in = weight.shape[1] * kH * kW = C_out/groups * 9
    assert layer.weight.abs().max().item() <= bound
    assert layer.bias.abs().max().item() <= bound
    assert layer.weight.abs().max().item() > 0.99 * bound


def test_parameters_state_dict_and_repr_match_torch():
    for bias in (True, False):
        kwargs = dict(bias=bias, groups=2, stride=2, padding=1, output_padding=1)
        ours = nn.ConvTranspose2d(4, 6, 3, **kwargs)
        theirs = torch.nn.ConvTranspose2d(4, 6, 3, **kwargs)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ]
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert isinstance(ours, torch.nn.Module)
        assert repr(ours) == repr(theirs)


def test_state_dict_round_trip_with_the_numpy_layer():
    ours = np_nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dtype=np.float64)
    twin = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dtype=torch.float64)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5))
    with torch.no_grad():
        assert_close(ours(x), twin(torch.from_numpy(x)))
    ours.load_state_dict(nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2).state_dict())


@given(
    groups=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.sampled_from([1, 2, (2, 3)]),
    padding=st.sampled_from([0, 1, (1, 0)]),
    dilation=st.sampled_from([1, 2, (1, 2)]),
    output_padding=st.sampled_from([0, 1]),
    bias=st.booleans(),
    batched=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_load_across_then_same_outputs_and_gradients(
    device,
    groups,
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
    kwargs = dict(
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        bias=bias,
        dilation=dilation,
        dtype=torch.float64,
        device=device,
    )
    theirs = torch.nn.ConvTranspose2d(2 * groups, 3 * groups, kernel, **kwargs)
    ours = nn.ConvTranspose2d(2 * groups, 3 * groups, kernel, **kwargs)
    ours.load_state_dict(theirs.state_dict())
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    shape = (2, 2 * groups, 3, 4) if batched else (2 * groups, 3, 4)
    x = torch.randn(shape, dtype=torch.float64, generator=gen).to(device)
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
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


@pytest.mark.parametrize(
    "output_size", [(9, 9), (10, 10), [10, 9], torch.Size([2, 3, 9, 10])]
)
def test_output_size_as_torch(device, output_size):
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, device=device)
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, device=device)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 2, 5, 5, device=device)
    y = ours(x, output_size=output_size)
    assert (
        y.shape == theirs(x, output_size=output_size).shape == (2, 3, *output_size[-2:])
    )
    assert_close(y, theirs(x, output_size=output_size))
    with pytest.raises(ValueError, match=r"output_size \(11, 9\) is out of range"):
        ours(x, output_size=(11, 9))


def test_does_not_call_the_op_it_mirrors(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError(
            "ConvTranspose2d must not call torch's transposed convolution"
        )

    for module, name in [
        (TF, "conv_transpose2d"),
        (torch, "conv_transpose2d"),
        (torch, "convolution"),
        (torch.nn.ConvTranspose2d, "forward"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    layer = nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1, output_padding=1, device=device
    )
    x = torch.randn(1, 2, 4, 4, device=device, requires_grad=True)
    y = layer(x)
    assert y.shape == (1, 3, 8, 8) and y.device.type == device.type
    y.sum().backward()
    assert x.grad.device.type == device.type and layer.weight.grad is not None


def test_float32_by_default(device):
    assert nn.ConvTranspose2d(3, 4, 3).weight.dtype == torch.float32
    layer = nn.ConvTranspose2d(3, 4, 3, device=device)
    assert (
        layer.weight.dtype == torch.float32 and layer.weight.device.type == device.type
    )
    y = layer(torch.randn(2, 3, 5, 5, device=device))
    assert y.dtype == torch.float32 and y.device.type == device.type


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
            dict(padding_mode="zero"),
            ValueError,
            "padding_mode must be 'zeros'",
        ),
        (
            (3, 4, 3),
            dict(dtype=torch.int64),
            TypeError,
            "dtype must be a floating-point",
        ),
    ],
)
def test_constructor_errors_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.ConvTranspose2d(*args, **kwargs)


def test_forward_errors_name_the_argument():
    with pytest.raises(ValueError, match="input has 2 channels"):
        nn.ConvTranspose2d(3, 4, 3)(torch.zeros(1, 2, 5, 5))
    with pytest.raises(TypeError, match="output_size must be a sequence"):
        nn.ConvTranspose2d(3, 4, 3)(torch.zeros(1, 3, 5, 5), output_size=7)
