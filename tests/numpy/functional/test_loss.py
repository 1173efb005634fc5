"""Loss functions (NumPy): values and input gradients against torch.nn.functional in float64,
finite differences, extreme logits, dtypes and bad arguments."""

import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck

REDUCTIONS = ["mean", "sum", "none"]


def torch_value_and_grad(fn, x, args, kwargs, grad_output):
    """torch's loss and its gradient for ``x`` given ``grad_output``."""
    xt = torch.tensor(x, requires_grad=True)
    args_t = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    kwargs_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():  # torch's kl_div warns for its default reduction='mean'
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
        loss = fn(xt, *args_t, **kwargs_t)
    loss.backward(torch.tensor(grad_output, dtype=loss.dtype))
    return loss.detach().numpy(), xt.grad.numpy()


def check_against_torch(name, x, target, grad_seed=0, **kwargs):
    """Our value and gradient for ``x`` against torch's, for a random ``grad_output``."""
    ours = getattr(F, name)(x, target, **kwargs)
    g = np.random.default_rng(grad_seed).standard_normal(np.shape(ours))
    grad_ours = getattr(F, name + "_backward")(g, x, target, **kwargs)
    value_torch, grad_torch = torch_value_and_grad(getattr(TF, name), x, [target], kwargs, g)
    assert_close(ours, value_torch, msg=f"{name} value")
    assert_close(grad_ours, grad_torch, msg=f"{name} gradient")
    assert np.asarray(ours).dtype == x.dtype and grad_ours.dtype == x.dtype
    return ours, grad_ours


shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)


def arrays(shape, low=-10.0, high=10.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False))


# -- regression -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_regression_matches_torch(name, data, shape, reduction):
    x = data.draw(arrays(shape))
    # draw the target near x half of the time, so Huber's both branches and l1's kink are hit
    y = data.draw(st.one_of(arrays(shape), st.just(x.copy())))
    kwargs = {"reduction": reduction}
    if name == "huber_loss":
        kwargs["delta"] = data.draw(st.floats(0.01, 20.0))
    check_against_torch(name, x, y, **kwargs)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_at_the_seam_and_l1_at_the_kink(delta):
    # |d| exactly delta (where the two branches meet) and d exactly 0
    x = np.array([delta, -delta, 0.0, 3.0 * delta, -0.25 * delta])
    y = np.zeros_like(x)
    check_against_torch("huber_loss", x, y, reduction="sum", delta=delta)
    check_against_torch("l1_loss", x, y, reduction="sum")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_gradcheck(name, reduction, rng):
    x = rng.standard_normal((3, 4)) * 2
    y = rng.standard_normal((3, 4)) * 2
    kwargs = {"reduction": reduction}
    gradcheck(lambda a: getattr(F, name)(a, y, **kwargs),
              lambda g, a: getattr(F, name + "_backward")(g, a, y, **kwargs), [x])


def test_huber_is_mse_near_zero_and_l1_far_away():
    d = np.array([0.1, -0.3, 5.0, -8.0])
    zeros = np.zeros(4)
    huber = F.huber_loss(d, zeros, reduction="none", delta=1.0)
    assert_close(huber[:2], 0.5 * F.mse_loss(d[:2], zeros[:2], reduction="none"))
    assert_close(huber[2:], F.l1_loss(d[2:], zeros[2:], reduction="none") - 0.5)


# -- binary cross-entropy ---------------------------------------------------------------------


def weight_for(data, shape, name):
    """None, a full-shape weight, or one broadcast along the last dimension."""
    options = [st.none(), hnp.arrays(np.float64, shape, elements=st.floats(0, 3))]
    if len(shape) >= 1:
        options.append(hnp.arrays(np.float64, shape[-1:], elements=st.floats(0, 3)))
    return data.draw(st.one_of(*options), label=name)


