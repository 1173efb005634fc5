"""dlref.numpy.nn.utils: clip_grad_norm_ / clip_grad_value_ against torch.nn.utils."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.numpy.nn.utils import clip_grad_norm_, clip_grad_value_
from dlref.testing import assert_close

NORM_TYPES = [1.0, 2.0, 3.5, math.inf]


def make_pair(grads, dtype=np.float64):
    """The same gradients as dlref Parameters and as torch Parameters (None -> no grad)."""
    ours, theirs = [], []
    for g in grads:
        shape = (0,) if g is None else g.shape
        p = nn.Parameter(np.zeros(shape, dtype=dtype))
        t = torch.nn.Parameter(torch.zeros(shape, dtype=torch.float64 if dtype == np.float64 else torch.float32))
        if g is not None:
            p.grad = g.astype(dtype)
            t.grad = torch.from_numpy(g.astype(dtype).copy())
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@st.composite
def grad_lists(draw):
    """1-5 parameters of 0-3 dims (sizes 1-6), some without grad, entries over many scales."""
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    grads = []
    for _ in range(n):
        shape = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=3)))
        if draw(st.booleans()) and draw(st.booleans()):  # about 1 in 4 without grad
            grads.append(None)
        else:
            scale = 10.0 ** draw(st.integers(-3, 3))
            grads.append(np.asarray(rng.standard_normal(shape) * scale))
    return grads


@given(grads=grad_lists(), norm_type=st.sampled_from(NORM_TYPES),
       ratio=st.sampled_from([0.0, 1e-3, 0.3, 0.999, 1.5, 100.0]))
def test_clip_grad_norm_matches_torch(grads, norm_type, ratio):
    ours, theirs = make_pair(grads)
    reference = torch.nn.utils.clip_grad_norm_([t for t in theirs], math.inf, norm_type)  # norm only
    max_norm = ratio * float(reference)  # below and above the actual norm
    ours, theirs = make_pair(grads)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    has_grad = any(g is not None for g in grads)
    assert isinstance(total, np.ndarray) and total.shape == ()
    assert total.dtype == (np.float64 if has_grad else np.float32)  # torch's tensor(0.) when no grad
    assert_close(total, expected)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, t.grad)
    clipped = [p.grad.ravel() for p in ours if p.grad is not None]
    if clipped and ratio < 1:
        after = np.linalg.norm(np.concatenate(clipped), ord=norm_type)
        assert after <= max_norm * (1 + 1e-9)


@given(grads=grad_lists(), norm_type=st.sampled_from(NORM_TYPES))
def test_clip_grad_norm_keeps_direction(grads, norm_type):
    ours, _ = make_pair(grads)
    before = [None if p.grad is None else p.grad.copy() for p in ours]
    total = float(clip_grad_norm_(ours, 0.5, norm_type))
    after = np.concatenate([p.grad.ravel() for p in ours if p.grad is not None] + [np.zeros(0)])
    g = np.concatenate([b.ravel() for b in before if b is not None] + [np.zeros(0)])
    c = min(0.5 / (total + 1e-6), 1.0)
    assert_close(after, c * g, rtol=1e-13, atol=0)  # one common factor c for every entry


@given(grads=grad_lists(), clip_value=st.sampled_from([0.0, 1e-3, 0.5, 2.0, 1e4, math.inf]))
def test_clip_grad_value_matches_torch(grads, clip_value):
    ours, theirs = make_pair(grads)
    assert clip_grad_value_(ours, clip_value) is None
    if any(g is not None for g in grads):  # torch raises when no parameter has a grad (see below)
        torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, t.grad)
            assert np.all(np.abs(p.grad) <= clip_value)


@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_float32_keeps_dtype_and_matches_torch(norm_type):
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal((4, 3)) * 10, rng.standard_normal(5)]
    ours, theirs = make_pair(grads, dtype=np.float32)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    total = clip_grad_norm_(ours, 1.0, norm_type)
    assert total.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in ours)
    assert_close(total, expected)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad)


def test_mixed_dtypes_promote_like_torch():
    rng = np.random.default_rng(2)
    g32, g64 = rng.standard_normal(3), rng.standard_normal(4)
    a, ta = make_pair([g32], np.float32)
    b, tb = make_pair([g64], np.float64)
    expected = torch.nn.utils.clip_grad_norm_(ta + tb, 0.1)
    total = clip_grad_norm_(a + b, 0.1)
    assert total.dtype == np.float64 and a[0].grad.dtype == np.float32
    assert_close(total, expected)
    assert_close(a[0].grad, ta[0].grad)
    assert_close(b[0].grad, tb[0].grad)


def test_single_parameter_generator_and_module_parameters():
    model = nn.Linear(3, 2, dtype=np.float64, generator=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((5, 3))
    model.backward(np.ones_like(model(x)))
    grads = [p.grad.copy() for p in model.parameters()]
    total = clip_grad_norm_(model.parameters(), 1.0)  # a generator, as in torch code
    flat = np.concatenate([g.ravel() for g in grads])
    assert_close(total, np.array(np.linalg.norm(flat)))
    assert_close(np.linalg.norm(np.concatenate([p.grad.ravel() for p in model.parameters()])),
                 np.array(1.0 / (1.0 + 1e-6 / float(total))), rtol=1e-12, atol=0)
    # a lone Parameter is accepted as well
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([3.0, 4.0])
    assert float(clip_grad_norm_(p, 1.0)) == 5.0
    assert_close(p.grad, np.array([0.6, 0.8]) * 5 / (5 + 1e-6))


def test_in_place_on_the_grad_arrays():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([3.0, 4.0])
    g = p.grad
    clip_grad_norm_([p], 1.0)
    assert p.grad is g
    clip_grad_value_([p], 0.1)
    assert p.grad is g


def test_no_clipping_when_below_max_norm():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([0.3, 0.4])
    total = clip_grad_norm_([p], 1.0)
    assert float(total) == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(p.grad, [0.3, 0.4])  # factor clamped to exactly 1


def test_grads_none_and_empty_list():
    p = nn.Parameter(np.zeros(3))
    t = torch.nn.Parameter(torch.zeros(3))
    total = clip_grad_norm_([p], 1.0)
    expected = torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert total.dtype == np.float32 and float(total) == float(expected) == 0.0
    assert p.grad is None
    total = clip_grad_norm_([], 1.0)
    assert total.shape == () and total.dtype == np.float32 and float(total) == 0.0
    clip_grad_value_([], 1.0)
    clip_grad_value_([p], 1.0)
    assert p.grad is None


def test_clip_grad_value_without_any_grad_is_a_no_op():
    # torch 2.x raises an internal RuntimeError here ("Expected !nested_tensorlist[0].empty()");
    # nothing to clip is not an error, so dlref returns quietly
    t = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_value_([t], 1.0)
    p = nn.Parameter(np.zeros(2))
    assert clip_grad_value_([p], 1.0) is None and p.grad is None


def test_empty_generator_warns_like_torch():
    with pytest.warns(UserWarning, match="empty generator"):
        torch.nn.utils.clip_grad_norm_((q for q in []), 1.0)
    with pytest.warns(UserWarning, match="empty generator"):
        total = clip_grad_norm_((q for q in []), 1.0)
    assert float(total) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)  # an empty list is not suspicious


def test_zero_size_gradient_counts_as_zero():
    ours, theirs = make_pair([np.zeros((0, 3)), np.array([3.0, 4.0])])
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert_close(clip_grad_norm_(ours, 1.0), expected)
    assert_close(ours[1].grad, theirs[1].grad)
    # torch raises for the inf-norm of an empty tensor; the max over no entries is 0 here
    ours, _ = make_pair([np.zeros(0)])
    assert float(clip_grad_norm_(ours, 1.0, "inf")) == 0.0


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_nonfinite_grads_follow_torch(bad, norm_type):
    g = np.array([bad, 1.0, -2.0])
    ours, theirs = make_pair([g, np.array([0.5])])
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    total = clip_grad_norm_(ours, 1.0, norm_type)  # no RuntimeWarning (pytest makes them errors)
    assert_close(total, expected)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad)  # NaN where torch has NaN


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite_raises_before_changing(bad):
    ours, theirs = make_pair([np.array([bad, 1.0]), np.array([3.0])])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* non-finite"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ours[1].grad, [3.0])


def test_float32_overflow_is_inf_like_torch():
    ours, theirs = make_pair([np.array([3e19, 1.0])], dtype=np.float32)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    total = clip_grad_norm_(ours, 1.0)
    assert math.isinf(float(total)) and math.isinf(float(expected))
    assert_close(ours[0].grad, theirs[0].grad)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(make_pair([np.array([3e19])], dtype=np.float32)[0], 1.0, error_if_nonfinite=True)


def test_extreme_finite_values():
    ours, theirs = make_pair([np.array([1e4, -1e4, 1e-30]), np.array([1e150])])
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert_close(clip_grad_norm_(ours, 1.0), expected)
    for p, t in zip(ours, theirs):
        assert_close(p.grad, t.grad)


def test_max_norm_zero_and_inf():
    ours, theirs = make_pair([np.array([3.0, -4.0])])
    torch.nn.utils.clip_grad_norm_(theirs, 0.0)
    clip_grad_norm_(ours, 0.0)
    assert_close(ours[0].grad, theirs[0].grad)
    ours, _ = make_pair([np.array([3.0, -4.0])])
    assert float(clip_grad_norm_(ours, math.inf)) == 5.0
    np.testing.assert_array_equal(ours[0].grad, [3.0, -4.0])


def test_norm_type_string_inf_and_numpy_scalars():
    ours, theirs = make_pair([np.array([3.0, -4.0])])
    expected = torch.nn.utils.clip_grad_norm_(theirs, np.float64(1.0), "inf")
    assert_close(clip_grad_norm_(ours, np.float64(1.0), "inf"), expected)
    ours, _ = make_pair([np.array([3.0, -4.0])])
    assert float(clip_grad_norm_(ours, 10, np.int64(1))) == 7.0


def test_foreach_accepted():
    for foreach in (None, True, False):
        ours, _ = make_pair([np.array([3.0, -4.0])])
        assert float(clip_grad_norm_(ours, 1.0, foreach=foreach)) == 5.0
        clip_grad_value_(ours, 0.1, foreach=foreach)


# -- bad inputs ---------------------------------------------------------------------------

def grad_param():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([3.0, -4.0])
    return p


def test_negative_max_norm_raises():
    # torch silently flips every gradient's sign here; we refuse
    t = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    t.grad = torch.tensor([3.0, -4.0], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([t], -1.0)
    assert float(t.grad[0]) < 0
    p = grad_param()
    with pytest.raises(ValueError, match=r"max_norm must be in \[0.0, inf\], got -1.0"):
        clip_grad_norm_([p], -1.0)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])


@pytest.mark.parametrize("max_norm, error, match", [
    (math.nan, ValueError, "max_norm must not be NaN"),
    ("1.0", TypeError, "max_norm must be a real number, got str"),
    (None, TypeError, "max_norm must be a real number, got NoneType"),
    (True, TypeError, "max_norm must be a real number, got bool"),
])
def test_bad_max_norm(max_norm, error, match):
    with pytest.raises(error, match=match):
        clip_grad_norm_([grad_param()], max_norm)


@pytest.mark.parametrize("norm_type, error", [
    (0, ValueError), (-1.0, ValueError), (-math.inf, ValueError), (math.nan, ValueError),
    ("fro", ValueError), (None, TypeError), (True, TypeError), ([2], TypeError),
])
def test_bad_norm_type(norm_type, error):
    p = grad_param()
    with pytest.raises(error, match="norm_type must be a number > 0 or 'inf'"):
        clip_grad_norm_([p], 1.0, norm_type)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])


@pytest.mark.parametrize("parameters, match", [
    (np.array([3.0, 4.0]), "parameters must be a Parameter or an iterable of Parameters, got ndarray"),
    (3.0, "parameters must be a Parameter or an iterable of Parameters, got float"),
    ("weight", "parameters must be a Parameter or an iterable of Parameters, got str"),
    ([np.array([3.0])], r"parameters\[0\] must be a Parameter, got ndarray"),
    ([grad_param(), torch.zeros(2)], r"parameters\[1\] must be a Parameter, got Tensor"),
    (nn.Linear(2, 2), "got a Module; pass module.parameters()"),
])
def test_non_parameters_raise(parameters, match):
    with pytest.raises(TypeError, match=match):
        clip_grad_norm_(parameters, 1.0)
    with pytest.raises(TypeError, match=match):
        clip_grad_value_(parameters, 1.0)


def test_bad_grad_and_flags():
    p = nn.Parameter(np.zeros(2))
    p.grad = np.array([1, 2])
    with pytest.raises(TypeError, match=r"parameters\[0\].grad must be a floating-point NumPy array or None, got int"):
        clip_grad_norm_([p], 1.0)
    p.grad = [1.0, 2.0]
    with pytest.raises(TypeError, match=r"parameters\[0\].grad must be .* got list"):
        clip_grad_value_([p], 1.0)
    with pytest.raises(TypeError, match="error_if_nonfinite must be a bool, got str"):
        clip_grad_norm_([grad_param()], 1.0, error_if_nonfinite="yes")
    with pytest.raises(TypeError, match="foreach must be None or a bool, got str"):
        clip_grad_norm_([grad_param()], 1.0, foreach="yes")
    with pytest.raises(TypeError, match="foreach must be None or a bool, got int"):
        clip_grad_value_([grad_param()], 1.0, foreach=1)


@pytest.mark.parametrize("clip_value, error, match", [
    (-0.5, ValueError, r"clip_value must be in \[0.0, inf\], got -0.5"),
    (math.nan, ValueError, "clip_value must not be NaN"),
    ("1", TypeError, "clip_value must be a real number, got str"),
])
def test_bad_clip_value(clip_value, error, match):
    p = grad_param()
    with pytest.raises(error, match=match):
        clip_grad_value_([p], clip_value)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])


def test_negative_clip_value_is_nonsense_in_torch():
    # why we refuse it: torch maps every entry to the negative clip value
    t = torch.nn.Parameter(torch.zeros(3))
    t.grad = torch.tensor([3.0, -4.0, 0.5])
    torch.nn.utils.clip_grad_value_([t], -1.0)
    assert t.grad.tolist() == [-1.0, -1.0, -1.0]


def test_clip_value_changes_direction_clip_norm_does_not():
    g = np.array([3.0, 0.5])
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    a.grad, b.grad = g.copy(), g.copy()
    clip_grad_norm_([a], 1.0)
    clip_grad_value_([b], 1.0)
    cos = lambda u, v: float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))  # noqa: E731
    assert cos(a.grad, g) == pytest.approx(1.0, abs=1e-15)
    assert cos(b.grad, g) < 0.96  # turned by about 17 degrees
    np.testing.assert_array_equal(b.grad, [1.0, 0.5])
