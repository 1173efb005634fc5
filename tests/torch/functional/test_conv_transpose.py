"""dlref.torch.functional.conv_transpose2d (matmul + fold) against torch's, on every
available device."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import functional as F


@st.composite
def conv_transpose_cases(draw):
    """A valid conv_transpose2d call (as in the NumPy tests of conv_transpose2d)."""
    groups = draw(st.integers(1, 3))
    C_in, C_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    # output_padding < stride or < dilation
    output_padding = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)
    )
    # H_out = (H - 1) s - 2p + d (k - 1) + p_out + 1 >= 1
    padding = tuple(
        draw(st.integers(0, min(3, ((n - 1) * s + d * (kk - 1) + op) // 2)))
        for n, s, d, kk, op in zip(size, stride, dilation, k, output_padding)
    )
    shape = (
        (draw(st.integers(1, 3)), C_in, *size) if draw(st.booleans()) else (C_in, *size)
    )
    kwargs = dict(
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    return dict(
        shape=shape,
        weight_shape=(C_in, C_out // groups, *k),
        C_out=C_out,
        bias=draw(st.booleans()),
        kwargs=kwargs,
    )


@given(case=conv_transpose_cases(), seed=st.integers(0, 2**16))
def test_forward_and_gradients_match_torch(device, case, seed):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: draw there, then move

    def randn(*shape):
        return torch.randn(shape, dtype=torch.float64, generator=gen).to(device)

    x, w = randn(*case["shape"]), randn(*case["weight_shape"])
    b = randn(case["C_out"]) if case["bias"] else None
    ours_in = [t.clone().requires_grad_() if t is not None else None for t in (x, w, b)]
    theirs_in = [
        t.clone().requires_grad_() if t is not None else None for t in (x, w, b)
    ]
    y_ours = F.conv_transpose2d(*ours_in, **case["kwargs"])
    y_theirs = TF.conv_transpose2d(*theirs_in, **case["kwargs"])
    assert y_ours.shape == y_theirs.shape and y_ours.device.type == device.type
    assert_close(y_ours, y_theirs)
    g = randn(*y_theirs.shape)
    y_ours.backward(g)
    y_theirs.backward(g)
    for a, e in zip(ours_in, theirs_in):
        if a is not None:
            assert a.grad.device.type == device.type
            assert_close(a.grad, e.grad)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(stride=2, padding=1, output_padding=1),
        dict(dilation=(2, 1), output_padding=(1, 0)),
        dict(groups=2, stride=(1, 2)),
    ],
)
def test_autograd_gradcheck(device, kwargs):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 2, 3, 4, dtype=torch.float64, generator=gen).to(device)
    w = torch.randn(2, 3, 3, 2, dtype=torch.float64, generator=gen).to(device)
    b = torch.randn(3 * kwargs.get("groups", 1), dtype=torch.float64, generator=gen)
    inputs = tuple(t.to(device).requires_grad_() for t in (x, w, b))
    assert torch.autograd.gradcheck(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs), inputs
    )


def test_adjoint_of_conv2d(device):
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: it is conv2d's input gradient
    gen = torch.Generator().manual_seed(0)
    kwargs = dict(stride=(2, 3), padding=(1, 0), dilation=(1, 2), groups=2)
    w = torch.randn(4, 3, 3, 2, dtype=torch.float64, generator=gen).to(device)
    y = torch.randn(2, 4, 4, 3, dtype=torch.float64, generator=gen).to(device)
    up = F.conv_transpose2d(y, w, output_padding=(1, 2), **kwargs)
    x = torch.randn(up.shape, dtype=torch.float64, generator=gen).to(device)
    x.requires_grad_()
    out = F.conv2d(x, w, **kwargs)
    assert out.shape == y.shape
    assert_close((out * y).sum(), (x * up).sum())
    out.backward(y)
    assert_close(up, x.grad)


def test_does_not_call_the_op_it_mirrors(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("conv_transpose2d must not call torch's convolution")

    for module, name in [
        (TF, "conv_transpose2d"),
        (torch, "conv_transpose2d"),
        (torch, "convolution"),
        (torch.nn.functional, "conv2d"),
        (torch, "conv2d"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    x = torch.randn(1, 2, 3, 3, device=device, requires_grad=True)
    w = torch.randn(2, 3, 3, 3, device=device)
    y = F.conv_transpose2d(
        x, w, torch.randn(3, device=device), stride=2, padding=1, output_padding=1
    )
    assert y.shape == (1, 3, 6, 6) and y.device.type == device.type
    y.sum().backward()
    assert x.grad.device.type == device.type


def test_float32_stays_float32_and_matches(device):
    x, w, b = (
        torch.randn(2, 3, 5, 5, device=device),
        torch.randn(3, 4, 3, 3, device=device),
        torch.randn(4, device=device),
    )
    kwargs = dict(stride=2, padding=1, output_padding=1)
    matmul_tf32 = torch.backends.cuda.matmul.allow_tf32
    try:  # full float32 precision on CUDA (no effect on the CPU)
        torch.backends.cuda.matmul.allow_tf32 = False
        with torch.backends.cudnn.flags(
            enabled=None, benchmark=None, deterministic=None, allow_tf32=False
        ):
            y = F.conv_transpose2d(x, w, b, **kwargs)
            y_ref = TF.conv_transpose2d(x, w, b, **kwargs)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul_tf32
    assert y.dtype == torch.float32 and y.device.type == device.type
    assert_close(y, y_ref)


def test_unbatched_and_empty_inputs(device):
    w = torch.randn(3, 4, 3, 3, dtype=torch.float64, device=device)
    x = torch.randn(3, 6, 5, dtype=torch.float64, device=device)
    y = F.conv_transpose2d(x, w, stride=2)
    assert y.shape == (4, 13, 11) and y.device.type == device.type
    assert_close(y, TF.conv_transpose2d(x, w, stride=2))
    empty = F.conv_transpose2d(
        torch.zeros(0, 3, 6, 5, dtype=torch.float64, device=device), w
    )
    assert empty.shape == (0, 4, 8, 7) and empty.device.type == device.type


def test_large_inputs_stay_finite(device):
    x = torch.full((1, 2, 4, 4), 1e4, device=device)
    w = torch.full((2, 3, 3, 3), -1e4, device=device)
    y = F.conv_transpose2d(x, w, padding=1)
    assert torch.isfinite(y).all()
    assert y[0, 0, 1, 1].item() == -18 * 1e8


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        (
            (np.zeros((1, 2, 5, 5)), torch.zeros(2, 3, 3, 3)),
            {},
            TypeError,
            "input must be a torch.Tensor, got ndarray",
        ),
        (
            (torch.zeros(1, 2, 5, 5), torch.zeros(2, 3, 3, 3, dtype=torch.float64)),
            {},
            TypeError,
            r"input and weight must have the same dtype",
        ),
        (
            (
                torch.zeros(1, 2, 5, 5),
                torch.zeros(2, 3, 3, 3),
                torch.zeros(3, dtype=torch.float64),
            ),
            {},
            TypeError,
            "input and bias must have the same dtype",
        ),
        (
            (torch.zeros(1, 2, 5, 5, dtype=torch.int64), torch.zeros(2, 3, 3, 3)),
            {},
            TypeError,
            "input must have a floating-point dtype",
        ),
        (
            (torch.zeros(1, 4, 5, 5), torch.zeros(2, 3, 3, 3)),
            {},
            ValueError,
            "input has 4 channels",
        ),
        (
            (torch.zeros(5, 5), torch.zeros(2, 3, 3, 3)),
            {},
            ValueError,
            "input must be 3-D",
        ),
        (
            (torch.zeros(1, 2, 1, 1), torch.zeros(2, 3, 1, 1)),
            dict(padding=1),
            ValueError,
            "padding=.* is too large",
        ),
        (
            (torch.zeros(1, 3, 5, 5), torch.zeros(3, 3, 3, 3)),
            dict(groups=2),
            ValueError,
            "in_channels .* divisible by groups",
        ),
        (
            (torch.zeros(1, 2, 5, 5), torch.zeros(2, 3, 3, 3)),
            dict(output_padding=1),
            ValueError,
            "output_padding must be smaller than either stride or dilation",
        ),
    ],
)
def test_bad_arguments_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        F.conv_transpose2d(*args, **kwargs)


def test_output_padding_rule_is_torchs():
    x, w = torch.zeros(1, 2, 5, 5), torch.zeros(2, 3, 3, 3)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        TF.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose2d(x, w, stride=2, output_padding=2)
    # smaller than the dilation is enough, in both
    kwargs = dict(stride=1, dilation=3, output_padding=2)
    assert (
        F.conv_transpose2d(x, w, **kwargs).shape
        == TF.conv_transpose2d(x, w, **kwargs).shape
    )