@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_matches_torch(data, shape, reduction):
    x = data.draw(arrays(shape, 1e-6, 1 - 1e-6))
    y = data.draw(st.one_of(arrays(shape, 0.0, 1.0), hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0]))))
    weight = weight_for(data, shape, "weight")
    check_against_torch("binary_cross_entropy", x, y, weight=weight, reduction=reduction)


@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_with_logits_matches_torch(data, shape, reduction):
    x = data.draw(arrays(shape, -60.0, 60.0))
    y = data.draw(arrays(shape, 0.0, 1.0))
    weight = weight_for(data, shape, "weight")
    pos_weight = weight_for(data, shape, "pos_weight")
    check_against_torch("binary_cross_entropy_with_logits", x, y, weight=weight, reduction=reduction,
                        pos_weight=pos_weight)


def test_binary_cross_entropy_floors_logs_at_minus_100_like_torch():
    # probabilities exactly 0 and 1, and one closer to 0 than 1e-12
    x = np.array([0.0, 1.0, 1e-20, 1.0, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    loss, grad = check_against_torch("binary_cross_entropy", x, y, reduction="none")
    assert_close(loss, np.array([100.0, 100.0, 1e-20, 0.0, 0.0]))
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_gradcheck(reduction, rng):
    x = rng.uniform(0.05, 0.95, (4, 3))
    y = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (3,))
    gradcheck(lambda a: F.binary_cross_entropy(a, y, w, reduction),
              lambda g, a: F.binary_cross_entropy_backward(g, a, y, w, reduction), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits_gradcheck(reduction, with_pos_weight, rng):
    x = rng.standard_normal((4, 3)) * 3
    y = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 1))
    p = rng.uniform(0.5, 3, (3,)) if with_pos_weight else None
    gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, y, w, reduction, p),
              lambda g, a: F.binary_cross_entropy_with_logits_backward(g, a, y, w, reduction, p), [x])


@pytest.mark.parametrize("pos_weight", [None, np.array([3.0])])
def test_binary_cross_entropy_with_logits_extreme_logits(pos_weight):
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 800.0, -800.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.3, 0.7])
    loss, grad = check_against_torch("binary_cross_entropy_with_logits", x, y, reduction="none",
                                     pos_weight=pos_weight)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    p = 1.0 if pos_weight is None else 3.0
    # a confident right answer costs nothing; a confident wrong one costs |x| (times p)
    assert_close(loss[:4], np.array([0.0, 0.0, 1e4, p * 1e4]))


def test_binary_cross_entropy_with_logits_equals_two_class_cross_entropy(rng):
    # sigmoid(x) = softmax([0, x])[1], so BCE-with-logits(x, y) = CE([0, x], y)
    x = rng.standard_normal(8) * 4
    y = rng.integers(0, 2, 8)
    logits_2 = np.stack([np.zeros(8), x], axis=1)                       # (N, 2)
    bce = F.binary_cross_entropy_with_logits(x, y.astype(np.float64), reduction="none")
    assert_close(bce, F.cross_entropy(logits_2, y, reduction="none"))


# -- cross-entropy and NLL ----------------------------------------------------------------------


@st.composite
def class_problem(draw, max_classes=5):
    """Logits of shape (C,), (N, C), (N, C, d1) or (N, C, d1, d2) and matching index targets."""
    C = draw(st.integers(1, max_classes))
    extra = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    one_d = draw(st.booleans()) and not extra
    shape = (C,) if one_d else (draw(st.integers(1, 4)), C, *extra)
    x = draw(arrays(shape, -20.0, 20.0))
    index_shape = () if one_d else (shape[0], *extra)
    seed = draw(st.integers(0, 2**32 - 1))
    y = np.random.default_rng(seed).integers(0, C, index_shape)
    return x, y, C


