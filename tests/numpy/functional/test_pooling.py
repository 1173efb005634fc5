"""Pooling functions (NumPy): forward, indices and backward against torch in float64 over
many window settings (overlap, ties, padding, ceil_mode, dilation, count_include_pad,
rectangular kernels), finite differences, dtypes, extreme values and bad arguments."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, event, given
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck
from strategies import as_pair, pairs, window_settings

# -- strategies -------------------------------------------------------------------------------


@st.composite
def images(draw, integer_valued=False, min_side=1, max_side=9):
    """A (N, C, H, W) or (C, H, W) float64 array; integer-valued ones have many ties."""
    batched = draw(st.booleans())
    shape = ((draw(st.integers(1, 2)),) if batched else ()) + (
        draw(st.integers(1, 3)), draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if integer_valued:
        return rng.integers(-2, 3, shape).astype(np.float64)
    return rng.standard_normal(shape) * 10


def torch_raises(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
    except RuntimeError:
        return True
    return False


def torch_pool(fn, x, grad_output_fn, **kwargs):
    """torch's output (and indices) and input gradient for a NumPy input."""
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt, **kwargs)
    y = out[0] if isinstance(out, tuple) else out
    g = grad_output_fn(tuple(y.shape))
    y.backward(torch.tensor(g))
    extra = out[1].numpy() if isinstance(out, tuple) else None
    return y.detach().numpy(), extra, xt.grad.numpy(), g


# -- max pooling against torch ----------------------------------------------------------------


@pytest.mark.parametrize("integer_valued", [False, True], ids=["distinct", "ties"])
@given(data=st.data())
def test_max_pool2d_matches_torch(integer_valued, data):
    x = data.draw(images(integer_valued))
    kwargs = data.draw(window_settings())
    if torch_raises(TF.max_pool2d, torch.tensor(x), **kwargs):
        # every setting torch rejects, we reject too, before computing
        event("torch rejects the setting")
        with pytest.raises(ValueError, match="kernel_size"):
            F.max_pool2d(x, **kwargs)
        return
    y, indices = F.max_pool2d(x, **kwargs, return_indices=True)
    # a window made only of padding (possible with dilation) gets an arbitrary index in torch
    assume((indices >= 0).all())
    rng = np.random.default_rng(0)
    y_ref, indices_ref, grad_ref, g = torch_pool(
        lambda t, **kw: TF.max_pool2d(t, **kw, return_indices=True), x,
        rng.standard_normal, **kwargs)
    assert_close(y, y_ref, rtol=0, atol=0)                 # a max is exact
    np.testing.assert_array_equal(indices, indices_ref)    # same element, ties included
    assert indices.dtype == np.int64
    assert_close(F.max_pool2d_backward(g, x, **kwargs), grad_ref)


def test_max_pool2d_ties_take_the_first_maximum_in_row_major_order():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 0] = x[0, 0, 0, 1] = 1.0        # two maxima in the top-left window: (0, 1) comes first
    _, indices = F.max_pool2d(x, 2, return_indices=True)
    _, indices_ref = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert indices[0, 0, 0, 0] == 1
    np.testing.assert_array_equal(indices, indices_ref.numpy())
    # an all-zero window: its first element
    assert indices[0, 0, 1, 1] == 2 * 4 + 2


def test_max_pool2d_gradient_accumulates_where_windows_overlap():
    # one large value is the max of every 3x3 window that contains it (stride 1)
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = 9.0
    g = np.ones((1, 1, 3, 3))
    grad = F.max_pool2d_backward(g, x, 3, stride=1)
    assert grad[0, 0, 2, 2] == 9.0              # all nine windows route their gradient here
    assert grad.sum() == 9.0
    xt = torch.tensor(x, requires_grad=True)
    TF.max_pool2d(xt, 3, stride=1).backward(torch.tensor(g))
    assert_close(grad, xt.grad)


def test_max_pool2d_window_of_padding_only():
    # dilation 2 with padding 1 on a 1x1 input: the window's two rows are -1 and 1, both outside
    x = np.ones((1, 1, 1, 1))
    y, indices = F.max_pool2d(x, 2, stride=1, padding=1, dilation=2, return_indices=True)
    assert y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == -np.inf
    assert indices[0, 0, 0, 0] == -1
    assert TF.max_pool2d(torch.tensor(x), 2, stride=1, padding=1, dilation=2).item() == -np.inf
    grad = F.max_pool2d_backward(np.ones_like(y), x, 2, stride=1, padding=1, dilation=2)
    np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_max_pool2d_minus_infinity_inputs_beat_padding():
    # every input is -inf: torch's max is -inf and its index points into the input, not the padding
    x = np.full((1, 1, 3, 3), -np.inf)
    kwargs = dict(kernel_size=3, stride=2, padding=1)
    y, indices = F.max_pool2d(x, **kwargs, return_indices=True)
    y_ref, indices_ref = TF.max_pool2d(torch.tensor(x), **kwargs, return_indices=True)
    assert_close(y, y_ref)
    np.testing.assert_array_equal(indices, indices_ref.numpy())


