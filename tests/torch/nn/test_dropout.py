"""dlref.torch.nn.Dropout against torch.nn.Dropout: the same masks from the same seed on the
CPU, the same outputs and gradients with torch's mask on every device, its mask handed to the
NumPy Dropout, train/eval, in a network, state_dict, repr, errors, torch's dropout never called."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn as npnn
from dlref.testing import assert_close
from dlref.torch import nn

F64 = torch.float64


@given(p=st.floats(0.0, 1.0), seed=st.integers(0, 2**31 - 1),
       shape=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_same_seed_same_masks_as_torch_on_cpu(p, seed, shape):
    ours, theirs = nn.Dropout(p), torch.nn.Dropout(p)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64)
    torch.manual_seed(seed)
    expected = [theirs(x) for _ in range(2)]                   # two calls, two masks
    torch.manual_seed(seed)
    for y_ref in expected:
        assert torch.equal(ours(x), y_ref)


@given(p=st.floats(0.0, 1.0), seed=st.integers(0, 2**31 - 1),
       shape=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_with_torchs_mask_and_the_numpy_layer(device, p, seed, shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64).to(device)
    g = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1), dtype=F64).to(device)
    torch.manual_seed(seed)
    mask = torch.nn.Dropout(p)(torch.ones(shape, dtype=F64, device=device)) != 0
    torch.manual_seed(seed)
    xt = x.clone().requires_grad_(True)
    y_ref = torch.nn.Dropout(p)(xt)
    y_ref.backward(g)
    ours = nn.Dropout(p)
    xo = x.clone().requires_grad_(True)
    y = ours(xo, mask=mask)
    y.backward(g)
    assert_close(y, y_ref, rtol=1e-15, atol=0)                  # bitwise on the CPU; an ulp on CUDA
    assert_close(xo.grad, xt.grad, rtol=1e-15, atol=0)
    # the mask it used goes to the NumPy layer, which then computes the same numbers
    numpy_layer = npnn.Dropout(p)
    mask_np = None if ours.mask is None else ours.mask.cpu().numpy()
    np.testing.assert_array_equal(numpy_layer(x.cpu().numpy(), mask=mask_np), y.detach().cpu().numpy())
    np.testing.assert_array_equal(numpy_layer.backward(g.cpu().numpy()), xo.grad.cpu().numpy())


def test_mask_attribute_and_eval(device):
    layer = nn.Dropout(0.5, generator=torch.Generator(device=device).manual_seed(0))
    x = torch.ones(50, 40, device=device)
    y = layer(x)
    mask = layer.mask
    assert mask.dtype == torch.bool and mask.shape == x.shape and mask.device == x.device
    assert torch.equal(y, torch.where(mask, 2.0, 0.0))
    layer(x)
    assert not torch.equal(layer.mask, mask)                   # a new mask at every call
    layer.eval()
    assert layer(x) is x and layer.mask is None


def test_in_a_network_train_and_eval(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), nn.Dropout(0.5),
                                torch.nn.Linear(8, 2)).to(device)
    x = torch.randn(3, 4, device=device)
    model.train()
    assert not torch.equal(model(x), model(x))                 # two masks, two outputs
    model.eval()
    assert torch.equal(model(x), model(x))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]


def test_never_calls_torch_dropout(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch's dropout was called")

    for namespace, name in ((TF, "dropout"), (torch, "dropout"), (torch, "native_dropout")):
        monkeypatch.setattr(namespace, name, forbidden)
    x = torch.randn(5, 6, device=device, requires_grad=True)
    nn.Dropout(0.3)(x).sum().backward()
    with pytest.raises(AssertionError, match="torch's dropout was called"):
        torch.nn.Dropout(0.3)(x)


def test_inplace_and_repr():
    layer = nn.Dropout(0.5, inplace=True)
    x = torch.ones(4)
    y = layer(x, mask=torch.tensor([True, False, True, False]))
    assert y is x
    assert torch.equal(x, torch.tensor([2.0, 0.0, 2.0, 0.0]))
    for args in [dict(p=0.2), dict(p=0.5, inplace=True), dict()]:
        assert repr(nn.Dropout(**args)) == repr(torch.nn.Dropout(**args))


@pytest.mark.parametrize("p", [-0.5, 1.01, 3])
def test_p_outside_unit_interval_raises(p):
    with pytest.raises(ValueError, match="dropout probability p has to be between 0 and 1"):
        nn.Dropout(p)


def test_bad_arguments():
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.Dropout(0.5, inplace=1)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        nn.Dropout(0.5, generator=0)
    with pytest.raises(ValueError, match="mask and input must have the same shape"):
        nn.Dropout(0.5)(torch.ones(2, 3), mask=torch.ones(3, dtype=torch.bool))
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        nn.Dropout(0.5)(np.ones(3))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        nn.Dropout(0.5)(torch.ones(3, dtype=torch.int64))
