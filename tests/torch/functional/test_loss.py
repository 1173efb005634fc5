"""Loss functions (torch primitives): values and autograd gradients against
torch.nn.functional in float64, torch.autograd.gradcheck, extreme logits, dtypes, bad arguments."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlref.testing import assert_close
from dlref.torch import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def value_and_grad(fn, x, target, grad_seed, **kwargs):
    xt = torch.tensor(x, requires_grad=True)
    kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    loss = fn(xt, torch.tensor(target), **kwargs)
    g = torch.tensor(np.random.default_rng(grad_seed).standard_normal(tuple(loss.shape)), dtype=loss.dtype)
    loss.backward(g)
    return loss.detach(), xt.grad


def check_against_torch(name, x, target, **kwargs):
    ours, grad_ours = value_and_grad(getattr(F, name), x, target, 0, **kwargs)
    theirs, grad_theirs = value_and_grad(getattr(TF, name), x, target, 0, **kwargs)
    assert ours.shape == theirs.shape
    assert_close(ours, theirs, msg=f"{name} value")
    assert_close(grad_ours, grad_theirs, msg=f"{name} gradient")
    assert ours.dtype == torch.float64
    return ours, grad_ours


shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)


def arrays(shape, low=-10.0, high=10.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False))


def weight_for(data, shape, name):
    options = [st.none(), hnp.arrays(np.float64, shape, elements=st.floats(0, 3))]
    if len(shape) >= 1:
        options.append(hnp.arrays(np.float64, shape[-1:], elements=st.floats(0, 3)))
    return data.draw(st.one_of(*options), label=name)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_regression_matches_torch(name, data, shape, reduction):
    x = data.draw(arrays(shape))
    y = data.draw(st.one_of(arrays(shape), st.just(x.copy())))
    kwargs = {"reduction": reduction}
    if name == "huber_loss":
        kwargs["delta"] = data.draw(st.floats(0.01, 20.0))
    check_against_torch(name, x, y, **kwargs)


def test_huber_seam_and_l1_kink():
    x = np.array([1.0, -1.0, 0.0, 3.0, -0.25])
    y = np.zeros(5)
    check_against_torch("huber_loss", x, y, reduction="sum", delta=1.0)
    check_against_torch("l1_loss", x, y, reduction="sum")


@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_matches_torch(data, shape, reduction):
    x = data.draw(arrays(shape, 1e-6, 1 - 1e-6))
    y = data.draw(arrays(shape, 0.0, 1.0))
    check_against_torch("binary_cross_entropy", x, y, weight=weight_for(data, shape, "weight"), reduction=reduction)


def test_binary_cross_entropy_at_zero_and_one():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-50])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    ours, grad = value_and_grad(F.binary_cross_entropy, x, y, 0, reduction="none")
    theirs = TF.binary_cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none")
    assert_close(ours, theirs)                     # logs floored at -100: 100, 100, 0, 0, ~0
    assert torch.isfinite(grad).all()              # no NaN from log's backward at 0 or 1


@given(data=st.data(), shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_with_logits_matches_torch(data, shape, reduction):
    x = data.draw(arrays(shape, -60.0, 60.0))
    y = data.draw(arrays(shape, 0.0, 1.0))
    check_against_torch("binary_cross_entropy_with_logits", x, y, weight=weight_for(data, shape, "weight"),
                        reduction=reduction, pos_weight=weight_for(data, shape, "pos_weight"))


@pytest.mark.parametrize("pos_weight", [None, np.array([2.5])])
def test_binary_cross_entropy_with_logits_gradient_at_zero(pos_weight):
    # max(x, 0) and |x| have kinks at 0; the loss does not: its slope there is 1/2 - y (p = 1)
    x = np.zeros(3)
    y = np.array([0.0, 1.0, 0.3])
    check_against_torch("binary_cross_entropy_with_logits", x, y, reduction="sum", pos_weight=pos_weight)
    if pos_weight is None:
        xt = torch.tensor(x, requires_grad=True)
        F.binary_cross_entropy_with_logits(xt, torch.tensor(y), reduction="sum").backward()
        assert_close(xt.grad, 0.5 - torch.tensor(y))


@pytest.mark.parametrize("pos_weight", [None, np.array([3.0])])
def test_binary_cross_entropy_with_logits_extreme(pos_weight):
    x = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -800.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 0.7])
    loss, grad = check_against_torch("binary_cross_entropy_with_logits", x, y, reduction="none", pos_weight=pos_weight)
    assert torch.isfinite(loss).all() and torch.isfinite(grad).all()


@st.composite
def class_problem(draw, max_classes=5):
    C = draw(st.integers(1, max_classes))
    extra = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    one_d = draw(st.booleans()) and not extra
    shape = (C,) if one_d else (draw(st.integers(1, 4)), C, *extra)
    x = draw(arrays(shape, -20.0, 20.0))
    index_shape = () if one_d else (shape[0], *extra)
    y = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, C, index_shape)
    return x, y, C


@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_class_indices_matches_torch(problem, data, reduction):
    x, y, C = problem
    weight = data.draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0.1, 3))))
    label_smoothing = data.draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0)))
    ignore_index = data.draw(st.sampled_from([-100, 0]))
    if y.ndim and data.draw(st.booleans()):
        y = np.where(np.random.default_rng(1).random(y.shape) < 0.3, ignore_index, y)
    if reduction == "mean" and np.all(y == ignore_index):
        return  # 0/0: test_everything_ignored
    check_against_torch("cross_entropy", x, y, weight=weight, ignore_index=ignore_index, reduction=reduction,
                        label_smoothing=label_smoothing)


@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_probabilities_matches_torch(problem, data, reduction):
    x, _, C = problem
    raw = data.draw(arrays(x.shape, 0.0, 1.0)) + 1e-3
    t = raw / raw.sum(axis=1 if x.ndim > 1 else 0, keepdims=True)
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


def test_cross_entropy_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, 1e4]])
    y = np.array([1, 0, 2])
    for label_smoothing in [0.0, 0.1]:
        loss, grad = check_against_torch("cross_entropy", x, y, reduction="none", label_smoothing=label_smoothing)
        assert torch.isfinite(loss).all() and torch.isfinite(grad).all()


def test_everything_ignored():
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([-100, -100])
    for name, kwargs in [("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}), ("nll_loss", {})]:
        ours, grad_ours = value_and_grad(getattr(F, name), x, y, 0, **kwargs)
        theirs, grad_theirs = value_and_grad(getattr(TF, name), x, y, 0, **kwargs)
        assert torch.isnan(ours) and torch.isnan(theirs)
        assert_close(grad_ours, grad_theirs)


def test_autograd_gradcheck(rng):
    T = lambda a: torch.tensor(a, requires_grad=True)  # noqa: E731
    x = T(rng.standard_normal((3, 4, 2)) * 2)
    y_idx = torch.tensor([[0, 3], [-100, 1], [2, 2]])
    t_prob = torch.tensor(rng.dirichlet(np.ones(4), (3, 2)).transpose(0, 2, 1).copy())
    w = torch.tensor([0.5, 1.0, 2.0, 1.5], dtype=torch.float64)
    p = T(rng.uniform(0.1, 0.9, (3, 4)))
    soft = torch.tensor(rng.uniform(0, 1, (3, 4)))
    z = T(rng.standard_normal((3, 4)) * 3)
    for reduction in REDUCTIONS:
        assert torch.autograd.gradcheck(lambda a: F.cross_entropy(a, y_idx, w, reduction=reduction,
                                                                   label_smoothing=0.2), (x,))
        assert torch.autograd.gradcheck(lambda a: F.cross_entropy(a, t_prob, w, reduction=reduction), (x,))
        assert torch.autograd.gradcheck(lambda a: F.nll_loss(a, y_idx, w, reduction=reduction), (x,))
        assert torch.autograd.gradcheck(lambda a: F.binary_cross_entropy(a, soft, reduction=reduction), (p,))
        assert torch.autograd.gradcheck(lambda a: F.binary_cross_entropy_with_logits(
            a, soft, reduction=reduction, pos_weight=w), (z,))
        assert torch.autograd.gradcheck(lambda a: F.huber_loss(a, soft, reduction=reduction, delta=0.5), (z,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_in_float32_out(reduction, rng):
    x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    y = torch.tensor([0, 2, 1, 1])
    soft = torch.rand(4, 3, dtype=torch.float32)
    with pytest.raises(TypeError, match="target must have input's dtype torch.float32, got torch.float64"):
        F.mse_loss(x, soft.double())  # one dtype per call (torch would promote here)
    for loss in [F.cross_entropy(x, y, reduction=reduction), F.nll_loss(x, y, reduction=reduction),
                 F.mse_loss(x, soft, reduction=reduction),
                 F.binary_cross_entropy_with_logits(x, soft, reduction=reduction),
                 F.binary_cross_entropy(torch.sigmoid(x), soft, reduction=reduction)]:
        assert loss.dtype == torch.float32


# -- bad input ----------------------------------------------------------------------------------


def test_bad_inputs():
    x = torch.zeros(4, 1)
    y = torch.zeros(4)
    for name in ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]:
        with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(4, 1\) and \(4,\)"):
            getattr(F, name)(x, y)
    logits = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\], got values in \[0, 3\]"):
        F.cross_entropy(logits, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        F.nll_loss(logits, torch.tensor([-1, 0]))
    with pytest.raises(TypeError, match="target must hold integer class indices"):
        F.cross_entropy(logits, torch.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match="read as class probabilities and must be floating point"):
        F.cross_entropy(logits, torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"target must have shape \(2,\) \(class indices\) or \(2, 3\)"):
        F.cross_entropy(logits, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(y, y, reduction="avg")
    for bad in [-0.1, 1.5]:
        with pytest.raises(ValueError, match="label_smoothing must be in"):
            F.cross_entropy(logits, torch.tensor([0, 1]), label_smoothing=bad)
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\) = \(3,\)"):
        F.nll_loss(logits, torch.tensor([0, 1]), weight=torch.ones(4))
    with pytest.raises(ValueError, match=r"input must hold values in \[0, 1\]"):
        F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) must broadcast"):
        F.binary_cross_entropy_with_logits(logits, logits, pos_weight=torch.ones(2))
    with pytest.raises(ValueError, match=r"delta must be in \(0"):
        F.huber_loss(y, y, delta=0.0)


# -- multi-margin loss and KL divergence: on every device, with torch's own ops forbidden ----------

def _forbidden(*args, **kwargs):
    raise AssertionError("the twin called the torch op it mirrors")


# the ops each twin must not call: torch.nn.functional's, and the ATen functions behind them
MIRRORED = {
    "multi_margin_loss": [(TF, "multi_margin_loss"), (torch._C._nn, "multi_margin_loss")],
    "kl_div": [(TF, "kl_div"), (torch, "kl_div"), (torch, "xlogy"), (torch.special, "xlogy")],
}


def check_twin(name, x, target, device, requires_target_grad=False, **kwargs):
    """Value, input gradient (and target gradient where p > 0) of ours against torch's on ``device``."""
    T = lambda a: torch.tensor(a, device=device) if isinstance(a, np.ndarray) else a  # noqa: E731
    kwargs = {k: T(v) for k, v in kwargs.items()}
    shape_probe = None
    results = []
    for fn, forbid in [(getattr(TF, name), False), (getattr(F, name), True)]:
        xt = torch.tensor(x, device=device, requires_grad=True)
        tt = torch.tensor(target, device=device, requires_grad=requires_target_grad)
        with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
            if forbid:
                for module, attr in MIRRORED[name]:
                    mp.setattr(module, attr, _forbidden)
            loss = fn(xt, tt, **kwargs)
            if shape_probe is None:
                shape_probe = tuple(loss.shape)
                g = torch.tensor(np.random.default_rng(0).standard_normal(shape_probe), device=device)
            loss.backward(g.to(loss.dtype))
        results.append((loss.detach(), xt.grad, tt.grad))
    (theirs, gx_theirs, gt_theirs), (ours, gx_ours, gt_ours) = results
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype and ours.device == theirs.device
    assert_close(ours, theirs, msg=f"{name} value")
    assert_close(gx_ours, gx_theirs, msg=f"{name} input gradient")
    return ours, gx_ours, gt_ours, gt_theirs


