"""dlref.numpy.nn.Dropout against torch.nn.Dropout: same outputs and gradients with torch's
mask, train/eval, the mask it keeps, in a network, repr and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close


def torch_module_with_mask(module, x, g, seed):
    """Run torch's module on x (forward and backward); return output, input grad and its mask."""
    torch.manual_seed(seed)
    mask = (module(torch.ones(x.shape, dtype=torch.float64)) != 0).numpy()
    torch.manual_seed(seed)
    xt = torch.tensor(x, requires_grad=True)
    y = module(xt)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), xt.grad.numpy(), mask


@given(p=st.floats(0.0, 1.0), seed=st.integers(0, 2**31 - 1),
       shape=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_matches_torch_dropout_with_its_mask(p, seed, shape):
    rng = np.random.default_rng(seed)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    y_ref, grad_ref, mask = torch_module_with_mask(torch.nn.Dropout(p), x, g, seed)
    ours = nn.Dropout(p)
    y = ours(x, mask=mask)
    np.testing.assert_array_equal(y, y_ref)
    assert_close(ours.backward(g), grad_ref, rtol=0, atol=0)


def test_eval_is_identity_in_both():
    x = np.random.default_rng(0).standard_normal((5, 7))
    ours, theirs = nn.Dropout(0.6).eval(), torch.nn.Dropout(0.6).eval()
    np.testing.assert_array_equal(ours(x), x)
    np.testing.assert_array_equal(theirs(torch.tensor(x)).numpy(), x)
    assert ours.mask is None
    np.testing.assert_array_equal(ours.backward(np.ones_like(x)), np.ones_like(x))


def test_backward_uses_the_mask_of_the_forward_pass():
    layer = nn.Dropout(0.5, generator=np.random.default_rng(0))
    x = np.ones((50, 40))
    y = layer(x)
    mask = layer.mask
    assert mask.dtype == np.bool_ and mask.shape == x.shape
    np.testing.assert_array_equal(y, np.where(mask, 2.0, 0.0))
    grad = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad, np.where(mask, 2.0, 0.0))
    layer(x)
    assert not np.array_equal(layer.mask, mask)          # a new mask at every call


def test_seeded_generator_is_reproducible():
    x = np.ones((30, 30))
    a = nn.Dropout(0.3, generator=np.random.default_rng(5))(x)
    b = nn.Dropout(0.3, generator=np.random.default_rng(5))(x)
    np.testing.assert_array_equal(a, b)


def test_mean_preserved_in_training():
    layer = nn.Dropout(0.25, generator=np.random.default_rng(0))
    x = np.full((1000, 1000), 2.0)
    # E[y] = x; the standard error of the mean is 2 sqrt(p/(1-p)) / 1000 ~ 1.2e-3
    assert abs(layer(x).mean() - 2.0) < 6 * 2 * np.sqrt(0.25 / 0.75) / 1000


def test_in_a_network_train_and_eval():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 8, dtype=np.float64, generator=rng), nn.ReLU(),
                          nn.Dropout(0.5, generator=rng), nn.Linear(8, 2, dtype=np.float64, generator=rng))
    x = rng.standard_normal((3, 4))
    model.train()
    assert not np.array_equal(model(x), model(x))       # two masks, two outputs
    model.eval()
    np.testing.assert_array_equal(model(x), model(x))   # deterministic
    assert model.state_dict().keys() == {"0.weight", "0.bias", "3.weight", "3.bias"}


def test_inplace_and_repr():
    layer = nn.Dropout(0.5, inplace=True)
    x = np.ones(4)
    y = layer(x, mask=np.array([True, False, True, False]))
    assert y is x
    np.testing.assert_array_equal(x, [2.0, 0.0, 2.0, 0.0])
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
    assert repr(nn.Dropout(0.5, inplace=True)) == repr(torch.nn.Dropout(0.5, inplace=True))


@pytest.mark.parametrize("p", [-0.5, 1.01, 3])
def test_p_outside_unit_interval_raises(p):
    with pytest.raises(ValueError, match="dropout probability p has to be between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        torch.nn.Dropout(p)


def test_bad_arguments():
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.Dropout(0.5, inplace=1)
    with pytest.raises(ValueError, match="mask and input must have the same shape"):
        nn.Dropout(0.5)(np.ones((2, 3)), mask=np.ones(3, dtype=bool))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.Dropout(0.5).backward(np.ones(3))
    # the input is checked before a mask is drawn for it: the generator is left untouched
    layer = nn.Dropout(0.5, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        layer(np.ones(3, dtype=np.int64))
    assert layer.generator.random() == np.random.default_rng(0).random()
