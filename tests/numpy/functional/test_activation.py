"""Activation functions (NumPy): forward and backward against torch, finite differences,
extreme inputs, dtypes and bad arguments."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import functional as F
from dlref.numpy.special import erf, erfc
from dlref.testing import assert_close, gradcheck
from strategies import ALL, ELEMENTWISE, NORMALIZING



def float64_arrays(min_dims=0, max_side=6, bound=30.0):
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=0, max_side=max_side),
        elements=st.floats(-bound, bound, allow_nan=False),
    )


def torch_forward_backward(fn, x, grad_output, **kwargs):
    xt = torch.tensor(x, requires_grad=True)
    yt = fn(xt, **kwargs)
    yt.backward(torch.tensor(grad_output))
    return yt.detach().numpy(), xt.grad.numpy()


# -- against torch, float64 -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_matches_torch(name, data):
    reference, kwargs_strategy = ELEMENTWISE[name]
    kwargs = data.draw(kwargs_strategy)
    x = data.draw(float64_arrays())
    grad_output = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-10, 10)))
    y = getattr(F, name)(x, **kwargs)
    grad_input = getattr(F, name + "_backward")(grad_output, x, **kwargs)
    y_ref, grad_ref = torch_forward_backward(reference, x, grad_output, **kwargs)
    assert_close(y, y_ref)
    assert_close(grad_input, grad_ref)


@pytest.mark.parametrize("name", list(NORMALIZING))
@given(data=st.data())
def test_softmax_family_matches_torch(name, data):
    x = data.draw(float64_arrays())
    size = max(x.ndim, 1)
    dim = data.draw(st.integers(-size, size - 1))
    grad_output = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-10, 10)))
    y = getattr(F, name)(x, dim=dim)
    grad_input = getattr(F, name + "_backward")(grad_output, x, dim=dim)
    y_ref, grad_ref = torch_forward_backward(NORMALIZING[name], x, grad_output, dim=dim)
    assert_close(y, y_ref)
    assert_close(grad_input, grad_ref)


@pytest.mark.parametrize("name", list(NORMALIZING))
@given(x=float64_arrays(min_dims=1, bound=1e4), shift=st.floats(-1e3, 1e3))
def test_softmax_family_wide_logits_match_torch(name, x, shift):
    # logits spread over 2e4: the naive exp would overflow; the shifted one must not
    dim = -1
    assert_close(getattr(F, name)(x + shift, dim=dim), NORMALIZING[name](torch.tensor(x + shift), dim))


def test_default_dim_is_last():
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    assert_close(F.softmax(x), TF.softmax(torch.tensor(x), dim=-1))
    assert_close(F.log_softmax(x), TF.log_softmax(torch.tensor(x), dim=-1))


def test_gelu_exact_matches_torch_to_float64_rounding():
    x = np.linspace(-12, 12, 200_001)
    expected = TF.gelu(torch.tensor(x)).numpy()
    # torch computes x/2 (1 + erf(x/sqrt 2)), whose cancellation for x < 0 costs about
    # |x| * 2**-52 in absolute terms; apart from that the two agree to rounding
    assert_close(F.gelu(x), expected, rtol=4e-16, atol=4e-15)
    xt = torch.tensor(x, requires_grad=True)
    TF.gelu(xt).sum().backward()
    assert_close(F.gelu_backward(np.ones_like(x), x), xt.grad, rtol=1e-15, atol=1e-15)


# -- the error function -----------------------------------------------------------------------


def test_erf_matches_math_erf_to_a_few_ulps():
    x = np.concatenate([np.linspace(-8, 8, 160_001), np.geomspace(1e-300, 8, 2000),
                        -np.geomspace(1e-300, 8, 2000), [0.46875, 4.0, -0.46875, -4.0]])
    expected = np.array([math.erf(v) for v in x])
    assert_close(erf(x), expected, rtol=5e-16, atol=0)


def test_erfc_matches_math_erfc_over_its_whole_range():
    x = np.concatenate([np.linspace(-6, 26.5, 120_001), [0.46875, 4.0, -0.46875, -4.0]])
    expected = np.array([math.erfc(v) for v in x])
    assert_close(erfc(x), expected, rtol=2e-15, atol=0)


def test_erf_erfc_special_values_and_dtypes():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 30.0, 1e4])
    assert_close(erf(x), np.array([0.0, -0.0, 1.0, -1.0, np.nan, 1.0, -1.0, 1.0, 1.0]), rtol=0, atol=0)
    assert_close(erfc(x), np.array([1.0, 1.0, 0.0, 2.0, np.nan, 0.0, 2.0, 0.0, 0.0]), rtol=0, atol=0)
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    assert erf(x32).dtype == np.float32 and erfc(x32).dtype == np.float32
    assert_close(erf(x32), torch.erf(torch.tensor(x32)))
    assert_close(erfc(x32), torch.erfc(torch.tensor(x32)))
    assert erf(np.array(0.5)).shape == ()
    assert_close(erf(np.array(0.5)), math.erf(0.5), rtol=5e-16, atol=0)


# -- finite differences (no torch) ------------------------------------------------------------


def away_from_kinks(shape, rng):
    """Values of both signs at least 0.1 from 0, where relu, leaky_relu and elu have a kink."""
    magnitude = 0.1 + 3 * rng.random(shape)
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


@pytest.mark.parametrize("name, kwargs", [
    ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}), ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("softmax", {"dim": 1}), ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}), ("log_softmax", {"dim": 0}),
])
def test_gradcheck(name, kwargs, rng):
    x = away_from_kinks((3, 4), rng)
    forward = lambda x: getattr(F, name)(x, **kwargs)  # noqa: E731
    backward = lambda g, x: getattr(F, name + "_backward")(g, x, **kwargs)  # noqa: E731
    assert gradcheck(forward, backward, [x])


def test_gradients_at_zero_follow_torch():
    x = np.zeros(1)
    g = np.ones(1)
    assert F.relu_backward(g, x)[0] == 0.0
    assert F.leaky_relu_backward(g, x, negative_slope=0.3)[0] == pytest.approx(0.3)
    assert F.elu_backward(g, x, alpha=2.0)[0] == 2.0
    assert F.sigmoid_backward(g, x)[0] == 0.25
    assert F.tanh_backward(g, x)[0] == 1.0
    assert F.gelu_backward(g, x)[0] == 0.5
    assert F.silu_backward(g, x)[0] == 0.5


# -- extreme inputs ---------------------------------------------------------------------------

EXTREME = np.array([-1e4, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e4])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL)
def test_extreme_inputs_are_finite_without_warnings(name, dtype):
    x = EXTREME.astype(dtype)
    g = np.ones_like(x)
    # pytest turns RuntimeWarnings into errors; errstate also catches silent overflow
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = getattr(F, name)(x)
        grad = getattr(F, name + "_backward")(g, x)
    assert np.all(np.isfinite(y)), y
    assert np.all(np.isfinite(grad)), grad
    assert y.dtype == dtype and grad.dtype == dtype


def test_extreme_limits():
    big = np.array([-1e4, 1e4])
    one = np.ones(2)
    assert_close(F.sigmoid(big), [0.0, 1.0], rtol=0, atol=0)
    assert_close(F.tanh(big), [-1.0, 1.0], rtol=0, atol=0)
    assert_close(F.relu(big), [0.0, 1e4], rtol=0, atol=0)
    assert_close(F.leaky_relu(big, 0.1), [-1e3, 1e4], rtol=0, atol=0)
    assert_close(F.elu(big, alpha=1.5), [-1.5, 1e4], rtol=0, atol=0)
    assert_close(F.silu(big), [0.0, 1e4], rtol=0, atol=0)
    assert_close(F.gelu(big), [0.0, 1e4], rtol=0, atol=0)
    assert_close(F.gelu(big, approximate="tanh"), [0.0, 1e4], rtol=0, atol=0)
    # derivatives: saturated functions give 0, rectifiers keep their slopes
    assert_close(F.sigmoid_backward(one, big), [0.0, 0.0], rtol=0, atol=0)
    assert_close(F.tanh_backward(one, big), [0.0, 0.0], rtol=0, atol=0)
    assert_close(F.relu_backward(one, big), [0.0, 1.0], rtol=0, atol=0)
    assert_close(F.elu_backward(one, big, alpha=1.5), [0.0, 1.0], rtol=0, atol=0)
    assert_close(F.silu_backward(one, big), [0.0, 1.0], rtol=0, atol=0)
    assert_close(F.gelu_backward(one, big), [0.0, 1.0], rtol=0, atol=0)
    assert_close(F.gelu_backward(one, big, approximate="tanh"), [0.0, 1.0], rtol=0, atol=0)
    # softmax of wide logits: a one-hot vector, and finite log-probabilities
    logits = np.array([1e4, -1e4, 0.0])
    assert_close(F.softmax(logits), [1.0, 0.0, 0.0], rtol=0, atol=0)
    assert_close(F.log_softmax(logits), [0.0, -2e4, -1e4], rtol=0, atol=0)


def test_derivatives_stay_accurate_in_the_tails():
    # where sigma(x) or tanh(x) has rounded to 1, 1 - sigma or 1 - tanh^2 would give 0
    one = np.ones(1)
    assert_close(F.sigmoid_backward(one, np.array([40.0])), [math.exp(-40) / (1 + math.exp(-40)) ** 2],
                 rtol=1e-14, atol=0)
    assert_close(F.tanh_backward(one, np.array([20.0])), [1 / math.cosh(20.0) ** 2], rtol=1e-14, atol=0)
    assert_close(F.tanh_backward(one, np.array([5.0])), [1 - math.tanh(5.0) ** 2], rtol=1e-12, atol=0)
    # GELU's left tail keeps relative accuracy: x Phi(x) with Phi(x) = erfc(-x/sqrt 2)/2
    x = -10.0
    assert_close(F.gelu(np.array([x])), [x * 0.5 * math.erfc(-x / math.sqrt(2))], rtol=1e-14, atol=0)


def test_softmax_masking_and_degenerate_shapes():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]])
    assert_close(F.softmax(x), TF.softmax(torch.tensor(x), -1))
    assert_close(F.log_softmax(x), TF.log_softmax(torch.tensor(x), -1))
    assert np.all(np.isfinite(F.softmax_backward(np.ones_like(x), x)))
    # a 0-D input is one class; an empty slice gives an empty output
    assert F.softmax(np.array(3.0)) == 1.0 and F.softmax(np.array(3.0), dim=0).shape == ()
    assert F.log_softmax(np.array(3.0)) == 0.0
    assert F.softmax(np.zeros((2, 0))).shape == (2, 0)
    assert F.softmax_backward(np.zeros((0, 3)), np.zeros((0, 3)), dim=0).shape == (0, 3)


@given(x=float64_arrays(min_dims=1), c=st.floats(-100, 100))
def test_softmax_properties(x, c):
    s = F.softmax(x, dim=-1)
    assert np.all(s >= 0)
    if x.size:
        assert_close(s.sum(axis=-1), np.ones(x.shape[:-1]) if x.shape[-1] else np.zeros(x.shape[:-1]))
    assert_close(F.softmax(x + c, dim=-1), s, rtol=1e-12, atol=1e-15)  # shift invariance
    assert_close(np.exp(F.log_softmax(x, dim=-1)), s, rtol=1e-12, atol=1e-15)


def test_two_class_softmax_is_sigmoid_of_the_difference(rng):
    z = rng.standard_normal((50, 2)) * 5
    assert_close(F.softmax(z, dim=1)[:, 1], F.sigmoid(z[:, 1] - z[:, 0]), rtol=1e-14, atol=1e-15)


# -- dtypes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_float32_is_kept_and_matches_torch(name, rng):
    x = (rng.standard_normal((4, 5)) * 3).astype(np.float32)
    g = rng.standard_normal((4, 5)).astype(np.float32)
    fn = (lambda t: NORMALIZING[name](t, -1)) if name in NORMALIZING else ELEMENTWISE[name][0]
    y = getattr(F, name)(x)
    grad = getattr(F, name + "_backward")(g, x)
    assert y.dtype == np.float32 and grad.dtype == np.float32
    y_ref, grad_ref = torch_forward_backward(fn, x, g)
    assert_close(y, y_ref)
    assert_close(grad, grad_ref)


def test_float32_keywords_do_not_promote():
    x = np.ones(3, dtype=np.float32)
    assert F.leaky_relu(x, negative_slope=np.float64(0.1)).dtype == np.float32
    assert F.elu(-x, alpha=np.float64(2.0)).dtype == np.float32
    assert F.elu_backward(x, -x, alpha=np.float64(2.0)).dtype == np.float32


def test_inputs_are_not_modified():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    before = x.copy()
    for name in ALL:
        getattr(F, name)(x)
        getattr(F, name + "_backward")(np.ones_like(x), x)
    np.testing.assert_array_equal(x, before)


# -- bad inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_non_float_input_is_rejected(name):
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        getattr(F, name)(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="input must be an array"):
        getattr(F, name)([1.0, 2.0])
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        getattr(F, name + "_backward")(np.ones(3), np.array([1, 2, 3]))


@pytest.mark.parametrize("name", ALL)
def test_grad_output_must_match_input(name):
    with pytest.raises(ValueError, match=r"grad_output must have the shape of input \(3, 1\), got \(3,\)"):
        getattr(F, name + "_backward")(np.ones(3), np.ones((3, 1)))
    with pytest.raises(TypeError, match="grad_output must have a floating-point dtype"):
        getattr(F, name + "_backward")(np.ones(3, dtype=int), np.ones(3))
    # no silent promotion: the gradient comes in the input's dtype
    with pytest.raises(TypeError, match="grad_output and input must have the same dtype, got float32 and float64"):
        getattr(F, name + "_backward")(np.ones(3, dtype=np.float32), np.ones(3))


@pytest.mark.parametrize("name", list(NORMALIZING))
def test_bad_dim(name):
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] for a 2-D input, got 2"):
        getattr(F, name)(x, dim=2)
    with pytest.raises(ValueError, match="dim must be in"):
        getattr(F, name)(x, dim=-3)
    with pytest.raises(ValueError, match=r"dim must be in \[-1, 0\]"):
        getattr(F, name)(np.array(1.0), dim=1)
    with pytest.raises(TypeError, match="dim must be an int, got NoneType"):
        getattr(F, name)(x, dim=None)
    with pytest.raises(TypeError, match="dim must be an int, got float"):
        getattr(F, name)(x, dim=1.0)
    with pytest.raises(ValueError, match="dim must be in"):
        getattr(F, name + "_backward")(x, x, dim=5)


def test_bad_keywords():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="approximate must be one of"):
        F.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="approximate must be one of"):
        F.gelu_backward(x, x, approximate="sigmoid")
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        F.leaky_relu(x, negative_slope="0.1")
    with pytest.raises(ValueError, match="negative_slope must not be NaN"):
        F.leaky_relu_backward(x, x, negative_slope=float("nan"))
    with pytest.raises(TypeError, match="alpha must be a real number"):
        F.elu(x, alpha=None)
    with pytest.raises(ValueError, match="alpha must not be NaN"):
        F.elu_backward(x, x, alpha=float("nan"))


def test_negative_alpha_and_slope_are_allowed_as_in_torch():
    # torch's out-of-place ELU and LeakyReLU accept any real alpha / slope
    x = np.array([-2.0, -0.5, 1.0])
    g = np.ones(3)
    for alpha in (-1.0, 0.0):
        y_ref, grad_ref = torch_forward_backward(lambda t: TF.elu(t, alpha), x, g)
        assert_close(F.elu(x, alpha), y_ref)
        assert_close(F.elu_backward(g, x, alpha), grad_ref)
    y_ref, grad_ref = torch_forward_backward(lambda t: TF.leaky_relu(t, -0.5), x, g)
    assert_close(F.leaky_relu(x, -0.5), y_ref)
    assert_close(F.leaky_relu_backward(g, x, -0.5), grad_ref)


@pytest.mark.parametrize("name", ALL)
def test_float16_is_kept_without_overflow(name):
    # erf's rational functions reach 4**8 > 65504 at |x| = 4: they run in float32 for float16
    x = np.linspace(-8, 8, 161).astype(np.float16)
    y = getattr(F, name)(x)
    grad = getattr(F, name + "_backward")(np.ones_like(x), x)
    assert y.dtype == np.float16 and grad.dtype == np.float16
    fn = (lambda t: NORMALIZING[name](t, -1)) if name in NORMALIZING else ELEMENTWISE[name][0]
    y_ref, grad_ref = torch_forward_backward(fn, x.astype(np.float32), np.ones(161, dtype=np.float32))
    assert_close(y, y_ref, rtol=2e-3, atol=2e-3)
    assert_close(grad, grad_ref, rtol=2e-3, atol=2e-3)
