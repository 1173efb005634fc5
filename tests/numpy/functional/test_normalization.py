"""Batch, layer, group and instance normalization (NumPy functional): forward, backward and
running statistics against torch in float64, finite differences, extreme inputs, dtypes and
bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck


def bn_inputs(draw, min_per_channel=2):
    """An (N, C, *) float64 input with at least two values per channel, and its C."""
    ndim = draw(st.sampled_from([2, 3, 4, 5]))
    shape = [draw(st.integers(1, 6 if ndim < 4 else 3)) for _ in range(ndim)]
    if np.prod(shape) // shape[1] < min_per_channel:
        shape[0] = min_per_channel
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    shift = draw(st.floats(-100, 100))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(shape) * scale + shift
    if draw(st.booleans()):
        x = np.round(x)                                   # ties and constant channels
    return x, shape[1]


def torch_batch_norm(x, mean, var, weight, bias, training, momentum, eps, g):
    xt = torch.tensor(x, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight, requires_grad=True)
    bt = None if bias is None else torch.tensor(bias, requires_grad=True)
    mt = None if mean is None else torch.tensor(mean)
    vt = None if var is None else torch.tensor(var)
    y = TF.batch_norm(xt, mt, vt, wt, bt, training, momentum, eps)
    y.backward(torch.tensor(g))
    grads = (xt.grad, None if wt is None else wt.grad, None if bt is None else bt.grad)
    stats = (None, None) if mt is None else (mt.numpy(), vt.numpy())
    return y.detach().numpy(), grads, stats


@given(data=st.data())
def test_batch_norm_matches_torch(data):
    x, C = bn_inputs(data.draw)
    training = data.draw(st.booleans())
    tracked = data.draw(st.booleans()) or not training
    affine = data.draw(st.booleans())
    momentum = data.draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]) | st.floats(0, 1))
    eps = data.draw(st.sampled_from([1e-5, 1e-3, 0.5]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    mean = rng.standard_normal(C) if tracked else None
    var = rng.uniform(0.1, 3.0, C) if tracked else None
    weight = rng.standard_normal(C) if affine else None
    bias = rng.standard_normal(C) if affine else None
    g = rng.standard_normal(x.shape)
    y_ref, grads_ref, stats_ref = torch_batch_norm(x, mean, var, weight, bias, training, momentum, eps, g)
    # the backward pass reads the running statistics the forward pass used: copy them first
    mean_used = None if mean is None else mean.copy()
    var_used = None if var is None else var.copy()
    y = F.batch_norm(x, mean, var, weight, bias, training, momentum, eps)
    grads = F.batch_norm_backward(g, x, mean_used, var_used, weight, bias, training, momentum, eps)
    assert y.shape == x.shape
    # x is standardized per channel, so with a large offset the absolute error scales with 1/std
    assert_close(y, y_ref, rtol=1e-7, atol=1e-7)
    for ours, theirs in zip(grads, grads_ref):
        if theirs is None:
            assert ours is None
        else:
            assert_close(ours, theirs, rtol=1e-7, atol=1e-6)
    if tracked:
        # updated in place, with torch's momentum convention and the unbiased variance
        assert_close(mean, stats_ref[0])
        assert_close(var, stats_ref[1])


def test_running_statistics_formula():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 5)) * 2 + 1
    mean, var = np.zeros(3), np.ones(3)
    F.batch_norm(x, mean, var, training=True, momentum=0.25)
    n = 8 * 5
    mu = x.mean(axis=(0, 2))
    unbiased = x.var(axis=(0, 2), ddof=1)
    assert_close(mean, 0.75 * 0 + 0.25 * mu)
    assert_close(var, 0.75 * 1 + 0.25 * unbiased)
    assert_close(unbiased, x.var(axis=(0, 2)) * n / (n - 1))


def test_training_normalizes_each_channel_and_eval_uses_running_stats():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4, 3, 3)) * np.array([1, 10, 0.1, 5]).reshape(1, 4, 1, 1) + 7
    y = F.batch_norm(x, None, None, training=True)
    assert_close(y.mean(axis=(0, 2, 3)), np.zeros(4), atol=1e-12, rtol=0)
    assert_close(y.var(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)) / (x.var(axis=(0, 2, 3)) + 1e-5))
    mean, var = np.full(4, 7.0), np.full(4, 4.0)
    y_eval = F.batch_norm(x, mean, var, training=False, eps=1e-5)
    assert_close(y_eval, (x - 7.0) / np.sqrt(4.0 + 1e-5))
    assert_close(mean, np.full(4, 7.0))      # evaluation never updates


def batch_norm_gradcheck(x, weight, bias, training, eps=1e-5):
    C = x.shape[1]
    mean, var = np.linspace(-1, 1, C), np.linspace(0.5, 2, C)

    def forward(x, w, b):
        # copies: in training mode the forward pass updates the statistics in place
        return F.batch_norm(x, mean.copy(), var.copy(), w, b, training, 0.1, eps)

    def backward(g, x, w, b):
        return F.batch_norm_backward(g, x, mean, var, w, b, training, 0.1, eps)

    gradcheck(forward, backward, [x, weight, bias])


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (3, 2, 2, 3), (2, 2, 2, 1, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(shape, training):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) * 2 + 0.5
    C = shape[1]
    batch_norm_gradcheck(x, rng.standard_normal(C), rng.standard_normal(C), training)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), c=st.integers(1, 3))
def test_batch_norm_gradcheck_random(seed, n, c):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, 2))
    batch_norm_gradcheck(x, rng.standard_normal(c), rng.standard_normal(c), training=True)


def test_batch_norm_gradient_through_statistics_sums_to_zero():
    # mean subtraction makes y invariant to shifting a channel: dL/dx sums to 0 per channel
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 4))
    g = rng.standard_normal(x.shape)
    grad_input, _, _ = F.batch_norm_backward(g, x, None, None, np.ones(3), None, training=True)
    assert_close(grad_input.sum(axis=(0, 2)), np.zeros(3), atol=1e-12, rtol=0)
    # and orthogonal to x_hat: y is invariant to scaling a channel (up to eps)
    x_hat = F.batch_norm(x, None, None, training=True, eps=1e-300)
    grad0, _, _ = F.batch_norm_backward(g, x, None, None, training=True, eps=1e-300)
    assert_close((grad0 * x_hat).sum(axis=(0, 2)), np.zeros(3), atol=1e-12, rtol=0)


def test_batch_norm_extreme_and_constant_inputs():
    x = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    for dtype in (np.float64, np.float32):
        xd = x.astype(dtype)
        y = F.batch_norm(xd, None, None, training=True)
        assert y.dtype == dtype and np.all(np.isfinite(y))
        assert_close(y, TF.batch_norm(torch.tensor(xd), None, None, training=True))
    # a constant channel has zero variance: eps keeps the output finite (zero)
    const = np.full((4, 2), 3.0)
    y = F.batch_norm(const, None, None, training=True)
    assert_close(y, np.zeros((4, 2)))
    grads = F.batch_norm_backward(np.ones((4, 2)), const, None, None, training=True)
    assert np.all(np.isfinite(grads[0]))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_batch_norm_keeps_dtype(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4)).astype(dtype)
    mean, var = np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    y = F.batch_norm(x, mean, var, np.ones(3, dtype), np.zeros(3, dtype), training=True)
    assert y.dtype == dtype and mean.dtype == np.float32
    grads = F.batch_norm_backward(np.ones_like(x), x, None, None, np.ones(3, dtype), np.zeros(3, dtype), True)
    assert [g.dtype for g in grads] == [dtype] * 3
    expected = TF.batch_norm(torch.tensor(x.astype(np.float32)), None, None, training=True).numpy().astype(dtype)
    assert_close(y, expected)


def test_batch_norm_bad_arguments():
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(x, np.zeros(4), np.ones(4), training=True)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\), one entry per channel"):
        F.batch_norm(x, None, None, np.ones(2), training=True)
    with pytest.raises(ValueError, match="must be given in evaluation mode"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match="both be given or both be None"):
        F.batch_norm(x, np.zeros(3), None, training=True)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(np.ones((1, 3)), None, None, training=True)
    with pytest.raises(ValueError, match="input must be at least 2-D"):
        F.batch_norm(np.ones(3), np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="momentum must be a real number"):
        F.batch_norm(x, np.zeros(3), np.ones(3), training=True, momentum=None)
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        F.batch_norm(x, np.zeros(3), np.ones(3), training=True, momentum=1.5)
    with pytest.raises(ValueError, match=r"eps must be in \(0.0, inf\), got -1.0"):
        F.batch_norm(x, np.zeros(3), np.ones(3), eps=-1.0)
    for eps in (0.0, float("inf"), float("nan")):                 # eps > 0 and finite, in both modes
        with pytest.raises(ValueError, match="eps must"):
            F.batch_norm(x, np.zeros(3), np.ones(3), training=False, eps=eps)
    with pytest.raises(TypeError, match="training must be a bool"):
        F.batch_norm(x, np.zeros(3), np.ones(3), training=1)
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        F.batch_norm(x, np.zeros(3), np.ones(3), np.ones(3, dtype=int))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        F.batch_norm(np.ones((4, 3), dtype=int), np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="running_mean must be a writeable NumPy array"):
        F.batch_norm(x, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64), training=True)
    with pytest.raises(TypeError, match=r"running_var must have the dtype of input \(float64\), got float32"):
        F.batch_norm(x, np.zeros(3), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match=r"weight must have the dtype of input \(float64\), got float16"):
        F.batch_norm(x, np.zeros(3), np.ones(3), np.ones(3, dtype=np.float16))
    with pytest.raises(ValueError, match="grad_output must have the shape of input"):
        F.batch_norm_backward(np.ones((3, 4)), x, None, None, training=True)


# -- layer norm -----------------------------------------------------------------------------


def torch_layer_norm(x, shape, weight, bias, eps, g):
    xt = torch.tensor(x, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight, requires_grad=True)
    bt = None if bias is None else torch.tensor(bias, requires_grad=True)
    y = TF.layer_norm(xt, shape, wt, bt, eps)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), (xt.grad, None if wt is None else wt.grad, None if bt is None else bt.grad)


@given(data=st.data())
def test_layer_norm_matches_torch(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    k = data.draw(st.integers(1, len(shape)))
    normalized_shape = shape[len(shape) - k:]
    scale = data.draw(st.sampled_from([1e-2, 1.0, 1e3]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(shape) * scale + data.draw(st.floats(-10, 10))
    with_weight, with_bias = data.draw(st.booleans()), data.draw(st.booleans())
    eps = data.draw(st.sampled_from([1e-5, 1e-2]))
    weight = rng.standard_normal(normalized_shape) if with_weight else None
    bias = rng.standard_normal(normalized_shape) if with_bias else None
    g = rng.standard_normal(shape)
    ns = list(normalized_shape) if data.draw(st.booleans()) else normalized_shape  # a list or a tuple
    y_ref, grads_ref = torch_layer_norm(x, list(normalized_shape), weight, bias, eps, g)
    assert_close(F.layer_norm(x, ns, weight, bias, eps), y_ref)
    for ours, theirs in zip(F.layer_norm_backward(g, x, ns, weight, bias, eps), grads_ref):
        if theirs is None:
            assert ours is None
        else:
            assert_close(ours, theirs, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("shape, normalized_shape", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 2, 2), (2,))])
def test_layer_norm_gradcheck(shape, normalized_shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(normalized_shape), rng.standard_normal(normalized_shape)
    gradcheck(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b),
              lambda g, x, w, b: F.layer_norm_backward(g, x, normalized_shape, w, b), [x, w, b])


def test_layer_norm_is_per_example():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 10)) * 5 + 3
    y = F.layer_norm(x, (10,))
    assert_close(y.mean(axis=1), np.zeros(6), atol=1e-12, rtol=0)
    # one example's output does not depend on the others
    assert_close(F.layer_norm(x[:1], (10,)), y[:1])


def test_layer_norm_extreme_inputs_and_dtypes():
    x = np.array([[1e4, -1e4, 0.0], [5.0, 5.0, 5.0]])
    for dtype in (np.float64, np.float32, np.float16):
        xd = x.astype(dtype)
        y = F.layer_norm(xd, (3,))
        assert y.dtype == dtype and np.all(np.isfinite(y))
        expected = TF.layer_norm(torch.tensor(x.astype(np.float32 if dtype == np.float16 else dtype)), [3])
        assert_close(y, expected.numpy().astype(dtype))


def test_layer_norm_bad_arguments():
    x = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match=r"normalized_shape=\[3\] must equal the trailing dimensions"):
        F.layer_norm(x, (3,))
    with pytest.raises(ValueError, match=r"normalized_shape=\[2, 3, 4, 5\]"):
        F.layer_norm(x, (2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"weight must have shape normalized_shape=\(4,\)"):
        F.layer_norm(x, (4,), np.ones(3))
    with pytest.raises(ValueError, match="normalized_shape must be a non-empty sequence of positive ints"):
        F.layer_norm(x, ())
    with pytest.raises(TypeError, match="normalized_shape must be a sequence of ints"):
        F.layer_norm(x, 4.0)
    # torch's F.layer_norm takes no int (its LayerNorm layer does): neither does dlref's
    with pytest.raises(TypeError, match="normalized_shape must be a sequence of ints"):
        F.layer_norm(x, 4)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        TF.layer_norm(torch.ones(2, 3, 4), 4)
    with pytest.raises(ValueError, match="grad_output must have the shape of input"):
        F.layer_norm_backward(np.ones((2, 3)), x, (4,))


# -- group norm -----------------------------------------------------------------------------


def torch_grads(fn, x, params, g):
    """torch's output and the gradients for x and each non-None parameter, in float64."""
    xt = torch.tensor(x, requires_grad=True)
    pt = [None if p is None else torch.tensor(p, requires_grad=True) for p in params]
    y = fn(xt, *pt)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), (xt.grad, *(None if p is None else p.grad for p in pt))


