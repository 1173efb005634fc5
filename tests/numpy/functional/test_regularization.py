"""Dropout (NumPy functional): torch's own results with torch's mask, statistics of the
mask, train/eval, p = 0 and 1, in place, backward and bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import functional as F
from dlref.numpy.functional import dropout_mask
from dlref.testing import assert_close, gradcheck

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6)
probabilities = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


def torch_dropout_with_mask(x: np.ndarray, p: float, seed: int):
    """torch's F.dropout on x, its gradient for grad_output g = 1..n, and the mask it drew.

    Torch draws the mask from its generator regardless of the values, so the same seed on a
    tensor of ones reveals the mask of the real call.
    """
    torch.manual_seed(seed)
    mask = (TF.dropout(torch.ones(x.shape, dtype=torch.float64), p) != 0).numpy()
    torch.manual_seed(seed)
    xt = torch.tensor(x, requires_grad=True)
    y = TF.dropout(xt, p)
    g = torch.arange(1.0, x.size + 1, dtype=torch.float64).reshape(x.shape)
    y.backward(g)
    return y.detach().numpy(), xt.grad.numpy(), mask, g.numpy()


@given(data=st.data())
def test_matches_torch_with_its_mask(data):
    x = data.draw(hnp.arrays(np.float64, shapes, elements=st.floats(-1e4, 1e4)))
    p = data.draw(probabilities)
    seed = data.draw(st.integers(0, 2**31 - 1))
    y_ref, grad_ref, mask, g = torch_dropout_with_mask(x, p, seed)
    y = F.dropout(x, p, mask=mask)
    # torch computes x * (m / (1 - p)) in x's dtype, and so do we: bit-for-bit equal
    np.testing.assert_array_equal(y, y_ref)
    assert_close(F.dropout_backward(g, x, p, mask=mask), grad_ref, rtol=0, atol=0)


@pytest.mark.parametrize("dtype, torch_dtype", [(np.float32, torch.float32), (np.float16, torch.float16)])
def test_float32_and_float16_bitwise_equal_to_torch(dtype, torch_dtype):
    x = np.random.default_rng(0).standard_normal((64, 33)).astype(dtype)
    for p in (0.1, 0.3, 0.9):
        torch.manual_seed(1)
        mask = (TF.dropout(torch.ones(x.shape, dtype=torch_dtype), p) != 0).numpy()
        torch.manual_seed(1)
        y_ref = TF.dropout(torch.tensor(x), p).numpy()
        y = F.dropout(x, p, mask=mask)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y, y_ref)


def test_formula_kept_scaled_dropped_zero():
    x = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    mask = np.array([[True, False, True], [False, True, True]])
    y = F.dropout(x, 0.25, mask=mask)
    assert_close(y, np.where(mask, x / 0.75, 0.0))
    g = np.ones_like(x)
    assert_close(F.dropout_backward(g, x, 0.25, mask=mask), np.where(mask, 1 / 0.75, 0.0))


@given(p=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_gradcheck_with_fixed_mask(p, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4))
    mask = dropout_mask(x.shape, p, rng)
    gradcheck(lambda t: F.dropout(t, p, mask=mask),
              lambda g, t: F.dropout_backward(g, t, p, mask=mask), [x])


# -- statistics of the mask -----------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mean_is_preserved_and_drop_rate_is_p(p):
    rng = np.random.default_rng(0)
    n = 1_000_000
    x = np.full(n, 3.0)
    y = F.dropout(x, p, generator=rng)
    dropped = np.mean(y == 0)
    # binomial standard error sqrt(p(1-p)/n) <= 5e-4: allow 6 of them
    assert abs(dropped - p) < 6 * np.sqrt(p * (1 - p) / n)
    # E[y] = x: the mean of y is 3 within 6 standard errors of 3 * sqrt(p / (1 - p)) / sqrt(n)
    assert abs(y.mean() - 3.0) < 6 * 3.0 * np.sqrt(p / (1 - p) / n)
    # the survivors are scaled by exactly 1 / (1 - p)
    assert_close(np.unique(y[y != 0]), np.array([3.0 / (1 - p)]))


def test_mask_is_independent_across_calls_and_reproducible_with_a_seed():
    x = np.ones((200, 200))
    a = F.dropout(x, 0.5, generator=np.random.default_rng(7))
    b = F.dropout(x, 0.5, generator=np.random.default_rng(7))
    c = F.dropout(x, 0.5, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert np.mean((a == 0) == (c == 0)) < 0.55        # two independent masks agree half the time


# -- modes and edge cases -------------------------------------------------------------------


def test_eval_mode_is_identity_and_returns_input():
    x = np.random.default_rng(0).standard_normal((4, 5))
    assert F.dropout(x, 0.9, training=False) is x
    assert_close(F.dropout_backward(np.ones_like(x), x, 0.9, training=False), np.ones_like(x))


def test_p_one_gives_zeros_and_p_zero_the_input():
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    y = F.dropout(x, 1.0)
    assert y.dtype == np.float32 and not np.any(y)
    np.testing.assert_array_equal(F.dropout(x, 0.0), x)
    assert not np.any(F.dropout_backward(np.ones_like(x), x, 1.0))
    np.testing.assert_array_equal(F.dropout_backward(np.ones_like(x), x, 0.0), np.ones_like(x))
    # as torch: p = 1 multiplies by 0, so inf becomes NaN; p = 0 returns the input
    special = np.array([np.inf, 1.0])
    assert_close(F.dropout(special, 1.0), TF.dropout(torch.tensor(special), 1.0))
    assert_close(F.dropout(special, 0.0), TF.dropout(torch.tensor(special), 0.0))


def test_inplace_writes_into_input():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    mask = np.array([[True, False, True], [True, True, False]])
    y = F.dropout(x, 0.5, inplace=True, mask=mask)
    assert y is x
    assert_close(x, np.array([[2.0, 0.0, 6.0], [8.0, 10.0, 0.0]]))


def test_extreme_inputs_stay_finite():
    x = np.array([1e4, -1e4, 1e30, -1e30])
    y = F.dropout(x, 0.5, mask=np.array([True, True, True, False]))
    assert np.all(np.isfinite(y))


# -- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize("p", [-0.1, 1.5, 2])
def test_p_outside_unit_interval_raises_like_torch(p):
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"dropout probability p has to be between 0 and 1"):
        F.dropout(x, p)
    with pytest.raises(ValueError, match=r"between 0 and 1"):
        TF.dropout(torch.ones(3), p)
    with pytest.raises(ValueError, match=r"p has to be"):
        F.dropout_backward(x, x, p, mask=np.ones(3, dtype=bool))


def test_bad_arguments():
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match="p must be a real number"):
        F.dropout(x, "0.5")
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        F.dropout(np.ones(3, dtype=np.int64), 0.5)
    with pytest.raises(TypeError, match="mask must be a boolean"):
        F.dropout(x, 0.5, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"mask and input must have the same shape"):
        F.dropout(x, 0.5, mask=np.ones((3, 2), dtype=bool))
    with pytest.raises(ValueError, match="mask is required"):
        F.dropout_backward(x, x, 0.5)
    with pytest.raises(ValueError, match=r"grad_output must have the shape of input \(2, 3\)"):
        F.dropout_backward(np.ones(6), x, 0.5, mask=np.ones((2, 3), dtype=bool))
    with pytest.raises(TypeError, match="training must be a bool"):
        F.dropout(x, 0.5, training="yes")
    with pytest.raises(TypeError, match="inplace must be a bool"):
        F.dropout_backward(x, x, 0.5, inplace=1, mask=np.ones((2, 3), dtype=bool))
    with pytest.raises(TypeError, match=r"mask must be a boolean numpy.ndarray \(True = keep\), got Tensor"):
        F.dropout(x, 0.5, mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator or None, got int"):
        F.dropout(x, 0.5, generator=0)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        dropout_mask((2, 3), 0.5, generator="seed")
    with pytest.raises(TypeError, match=r"shape must be an int or a sequence of ints, got None"):
        dropout_mask(None)
    with pytest.raises(ValueError, match=r"shape must not have a negative size, got \(-1, 3\)"):
        dropout_mask((-1, 3))
    assert dropout_mask(4, 0.5, np.random.default_rng(0)).shape == (4,)


def test_nan_p_raises():
    with pytest.raises(ValueError, match=r"p has to be between 0 and 1, but got nan"):
        F.dropout(np.ones(3), float("nan"))
