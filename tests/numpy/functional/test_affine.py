"""linear and linear_backward against torch.nn.functional.linear, and by finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck

leading_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3)


@given(leading=leading_shapes, in_features=st.integers(1, 7), out_features=st.integers(1, 7),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_forward_and_backward_match_torch(leading, in_features, out_features, bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*leading, in_features))
    W = rng.standard_normal((out_features, in_features))
    b = rng.standard_normal(out_features) if bias else None
    y = F.linear(x, W, b)

    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    yt = TF.linear(xt, Wt, bt)
    assert_close(y, yt)

    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    grad_x, grad_W, grad_b = F.linear_backward(g, x, W, b)
    assert_close(grad_x, xt.grad)
    assert_close(grad_W, Wt.grad)
    if bias:
        assert_close(grad_b, bt.grad)
    else:
        assert grad_b is None


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3), (2, 1, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck(shape, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    W = rng.standard_normal((2, 3))
    if bias:
        assert gradcheck(F.linear, F.linear_backward, [x, W, rng.standard_normal(2)])
    else:
        assert gradcheck(lambda x, W: F.linear(x, W), lambda g, x, W: F.linear_backward(g, x, W)[:2], [x, W])


def test_one_sample_gives_one_output_vector_as_in_torch():
    x, W, b = np.ones(3), np.arange(6.0).reshape(2, 3), np.array([0.5, -0.5])
    y = F.linear(x, W, b)
    assert y.shape == (2,)
    np.testing.assert_array_equal(y, [3.5, 11.5])  # rows of W dotted with x, plus b


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    W = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    y = F.linear(x, W, b)
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in F.linear_backward(np.ones_like(y), x, W, b))
    assert_close(y, TF.linear(torch.from_numpy(x), torch.from_numpy(W), torch.from_numpy(b)))


def test_large_inputs_stay_finite():
    x = np.full((2, 3), 1e4)
    W = np.full((2, 3), -1e4)
    y = F.linear(x, W, np.zeros(2))
    np.testing.assert_array_equal(y, np.full((2, 2), -3e8))


def test_empty_batch():
    y = F.linear(np.zeros((0, 3)), np.ones((2, 3)), np.ones(2))
    assert y.shape == (0, 2)
    grad_x, grad_W, grad_b = F.linear_backward(np.zeros((0, 2)), np.zeros((0, 3)), np.ones((2, 3)), np.ones(2))
    assert grad_x.shape == (0, 3)
    np.testing.assert_array_equal(grad_W, np.zeros((2, 3)))
    np.testing.assert_array_equal(grad_b, np.zeros(2))


def test_wrong_in_features_names_input():
    with pytest.raises(ValueError, match=r"input must have shape \(\*, 3\).*got shape \(4, 2\)"):
        F.linear(np.zeros((4, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="input must have shape"):
        F.linear(np.float64(1.0), np.zeros((5, 3)))


def test_weight_must_be_a_matrix():
    with pytest.raises(ValueError, match=r"weight must be 2-D.*got shape \(3,\)"):
        F.linear(np.zeros((4, 3)), np.zeros(3))


def test_bias_must_have_out_features_entries():
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\), got \(3,\)"):
        F.linear(np.zeros((4, 3)), np.zeros((5, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\), got \(1, 5\)"):
        F.linear(np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((1, 5)))


def test_non_float_arguments_are_type_errors():
    with pytest.raises(TypeError, match="input must have a floating-point dtype, got int64"):
        F.linear(np.zeros((4, 3), dtype=np.int64), np.zeros((5, 3)))
    with pytest.raises(TypeError, match="input must be an array"):
        F.linear([[1.0, 2.0, 3.0]], np.zeros((5, 3)))
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        F.linear(np.zeros((4, 3)), np.zeros((5, 3), dtype=np.int32))
    with pytest.raises(TypeError, match="bias must have a floating-point dtype"):
        F.linear(np.zeros((4, 3)), np.zeros((5, 3)), np.zeros(5, dtype=bool))


def test_grad_output_must_have_the_output_shape():
    x, W = np.zeros((4, 3)), np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of linear's output \(4, 5\), got \(5,\)"):
        F.linear_backward(np.zeros(5), x, W)
    with pytest.raises(ValueError, match="grad_output must have the shape"):
        F.linear_backward(np.zeros((4, 3)), x, W)


# -- hostile inputs to linear_backward (regressions: each used to leak an AttributeError,
#    NumPy's "cannot reshape", a wrongly shaped grad_bias, or accept an integer gradient) --

@pytest.mark.parametrize("args,error,match", [
    ((None, np.ones((2, 3)), np.ones((4, 3))), TypeError, "grad_output must be an array or tensor, got NoneType"),
    (([[1.0] * 4] * 2, np.ones((2, 3)), np.ones((4, 3))), TypeError, "grad_output must be an array or tensor, got list"),
    ((np.ones((2, 4)), np.ones((2, 3)), None), TypeError, "weight must be an array or tensor, got NoneType"),
    ((np.ones((2, 4)), np.ones((2, 3)), [[1.0] * 3] * 4), TypeError, "weight must be an array or tensor, got list"),
    ((np.ones((2, 4)), np.ones((2, 5)), np.ones((4, 3))), ValueError, r"input must have shape \(\*, 3\)"),
    ((np.ones((2, 4)), np.ones((2, 3)), np.ones((4, 3)), np.ones(5)), ValueError, r"bias must have shape \(4,\)"),
    ((np.ones((2, 4), dtype=np.int64), np.ones((2, 3)), np.ones((4, 3))), TypeError,
     "grad_output must have a floating-point dtype"),
    ((np.ones((2, 4), dtype=np.float32), np.ones((2, 3)), np.ones((4, 3))), TypeError,
     "grad_output and input must have the same dtype"),
    ((np.ones((2, 5)), np.ones((2, 3)), np.ones((4, 3))), ValueError, "grad_output must have the shape of linear's output"),
])
def test_linear_backward_rejects_hostile_inputs(args, error, match):
    with pytest.raises(error, match=match):
        F.linear_backward(*args)


def test_mixed_float_dtypes_raise_as_torch_does():
    x32 = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="input and weight must have the same dtype"):
        F.linear(x32, np.ones((4, 3)))
    with pytest.raises(TypeError, match="input and bias must have the same dtype"):
        F.linear(x32, np.ones((4, 3), np.float32), np.ones(4))