def assert_grads_close(ours, theirs):
    for a, b in zip(ours, theirs, strict=True):
        if b is None:
            assert a is None
        else:
            assert_close(a, b, rtol=1e-7, atol=1e-6)


def gamma_or_ones(weight, bias, x):
    """torch 2.13's group_norm backward fails ("tensor does not have a device") with a bias and
    no weight; gamma = 1 (not trained) computes the same function."""
    if weight is None and bias is not None:
        return torch.ones(x.shape[1], dtype=x.dtype)
    return weight


@st.composite
def group_norm_cases(draw):
    """A float64 (N, C, *) input with C divisible by num_groups, weight/bias or None, eps."""
    G = draw(st.integers(1, 3))
    C = G * draw(st.integers(1, 3))
    N = draw(st.integers(1, 3))
    spatial = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    if N * (C // G) * int(np.prod(spatial)) == 1:
        N = 2                                             # torch refuses a single value per group
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((N, C, *spatial)) * draw(st.sampled_from([1e-2, 1.0, 1e3])) \
        + draw(st.floats(-100, 100))
    if draw(st.booleans()):
        x = np.round(x)                                   # ties and constant groups
    weight = rng.standard_normal(C) if draw(st.booleans()) else None
    bias = rng.standard_normal(C) if draw(st.booleans()) else None
    return x, G, weight, bias, draw(st.sampled_from([1e-5, 1e-2])), rng.standard_normal(x.shape)


@given(case=group_norm_cases())
def test_group_norm_matches_torch(case):
    x, G, weight, bias, eps, g = case
    y_ref, grads_ref = torch_grads(lambda t, w, b: TF.group_norm(t, G, gamma_or_ones(w, b, t), b, eps),
                                   x, (weight, bias), g)
    y = F.group_norm(x, G, weight, bias, eps)
    assert y.shape == x.shape
    assert_close(y, y_ref)
    assert_grads_close(F.group_norm_backward(g, x, G, weight, bias, eps), grads_ref)


@pytest.mark.parametrize("shape, G", [((2, 4), 2), ((3, 6, 2), 3), ((2, 4, 2, 3), 2), ((1, 3, 2, 2), 1),
                                      ((2, 3, 3), 3)])
def test_group_norm_gradcheck(shape, G):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape) * 2 + 1
    C = shape[1]
    gradcheck(lambda x, w, b: F.group_norm(x, G, w, b),
              lambda g, x, w, b: F.group_norm_backward(g, x, G, w, b),
              [x, rng.standard_normal(C), rng.standard_normal(C)])