@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_class_indices_matches_torch(problem, data, reduction):
    x, y, C = problem
    weight = data.draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0.1, 3))))
    label_smoothing = data.draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0)))
    # ignore some positions, with the default -100 or with a real class number
    ignore_index = data.draw(st.sampled_from([-100, 0]))
    if y.ndim and data.draw(st.booleans()):
        y = np.where(np.random.default_rng(1).random(y.shape) < 0.3, ignore_index, y)
    kwargs = dict(weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    if reduction == "mean" and np.all(y == ignore_index):
        return  # 0/0: covered by test_everything_ignored_is_nan_with_zero_gradient
    check_against_torch("cross_entropy", x, y, **kwargs)


@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_probabilities_matches_torch(problem, data, reduction):
    x, _, C = problem
    raw = data.draw(arrays(x.shape, 0.0, 1.0))
    # rows of class probabilities (class dimension 1, or 0 for (C,))
    axis = 1 if x.ndim > 1 else 0
    t = (raw + 1e-3) / (raw + 1e-3).sum(axis=axis, keepdims=True)
    weight = data.draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0.1, 3))))
    label_smoothing = data.draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0)))
    check_against_torch("cross_entropy", x, t, weight=weight, reduction=reduction, label_smoothing=label_smoothing)


@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_torch(problem, data, reduction):
    x, y, C = problem
    weight = data.draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0.1, 3))))
    if y.ndim and data.draw(st.booleans()):
        y = np.where(np.random.default_rng(2).random(y.shape) < 0.3, -100, y)
    if reduction == "mean" and np.all(y == -100):
        return
    check_against_torch("nll_loss", x, y, weight=weight, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("probabilities", [False, True])
def test_cross_entropy_gradcheck(reduction, label_smoothing, probabilities, rng):
    x = rng.standard_normal((3, 4, 2)) * 2                              # (N, C, d1)
    if probabilities:
        target = rng.dirichlet(np.ones(4), (3, 2)).transpose(0, 2, 1)     # (N, C, d1)
    else:
        target = np.array([[0, 3], [-100, 1], [2, 2]])                    # (N, d1)
    w = np.array([0.5, 1.0, 2.0, 1.5])
    kwargs = dict(weight=w, reduction=reduction, label_smoothing=label_smoothing)
    gradcheck(lambda a: F.cross_entropy(a, target, **kwargs),
              lambda g, a: F.cross_entropy_backward(g, a, target, **kwargs), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction, rng):
    x = rng.standard_normal((5, 3))
    y = np.array([0, 2, -100, 1, 2])
    w = np.array([0.5, 1.0, 2.0])
    gradcheck(lambda a: F.nll_loss(a, y, w, reduction=reduction),
              lambda g, a: F.nll_loss_backward(g, a, y, w, reduction=reduction), [x])


def test_nll_of_log_softmax_is_cross_entropy(rng):
    x = rng.standard_normal((6, 4)) * 5
    y = rng.integers(0, 4, 6)
    log_p = x - x.max(1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(1, keepdims=True))
    assert_close(F.nll_loss(log_p, y), F.cross_entropy(x, y))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_extreme_logits(label_smoothing):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, 1e4]])
    y = np.array([1, 0, 2])
    loss, grad = check_against_torch("cross_entropy", x, y, reduction="none", label_smoothing=label_smoothing)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    if label_smoothing == 0.0:
        assert_close(loss, np.array([2e4, 2e4 + np.log(2), np.log(3)]))


def test_everything_ignored_is_nan_with_zero_gradient():
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([-100, -100])
    for name, kwargs in [("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}), ("nll_loss", {})]:
        value_torch, grad_torch = torch_value_and_grad(getattr(TF, name), x, [y], kwargs, np.array(1.0))
        assert np.isnan(value_torch)
        assert np.isnan(getattr(F, name)(x, y, **kwargs))
        assert_close(getattr(F, name + "_backward")(1.0, x, y, **kwargs), grad_torch)


# -- multi-margin (multiclass hinge) loss ---------------------------------------------------------


@st.composite
def margin_problem(draw):
    """Scores (N, C) or (C,), class indices, and the loss's options; scores on a grid of 0.5 half the
    time, so that margins met exactly (z = 0, where the hinge has its kink) are hit."""
    C = draw(st.integers(1, 5))
    unbatched = draw(st.booleans())
    shape = (C,) if unbatched else (draw(st.integers(0, 4)), C)
    grid = hnp.arrays(np.float64, shape, elements=st.integers(-6, 6).map(lambda k: k / 2))
    x = draw(st.one_of(arrays(shape, -5.0, 5.0), grid))
    y = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, C, shape[:-1])
    kwargs = dict(p=draw(st.sampled_from([1, 2])),
                  margin=draw(st.one_of(st.sampled_from([1.0, 0.5, 0.0]), st.floats(-2.0, 3.0))),
                  weight=draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0, 3)))),
                  reduction=draw(st.sampled_from(REDUCTIONS)))
    return x, y, kwargs


