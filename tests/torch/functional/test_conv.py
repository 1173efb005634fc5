"""dlref.torch.functional.conv2d (unfold + matmul) against torch.nn.functional.conv2d, on every available device."""

import contextlib
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import functional as F
from strategies import conv_cases


def torch_conv2d(*args, **kwargs):
    with warnings.catch_warnings():  # torch warns that 'same' with even kernels copies the input
        warnings.simplefilter("ignore", UserWarning)
        return TF.conv2d(*args, **kwargs)


@contextlib.contextmanager
def tf32_off():
    """Full float32 precision in cuDNN convolutions and cuBLAS matmuls (no effect on the CPU).

    cuDNN may round float32 convolution inputs to TF32 (10-bit mantissa) by default, which
    would make torch's float32 reference, not ours, miss float32 tolerances; torch's own tests
    switch it off the same way (torch.testing._internal.common_cuda.tf32_off).
    """
    matmul_tf32 = torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cuda.matmul.allow_tf32 = False
        with torch.backends.cudnn.flags(enabled=None, benchmark=None, deterministic=None, allow_tf32=False):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul_tf32


@given(case=conv_cases(), seed=st.integers(0, 2**16))
def test_forward_and_gradients_match_torch(device, case, seed):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move
    x = torch.randn(case["shape"], dtype=torch.float64, generator=gen).to(device)
    w = torch.randn(case["weight_shape"], dtype=torch.float64, generator=gen).to(device)
    b = torch.randn(case["weight_shape"][0], dtype=torch.float64, generator=gen).to(device) if case["bias"] else None
    ours_in = [t.clone().requires_grad_() if t is not None else None for t in (x, w, b)]
    theirs_in = [t.clone().requires_grad_() if t is not None else None for t in (x, w, b)]
    y_ours = F.conv2d(*ours_in, **case["kwargs"])
    y_theirs = torch_conv2d(*theirs_in, **case["kwargs"])
    assert y_ours.shape == y_theirs.shape and y_ours.device.type == device.type
    assert_close(y_ours, y_theirs)
    g = torch.randn(y_theirs.shape, dtype=torch.float64, generator=gen).to(device)
    y_ours.backward(g)
    y_theirs.backward(g)
    for a, e in zip(ours_in, theirs_in):
        if a is not None:
            assert a.grad.device.type == device.type
            assert_close(a.grad, e.grad)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=(2, 1)),
                                    dict(groups=2, stride=(1, 2))])
def test_autograd_gradcheck(device, kwargs):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 2, 5, 6, dtype=torch.float64, generator=gen).to(device).requires_grad_()
    w = torch.randn(2, 2 // kwargs.get("groups", 1), 3, 2, dtype=torch.float64, generator=gen).to(device)
    w.requires_grad_()
    b = torch.randn(2, dtype=torch.float64, generator=gen).to(device).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (x, w, b))


def test_does_not_call_the_op_it_mirrors(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("conv2d must not call torch's convolution")

    for module, name in [(TF, "conv2d"), (torch, "conv2d"), (torch, "convolution"), (torch.nn.functional, "conv2d")]:
        monkeypatch.setattr(module, name, forbidden)
    x = torch.randn(1, 2, 5, 5, device=device, requires_grad=True)
    y = F.conv2d(x, torch.randn(3, 2, 3, 3, device=device), torch.randn(3, device=device), padding="same")
    assert y.shape == (1, 3, 5, 5) and y.device.type == device.type
    y.sum().backward()
    assert x.grad.device.type == device.type


def test_float32_stays_float32_and_matches(device):
    x, w, b = (torch.randn(2, 3, 8, 8, device=device), torch.randn(4, 3, 3, 3, device=device),
               torch.randn(4, device=device))
    with tf32_off():
        y = F.conv2d(x, w, b, stride=2, padding=1)
        y_ref = TF.conv2d(x, w, b, stride=2, padding=1)
    assert y.dtype == torch.float32 and y.device.type == device.type
    assert_close(y, y_ref)


def test_unbatched_and_empty_inputs(device):
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, device=device)
    x = torch.randn(3, 6, 5, dtype=torch.float64, device=device)
    y = F.conv2d(x, w, padding=1)
    assert y.device.type == device.type
    assert_close(y, TF.conv2d(x, w, padding=1))
    empty = F.conv2d(torch.zeros(0, 3, 6, 5, dtype=torch.float64, device=device), w)
    assert empty.shape == (0, 4, 4, 3) and empty.device.type == device.type


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((np.zeros((1, 2, 5, 5)), torch.zeros(3, 2, 3, 3)), {}, TypeError, "input must be a torch.Tensor, got ndarray"),
    ((torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3, dtype=torch.float64)), {}, TypeError,
     r"input and weight must have the same dtype, got torch.float32 and torch.float64"),
    ((torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3), torch.zeros(3, dtype=torch.float64)), {}, TypeError,
     "input and bias must have the same dtype"),
    ((torch.zeros(1, 2, 5, 5, dtype=torch.int64), torch.zeros(3, 2, 3, 3)), {}, TypeError,
     "input must have a floating-point dtype"),
    ((torch.zeros(1, 4, 5, 5), torch.zeros(3, 2, 3, 3)), {}, ValueError, "input has 4 channels"),
    ((torch.zeros(5, 5), torch.zeros(3, 1, 3, 3)), {}, ValueError, "input must be 3-D"),
    ((torch.zeros(1, 2, 2, 5), torch.zeros(3, 2, 3, 3)), {}, ValueError, "kernel .* is larger than the padded input"),
    ((torch.zeros(1, 4, 5, 5), torch.zeros(3, 2, 3, 3)), dict(groups=2), ValueError, "out_channels .* divisible by groups"),
    ((torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3)), dict(stride=0), ValueError, "stride must be >= 1"),
    ((torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3)), dict(padding="same", stride=2), ValueError,
     "padding='same' is not supported"),
])
def test_bad_arguments_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        F.conv2d(*args, **kwargs)


def test_zero_height_input_raises_as_torch_does():
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.zeros(1, 3, 0, 5), torch.zeros(4, 3, 3, 3), padding=2)
    with pytest.raises(ValueError, match="non-zero height and width"):
        F.conv2d(torch.zeros(1, 3, 0, 5), torch.zeros(4, 3, 3, 3), padding=2)