def test_max_pool2d_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = np.nan
    y = F.max_pool2d(x, 2)
    assert np.isnan(y[0, 0, 0, 0]) and not np.isnan(y[0, 0, 1, 1])
    assert_close(y, TF.max_pool2d(torch.tensor(x), 2))


# -- average pooling against torch ------------------------------------------------------------


@given(data=st.data())
def test_avg_pool2d_matches_torch(data):
    x = data.draw(images())
    kwargs = data.draw(window_settings(dilation=False))
    kwargs["count_include_pad"] = data.draw(st.booleans())
    kwargs["divisor_override"] = data.draw(st.one_of(st.none(), st.integers(1, 9), st.integers(-3, -1)))
    if torch_raises(TF.avg_pool2d, torch.tensor(x), **kwargs):
        event("torch rejects the setting")
        with pytest.raises(ValueError, match="kernel_size"):
            F.avg_pool2d(x, **kwargs)
        return
    rng = np.random.default_rng(0)
    y_ref, _, grad_ref, g = torch_pool(TF.avg_pool2d, x, rng.standard_normal, **kwargs)
    assert_close(F.avg_pool2d(x, **kwargs), y_ref)
    assert_close(F.avg_pool2d_backward(g, x, **kwargs), grad_ref)


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_divisor_at_the_border_and_in_ceil_mode(count_include_pad):
    # 5x5 ones, kernel 3, stride 2, padding 1, ceil_mode: corner windows hold 4 ones out of 9
    x = np.ones((1, 1, 5, 5))
    kwargs = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=count_include_pad)
    y = F.avg_pool2d(x, **kwargs)
    assert_close(y, TF.avg_pool2d(torch.tensor(x), **kwargs))
    assert y[0, 0, 0, 0] == (4 / 9 if count_include_pad else 1.0)
    # kernel 2, stride 2, padding 1, ceil_mode on 5x5: the last window hangs past the padding;
    # torch counts only the part inside the padded input
    kwargs = dict(kernel_size=2, stride=2, padding=1, ceil_mode=True, count_include_pad=count_include_pad)
    assert_close(F.avg_pool2d(x, **kwargs), TF.avg_pool2d(torch.tensor(x), **kwargs))


# -- adaptive average pooling against torch ---------------------------------------------------


@given(x=images(max_side=12), output_size=st.one_of(
    st.integers(1, 14), st.tuples(st.one_of(st.none(), st.integers(1, 14)), st.one_of(st.none(), st.integers(1, 14)))))
def test_adaptive_avg_pool2d_matches_torch(x, output_size):
    rng = np.random.default_rng(0)
    y_ref, _, grad_ref, g = torch_pool(TF.adaptive_avg_pool2d, x, rng.standard_normal, output_size=output_size)
    assert_close(F.adaptive_avg_pool2d(x, output_size), y_ref)
    assert_close(F.adaptive_avg_pool2d_backward(g, x, output_size), grad_ref)


def test_global_average_pooling_is_the_mean_per_channel(rng):
    x = rng.standard_normal((2, 3, 7, 5))
    for output_size in (1, (1, 1)):
        assert_close(F.adaptive_avg_pool2d(x, output_size), x.mean(axis=(2, 3), keepdims=True))
    # and the gradient spreads evenly: 1 / (H W) to every position
    grad = F.adaptive_avg_pool2d_backward(np.ones((2, 3, 1, 1)), x, 1)
    assert_close(grad, np.full_like(x, 1 / 35))


# -- finite differences (no torch) -------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, ceil_mode=True),
])
def test_max_pool2d_gradcheck_away_from_ties(kwargs, rng):
    # distinct values at least 1 apart: a finite-difference step of 1e-6 never changes a window's argmax
    x = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6).astype(np.float64)
    gradcheck(lambda t: F.max_pool2d(t, **kwargs), lambda g, t: F.max_pool2d_backward(g, t, **kwargs), [x])


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, divisor_override=4),
])
def test_avg_pool2d_gradcheck(kwargs, rng):
    x = rng.standard_normal((2, 2, 6, 5))
    gradcheck(lambda t: F.avg_pool2d(t, **kwargs), lambda g, t: F.avg_pool2d_backward(g, t, **kwargs), [x])


@pytest.mark.parametrize("output_size", [1, 3, (2, 4), (None, 3), 9])
def test_adaptive_avg_pool2d_gradcheck(output_size, rng):
    x = rng.standard_normal((2, 2, 7, 5))
    gradcheck(lambda t: F.adaptive_avg_pool2d(t, output_size),
              lambda g, t: F.adaptive_avg_pool2d_backward(g, t, output_size), [x])


# -- dtypes, unbatched input, extreme values ---------------------------------------------------

CALLS = {
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1), lambda g, x: F.max_pool2d_backward(g, x, 3, 2, 1),
                   lambda t: TF.max_pool2d(t, 3, 2, 1)),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), lambda g, x: F.avg_pool2d_backward(g, x, 3, 2, 1),
                   lambda t: TF.avg_pool2d(t, 3, 2, 1)),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
                            lambda g, x: F.adaptive_avg_pool2d_backward(g, x, (2, 3)),
                            lambda t: TF.adaptive_avg_pool2d(t, (2, 3))),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_float32_is_kept_and_matches_torch(name, rng):
    forward, backward, reference = CALLS[name]
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    y = forward(x)
    assert y.dtype == np.float32
    assert_close(y, reference(torch.tensor(x)))
    assert backward(np.ones_like(y), x).dtype == np.float32