@given(problem=margin_problem())
def test_multi_margin_loss_matches_torch(problem):
    x, y, kwargs = problem
    if kwargs["reduction"] == "mean" and y.size == 0 and y.ndim == 1:
        return  # the mean over zero examples: NaN here, an arbitrary number in torch (see below)
    check_against_torch("multi_margin_loss", x, y, **kwargs)


def test_multi_margin_loss_over_no_examples():
    x = np.zeros((0, 3))
    y = np.zeros(0, dtype=np.int64)
    assert np.isnan(F.multi_margin_loss(x, y))
    assert F.multi_margin_loss(x, y, reduction="sum") == 0.0
    assert F.multi_margin_loss_backward(1.0, x, y).shape == (0, 3)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("unbatched", [False, True])
def test_multi_margin_loss_gradcheck(p, reduction, unbatched, rng):
    x = rng.standard_normal(5 if unbatched else (4, 5))
    y = np.array(3) if unbatched else np.array([0, 4, 2, 2])
    w = rng.uniform(0.5, 2, 5)
    gradcheck(lambda a: F.multi_margin_loss(a, y, p, 0.8, w, reduction),
              lambda g, a: F.multi_margin_loss_backward(g, a, y, p, 0.8, w, reduction), [x])


def test_multi_margin_loss_by_hand():
    # target 0 scores 2; class 1 is within the margin (2 - 1.5 = 0.5 < 1), class 2 is not (2 - 0 = 2)
    x = np.array([[2.0, 1.5, 0.0]])
    y = np.array([0])
    # z = 1 - 2 + [., 1.5, 0] = [., 0.5, -1]: only class 1 counts; divide by C = 3
    assert_close(F.multi_margin_loss(x, y), np.float64(0.5 / 3))
    assert_close(F.multi_margin_loss(x, y, p=2), np.float64(0.25 / 3))
    assert_close(F.multi_margin_loss(x, y, weight=np.array([4.0, 1.0, 1.0])), np.float64(4 * 0.5 / 3))
    # d/dx: the violating class up by 1/3, the target down by 1/3, class 2 untouched
    assert_close(F.multi_margin_loss_backward(1.0, x, y), np.array([[-1 / 3, 1 / 3, 0.0]]))
    # a wide enough lead costs nothing and gives no gradient
    x_far = np.array([[5.0, 1.5, 0.0]])
    assert F.multi_margin_loss(x_far, y) == 0.0
    assert not F.multi_margin_loss_backward(1.0, x_far, y).any()


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_margin_met_exactly(p):
    # z = 1 - 1 + 0 = 0 for class 1: on the kink, where torch's gradient is 0
    x = np.array([[1.0, 0.0, 2.0]])
    loss, grad = check_against_torch("multi_margin_loss", x, np.array([0]), p=p, reduction="sum")
    assert grad[0, 1] == 0.0


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_extreme_scores(p):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, 1e4]])
    y = np.array([1, 0, 2])
    loss, grad = check_against_torch("multi_margin_loss", x, y, p=p, reduction="none")
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))