@given(seed=st.integers(0, 2**32 - 1), G=st.integers(1, 3), per_group=st.integers(1, 2), n=st.integers(1, 3))
def test_group_norm_gradcheck_random(seed, G, per_group, n):
    rng = np.random.default_rng(seed)
    C = G * per_group
    x = rng.standard_normal((n, C, 3))
    gradcheck(lambda x, w, b: F.group_norm(x, G, w, b),
              lambda g, x, w, b: F.group_norm_backward(g, x, G, w, b),
              [x, rng.standard_normal(C), rng.standard_normal(C)])


def test_group_norm_special_cases_are_layer_and_instance_norm():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 2, 5)) * 3 + 1
    # one group: every example over all of (C, H, W), as layer norm over those dimensions
    assert_close(F.group_norm(x, 1), F.layer_norm(x, (4, 2, 5)))
    # C groups: every channel of every example alone, as instance norm
    assert_close(F.group_norm(x, 4), F.instance_norm(x))
    # each group of each example has mean 0 and variance 1 (up to eps)
    y = F.group_norm(x, 2).reshape(3, 2, -1)
    assert_close(y.mean(axis=2), np.zeros((3, 2)), atol=1e-12, rtol=0)
    # one example's output does not depend on the others
    assert_close(F.group_norm(x[:1], 2), F.group_norm(x, 2)[:1])


