"""dlref.torch.nn pooling layers against torch.nn: constructors, attributes, repr, outputs and gradients (on every
available device)."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import nn

CASES = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", ((3, 2),), dict(stride=(1, 2), padding=(1, 0), dilation=(1, 2))),
    ("MaxPool2d", (2,), dict(return_indices=True)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", ((2, 3),), dict(stride=1, divisor_override=5)),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool2d", ((3, None),), {}),
]


@pytest.mark.parametrize("name, args, kwargs", CASES)
def test_same_repr_attributes_and_no_parameters(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert isinstance(ours, torch.nn.Module)
    assert repr(ours) == repr(theirs)
    for attribute in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices",
                      "count_include_pad", "divisor_override", "output_size"):
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    assert list(ours.parameters()) == [] and ours.state_dict() == {}


@pytest.mark.parametrize("name, args, kwargs", CASES)
@given(seed=st.integers(0, 2**16), batched=st.booleans(), integer_valued=st.booleans())
def test_outputs_and_gradients_match_torch(device, name, args, kwargs, seed, batched, integer_valued):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    shape = (2, 3, 9, 8) if batched else (3, 9, 8)
    x = (torch.randint(-2, 3, shape, generator=gen).double() if integer_valued   # ties
         else torch.randn(shape, dtype=torch.float64, generator=gen)).to(device)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_a, out_b = getattr(nn, name)(*args, **kwargs)(xa), getattr(torch.nn, name)(*args, **kwargs)(xb)
    if kwargs.get("return_indices"):
        assert out_a[1].device.type == device.type
        assert torch.equal(out_a[1], out_b[1])
        out_a, out_b = out_a[0], out_b[0]
    assert out_a.device.type == device.type
    assert_close(out_a, out_b)
    g = torch.randn(out_b.shape, dtype=torch.float64, generator=gen).to(device)
    out_a.backward(g)
    out_b.backward(g)
    assert xa.grad.device.type == device.type
    assert_close(xa.grad, xb.grad)


def test_in_a_network_against_torch(device):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.AvgPool2d(3, stride=1, padding=1), torch.nn.AdaptiveAvgPool2d(1),
                                 torch.nn.Flatten(), torch.nn.Linear(4, 3)).double()
    ours = torch.nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.AvgPool2d(3, stride=1, padding=1), nn.AdaptiveAvgPool2d(1),
                               torch.nn.Flatten(), nn.Linear(4, 3)).double()
    ours.load_state_dict(theirs.state_dict())
    ours.to(device), theirs.to(device)
    x = torch.randn(5, 1, 8, 8, dtype=torch.float64, device=device)
    y = ours(x)
    assert y.device.type == device.type
    assert_close(y, theirs(x))
    ours(x).square().sum().backward()
    theirs(x).square().sum().backward()
    for (n_a, p_a), (n_b, p_b) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert n_a == n_b
        assert p_a.grad.device.type == device.type
        assert_close(p_a.grad, p_b.grad)


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.MaxPool2d(0), ValueError, "kernel_size must be >= 1"),
    (lambda: nn.MaxPool2d(2, padding=2), ValueError, "padding must be at most half of kernel_size"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, "stride must be >= 1"),
    (lambda: nn.MaxPool2d(2, dilation=(1, 0)), ValueError, "dilation must be >= 1"),
    (lambda: nn.MaxPool2d(2, return_indices=1), TypeError, "return_indices must be a bool"),
    (lambda: nn.MaxPool2d(2, ceil_mode="no"), TypeError, "ceil_mode must be a bool"),
    (lambda: nn.AvgPool2d(2.5), TypeError, "kernel_size must be an int"),
    (lambda: nn.AvgPool2d(2, count_include_pad=None), TypeError, "count_include_pad must be a bool"),
    (lambda: nn.AvgPool2d(2, divisor_override=0), ValueError, "divisor_override must not be zero"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, "output_size must be >= 1"),
    (lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), ValueError, "output_size must be an int or a pair"),
])
def test_bad_arguments_fail_in_the_constructor(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_input_fails_in_forward():
    with pytest.raises(ValueError, match="input must be 3-D"):
        nn.MaxPool2d(2)(torch.zeros(4, 4))
    with pytest.raises(ValueError, match="kernel_size=5.*larger than the padded input"):
        nn.AvgPool2d(5)(torch.zeros(1, 4, 4))
