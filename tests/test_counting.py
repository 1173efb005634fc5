"""Parameter and FLOP counts: against torch.nn.Conv2d / Linear (parameter counts, output
shapes), torch's FlopCounterMode, the dlref layers, and the formulas written out."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from dlref import counting
from dlref.numpy import nn


@st.composite
def conv_settings(draw):
    groups = draw(st.integers(1, 4))
    settings = dict(
        in_channels=groups * draw(st.integers(1, 4)),
        out_channels=groups * draw(st.integers(1, 4)),
        kernel_size=draw(st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))),
        stride=draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))),
        padding=draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))),
        dilation=draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2)))),
        groups=groups,
    )
    return settings, draw(st.booleans()), (draw(st.integers(8, 14)), draw(st.integers(8, 14)))


def torch_flops(module, x) -> int:
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


@given(conv_settings())
def test_conv2d_counts_match_torch(setting):
    kwargs, bias, input_size = setting
    conv = torch.nn.Conv2d(**kwargs, bias=bias)
    x = torch.zeros(1, kwargs["in_channels"], *input_size)
    y = conv(x)
    parameters = counting.conv2d_parameters(kwargs["in_channels"], kwargs["out_channels"], kwargs["kernel_size"],
                                            groups=kwargs["groups"], bias=bias)
    assert parameters == sum(p.numel() for p in conv.parameters()) == counting.count_parameters(conv)
    geometry = {name: kwargs[name] for name in ("kernel_size", "stride", "padding", "dilation")}
    assert counting.conv2d_output_size(input_size, **geometry) == tuple(y.shape[2:])
    flops = counting.conv2d_flops(input_size=input_size, **kwargs)
    assert flops == torch_flops(conv, x)
    assert flops == 2 * counting.conv2d_macs(input_size=input_size, **kwargs)


@pytest.mark.parametrize("groups", [1, 2, 8])
def test_dlref_conv2d_has_the_counted_parameters(groups):
    ours = nn.Conv2d(8, 16, 3, groups=groups)
    assert counting.count_parameters(ours) == counting.conv2d_parameters(8, 16, 3, groups=groups)


def test_formulas_written_out():
    # ordinary 3x3, 128 -> 128 channels, 56x56, padding 1
    assert counting.conv2d_parameters(128, 128, 3) == 128 * 128 * 9 + 128
    assert counting.conv2d_macs(128, 128, 3, 56, padding=1) == 56 * 56 * 128 * 128 * 9
    # depthwise: one 3x3 filter per channel
    assert counting.conv2d_parameters(128, 128, 3, groups=128, bias=False) == 128 * 9
    assert counting.conv2d_macs(128, 128, 3, 56, padding=1, groups=128) == 56 * 56 * 128 * 9
    # pointwise (1x1)
    assert counting.conv2d_parameters(128, 256, 1, bias=False) == 256 * 128
    # rectangular kernels, stride and dilation in the output size
    assert counting.conv2d_output_size((10, 7), (3, 1), stride=(2, 1), padding=(1, 0)) == (5, 7)
    assert counting.conv2d_output_size(10, 3, dilation=2) == (6, 6)
    assert counting.conv2d_output_size(10, 3, padding="same") == (10, 10)
    assert counting.conv2d_output_size(10, 3, padding="valid") == (8, 8)


def test_padding_same_and_valid_match_torch():
    x = torch.zeros(1, 2, 9, 11)
    for padding in ("same", "valid"):
        conv = torch.nn.Conv2d(2, 4, (3, 5), padding=padding, dilation=(2, 1))
        expected = tuple(conv(x).shape[2:])
        assert counting.conv2d_output_size((9, 11), (3, 5), padding=padding, dilation=(2, 1)) == expected


@given(st.integers(1, 50), st.integers(1, 50), st.booleans(), st.integers(1, 5))
def test_linear_counts_match_torch(n_in, n_out, bias, batch):
    layer = torch.nn.Linear(n_in, n_out, bias=bias)
    assert counting.linear_parameters(n_in, n_out, bias) == counting.count_parameters(layer)
    assert batch * counting.linear_flops(n_in, n_out) == torch_flops(layer, torch.zeros(batch, n_in))
    assert counting.linear_flops(n_in, n_out) == 2 * counting.linear_macs(n_in, n_out) == 2 * n_in * n_out


def test_count_parameters_of_dlref_and_torch_networks():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(8 * 6 * 6, 10))
    ours = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    expected = counting.conv2d_parameters(1, 8, 3) + counting.linear_parameters(288, 10)
    assert counting.count_parameters(theirs) == counting.count_parameters(ours) == expected == 2970


def test_count_parameters_trainable_only_and_shared():
    layer = torch.nn.Linear(3, 2)
    layer.bias.requires_grad_(False)
    assert counting.count_parameters(layer) == 8
    assert counting.count_parameters(layer, trainable_only=True) == 6
    ours = nn.Linear(3, 2)
    ours.bias.requires_grad = False
    assert counting.count_parameters(ours, trainable_only=True) == 6
    shared = nn.Linear(4, 4)
    assert counting.count_parameters(nn.Sequential(shared, nn.ReLU(), shared)) == 20   # counted once
    tied = torch.nn.Linear(4, 4)
    assert counting.count_parameters(torch.nn.Sequential(tied, tied)) == 20


@pytest.mark.parametrize("call, error, match", [
    (lambda: counting.conv2d_parameters(6, 8, 3, groups=4), ValueError, r"in_channels \(6\) must be divisible by groups"),
    (lambda: counting.conv2d_parameters(8, 6, 3, groups=4), ValueError, r"out_channels \(6\) must be divisible by groups"),
    (lambda: counting.conv2d_parameters(0, 8, 3), ValueError, "in_channels must be >= 1"),
    (lambda: counting.conv2d_parameters(4, 8, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: counting.conv2d_parameters(4, 8, (3, 3, 3)), ValueError, "kernel_size must be an int or a pair"),
    (lambda: counting.conv2d_parameters(4, 8, 3.0), TypeError, "kernel_size must be an int"),
    (lambda: counting.conv2d_parameters(4, 8, 3, bias=1), TypeError, "bias must be a bool"),
    (lambda: counting.conv2d_macs(4, 8, 5, 3), ValueError, "kernel_size=5 .*does not fit the input 3x3"),
    (lambda: counting.conv2d_output_size(8, 3, stride=2, padding="same"), ValueError, "padding='same' is not supported for strided"),
    (lambda: counting.conv2d_output_size(8, 3, padding=-1), ValueError, "padding must be >= 0"),
    (lambda: counting.conv2d_output_size(0, 3), ValueError, "input_size must be >= 1"),
    (lambda: counting.linear_parameters(3, 0), ValueError, "out_features must be >= 1"),
    (lambda: counting.count_parameters([1, 2]), TypeError, "module must have a parameters"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