def test_multi_margin_loss_bad_arguments():
    x = np.zeros((2, 3))
    y = np.array([0, 1])
    with pytest.raises(ValueError, match=r"p must be one of \(1, 2\), got 3"):
        F.multi_margin_loss(x, y, p=3)
    with pytest.raises(TypeError, match="p must be an int, got float"):
        F.multi_margin_loss(x, y, p=2.0)
    with pytest.raises(ValueError, match="margin must not be NaN"):
        F.multi_margin_loss(x, y, margin=float("nan"))
    with pytest.raises(TypeError, match="margin must be a real number, got str"):
        F.multi_margin_loss(x, y, margin="1")
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\) = \(3,\)"):
        F.multi_margin_loss(x, y, weight=np.ones(2))
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        F.multi_margin_loss(x, y, weight=np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match="target must hold integer class indices, got dtype float64"):
        F.multi_margin_loss(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\], got values in \[0, 3\]"):
        F.multi_margin_loss(x, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        F.multi_margin_loss_backward(1.0, x, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"target must have shape \(2,\) \(class indices\) for input of shape \(2, 3\)"):
        F.multi_margin_loss(x, np.array([[0], [1]]))
    with pytest.raises(ValueError, match=r"input must have shape \(C,\) or \(N, C\), got shape \(2, 3, 1\)"):
        F.multi_margin_loss(np.zeros((2, 3, 1)), y)
    with pytest.raises(ValueError, match=r"input must have at least one class"):
        F.multi_margin_loss(np.zeros((2, 0)), y)
    with pytest.raises(TypeError, match="target must be a NumPy array, got list"):
        F.multi_margin_loss(x, [0, 1])


# -- KL divergence -------------------------------------------------------------------------------------


@st.composite
def kl_problem(draw):
    """Log-probabilities, a target (probabilities with some exact zeros, or log-probabilities) and options."""
    shape = draw(shapes)
    x = draw(arrays(shape, -20.0, 0.0))
    log_target = draw(st.booleans())
    if log_target:
        target = draw(arrays(shape, -20.0, 0.0))
    else:
        target = draw(st.one_of(arrays(shape, 0.0, 1.0),
                                hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.25, 1.0]))))
    reduction = draw(st.sampled_from(["none", "batchmean", "sum", "mean"]))
    return x, target, dict(reduction=reduction, log_target=log_target)


@given(problem=kl_problem())
def test_kl_div_matches_torch(problem):
    x, target, kwargs = problem
    check_against_torch("kl_div", x, target, **kwargs)


@pytest.mark.parametrize("reduction", ["none", "batchmean", "sum", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target, rng):
    x = np.log(rng.dirichlet(np.ones(4), 3))                      # (N, C) log q
    p = rng.dirichlet(np.ones(4), 3)
    p[0, 1] = 0.0                                                 # a class the target rules out
    t = np.log(p + 1e-3) if log_target else p
    gradcheck(lambda a: F.kl_div(a, t, reduction, log_target),
              lambda g, a: F.kl_div_backward(g, a, t, reduction, log_target), [x])


def test_kl_div_is_the_divergence_and_cross_entropy_minus_entropy(rng):
    z = rng.standard_normal((5, 4)) * 2                           # logits of the model q
    log_q = z - np.log(np.exp(z).sum(1, keepdims=True))
    p = rng.dirichlet(np.ones(4), 5)                              # target distributions
    kl_rows = (p * np.log(p / np.exp(log_q))).sum(1)              # KL(p || q) per example
    assert_close(F.kl_div(log_q, p, reduction="batchmean"), kl_rows.mean())
    assert_close(F.kl_div(log_q, p, reduction="mean"), kl_rows.mean() / 4)   # 'mean' divides by C too
    assert_close(F.kl_div(log_q, np.log(p), reduction="batchmean", log_target=True), kl_rows.mean())
    # cross-entropy = entropy + KL, example by example
    entropy = -(p * np.log(p)).sum(1)
    assert_close(F.cross_entropy(z, p, reduction="none"), entropy + F.kl_div(log_q, p, reduction="none").sum(1))
    # KL >= 0, and 0 when the model equals the target
    assert np.all(kl_rows > 0)
    assert_close(F.kl_div(np.log(p), p, reduction="sum"), np.float64(0.0), atol=1e-12)


def test_kl_div_zero_target_terms_are_zero():
    # p = 0 contributes 0 even where log q = -inf (torch: NaN) and in log space (t = -inf)
    x = np.array([-np.inf, np.log(0.5), np.log(0.5)])
    p = np.array([0.0, 0.5, 0.5])
    assert_close(F.kl_div(x, p, reduction="none"), np.zeros(3))
    log_p = np.array([-np.inf, np.log(0.5), np.log(0.5)])
    assert_close(F.kl_div(x, log_p, reduction="none", log_target=True), np.zeros(3))
    assert_close(F.kl_div_backward(np.ones(3), x, p, reduction="none"), -p)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_extreme_inputs(log_target):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 0.0, 1e4]])
    t = np.array([[0.2, 0.0, 0.8], [1.0, 0.0, 0.0]])
    if log_target:
        t = np.array([[-1e4, 0.0, -1.0], [-1e4, -1e4, 0.0]])
    loss, grad = check_against_torch("kl_div", x, t, reduction="none", log_target=log_target)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))