def test_group_norm_gradient_sums_to_zero_per_group():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 3))
    grad_input, _, _ = F.group_norm_backward(rng.standard_normal(x.shape), x, 3)
    assert_close(grad_input.reshape(2, 3, -1).sum(axis=2), np.zeros((2, 3)), atol=1e-12, rtol=0)


def test_group_norm_extreme_inputs_and_dtypes():
    x = np.array([[[1e4, -1e4], [1e4, 1e4], [5.0, 5.0], [5.0, 5.0]]])          # (1, 4, 2): last group constant
    for dtype in (np.float64, np.float32, np.float16):
        xd = x.astype(dtype) if dtype != np.float16 else np.clip(x, -6e4, 6e4).astype(dtype)
        y = F.group_norm(xd, 2, np.ones(4, dtype), np.zeros(4, dtype))
        assert y.dtype == dtype and np.all(np.isfinite(y))
        grads = F.group_norm_backward(np.ones_like(xd), xd, 2, np.ones(4, dtype), np.zeros(4, dtype))
        assert [g.dtype for g in grads] == [dtype] * 3 and all(np.all(np.isfinite(g)) for g in grads)
        work = torch.tensor(xd.astype(np.float32 if dtype == np.float16 else dtype))
        assert_close(y, TF.group_norm(work, 2).numpy().astype(dtype))


