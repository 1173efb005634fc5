"""Tests of dlref.testing: the checkers every other test relies on must themselves fail when they should."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
import hypothesis.extra.numpy as hnp

from dlref.numpy import nn
from dlref.numpy.functional import linear, linear_backward
from dlref.testing import assert_close, compare_modules, gradcheck, numerical_grad, to_numpy

# -- assert_close ----------------------------------------------------------------------------


def test_equal_arrays_pass():
    x = np.array([[1.0, -2.0], [3.5, 0.0]])
    assert_close(x, x.copy())
    assert_close(1.5, 1.5)
    assert_close(np.arange(4), np.arange(4))


@pytest.mark.parametrize("dtype,rtol,atol", [
    (np.float64, 1e-7, 1e-7),
    (np.float32, 1.3e-6, 1e-5),
    (np.float16, 1e-3, 1e-5),
])
def test_default_tolerances_by_dtype_are_torchs(dtype, rtol, atol):
    expected = np.array([100.0, 0.0], dtype=dtype)
    # the tolerance is atol + rtol * |expected|; stay well inside it, then well outside it
    inside = np.array([100.0 + 0.5 * (atol + 100 * rtol), 0.5 * atol])
    outside = np.array([100.0 + 3.0 * (atol + 100 * rtol), 0.0])
    assert_close(inside.astype(dtype), expected)
    with pytest.raises(AssertionError, match=rf"rtol={rtol}, atol={atol}"):
        assert_close(outside.astype(dtype), expected)
    # and torch's own checker draws the line at the same place
    torch.testing.assert_close(torch.tensor(inside.astype(dtype)), torch.tensor(expected))
    with pytest.raises(AssertionError):
        torch.testing.assert_close(torch.tensor(outside.astype(dtype)), torch.tensor(expected))


def test_float64_tolerance_is_tighter_than_float32():
    a, e = np.array([1.0 + 1e-6]), np.array([1.0])
    assert_close(a.astype(np.float32), e.astype(np.float32))
    with pytest.raises(AssertionError):
        assert_close(a, e)


def test_mixed_dtypes_use_the_looser_tolerance():
    assert_close(np.array([1.0 + 1e-6]), np.array([1.0], dtype=np.float32))
    assert_close(np.array([1.0 + 1e-6], dtype=np.float32), np.array([1.0]))


def test_integer_arrays_compare_exactly():
    with pytest.raises(AssertionError):
        assert_close(np.array([1, 2, 3]), np.array([1, 2, 4]))


def test_explicit_tolerances_override_the_defaults():
    assert_close(np.array([1.1]), np.array([1.0]), rtol=0.0, atol=0.2)
    assert_close(np.array([1.1]), np.array([1.0]), rtol=0.2, atol=0.0)
    with pytest.raises(AssertionError, match=r"rtol=0.0, atol=0.05"):
        assert_close(np.array([1.1]), np.array([1.0]), rtol=0.0, atol=0.05)
    # only atol given: rtol keeps its float64 default
    with pytest.raises(AssertionError, match=r"rtol=1e-07, atol=0.0"):
        assert_close(np.array([1.0 + 1e-6]), np.array([1.0]), atol=0.0)


def test_tolerance_is_relative_to_expected_not_actual():
    # |a - e| = 1 <= 0 + 0.5 * |e| = 1 passes; swapping the roles makes it 1 <= 0.5: fails
    assert_close(np.array([1.0]), np.array([2.0]), rtol=0.5, atol=0.0)
    with pytest.raises(AssertionError):
        assert_close(np.array([2.0]), np.array([1.0]), rtol=0.5, atol=0.0)


def test_torch_tensors_are_accepted_on_either_side():
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    assert_close(t, np.array([1.0, 2.0]))
    assert_close(np.array([1.0, 2.0]), t * 1)
    with pytest.raises(AssertionError):
        assert_close(t, np.array([1.0, 2.5]))


@pytest.mark.parametrize("actual,expected", [
    (np.zeros(3), np.zeros((1, 3))),
    (np.zeros((2, 3)), np.zeros((3, 2))),
    (np.float64(0.0), np.zeros(1)),
    (np.zeros(3), np.zeros(4)),
])
def test_shape_mismatch_fails_without_broadcasting(actual, expected):
    message = rf"shapes differ: actual {np.shape(actual)}, expected {np.shape(expected)}".replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(AssertionError, match=message):
        assert_close(actual, expected)


def test_nans_at_the_same_places_compare_equal():
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))


@pytest.mark.parametrize("actual,expected", [
    ([np.nan, 1.0], [0.0, 1.0]),
    ([0.0, 1.0], [np.nan, 1.0]),
    ([np.nan], [np.inf]),
])
def test_nan_against_a_number_fails(actual, expected):
    with pytest.raises(AssertionError, match="1 of"):
        assert_close(np.array(actual), np.array(expected))


def test_infinities_must_match_exactly():
    assert_close(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]))
    with pytest.raises(AssertionError):
        assert_close(np.array([np.inf]), np.array([-np.inf]))
    # a finite value is not close to infinity, however large the relative tolerance makes it look
    with pytest.raises(AssertionError, match=r"actual 1.0, expected inf"):
        assert_close(np.array([1.0]), np.array([np.inf]))
    with pytest.raises(AssertionError):
        assert_close(np.array([np.inf]), np.array([1e308]))


def test_message_names_count_worst_index_values_and_msg():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[0, 1] = 0.5
    actual[1, 2] = -2.0  # the worst
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, msg="grad of W")
    text = str(info.value)
    assert text.startswith("grad of W: 2 of 6 elements differ (rtol=1e-07, atol=1e-07)")
    assert "largest absolute difference 2 at index (1, 2)" in text
    assert "actual -2.0, expected 0.0" in text


def test_message_points_at_a_nan_mismatch_rather_than_a_matching_element():
    actual = np.array([1.0, 2.0, 3.0])
    expected = np.array([1.0, np.nan, 3.0])
    with pytest.raises(AssertionError, match=r"at index \(1,\) \(actual 2.0, expected nan"):
        assert_close(actual, expected)


@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                    elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_an_array_is_close_to_itself_and_not_to_a_perturbation(x):
    assert_close(x, x.copy())
    y = x.copy()
    y.flat[0] += 1e-3 * max(1.0, abs(y.flat[0]))
    with pytest.raises(AssertionError, match="1 of"):
        assert_close(y, x)


# -- numerical_grad ----------------------------------------------------------------------------


@pytest.mark.parametrize("f,df", [
    (lambda x: np.sum(x ** 2), lambda x: 2 * x),
    (lambda x: np.sum(np.sin(x)), np.cos),
    (lambda x: np.sum(np.exp(x)), np.exp),
    (lambda x: np.prod(x), lambda x: np.prod(x) / x),
    (lambda x: np.log(np.sum(np.exp(x))), lambda x: np.exp(x) / np.sum(np.exp(x))),
])
def test_numerical_grad_matches_known_derivatives(f, df, rng):
    x = rng.uniform(0.5, 1.5, (2, 3))
    assert_close(numerical_grad(f, x), df(x), rtol=1e-8, atol=1e-8)


def test_numerical_grad_of_a_quadratic_form(rng):
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    # d(x^T A x)/dx = (A + A^T) x
    assert_close(numerical_grad(lambda v: v @ A @ v, x), (A + A.T) @ x, rtol=1e-8, atol=1e-8)


def test_central_difference_error_shrinks_as_eps_squared():
    x = np.array([1.0])
    error = [abs(numerical_grad(lambda v: np.sin(v).sum(), x, eps=eps)[0] - np.cos(1.0)) for eps in (1e-2, 1e-3)]
    # truncation error ~ eps^2 |f'''| / 6: ten times smaller eps, a hundred times smaller error
    assert 80 < error[0] / error[1] < 120
    assert_close(error[0], np.cos(1.0) * 1e-4 / 6, rtol=1e-3, atol=0.0)


def test_numerical_grad_restores_x_and_probes_it_in_place(rng):
    x = rng.standard_normal((3, 2))
    before = x.copy()
    calls = []
    numerical_grad(lambda v: calls.append(v is x) or v.sum(), x)
    assert np.array_equal(x, before)
    assert len(calls) == 2 * x.size and all(calls)


def test_numerical_grad_sees_probes_through_a_closure(rng):
    w = rng.standard_normal(3)  # e.g. a parameter the loss reads directly
    assert_close(numerical_grad(lambda _: np.sum(w ** 3), w), 3 * w ** 2, rtol=1e-7, atol=1e-8)


def test_numerical_grad_works_on_non_contiguous_arrays(rng):
    x = rng.standard_normal((3, 4)).T  # a transposed view: reshape(-1) would copy it
    assert not x.flags.c_contiguous
    assert_close(numerical_grad(lambda v: np.sum(v ** 2 * np.arange(3)), x), 2 * x * np.arange(3),
                 rtol=1e-8, atol=1e-8)


def test_numerical_grad_bad_inputs():
    with pytest.raises(TypeError, match="x must be a floating-point array, got dtype int"):
        numerical_grad(lambda v: v.sum(), np.arange(3))
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(3,\)"):
        numerical_grad(lambda v: v * 2, np.ones(3))


def test_float32_central_differences_are_coarse():
    # rounding of f to float32 (~6e-8 relative) divided by 2 eps swamps the derivative
    x = np.array([1.0], dtype=np.float32)
    coarse = numerical_grad(lambda v: np.sum(v * v), x, eps=1e-6)[0]
    fine = numerical_grad(lambda v: np.sum(v * v), x.astype(np.float64), eps=1e-6)[0]
    assert abs(coarse - 2.0) > 1e-2
    assert abs(fine - 2.0) < 1e-8


# -- gradcheck -------------------------------------------------------------------------------------


def test_gradcheck_passes_for_linear_and_its_backward(rng):
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    assert gradcheck(linear, linear_backward, [x, W, b]) is True


def test_gradcheck_passes_for_a_correct_hand_written_backward(rng):
    def forward(x, y):
        return np.tanh(x) * y

    def backward(g, x, y):
        return g * (1 - np.tanh(x) ** 2) * y, g * np.tanh(x)

    assert gradcheck(forward, backward, [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))])


@pytest.mark.parametrize("wrong,input_index", [
    (lambda g, x, y: (g * (1 - np.tanh(x) ** 2), g * np.tanh(x)), 0),  # forgot the factor y
    (lambda g, x, y: (g * (1 - np.tanh(x) ** 2) * y, g * np.tanh(x) * 1.001), 1),  # off by 0.1 %
    (lambda g, x, y: (g * (1 - np.tanh(x) ** 2) * y, -g * np.tanh(x)), 1),  # wrong sign
])
def test_gradcheck_raises_for_a_wrong_backward(wrong, input_index, rng):
    def forward(x, y):
        return np.tanh(x) * y

    x, y = rng.uniform(0.5, 1.5, (3, 2)), rng.uniform(0.5, 1.5, (3, 2))
    with pytest.raises(AssertionError, match=rf"gradient for input {input_index}: \d+ of 6 elements differ"):
        gradcheck(forward, wrong, [x, y])


def test_gradcheck_catches_a_transposed_weight_gradient(rng):
    def wrong_backward(g, x, W, b):
        gx, gW, gb = linear_backward(g, x, W, b)
        return gx, (x.T @ g).T[::-1], gb  # rows in the wrong order

    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    with pytest.raises(AssertionError, match="gradient for input 1"):
        gradcheck(linear, wrong_backward, [x, W, b])


def test_gradcheck_skips_none_and_integer_inputs(rng):
    def forward(logits, target):
        # pick each row's entry at its class index
        return logits[np.arange(len(target)), target] * 2

    def backward(g, logits, target):
        grad = np.zeros_like(logits)
        grad[np.arange(len(target)), target] = 2 * g
        return grad, None

    target = np.array([2, 0, 1])
    assert gradcheck(forward, backward, [rng.standard_normal((3, 4)), target])


def test_gradcheck_upcasts_float32_inputs(rng):
    seen = []

    def forward(x):
        seen.append(x.dtype)
        return x ** 2

    assert gradcheck(forward, lambda g, x: 2 * g * x, [rng.standard_normal(3).astype(np.float32)])
    assert set(seen) == {np.dtype(np.float64)}


def test_gradcheck_checks_scalar_inputs():
    assert gradcheck(lambda a: np.sin(a), lambda g, a: g * np.cos(a), [0.3])
    with pytest.raises(AssertionError):
        gradcheck(lambda a: np.sin(a), lambda g, a: g * np.sin(a), [0.3])


def test_gradcheck_reports_a_missing_gradient():
    with pytest.raises(ValueError, match="backward returned 1 gradients for 2 inputs"):
        gradcheck(lambda x, y: x * y, lambda g, x, y: g * y, [np.ones(2), np.ones(2)])


def test_gradcheck_rejects_non_numeric_inputs():
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a real"):
        gradcheck(lambda x: x, lambda g, x: g, [np.array(["a"])])


# -- compare_modules ---------------------------------------------------------------------------------


def torch_linear(in_features, out_features, bias=True, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Linear(in_features, out_features, bias=bias).double()


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_shape", [(5,), (2, 3), ()])
def test_compare_modules_passes_for_linear(bias, batch_shape, rng):
    ours = nn.Linear(4, 3, bias=bias, dtype=np.float64)
    theirs = torch_linear(4, 3, bias=bias)
    report = compare_modules(ours, theirs, rng.standard_normal(batch_shape + (4,)))
    expected_keys = {"output 0", "grad input 0", "grad weight"} | ({"grad bias"} if bias else set())
    assert set(report) == expected_keys
    assert max(report.values()) < 1e-12
    # the weights were copied in from torch
    assert_close(ours.weight.data, theirs.weight)


def test_compare_modules_passes_for_float32_linear_with_float32_tolerances(rng):
    torch.manual_seed(0)
    theirs = torch.nn.Linear(6, 4)
    report = compare_modules(nn.Linear(6, 4), theirs, rng.standard_normal((8, 6)).astype(np.float32))
    assert max(report.values()) < 1e-5


def test_compare_modules_passes_for_a_sequential_of_linears(rng):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 2)).double()
    ours = nn.Sequential(nn.Linear(4, 5, dtype=np.float64), nn.Linear(5, 2, dtype=np.float64))
    report = compare_modules(ours, theirs, rng.standard_normal((3, 4)))
    assert {"grad 0.weight", "grad 1.bias"} <= set(report)


def test_compare_modules_uses_the_given_grad_output(rng):
    ours = nn.Linear(3, 2, dtype=np.float64)
    theirs = torch_linear(3, 2)
    x = rng.standard_normal((4, 3))
    compare_modules(ours, theirs, x, grad_output=np.ones((4, 2)))
    # with grad_output = 1 the bias gradient is the number of rows
    assert_close(ours.bias.grad, np.full(2, 4.0))


class WrongWeightGradient(nn.Linear):
    """Linear whose backward forgets to transpose: dL/dW = x^T G instead of G^T x."""

    def backward(self, grad_output):
        input = self._saved("input")
        self.weight.accumulate_grad((input.T @ grad_output).T * 1.01)
        self.bias.accumulate_grad(grad_output.sum(axis=0))
        return grad_output @ self.weight.data


class WrongInputGradient(nn.Linear):
    """Linear whose backward returns G W^T... with the wrong sign."""

    def backward(self, grad_output):
        return -super().backward(grad_output)


class ForgetsBiasGradient(nn.Linear):
    def backward(self, grad_output):
        input = self._saved("input")
        self.weight.accumulate_grad(grad_output.T @ input)
        return grad_output @ self.weight.data


class WrongForward(nn.Linear):
    def forward(self, input):
        return super().forward(input) + 1e-3


@pytest.mark.parametrize("module,message", [
    (WrongWeightGradient, "gradient for weight"),
    (WrongInputGradient, "gradient for input 0"),
    (ForgetsBiasGradient, "ours computed no gradient for 'bias'"),
    (WrongForward, "output 0"),
])
def test_compare_modules_fails_for_a_wrong_module(module, message, rng):
    with pytest.raises(AssertionError, match=message):
        compare_modules(module(3, 3, dtype=np.float64), torch_linear(3, 3), rng.standard_normal((4, 3)))


def test_to_numpy_detaches_tensors():
    t = torch.ones(2, requires_grad=True) * 3
    assert np.array_equal(to_numpy(t), np.array([3.0, 3.0], dtype=np.float32))
    assert to_numpy(2.5).shape == ()