def test_kl_div_batchmean_on_small_inputs():
    # 0-D: 'batchmean' is the sum (as torch); no examples: NaN, with an empty gradient
    assert_close(F.kl_div(np.array(-1.0), np.array(0.5), reduction="batchmean"),
                 np.float64(0.5 * (np.log(0.5) + 1)))
    x = np.zeros((0, 3))
    assert np.isnan(F.kl_div(x, x, reduction="batchmean"))
    assert F.kl_div_backward(1.0, x, x, reduction="batchmean").shape == (0, 3)


def test_kl_div_bad_arguments():
    x = np.log(np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"target must hold values >= 0, got a minimum of -0.5"):
        F.kl_div(x, np.array([[1.0, 0.0, 0.0], [0.5, 1.0, -0.5]]))
    with pytest.raises(ValueError, match="target must hold values >= 0"):
        F.kl_div_backward(1.0, x, np.full((2, 3), np.nan))
    with pytest.raises(TypeError, match="log_target must be a bool, got int"):
        F.kl_div(x, x, log_target=1)
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(2, 3\) and \(3,\)"):
        F.kl_div(x, np.full(3, 1 / 3))
    with pytest.raises(TypeError, match="target must have a floating-point dtype"):
        F.kl_div(x, np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="target must be a NumPy array, got Tensor"):
        F.kl_div(x, torch.zeros(2, 3, dtype=torch.float64))


# -- dtypes ---------------------------------------------------------------------------------------

CASES_32 = {
    "mse_loss": lambda r: (r.standard_normal((4, 3)), r.standard_normal((4, 3)), {}),
    "l1_loss": lambda r: (r.standard_normal((4, 3)), r.standard_normal((4, 3)), {}),
    "huber_loss": lambda r: (r.standard_normal((4, 3)), r.standard_normal((4, 3)), {"delta": 0.7}),
    "binary_cross_entropy": lambda r: (r.uniform(0.01, 0.99, (4, 3)), r.uniform(0, 1, (4, 3)),
                                       {"weight": r.uniform(0, 1, 3).astype(np.float32)}),
    "binary_cross_entropy_with_logits": lambda r: (r.standard_normal((4, 3)), r.uniform(0, 1, (4, 3)),
                                                   {"pos_weight": np.full(3, 2.0, np.float32)}),
    "cross_entropy": lambda r: (r.standard_normal((4, 3)), np.array([0, 2, 1, 1]),
                                {"weight": np.array([1, 2, 3], np.float32), "label_smoothing": 0.1}),
    "nll_loss": lambda r: (r.standard_normal((4, 3)), np.array([0, 2, 1, 1]), {}),
    "multi_margin_loss": lambda r: (r.standard_normal((4, 3)), np.array([0, 2, 1, 1]),
                                    {"p": 2, "margin": 0.8, "weight": np.array([1, 2, 3], np.float32)}),
    "kl_div": lambda r: (r.standard_normal((4, 3)), r.uniform(0, 1, (4, 3)), {}),
}