@pytest.mark.parametrize("name", list(CALLS))
def test_unbatched_input_matches_batched(name, rng):
    forward, backward, reference = CALLS[name]
    x = rng.standard_normal((3, 7, 6))
    y = forward(x)
    assert_close(y, forward(x[None])[0])
    assert_close(y, reference(torch.tensor(x)))
    g = rng.standard_normal(y.shape)
    assert_close(backward(g, x), backward(g[None], x[None])[0])


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_are_finite_without_warnings(name, dtype, rng):
    forward, backward, reference = CALLS[name]
    x = (rng.choice([-1.0, 1.0], (2, 2, 7, 6)) * 1e4).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = forward(x)
        grad = backward(np.ones_like(y), x)
    assert np.isfinite(y).all() and np.isfinite(grad).all()
    assert_close(y, reference(torch.tensor(x)))


def test_batch_of_zero_images():
    x = np.zeros((0, 3, 4, 4))
    assert F.max_pool2d(x, 2).shape == (0, 3, 2, 2)
    assert F.avg_pool2d(x, 2).shape == (0, 3, 2, 2)
    assert F.max_pool2d_backward(np.zeros((0, 3, 2, 2)), x, 2).shape == x.shape


# -- bad arguments ------------------------------------------------------------------------------

X = np.zeros((1, 1, 5, 5))


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.max_pool2d(X, 7), ValueError, "kernel_size=7.*larger than the padded input"),
    (lambda: F.avg_pool2d(X, (2, 6)), ValueError, r"kernel_size=\(2, 6\).*larger than the padded input"),
    (lambda: F.max_pool2d(X, 3, dilation=3), ValueError, "larger than the padded input"),
    (lambda: F.max_pool2d(X, 2, padding=2), ValueError, "padding must be at most half of kernel_size"),
    (lambda: F.avg_pool2d(X, 3, padding=(0, 2)), ValueError, "padding must be at most half of kernel_size"),
    (lambda: F.max_pool2d(X, 2, padding=-1), ValueError, "padding must be >= 0"),
    (lambda: F.max_pool2d(X[0, 0], 2), ValueError, r"input must be 3-D \(C, H, W\) or 4-D.*channel dimension"),
    (lambda: F.avg_pool2d(X[None], 2), ValueError, "input must be 3-D"),
    (lambda: F.adaptive_avg_pool2d(X[0, 0], 1), ValueError, "input must be 3-D"),
    (lambda: F.max_pool2d(np.zeros((1, 0, 4, 4)), 2), ValueError, "input must have non-zero C, H and W"),
    (lambda: F.max_pool2d(X.astype(np.int64), 2), TypeError, "input must have a floating-point dtype"),
    (lambda: F.max_pool2d(X.tolist(), 2), TypeError, "input must be an array"),
    (lambda: F.max_pool2d(X, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: F.max_pool2d(X, 2.0), TypeError, "kernel_size must be an int"),
    (lambda: F.max_pool2d(X, (2, 2, 2)), ValueError, "kernel_size must be an int or a pair"),
    (lambda: F.max_pool2d(X, 2, stride=0), ValueError, "stride must be >= 1"),
    (lambda: F.max_pool2d(X, 2, dilation=0), ValueError, "dilation must be >= 1"),
    (lambda: F.max_pool2d(X, 2, ceil_mode=1), TypeError, "ceil_mode must be a bool"),
    (lambda: F.max_pool2d(X, 2, return_indices="yes"), TypeError, "return_indices must be a bool"),
    (lambda: F.avg_pool2d(X, 2, count_include_pad=None), TypeError, "count_include_pad must be a bool"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=0), ValueError, "divisor_override must not be zero"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=1.5), TypeError, "divisor_override must be an int"),
    (lambda: F.adaptive_avg_pool2d(X, 0), ValueError, "output_size must be >= 1"),
    (lambda: F.adaptive_avg_pool2d(X, (1, 2, 3)), ValueError, "output_size must be an int or a pair"),
    (lambda: F.adaptive_avg_pool2d(X, 1.0), TypeError, "output_size must be an int"),
    (lambda: F.max_pool2d_backward(np.zeros((1, 1, 3, 3)), X, 2), ValueError,
     r"grad_output must have the shape of max_pool2d's output \(1, 1, 2, 2\)"),
    (lambda: F.avg_pool2d_backward(np.zeros((1, 1, 2)), X, 2), ValueError, "grad_output must have the shape"),
    (lambda: F.adaptive_avg_pool2d_backward(np.zeros((1, 1, 2, 2)), X, 1), ValueError,
     "grad_output must have the shape"),
    (lambda: F.max_pool2d_backward(np.zeros((1, 1, 2, 2), dtype=int), X, 2), TypeError,
     "grad_output must have a floating-point dtype"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