def test_group_norm_bad_arguments():
    x = np.ones((2, 6, 3))
    with pytest.raises(ValueError, match=r"must be divisible by num_groups, got 6 channels .* num_groups=4"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match="num_groups must be >= 1"):
        F.group_norm(x, 0)
    with pytest.raises(TypeError, match="num_groups must be an int"):
        F.group_norm(x, 2.0)
    with pytest.raises(ValueError, match=r"weight must have shape \(6,\), one entry per channel"):
        F.group_norm(x, 2, np.ones(3))
    with pytest.raises(ValueError, match=r"bias must have shape \(6,\)"):
        F.group_norm(x, 2, None, np.ones((6, 1)))
    with pytest.raises(ValueError, match="input must be at least 2-D"):
        F.group_norm(np.ones(6), 2)
    with pytest.raises(ValueError, match="input must not be empty"):
        F.group_norm(np.ones((2, 6, 0)), 2)
    with pytest.raises(ValueError, match="Expected more than 1 value per group"):
        F.group_norm(np.ones((1, 3, 1)), 3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):   # torch agrees
        TF.group_norm(torch.ones(1, 3, 1), 3)
    with pytest.raises(ValueError, match="eps must be in"):
        F.group_norm(x, 2, eps=0.0)
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        F.group_norm(np.ones((2, 6), dtype=int), 2)
    with pytest.raises(ValueError, match="grad_output must have the shape of input"):
        F.group_norm_backward(np.ones((2, 6)), x, 2)


