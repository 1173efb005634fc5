"""dlref.torch.nn.utils: clip_grad_norm_ / clip_grad_value_ from primitives, against torch.nn.utils, on every
available device (the argument checks on the CPU only)."""

import contextlib
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch.nn import utils

NORM_TYPES = [1.0, 2.0, 3.5, math.inf]


ref_norm = torch.nn.utils.clip_grad_norm_
ref_value = torch.nn.utils.clip_grad_value_


@contextlib.contextmanager
def forbid_reference_ops():
    """Make torch's clipping and norm ops raise, so ours provably never calls them."""
    def forbidden(*args, **kwargs):
        raise AssertionError("dlref.torch called a torch clipping/norm op")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"):
            if hasattr(torch.nn.utils, name):
                mp.setattr(torch.nn.utils, name, forbidden)
        for name in ("vector_norm", "norm"):
            mp.setattr(torch.linalg, name, forbidden)
        mp.setattr(torch, "norm", forbidden)
        mp.setattr(torch, "_foreach_norm", forbidden)
        yield


def clip_grad_norm_(*args, **kwargs):
    with forbid_reference_ops():
        return utils.clip_grad_norm_(*args, **kwargs)


def clip_grad_value_(*args, **kwargs):
    with forbid_reference_ops():
        return utils.clip_grad_value_(*args, **kwargs)


def make_pair(grads, dtype=torch.float64, device="cpu"):
    """The same gradients on two sets of torch Parameters on ``device`` (None -> no grad)."""
    ours, theirs = [], []
    for g in grads:
        shape = (0,) if g is None else g.shape
        a = torch.nn.Parameter(torch.zeros(shape, dtype=dtype, device=device))
        b = torch.nn.Parameter(torch.zeros(shape, dtype=dtype, device=device))
        if g is not None:
            a.grad = torch.tensor(g, dtype=dtype, device=device)
            b.grad = torch.tensor(g, dtype=dtype, device=device)
        ours.append(a)
        theirs.append(b)
    return ours, theirs


@st.composite
def grad_lists(draw):
    """1-5 parameters of 0-3 dims (sizes 1-6), some without grad, entries over many scales."""
    n = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    grads = []
    for _ in range(n):
        shape = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=3)))
        if draw(st.booleans()) and draw(st.booleans()):
            grads.append(None)
        else:
            grads.append(np.asarray(rng.standard_normal(shape) * 10.0 ** draw(st.integers(-3, 3))))
    return grads


@given(grads=grad_lists(), norm_type=st.sampled_from(NORM_TYPES),
       ratio=st.sampled_from([0.0, 1e-3, 0.3, 0.999, 1.5, 100.0]))
def test_clip_grad_norm_matches_torch(device, grads, norm_type, ratio):
    _, probe = make_pair(grads, device=device)
    max_norm = ratio * float(ref_norm(probe, math.inf, norm_type))  # below and above the norm
    ours, theirs = make_pair(grads, device=device)
    expected = ref_norm(theirs, max_norm, norm_type)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    assert total.shape == () and total.dtype == expected.dtype and total.device == expected.device
    assert_close(total, expected)
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None
        else:
            assert a.grad.device.type == device.type
            assert_close(a.grad, b.grad)


@given(grads=grad_lists(), clip_value=st.sampled_from([0.0, 1e-3, 0.5, 2.0, 1e4, math.inf]))
def test_clip_grad_value_matches_torch(device, grads, clip_value):
    ours, theirs = make_pair(grads, device=device)
    assert clip_grad_value_(ours, clip_value) is None
    if any(g is not None for g in grads):  # torch raises when no parameter has a grad
        ref_value(theirs, clip_value)
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None
        else:
            assert a.grad.device.type == device.type
            assert_close(a.grad, b.grad)


@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_float32_and_mixed_dtypes(device, norm_type):
    rng = np.random.default_rng(0)
    g1, g2 = rng.standard_normal((3, 4)) * 5, rng.standard_normal(6)
    a32, b32 = make_pair([g1], torch.float32, device)
    a64, b64 = make_pair([g2], torch.float64, device)
    expected = ref_norm(b32, 1.0, norm_type)
    total = clip_grad_norm_(a32, 1.0, norm_type)
    assert total.dtype == torch.float32 and a32[0].grad.dtype == torch.float32
    assert total.device == expected.device and a32[0].grad.device.type == device.type
    assert_close(total, expected)
    assert_close(a32[0].grad, b32[0].grad)
    a32, b32 = make_pair([g1], torch.float32, device)
    expected = ref_norm(b32 + b64, 1.0, norm_type)
    total = clip_grad_norm_(a32 + a64, 1.0, norm_type)
    assert total.dtype == expected.dtype == torch.float64 and total.device == expected.device
    assert_close(total, expected)
    for a, b in zip(a32 + a64, b32 + b64):
        assert_close(a.grad, b.grad)


def test_real_model_and_generator(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double().to(device)
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double().to(device)
    twin.load_state_dict(model.state_dict())
    x = torch.randn(16, 4, dtype=torch.float64, device=device) * 10
    for m in (model, twin):
        (m(x) ** 2).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.5, 3.5)
    expected = ref_norm(twin.parameters(), 0.5, 3.5)
    assert total.device == expected.device
    assert_close(total, expected)
    for a, b in zip(model.parameters(), twin.parameters()):
        assert_close(a.grad, b.grad)
    assert not total.requires_grad