@st.composite
def margin_problem(draw):
    C = draw(st.integers(1, 5))
    unbatched = draw(st.booleans())
    shape = (C,) if unbatched else (draw(st.integers(1, 4)), C)
    grid = hnp.arrays(np.float64, shape, elements=st.integers(-6, 6).map(lambda k: k / 2))
    x = draw(st.one_of(arrays(shape, -5.0, 5.0), grid))   # the grid hits margins met exactly
    y = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, C, shape[:-1])
    kwargs = dict(p=draw(st.sampled_from([1, 2])),
                  margin=draw(st.one_of(st.sampled_from([1.0, 0.0]), st.floats(-2.0, 3.0))),
                  weight=draw(st.one_of(st.none(), hnp.arrays(np.float64, (C,), elements=st.floats(0, 3)))),
                  reduction=draw(st.sampled_from(REDUCTIONS)))
    return x, y, kwargs


@given(problem=margin_problem())
def test_multi_margin_loss_matches_torch(device, problem):
    x, y, kwargs = problem
    check_twin("multi_margin_loss", x, y, device, **kwargs)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_extreme_and_exact_margins(device, p):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1.0, 0.0, 2.0]])   # last row: z = 0 for class 1
    y = np.array([1, 0, 0])
    loss, grad, _, _ = check_twin("multi_margin_loss", x, y, device, p=p, reduction="none")
    assert torch.isfinite(loss).all() and torch.isfinite(grad).all()
    assert grad[2, 1] == 0