# -- instance norm --------------------------------------------------------------------------


@st.composite
def instance_norm_cases(draw):
    """An (N, C, *) float64 input, optional running statistics, weight, bias, mode, momentum, eps."""
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    spatial = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    use_input_stats = draw(st.booleans())
    if int(np.prod(spatial)) == 1:
        spatial[0] = 2                                    # more than one position per instance
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((N, C, *spatial)) * draw(st.sampled_from([1e-2, 1.0, 1e3])) \
        + draw(st.floats(-100, 100))
    tracked = draw(st.booleans()) or not use_input_stats
    stats = (rng.standard_normal(C), rng.uniform(0.1, 3.0, C)) if tracked else (None, None)
    weight = rng.standard_normal(C) if draw(st.booleans()) else None
    bias = rng.standard_normal(C) if draw(st.booleans()) else None
    momentum = draw(st.sampled_from([0.0, 0.1, 1.0]) | st.floats(0, 1))
    return x, stats, weight, bias, use_input_stats, momentum, draw(st.sampled_from([1e-5, 1e-2])), \
        rng.standard_normal(x.shape)


@given(case=instance_norm_cases())
def test_instance_norm_matches_torch(case):
    x, (mean, var), weight, bias, use_input_stats, momentum, eps, g = case
    mt = None if mean is None else torch.tensor(mean)
    vt = None if var is None else torch.tensor(var)
    y_ref, grads_ref = torch_grads(
        lambda t, w, b: TF.instance_norm(t, mt, vt, w, b, use_input_stats, momentum, eps), x, (weight, bias), g)
    # the backward pass reads the running statistics the forward pass used: copy them first
    used = (None, None) if mean is None else (mean.copy(), var.copy())
    y = F.instance_norm(x, mean, var, weight, bias, use_input_stats, momentum, eps)
    assert_close(y, y_ref)
    assert_grads_close(F.instance_norm_backward(g, x, *used, weight, bias, use_input_stats, momentum, eps),
                       grads_ref)
    if mean is not None:
        # updated in place (only with use_input_stats), with the batch average of the instance statistics
        assert_close(mean, mt)
        assert_close(var, vt)


def test_instance_norm_running_statistics_formula():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 4, 2)) * 2 + 1                 # S = 8 positions
    mean, var = np.zeros(3), np.ones(3)
    F.instance_norm(x, mean, var, momentum=0.25)
    mu = x.mean(axis=(2, 3))                                      # (N, C)
    unbiased = x.var(axis=(2, 3), ddof=1)
    assert_close(mean, 0.25 * mu.mean(axis=0))
    assert_close(var, 0.75 + 0.25 * unbiased.mean(axis=0))
    before = (mean.copy(), var.copy())
    y = F.instance_norm(x, mean, var, use_input_stats=False)      # normalizes with them, no update
    assert_close(y, (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5))
    np.testing.assert_array_equal(mean, before[0])
    np.testing.assert_array_equal(var, before[1])