def test_single_tensor_and_in_place(device):
    t = torch.tensor([3.0, 4.0], device=device, requires_grad=True)
    t.grad = torch.tensor([3.0, 4.0], device=device)
    g = t.grad
    assert float(clip_grad_norm_(t, 1.0)) == 5.0
    assert t.grad is g
    assert_close(t.grad, torch.tensor([0.6, 0.8]) * 5 / (5 + 1e-6))
    clip_grad_value_(t, 0.1)
    assert t.grad is g and t.grad.tolist() == pytest.approx([0.1, 0.1])


def test_no_grad_and_empty(device):
    p = torch.nn.Parameter(torch.zeros(3, device=device))
    total = clip_grad_norm_([p], 1.0)
    assert total.dtype == torch.float32 and float(total) == 0.0 and p.grad is None
    assert total.device == ref_norm([p], 1.0).device  # torch's own tensor(0.) when no gradient: on the CPU
    assert float(clip_grad_norm_([], 1.0)) == 0.0
    clip_grad_value_([p], 1.0)  # nothing to clip; torch raises an internal error here
    assert p.grad is None
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((q for q in []), 1.0)


def test_zero_size_gradient(device):
    ours, theirs = make_pair([np.zeros((0, 2)), np.array([3.0, 4.0])], device=device)
    total = clip_grad_norm_(ours, 1.0)
    assert total.device.type == device.type
    assert_close(total, ref_norm(theirs, 1.0))
    assert_close(ours[1].grad, theirs[1].grad)
    total = clip_grad_norm_(make_pair([np.zeros(0)], device=device)[0], 1.0, "inf")
    assert float(total) == 0.0 and total.device.type == device.type


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_nonfinite(device, bad, norm_type):
    ours, theirs = make_pair([np.array([bad, 1.0]), np.array([2.0])], device=device)
    assert_close(clip_grad_norm_(ours, 1.0, norm_type), ref_norm(theirs, 1.0, norm_type))
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad)
    ours, _ = make_pair([np.array([bad, 1.0]), np.array([2.0])], device=device)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ours, 1.0, norm_type, error_if_nonfinite=True)
    assert ours[1].grad.tolist() == [2.0]


def test_float32_overflow_like_torch(device):
    ours, theirs = make_pair([np.array([3e19, 1.0])], torch.float32, device)
    total, expected = clip_grad_norm_(ours, 1.0), ref_norm(theirs, 1.0)
    assert math.isinf(float(total)) and math.isinf(float(expected))
    assert_close(ours[0].grad, theirs[0].grad)


def grad_tensor():
    t = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    t.grad = torch.tensor([3.0, -4.0], dtype=torch.float64)
    return t


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(max_norm=-1.0), ValueError, r"max_norm must be in \[0.0, inf\], got -1.0"),
    (dict(max_norm=math.nan), ValueError, "max_norm must not be NaN"),
    (dict(max_norm="1"), TypeError, "max_norm must be a real number, got str"),
    (dict(max_norm=1.0, norm_type=0), ValueError, "norm_type must be a number > 0 or 'inf'"),
    (dict(max_norm=1.0, norm_type=-math.inf), ValueError, "norm_type must be a number > 0 or 'inf'"),
    (dict(max_norm=1.0, norm_type="fro"), ValueError, "norm_type must be a number > 0 or 'inf'"),
    (dict(max_norm=1.0, norm_type=None), TypeError, "norm_type must be a number > 0 or 'inf'"),
    (dict(max_norm=1.0, error_if_nonfinite=1), TypeError, "error_if_nonfinite must be a bool, got int"),
    (dict(max_norm=1.0, foreach="x"), TypeError, "foreach must be None or a bool, got str"),
])
def test_bad_arguments(kwargs, error, match):
    t = grad_tensor()
    with pytest.raises(error, match=match):
        clip_grad_norm_([t], **kwargs)
    assert t.grad.tolist() == [3.0, -4.0]


@pytest.mark.parametrize("parameters, match", [
    (3.0, "parameters must be a Tensor or an iterable of Tensors, got float"),
    ("w", "parameters must be a Tensor or an iterable of Tensors, got str"),
    ([np.zeros(2)], r"parameters\[0\] must be a Tensor, got ndarray"),
    (torch.nn.Linear(2, 2), "got a Module; pass module.parameters()"),
])
def test_non_tensors(parameters, match):
    with pytest.raises(TypeError, match=match):
        clip_grad_norm_(parameters, 1.0)
    with pytest.raises(TypeError, match=match):
        clip_grad_value_(parameters, 1.0)


@pytest.mark.parametrize("clip_value, error, match", [
    (-1.0, ValueError, r"clip_value must be in \[0.0, inf\], got -1.0"),
    (math.nan, ValueError, "clip_value must not be NaN"),
    (None, TypeError, "clip_value must be a real number, got NoneType"),
])
def test_bad_clip_value(clip_value, error, match):
    t = grad_tensor()
    with pytest.raises(error, match=match):
        clip_grad_value_([t], clip_value)
    assert t.grad.tolist() == [3.0, -4.0]