@st.composite
def kl_problem(draw):
    shape = draw(shapes)
    x = draw(arrays(shape, -20.0, 0.0))
    log_target = draw(st.booleans())
    if log_target:
        target = draw(arrays(shape, -20.0, 0.0))
    else:
        target = draw(st.one_of(arrays(shape, 0.0, 1.0),
                                hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.25, 1.0]))))
    return x, target, dict(reduction=draw(st.sampled_from(["none", "batchmean", "sum", "mean"])),
                           log_target=log_target)


@given(problem=kl_problem())
def test_kl_div_matches_torch(device, problem):
    x, target, kwargs = problem
    _, _, gt_ours, gt_theirs = check_twin("kl_div", x, target, device, requires_target_grad=True, **kwargs)
    # the target's gradient too, where p > 0 (at p = 0 torch's is NaN, ours 0)
    counts = torch.tensor(target > 0 if not kwargs["log_target"] else np.ones(np.shape(target), bool),
                          device=device)
    assert_close(gt_ours[counts], gt_theirs[counts], msg="kl_div target gradient")
    assert torch.isfinite(gt_ours).all()


def test_kl_div_zero_target_and_extremes(device):
    T = lambda a: torch.tensor(a, dtype=torch.float64, device=device)  # noqa: E731
    x = T([-float("inf"), np.log(0.5), np.log(0.5)])
    p = T([0.0, 0.5, 0.5])
    assert_close(F.kl_div(x, p, reduction="none"), torch.zeros(3, dtype=torch.float64, device=device))
    assert_close(F.kl_div(x, torch.log(p), reduction="none", log_target=True),
                 torch.zeros(3, dtype=torch.float64, device=device))
    z = T([[1e4, -1e4, 0.0], [-1e4, 0.0, 1e4]])
    t = T([[0.2, 0.0, 0.8], [1.0, 0.0, 0.0]])
    check_twin("kl_div", z.cpu().numpy(), t.cpu().numpy(), device, reduction="sum")
    assert torch.isnan(F.kl_div(torch.zeros(0, 3, device=device), torch.zeros(0, 3, device=device),
                                reduction="batchmean"))