def cases_64(name, rng):
    """A case of CASES_32 in float64: the weights in the input's dtype (one dtype per call)."""
    x, target, kwargs = CASES_32[name](rng)
    return x, target, {k: v.astype(x.dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("name", list(CASES_32))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_in_float32_out(name, reduction, rng):
    x, target, kwargs = CASES_32[name](rng)
    x = x.astype(np.float32)
    if target.dtype.kind == "f":
        target = target.astype(np.float32)
    loss = getattr(F, name)(x, target, reduction=reduction, **kwargs)
    grad = getattr(F, name + "_backward")(np.ones_like(loss), x, target, reduction=reduction, **kwargs)
    assert np.asarray(loss).dtype == np.float32
    assert grad.dtype == np.float32
    # and the float32 result agrees with the float64 one to float32 precision
    x64 = x.astype(np.float64)
    t64 = target.astype(np.float64) if target.dtype.kind == "f" else target
    kw64 = {k: v.astype(np.float64) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    assert_close(loss, getattr(F, name)(x64, t64, reduction=reduction, **kw64), rtol=1e-5, atol=1e-5)


def test_a_target_or_weight_of_another_precision_raises(rng):
    # one dtype per call: torch promotes, casts or raises depending on the loss; dlref raises
    x = rng.standard_normal((5, 3)).astype(np.float32)
    with pytest.raises(TypeError, match="target must have input's dtype float32, got float64"):
        F.mse_loss(x, rng.standard_normal((5, 3)))
    with pytest.raises(TypeError, match="target must have input's dtype float32, got float64"):
        F.cross_entropy(x, rng.uniform(0, 1, (5, 3)))
    with pytest.raises(TypeError, match="weight must have input's dtype float32, got float64"):
        F.cross_entropy(x, np.array([0, 1, 2, 0, 1]), weight=np.ones(3))
    with pytest.raises(TypeError, match="pos_weight must have input's dtype float32, got float16"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=np.ones(3, np.float16))
    # grad_output is cast, as autograd casts it
    grad = F.mse_loss_backward(np.float64(1.0), x, x)
    assert grad.dtype == np.float32


# -- bad input ------------------------------------------------------------------------------------


def test_shape_mismatch_is_an_error_not_a_broadcast():
    x = np.zeros((4, 1))
    y = np.zeros(4)
    for name in ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]:
        with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(4, 1\) and \(4,\)"):
            getattr(F, name)(x, y)
        with pytest.raises(ValueError, match="input and target"):
            getattr(F, name + "_backward")(1.0, x, y)


def test_cross_entropy_target_of_wrong_shape():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"target must have shape \(4,\) \(class indices\) or \(4, 3\)"):
        F.cross_entropy(x, np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(ValueError, match=r"target must have shape \(4,\) \(class indices\) for input of shape \(4, 3\), got \(3,\)"):
        F.nll_loss(x, np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("bad", [3, -1, 7])
def test_class_index_out_of_range(name, bad):
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        getattr(F, name)(x, np.array([0, bad]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        getattr(F, name + "_backward")(1.0, x, np.array([0, bad]))


def test_wrong_dtype_of_target():
    x = np.zeros((2, 3))
    with pytest.raises(TypeError, match="target must hold integer class indices, got dtype float64"):
        F.cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="read as class probabilities and must be floating point"):
        F.cross_entropy(x, np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="target must have a floating-point dtype"):
        F.mse_loss(x, np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        F.cross_entropy(np.zeros((2, 3), dtype=np.int64), np.array([0, 1]))
    with pytest.raises(TypeError, match="target must be a NumPy array, got list"):
        F.nll_loss(x, [0, 1])


@pytest.mark.parametrize("name", list(CASES_32))
def test_bad_reduction(name, rng):
    x, target, kwargs = cases_64(name, rng)
    choices = "('none', 'batchmean', 'sum', 'mean')" if name == "kl_div" else "('none', 'mean', 'sum')"
    with pytest.raises(ValueError, match=re.escape(f"reduction must be one of {choices}, got 'avg'")):
        getattr(F, name)(x, target, reduction="avg", **kwargs)
    with pytest.raises(ValueError, match=re.escape(f"reduction must be one of {choices}, got 'avg'")):
        getattr(F, name + "_backward")(1.0, x, target, reduction="avg", **kwargs)


@pytest.mark.parametrize("label_smoothing", [-0.1, 1.5, float("nan")])
def test_label_smoothing_outside_unit_interval(label_smoothing):
    with pytest.raises(ValueError, match="label_smoothing must"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=label_smoothing)


def test_other_bad_arguments():
    x = np.zeros((2, 3))
    y = np.array([0, 1])
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\) = \(3,\)"):
        F.cross_entropy(x, y, weight=np.ones(2))
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        F.cross_entropy(x, y, ignore_index=1.0)
    with pytest.raises(ValueError, match="ignore_index is not supported with class-probability targets"):
        F.cross_entropy(x, np.full((2, 3), 1 / 3), ignore_index=0)
    with pytest.raises(ValueError, match=r"input must have shape \(C,\), \(N, C\)"):
        F.cross_entropy(np.array(1.0), np.array(0))
    with pytest.raises(ValueError, match=r"delta must be in \(0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match=r"input must hold values in \[0, 1\]"):
        F.binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\]"):
        F.binary_cross_entropy(np.array([0.5, 0.5]), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) must broadcast to the input's shape \(2, 3\)"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=np.ones(2))
    with pytest.raises(ValueError, match=r"weight of shape \(4, 3\) must broadcast"):
        F.binary_cross_entropy(np.full((2, 3), 0.5), x, weight=np.ones((4, 3)))


def test_bad_grad_output():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"grad_output must be a scalar for reduction='mean', got shape \(2, 3\)"):
        F.mse_loss_backward(np.ones((2, 3)), x, x)
    with pytest.raises(ValueError, match=r"grad_output must have the loss's shape \(2,\) for reduction='none'"):
        F.cross_entropy_backward(np.ones((2, 3)), x, np.array([0, 1]), reduction="none")


# -- grad_output --------------------------------------------------------------------------------------

BACKWARDS = list(CASES_32)


@pytest.mark.parametrize("name", BACKWARDS)
@pytest.mark.parametrize("bad", [None, [1.0], "1.0", np.array(1), 1, True])
def test_grad_output_of_a_wrong_type(name, bad, rng):
    # None once gave an all-NaN gradient without a word (np.asarray(None, float) is NaN)
    x, target, kwargs = CASES_32[name](rng)
    with pytest.raises(TypeError, match="grad_output must"):
        getattr(F, name + "_backward")(bad, x, target, **kwargs)


@pytest.mark.parametrize("name", BACKWARDS)
def test_grad_output_of_a_wrong_shape(name, rng):
    x, target, kwargs = cases_64(name, rng)
    loss_shape = np.shape(getattr(F, name)(x, target, reduction="none", **kwargs))
    with pytest.raises(ValueError, match=r"grad_output must be a scalar for reduction='mean', got shape \(1,\)"):
        getattr(F, name + "_backward")(np.ones(1), x, target, **kwargs)
    with pytest.raises(ValueError, match=re.escape(f"grad_output must have the loss's shape {loss_shape}")):
        getattr(F, name + "_backward")(np.ones(9), x, target, reduction="none", **kwargs)
    # what is accepted: a Python float, a NumPy float, a float32 array for a float64 input
    for good in [1.0, np.float64(1.0), np.array(1.0, dtype=np.float32)]:
        grad = getattr(F, name + "_backward")(good, x, target, **kwargs)
        assert grad.shape == x.shape and np.all(np.isfinite(grad))
