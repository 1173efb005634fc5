"""conv2d and conv2d_backward against torch.nn.functional.conv2d, by finite differences, and their errors."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck
from strategies import conv_cases



def torch_conv2d(x, w, b, **kwargs):
    with warnings.catch_warnings():  # torch warns that 'same' with even kernels copies the input
        warnings.simplefilter("ignore", UserWarning)
        return TF.conv2d(x, w, b, **kwargs)


@given(case=conv_cases(), seed=st.integers(0, 2**16))
def test_forward_and_backward_match_torch(case, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["shape"])
    w = rng.standard_normal(case["weight_shape"])
    b = rng.standard_normal(case["weight_shape"][0]) if case["bias"] else None
    kwargs = case["kwargs"]
    y = F.conv2d(x, w, b, **kwargs)

    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if b is not None else None
    yt = torch_conv2d(xt, wt, bt, **kwargs)
    assert y.shape == tuple(yt.shape)
    assert_close(y, yt)

    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    grad_x, grad_w, grad_b = F.conv2d_backward(g, x, w, b, **kwargs)
    assert grad_x.shape == x.shape and grad_w.shape == w.shape
    assert_close(grad_x, xt.grad)
    assert_close(grad_w, wt.grad)
    if b is not None:
        assert_close(grad_b, bt.grad)
    else:
        assert grad_b is None


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2)),
    dict(padding="same", dilation=2),
    dict(groups=2, padding=1),
])
def test_gradcheck(kwargs):
    rng = np.random.default_rng(0)
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 2, 5, 6))
    w = rng.standard_normal((2, 2 // groups, 3, 2))
    b = rng.standard_normal(2)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs),
                     lambda g, x, w, b: F.conv2d_backward(g, x, w, b, **kwargs), [x, w, b])


@pytest.mark.parametrize("H,k,s,p,d", [(7, 3, 1, 0, 1), (7, 3, 2, 1, 1), (8, 3, 2, 1, 1), (10, 3, 3, 2, 2),
                                       (5, 5, 1, 2, 1), (9, 2, 2, 0, 3), (1, 1, 1, 0, 1), (6, 4, 3, 3, 1)])
def test_output_size_formula(H, k, s, p, d):
    y = F.conv2d(np.zeros((1, 1, H, H + 3)), np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d)
    # floor((H + 2p - d (k - 1) - 1) / s) + 1
    assert y.shape == (1, 1, (H + 2 * p - d * (k - 1) - 1) // s + 1, (H + 3 + 2 * p - d * (k - 1) - 1) // s + 1)


def test_same_and_valid_padding():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    for k in [(3, 3), (2, 4), (5, 1)]:
        w = np.ones((1, 3, *k))
        assert F.conv2d(x, w, padding="same").shape == (2, 1, 7, 6)
        assert F.conv2d(x, w, padding="same", dilation=2).shape == (2, 1, 7, 6)
        assert_close(F.conv2d(x, w, padding="valid"), F.conv2d(x, w, padding=0))


def test_cross_correlation_kernel_is_not_flipped():
    # a kernel whose only nonzero tap is its top-left corner copies the top-left of each window
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(F.conv2d(x, w)[0, 0], x[0, 0, :3, :3])  # flipped: x[1:, 1:]
    # one output by hand: sum of the window times the kernel
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert F.conv2d(x, w)[0, 0, 1, 2] == 1 * x[0, 0, 1, 2] + 2 * x[0, 0, 1, 3] + 3 * x[0, 0, 2, 2] + 4 * x[0, 0, 2, 3]


def test_translation_equivariance():
    rng = np.random.default_rng(0)
    x = np.zeros((1, 2, 12, 12))
    x[:, :, 2:6, 3:7] = rng.standard_normal((1, 2, 4, 4))  # an object away from the border
    w = rng.standard_normal((3, 2, 3, 3))
    shifted = np.roll(x, (3, 2), axis=(2, 3))
    assert_close(F.conv2d(shifted, w, padding=1), np.roll(F.conv2d(x, w, padding=1), (3, 2), axis=(2, 3)))


def test_groups_are_independent_convolutions():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3))
    y = F.conv2d(x, w, groups=2)
    assert_close(y[:, :3], F.conv2d(x[:, :2], w[:3]))
    assert_close(y[:, 3:], F.conv2d(x[:, 2:], w[3:]))


def test_unbatched_input():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (4, 6, 5)
    assert_close(y, F.conv2d(x[None], w, b, padding=1)[0])
    grad_x, grad_w, grad_b = F.conv2d_backward(np.ones_like(y), x, w, b, padding=1)
    assert grad_x.shape == x.shape
    assert_close(grad_x, F.conv2d_backward(np.ones((1, *y.shape)), x[None], w, b, padding=1)[0][0])


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    y = F.conv2d(x, w, b, padding=1, stride=2)
    assert y.dtype == np.float32
    grads = F.conv2d_backward(np.ones_like(y), x, w, b, padding=1, stride=2)
    assert all(g.dtype == np.float32 for g in grads)
    assert_close(y, TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1, stride=2))


def test_large_inputs_stay_finite():
    x = np.full((1, 2, 5, 5), 1e4, dtype=np.float32)
    w = np.full((3, 2, 3, 3), -1e4, dtype=np.float32)
    y = F.conv2d(x, w, padding=1)
    assert np.isfinite(y).all()
    assert y[0, 0, 2, 2] == -18 * 1e8  # 2 channels x 9 taps x 1e4 x -1e4
    assert all(np.isfinite(g).all() for g in F.conv2d_backward(np.full_like(y, 1e4), x, w, padding=1)[:2])


def test_empty_batch():
    x, w, b = np.zeros((0, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.ones(3)
    assert F.conv2d(x, w, b).shape == (0, 3, 3, 3)
    grad_x, grad_w, grad_b = F.conv2d_backward(np.zeros((0, 3, 3, 3)), x, w, b)
    assert grad_x.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(grad_w, np.zeros((3, 2, 3, 3)))
    np.testing.assert_array_equal(grad_b, np.zeros(3))


X, Wt = np.zeros((2, 4, 6, 6)), np.zeros((3, 4, 3, 3))


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((X, np.zeros((3, 2, 3, 3))), {}, ValueError, r"input has 4 channels.*expects 2"),
    ((X, np.zeros((4, 2, 3, 3))), dict(groups=3), ValueError, r"out_channels \(weight.shape\[0\] = 4\) must be divisible by groups = 3"),
    ((np.zeros((2, 3, 6, 6)), np.zeros((4, 1, 3, 3))), dict(groups=2), ValueError, r"in_channels \(input.shape\[1\] = 3\) must be divisible by groups = 2"),
    ((np.zeros((6, 6)), Wt), {}, ValueError, r"input must be 3-D .* or 4-D .*channel dimension.*got shape \(6, 6\)"),
    ((np.zeros((1, 2, 4, 6, 6)), Wt), {}, ValueError, r"input must be 3-D"),
    ((X, np.zeros((3, 4, 3))), {}, ValueError, r"weight must be 4-D"),
    ((X, np.zeros((3, 4, 7, 3))), {}, ValueError, r"kernel \(dilated size 7 x 3\) is larger than the padded input \(6 x 6\)"),
    ((X, Wt), dict(dilation=3), ValueError, r"kernel \(dilated size 7 x 7\) is larger than the padded input"),
    ((X, np.zeros((3, 4, 7, 3))), dict(padding=1), None, None),  # fits once padded
    ((X, Wt), dict(stride=0), ValueError, r"stride must be >= 1"),
    ((X, Wt), dict(stride=(1, -1)), ValueError, r"stride must be >= 1"),
    ((X, Wt), dict(stride=1.5), TypeError, r"stride must be an int or a pair of ints"),
    ((X, Wt), dict(stride=(1, 1, 1)), ValueError, r"stride must be an int or a pair of ints"),
    ((X, Wt), dict(padding=-1), ValueError, r"padding must be >= 0"),
    ((X, Wt), dict(padding="full"), ValueError, r"padding must be an int, a pair of ints, 'valid' or 'same', got 'full'"),
    ((X, Wt), dict(padding="same", stride=2), ValueError, r"padding='same' is not supported for strided convolutions"),
    ((X, Wt), dict(dilation=0), ValueError, r"dilation must be >= 1"),
    ((X, Wt), dict(dilation=(True, 1)), TypeError, r"dilation must be an int or a pair of ints"),
    ((X, Wt), dict(groups=0), ValueError, r"groups must be >= 1"),
    ((X, Wt, np.zeros(4)), {}, ValueError, r"bias must have shape \(3,\)"),
    ((X.astype(int), Wt), {}, TypeError, r"input must have a floating-point dtype"),
    (([[1.0]], Wt), {}, TypeError, r"input must be an array"),
    ((X, Wt.astype(np.int32)), {}, TypeError, r"weight must have a floating-point dtype"),
])
def test_bad_arguments_name_the_argument(args, kwargs, error, match):
    if error is None:
        F.conv2d(*args, **kwargs)
        return
    with pytest.raises(error, match=match):
        F.conv2d(*args, **kwargs)


def test_grad_output_must_have_the_output_shape():
    with pytest.raises(ValueError, match=r"grad_output must have the shape of conv2d's output \(2, 3, 4, 4\), got \(2, 3, 6, 6\)"):
        F.conv2d_backward(np.zeros((2, 3, 6, 6)), X, Wt)
    with pytest.raises(ValueError, match=r"input has 4 channels"):
        F.conv2d_backward(np.zeros((2, 3, 4, 4)), X, np.zeros((3, 2, 3, 3)))


def test_mixed_float_dtypes_raise_like_torch():
    # torch raises on float32 input with float64 weight; dlref does not promote silently
    x = np.zeros((1, 2, 5, 5), dtype=np.float32)
    with pytest.raises(TypeError, match="input and weight must have the same dtype"):
        F.conv2d(x, np.zeros((3, 2, 3, 3)))
    with pytest.raises(TypeError, match="input and bias must have the same dtype"):
        F.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), np.zeros(3))


def test_zero_height_input_raises_even_when_padding_would_fit():
    # torch: "only zero batch or zero channel inputs are supported"
    with pytest.raises(ValueError, match="non-zero height and width"):
        F.conv2d(np.zeros((1, 3, 0, 5)), np.zeros((4, 3, 3, 3)), padding=2)