def test_new_losses_gradcheck(rng):
    T = lambda a: torch.tensor(a, requires_grad=True)  # noqa: E731
    x = T(rng.standard_normal((4, 5)))
    y = torch.tensor([0, 4, 2, 2])
    w = torch.tensor(rng.uniform(0.5, 2, 5))
    log_q = T(np.log(rng.dirichlet(np.ones(4), 3)))
    p = T(rng.dirichlet(np.ones(4), 3))
    for reduction in REDUCTIONS:
        for power in [1, 2]:
            assert torch.autograd.gradcheck(lambda a: F.multi_margin_loss(a, y, power, 0.8, w, reduction), (x,))
    for reduction in ["none", "batchmean", "sum", "mean"]:
        assert torch.autograd.gradcheck(lambda a, b: F.kl_div(a, b, reduction), (log_q, p))
        assert torch.autograd.gradcheck(lambda a, b: F.kl_div(a, b, reduction, log_target=True), (log_q, p))


def test_new_losses_float32(device):
    x = torch.randn(4, 3, device=device)
    assert F.multi_margin_loss(x, torch.tensor([0, 2, 1, 1], device=device)).dtype == torch.float32
    assert F.kl_div(x.log_softmax(1), torch.rand(4, 3, device=device)).dtype == torch.float32