@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 2, 2, 3), (2, 1, 3, 2)])
def test_instance_norm_gradcheck(shape, use_input_stats):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape) * 2 - 1
    C = shape[1]
    mean, var = np.linspace(-1, 1, C), np.linspace(0.5, 2, C)

    def forward(x, w, b):
        # copies: with use_input_stats the forward pass updates the statistics in place
        return F.instance_norm(x, mean.copy(), var.copy(), w, b, use_input_stats)

    gradcheck(forward, lambda g, x, w, b: F.instance_norm_backward(g, x, mean, var, w, b, use_input_stats),
              [x, rng.standard_normal(C), rng.standard_normal(C)])


def test_instance_norm_is_per_instance_and_extreme_inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 5)) * np.array([1.0, 100.0]).reshape(1, 2, 1) + 7
    y = F.instance_norm(x)
    assert_close(y.mean(axis=2), np.zeros((3, 2)), atol=1e-12, rtol=0)
    assert_close(F.instance_norm(x[1:2]), y[1:2])
    big = np.array([[[1e4, -1e4, 1e4], [3.0, 3.0, 3.0]]])        # a constant instance: eps keeps it finite
    expected = F.instance_norm(big)
    assert_close(expected, TF.instance_norm(torch.tensor(big)))
    for dtype in (np.float64, np.float32, np.float16):
        xd = big.astype(dtype)
        stats_dtype = np.float32 if dtype == np.float16 else dtype    # torch's one mixed pair: float16 with float32
        out = F.instance_norm(xd, np.zeros(2, stats_dtype), np.ones(2, stats_dtype))
        assert out.dtype == dtype and np.all(np.isfinite(out))
        # (torch's float32 kernel leaves 3e-5 on the constant instance: rounding of its mean / sqrt(eps))
        assert_close(out, expected.astype(dtype))
        grads = F.instance_norm_backward(np.ones_like(xd), xd)
        assert grads[0].dtype == dtype and np.all(np.isfinite(grads[0]))


def test_instance_norm_bad_arguments():
    x = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        F.instance_norm(np.ones((2, 3, 1, 1)))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):       # torch agrees
        TF.instance_norm(torch.ones(2, 3, 1, 1))
    F.instance_norm(np.ones((2, 3)), np.zeros(3), np.ones(3), use_input_stats=False)  # fine: no statistics taken
    with pytest.raises(ValueError, match="running_mean and running_var must be given when use_input_stats=False"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(ValueError, match="both be given or both be None"):
        F.instance_norm(x, np.zeros(3))
    with pytest.raises(ValueError, match=r"running_var must have shape \(3,\)"):
        F.instance_norm(x, np.zeros(3), np.ones(2))
    with pytest.raises(TypeError, match="running_mean must be a writeable NumPy array"):
        F.instance_norm(x, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    with pytest.raises(TypeError, match="use_input_stats must be a bool"):
        F.instance_norm(x, use_input_stats="yes")
    with pytest.raises(TypeError, match="momentum must be a real number"):
        F.instance_norm(x, np.zeros(3), np.ones(3), momentum=None)
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        F.instance_norm(x, momentum=-0.5)
    with pytest.raises(ValueError, match="input must not be empty"):
        F.instance_norm(np.ones((0, 3, 4)))
    with pytest.raises(ValueError, match="grad_output must have the shape of input"):
        F.instance_norm_backward(np.ones((2, 3)), x)


def test_layer_norm_rejects_eps_zero_before_dividing_by_zero():
    # regression: a constant row with eps=0 used to warn and return NaN
    with pytest.raises(ValueError, match=r"eps must be in \(0.0, inf\)"):
        F.layer_norm(np.ones((2, 3)), (3,), eps=0.0)
