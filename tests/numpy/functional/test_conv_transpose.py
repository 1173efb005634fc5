"""conv_transpose2d and its backward against torch, as conv2d's adjoint, and errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck


@st.composite
def conv_transpose_cases(draw, max_output_padding=None):
    """A valid conv_transpose2d call: channels, kernel, stride, padding,
    output_padding, dilation (ints or pairs), groups; the padding leaves >= 1 pixel."""
    groups = draw(st.integers(1, 3))
    C_in, C_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    # output_padding < stride or < dilation (max_output_padding="stride": < stride)
    limits = (
        stride
        if max_output_padding == "stride"
        else tuple(max(s, d) for s, d in zip(stride, dilation))
    )
    output_padding = tuple(draw(st.integers(0, m - 1)) for m in limits)
    # H_out = (H - 1) s - 2p + d (k - 1) + p_out + 1 >= 1
    padding = tuple(
        draw(st.integers(0, min(3, ((n - 1) * s + d * (kk - 1) + op) // 2)))
        for n, s, d, kk, op in zip(size, stride, dilation, k, output_padding)
    )

    def maybe_int(pair):
        return pair[0] if pair[0] == pair[1] and draw(st.booleans()) else pair

    batched = draw(st.booleans())
    N = draw(st.integers(1, 3))
    shape = (N, C_in, *size) if batched else (C_in, *size)
    kwargs = dict(
        stride=maybe_int(stride),
        padding=maybe_int(padding),
        output_padding=maybe_int(output_padding),
        groups=groups,
        dilation=maybe_int(dilation),
    )
    return dict(
        shape=shape,
        weight_shape=(C_in, C_out // groups, *k),
        bias=draw(st.booleans()),
        kwargs=kwargs,
    )


@given(case=conv_transpose_cases(), seed=st.integers(0, 2**16))
def test_forward_and_backward_match_torch(case, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["shape"])
    w = rng.standard_normal(case["weight_shape"])
    C_out = case["weight_shape"][1] * case["kwargs"]["groups"]
    b = rng.standard_normal(C_out) if case["bias"] else None
    kwargs = case["kwargs"]
    y = F.conv_transpose2d(x, w, b, **kwargs)

    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if b is not None else None
    yt = TF.conv_transpose2d(xt, wt, bt, **kwargs)
    assert y.shape == tuple(yt.shape)
    assert_close(y, yt)

    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    grad_x, grad_w, grad_b = F.conv_transpose2d_backward(g, x, w, b, **kwargs)
    assert grad_x.shape == x.shape and grad_w.shape == w.shape
    assert_close(grad_x, xt.grad)
    assert_close(grad_w, wt.grad)
    if b is not None:
        assert_close(grad_b, bt.grad)
    else:
        assert grad_b is None


@given(
    case=conv_transpose_cases(max_output_padding="stride"), seed=st.integers(0, 2**16)
)
def test_adjoint_of_conv2d(case, seed):
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)> with the same arguments, and
    # conv_transpose2d(y, w) is conv2d's input gradient for grad_output y
    rng = np.random.default_rng(seed)
    kwargs = dict(case["kwargs"])
    kwargs.pop("output_padding")
    y = rng.standard_normal(case["shape"])  # conv2d's output, our input
    w = rng.standard_normal(case["weight_shape"])  # (C_out of conv2d, C_in / G, ...)
    x_shape = F.conv_transpose2d(y, w, **case["kwargs"]).shape  # conv2d's input
    x = rng.standard_normal(x_shape)
    assert F.conv2d(x, w, **kwargs).shape == y.shape  # output_padding picked x's size
    lhs = np.sum(F.conv2d(x, w, **kwargs) * y)
    rhs = np.sum(x * F.conv_transpose2d(y, w, **case["kwargs"]))
    assert_close(lhs, rhs)
    grad_x = F.conv2d_backward(y, x, w, **kwargs)[0]
    assert_close(F.conv_transpose2d(y, w, **case["kwargs"]), grad_x)


def test_adjoint_by_hand_one_example():
    # a 2x2 stride-2 convolution of a 4x4 image is a 2x2 map; its transpose maps back
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 1, 4, 4)), rng.standard_normal((1, 1, 2, 2))
    y = rng.standard_normal((1, 1, 2, 2))
    lhs = np.sum(F.conv2d(x, w, stride=2) * y)
    rhs = np.sum(x * F.conv_transpose2d(y, w, stride=2))
    assert abs(lhs - rhs) < 1e-12
    # each output 2x2 block is the kernel scaled by one input pixel
    up = F.conv_transpose2d(y, w, stride=2)[0, 0]
    assert_close(up[2:, :2], y[0, 0, 1, 0] * w[0, 0])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(stride=2, padding=1, output_padding=1),
        dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2), output_padding=(1, 1)),
        dict(groups=2, padding=1, stride=3, output_padding=2),
        dict(dilation=2, output_padding=1),  # output_padding >= stride, < dilation
    ],
)
def test_gradcheck(kwargs):
    rng = np.random.default_rng(0)
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 2, 3, 4))
    w = rng.standard_normal((2, 3, 3, 2))
    b = rng.standard_normal(3 * groups)
    assert gradcheck(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs),
        lambda g, x, w, b: F.conv_transpose2d_backward(g, x, w, b, **kwargs),
        [x, w, b],
    )


@pytest.mark.parametrize(
    "H,k,s,p,op,d",
    [
        (3, 3, 1, 0, 0, 1),
        (4, 3, 2, 1, 1, 1),
        (14, 4, 2, 1, 0, 1),
        (7, 3, 2, 1, 1, 1),
        (5, 2, 3, 2, 2, 2),
        (1, 1, 1, 0, 0, 1),
        (3, 3, 1, 0, 1, 2),
    ],
)
def test_output_size_formula(H, k, s, p, op, d):
    x, w = np.zeros((1, 1, H, H + 2)), np.zeros((1, 1, k, k))
    y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
    # (H - 1) s - 2p + d (k - 1) + p_out + 1
    assert y.shape[2:] == (
        (H - 1) * s - 2 * p + d * (k - 1) + op + 1,
        (H + 1) * s - 2 * p + d * (k - 1) + op + 1,
    )


def test_output_padding_picks_among_the_sizes_conv2d_maps_together():
    # a stride-2, 3x3, padding-1 convolution maps 13x13 and 14x14 both to 7x7;
    # output_padding 0 and 1 give back 13 and 14
    w = np.ones((1, 1, 3, 3))
    for H in (13, 14):
        assert F.conv2d(np.zeros((1, 1, H, H)), w, stride=2, padding=1).shape[2:] == (
            7,
            7,
        )
        y = F.conv_transpose2d(
            np.zeros((1, 1, 7, 7)), w, stride=2, padding=1, output_padding=H - 13
        )
        assert y.shape[2:] == (H, H)


def test_groups_are_independent_transposed_convolutions():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 3, 2, 2))
    y = F.conv_transpose2d(x, w, groups=2, stride=2)
    assert_close(y[:, :3], F.conv_transpose2d(x[:, :2], w[:2], stride=2))
    assert_close(y[:, 3:], F.conv_transpose2d(x[:, 2:], w[2:], stride=2))


def test_unbatched_input():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(2)
    y = F.conv_transpose2d(x, w, b, stride=2, padding=1)
    assert y.shape == (2, 7, 9)
    assert_close(y, F.conv_transpose2d(x[None], w, b, stride=2, padding=1)[0])
    grad_x, grad_w, grad_b = F.conv_transpose2d_backward(
        np.ones_like(y), x, w, b, stride=2, padding=1
    )
    assert grad_x.shape == x.shape
    batched = F.conv_transpose2d_backward(
        np.ones((1, *y.shape)), x[None], w, b, stride=2, padding=1
    )
    assert_close(grad_x, batched[0][0])
    assert_close(grad_w, batched[1])


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    kwargs = dict(stride=2, padding=1, output_padding=1)
    y = F.conv_transpose2d(x, w, b, **kwargs)
    assert y.dtype == np.float32
    grads = F.conv_transpose2d_backward(np.ones_like(y), x, w, b, **kwargs)
    assert all(g.dtype == np.float32 for g in grads)
    expected = TF.conv_transpose2d(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs
    )
    assert_close(y, expected)


def test_large_inputs_stay_finite():
    x = np.full((1, 2, 4, 4), 1e4, dtype=np.float32)
    w = np.full((2, 3, 3, 3), -1e4, dtype=np.float32)
    y = F.conv_transpose2d(x, w, padding=1)
    assert np.isfinite(y).all()
    assert y[0, 0, 1, 1] == -18 * 1e8  # 2 channels x 9 taps x 1e4 x -1e4
    grads = F.conv_transpose2d_backward(np.full_like(y, 1e4), x, w, padding=1)
    assert all(np.isfinite(g).all() for g in grads[:2])


def test_inf_gives_nan_where_torch_does_without_warning():
    x = np.ones((1, 1, 3, 3))
    x[0, 0, 1, 1] = np.inf
    w = np.array([[[[1.0, -1.0], [1.0, 1.0]]]])
    y = F.conv_transpose2d(x, w, stride=1)
    expected = TF.conv_transpose2d(torch.tensor(x), torch.tensor(w)).numpy()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(expected))
    np.testing.assert_array_equal(
        y[np.isfinite(expected)], expected[np.isfinite(expected)]
    )


def test_empty_batch():
    x, w, b = np.zeros((0, 2, 3, 3)), np.ones((2, 3, 3, 3)), np.ones(3)
    assert F.conv_transpose2d(x, w, b).shape == (0, 3, 5, 5)
    grad_x, grad_w, grad_b = F.conv_transpose2d_backward(
        np.zeros((0, 3, 5, 5)), x, w, b
    )
    assert grad_x.shape == (0, 2, 3, 3)
    np.testing.assert_array_equal(grad_w, np.zeros((2, 3, 3, 3)))
    np.testing.assert_array_equal(grad_b, np.zeros(3))


X, Wt = np.zeros((2, 4, 5, 5)), np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        (
            (X[:, :3], Wt),
            {},
            ValueError,
            r"input has 3 channels.*expects 4 \(weight.shape\[0\]",
        ),
        (
            (X, Wt),
            dict(groups=3),
            ValueError,
            r"in_channels \(weight.shape\[0\] = 4\) must be divisible by groups = 3",
        ),
        (
            (X, Wt),
            dict(output_padding=1),
            ValueError,
            r"output_padding must be smaller than either stride or dilation",
        ),
        (
            (X, Wt),
            dict(output_padding=(0, 2), stride=2),
            ValueError,
            r"output_padding must be smaller than either stride or dilation",
        ),
        ((X, Wt), dict(output_padding=1, dilation=2), None, None),  # < dilation: fine
        ((X, Wt), dict(output_padding=-1), ValueError, r"output_padding must be >= 0"),
        (
            (X, Wt),
            dict(output_padding=0.5),
            TypeError,
            r"output_padding must be an int",
        ),
        (
            (np.zeros((5, 5)), Wt),
            {},
            ValueError,
            r"input must be 3-D .*channel dimension",
        ),
        ((np.zeros((1, 2, 4, 5, 5)), Wt), {}, ValueError, r"input must be 3-D"),
        (
            (X, np.zeros((4, 3, 3))),
            {},
            ValueError,
            r"weight must be 4-D \(C_in, C_out / groups",
        ),
        ((X, np.zeros((4, 0, 3, 3))), {}, ValueError, r"weight must have no zero-size"),
        (
            (np.zeros((1, 4, 0, 5)), Wt),
            {},
            ValueError,
            r"input must have non-zero height",
        ),
        (
            (X, Wt),
            dict(padding=4),
            ValueError,
            r"padding=\(4, 4\) is too large.*-1 x -1",
        ),
        ((X, Wt), dict(padding=3), None, None),  # 1 x 1 output
        ((X, Wt), dict(padding="same"), TypeError, r"padding must be an int or a pair"),
        ((X, Wt), dict(padding=-1), ValueError, r"padding must be >= 0"),
        ((X, Wt), dict(stride=0), ValueError, r"stride must be >= 1"),
        (
            (X, Wt),
            dict(stride=(1, 1, 1)),
            ValueError,
            r"stride must be an int or a pair",
        ),
        ((X, Wt), dict(dilation=0), ValueError, r"dilation must be >= 1"),
        ((X, Wt), dict(groups=0), ValueError, r"groups must be >= 1"),
        ((X, Wt, np.zeros(4)), {}, ValueError, r"bias must have shape \(3,\)"),
        (
            (X, Wt, np.zeros(3)),
            dict(groups=2),
            ValueError,
            r"bias must have shape \(6,\)",
        ),
        ((X.astype(int), Wt), {}, TypeError, r"input must have a floating-point dtype"),
        (([[1.0]], Wt), {}, TypeError, r"input must be an array"),
        (
            (X, Wt.astype(np.float32)),
            {},
            TypeError,
            r"input and weight must have the same",
        ),
    ],
)
def test_bad_arguments_name_the_argument(args, kwargs, error, match):
    if error is None:
        F.conv_transpose2d(*args, **kwargs)
        return
    with pytest.raises(error, match=match):
        F.conv_transpose2d(*args, **kwargs)


def test_grad_output_must_have_the_output_shape():
    with pytest.raises(
        ValueError,
        match=r"grad_output must have the shape of "
        r"conv_transpose2d's output \(2, 3, 7, 7\)",
    ):
        F.conv_transpose2d_backward(np.zeros((2, 3, 5, 5)), X, Wt)
    with pytest.raises(TypeError, match=r"grad_output and input must have the same"):
        F.conv_transpose2d_backward(np.zeros((2, 3, 7, 7), np.float32), X, Wt)