def test_new_losses_bad_inputs(device):
    x = torch.zeros(2, 3, device=device)
    y = torch.tensor([0, 1], device=device)
    with pytest.raises(ValueError, match=r"p must be one of \(1, 2\), got 3"):
        F.multi_margin_loss(x, y, p=3)
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\) = \(3,\)"):
        F.multi_margin_loss(x, y, weight=torch.ones(4, device=device))
    with pytest.raises(TypeError, match="target must hold integer class indices"):
        F.multi_margin_loss(x, y.double())
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        F.multi_margin_loss(x, torch.tensor([0, 3], device=device))
    with pytest.raises(TypeError, match="target must be a torch tensor, got ndarray"):
        F.multi_margin_loss(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.multi_margin_loss(x, y, reduction="batchmean")
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'batchmean', 'sum', 'mean'\)"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(ValueError, match="target must hold values >= 0"):
        F.kl_div(x, x - 1)
    with pytest.raises(ValueError, match=r"input and target must have the same shape"):
        F.kl_div(x, x[0])
    with pytest.raises(TypeError, match="log_target must be a bool"):
        F.kl_div(x, x, log_target="yes")


# -- one rule, one message: both backends raise the same error for the same mistake -----------------

SAME_ERRORS = [
    ("mse_loss", lambda A: (A([[0.0], [1.0]]), A([0.0, 1.0])), {}, ValueError),
    ("mse_loss", lambda A: (A([0.0, 1.0]), A([0, 1])), {}, TypeError),
    ("huber_loss", lambda A: (A([0.0]), A([0.0])), {"delta": -1.0}, ValueError),
    ("binary_cross_entropy", lambda A: (A([0.5, 1.5]), A([0.0, 1.0])), {}, ValueError),
    ("binary_cross_entropy", lambda A: (A([0.5, 0.5]), A([0.0, 1.0])), {"weight": "w3"}, ValueError),
    ("binary_cross_entropy_with_logits", lambda A: (A([[0.5, 0.5]]), A([[0.0, 1.0]])), {"pos_weight": "w3"},
     ValueError),
    ("cross_entropy", lambda A: (A([[0.0, 1.0, 2.0]]), A([3])), {}, ValueError),
    ("cross_entropy", lambda A: (A([[0.0, 1.0, 2.0]]), A([[0, 1, 2]])), {}, TypeError),
    ("cross_entropy", lambda A: (A([[0.0, 1.0, 2.0]]), A([[0.2, 0.3, 0.5]])), {"ignore_index": 1}, ValueError),
    ("cross_entropy", lambda A: (A([[0.0, 1.0, 2.0]]), A([0])), {"ignore_index": 1.5}, TypeError),
    ("nll_loss", lambda A: (A([[0.0, 1.0, 2.0]]), A([0, 1])), {}, ValueError),
    ("nll_loss", lambda A: (A([[0.0, 1.0, 2.0]]), A([0])), {"weight": "w2"}, ValueError),
    ("multi_margin_loss", lambda A: (A([[0.0, 1.0, 2.0]]), A([0])), {"p": 3}, ValueError),
    ("multi_margin_loss", lambda A: (A([[[0.0, 1.0, 2.0]]]), A([0])), {}, ValueError),
    ("multi_margin_loss", lambda A: (A([[0.0, 1.0, 2.0]]), A([0.0])), {}, TypeError),
    ("kl_div", lambda A: (A([0.0, 1.0]), A([-0.5, 1.0])), {}, ValueError),
    ("kl_div", lambda A: (A([0.0, 1.0]), A([0.5, 0.5])), {"reduction": "avg"}, ValueError),
]


@pytest.mark.parametrize("name, make, kwargs, error", SAME_ERRORS)
def test_both_backends_raise_the_same_error(name, make, kwargs, error):
    from dlref.numpy import functional as NF   # the tests may compare the backends; dlref.torch never does

    messages = []
    for A, weights, fn in [(np.array, {"w2": np.ones(2), "w3": np.ones(3)}, getattr(NF, name)),
                           (torch.tensor, {"w2": torch.ones(2, dtype=torch.float64),
                                           "w3": torch.ones(3, dtype=torch.float64)}, getattr(F, name))]:
        def as_array(values):   # float64 for floats, int64 for ints, in either backend
            floats = isinstance(np.asarray(values).flat[0].item(), float)
            return A(values, dtype=(np.float64 if A is np.array else torch.float64)) if floats else A(values)
        kw = {k: weights[v] if isinstance(v, str) and v in weights else v for k, v in kwargs.items()}
        with pytest.raises(error) as caught:
            fn(*make(as_array), **kw)
        messages.append(str(caught.value))
    assert messages[0] == messages[1].replace("torch.", "")   # dtypes print as int64 / torch.int64
