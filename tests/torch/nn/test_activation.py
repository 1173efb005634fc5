"""Activation modules from torch primitives against torch.nn: outputs, gradients (on every available device),
repr, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.testing import assert_close
from dlref.torch import nn

PAIRS = [
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.ELU(), lambda: torch.nn.ELU()),
    (lambda: nn.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    (lambda: nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
    (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
]
IDS = [repr(theirs()) for _, theirs in PAIRS]


def run(module, x, g, device):
    """Output and input gradient of ``module`` at the NumPy array ``x`` for upstream gradient ``g``, on ``device``."""
    xt = torch.tensor(x, device=device, requires_grad=True)
    y = module(xt)
    y.backward(torch.tensor(g, device=device))
    assert y.device.type == xt.grad.device.type == device.type
    return y.detach(), xt.grad


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
@given(data=st.data())
def test_matches_torch_module(device, pair, data):
    x = data.draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
                             elements=st.floats(-20, 20)))
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-5, 5)))
    y, grad = run(pair[0](), x, g, device)
    y_ref, grad_ref = run(pair[1](), x, g, device)
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_is_a_torch_module_with_torch_repr_and_state(pair):
    ours, theirs = pair[0](), pair[1]()
    assert isinstance(ours, torch.nn.Module)
    assert repr(ours) == repr(theirs)
    assert list(ours.parameters()) == []
    ours.load_state_dict(theirs.state_dict())


@pytest.mark.parametrize("ours, theirs", [
    (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
    (nn.LeakyReLU(0.2, inplace=True), torch.nn.LeakyReLU(0.2, inplace=True)),
    (nn.ELU(alpha=2.0, inplace=True), torch.nn.ELU(alpha=2.0, inplace=True)),
    (nn.SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=2), torch.nn.LogSoftmax(dim=2)),
])
def test_repr_with_arguments(ours, theirs):
    assert repr(ours) == repr(theirs)


def test_in_a_network_with_float32_and_extreme_inputs(device):
    torch.manual_seed(0)
    ours = torch.nn.Sequential(torch.nn.Linear(4, 6), nn.SiLU(), torch.nn.Linear(6, 3), nn.Softmax(dim=1))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.SiLU(), torch.nn.Linear(6, 3), torch.nn.Softmax(dim=1))
    theirs.load_state_dict(ours.state_dict())
    ours.to(device), theirs.to(device)
    x = torch.tensor([[1e4, -1e4, 0.0, 1.0], [0.5, -0.5, 2.0, -2.0]], device=device)
    y, y_ref = ours(x), theirs(x)
    assert y.dtype == torch.float32 and y.device.type == device.type
    assert_close(y, y_ref)
    y[:, 0].sum().backward()
    y_ref[:, 0].sum().backward()
    for (name, p), p_ref in zip(ours.named_parameters(), theirs.parameters()):
        assert torch.isfinite(p.grad).all() and p.grad.device.type == device.type, name
        assert_close(p.grad, p_ref.grad, msg=name)


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.ReLU(inplace=None)
    with pytest.raises(ValueError, match="negative_slope must be >= 0 when inplace=True"):
        nn.LeakyReLU(-0.1, inplace=True)
    with pytest.raises(ValueError, match="alpha must be >= 0 when inplace=True"):
        nn.ELU(alpha=-1.0, inplace=True)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        nn.ELU(alpha="1")
    with pytest.raises(ValueError, match="approximate must be one of"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.Softmax(dim=None)
    with pytest.raises(ValueError, match="dim must be in"):
        nn.LogSoftmax(dim=3)(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        nn.Sigmoid()(torch.arange(3))
