"""Loss modules (NumPy): against torch.nn losses in float64, default backward, buffers in
state_dict, constructor checks."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close

REDUCTIONS = ["mean", "sum", "none"]


def problems(rng):
    """name -> (our module, torch module, input, target), float64."""
    x = rng.standard_normal((4, 3))
    y = rng.standard_normal((4, 3))
    prob = rng.uniform(0.02, 0.98, (4, 3))
    soft = rng.uniform(0, 1, (4, 3))
    w_elem = rng.uniform(0.5, 2, (3,))
    w_class = np.array([0.5, 2.0, 1.0])
    labels = np.array([0, 2, -100, 1])
    logits = rng.standard_normal((4, 3, 2)) * 3
    labels_2d = np.array([[0, 1], [2, -100], [1, 1], [0, 2]])
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    T = torch.tensor
    return {
        "MSELoss": (lambda r: nn.MSELoss(reduction=r), lambda r: torch.nn.MSELoss(reduction=r), x, y),
        "L1Loss": (lambda r: nn.L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r), x, y),
        "HuberLoss": (lambda r: nn.HuberLoss(r, 0.8), lambda r: torch.nn.HuberLoss(r, 0.8), x, y),
        "BCELoss": (lambda r: nn.BCELoss(w_elem, reduction=r),
                    lambda r: torch.nn.BCELoss(T(w_elem), reduction=r), prob, soft),
        "BCEWithLogitsLoss": (lambda r: nn.BCEWithLogitsLoss(w_elem, reduction=r, pos_weight=w_elem[::-1].copy()),
                              lambda r: torch.nn.BCEWithLogitsLoss(T(w_elem), reduction=r,
                                                                   pos_weight=T(w_elem[::-1].copy())), x, soft),
        "CrossEntropyLoss": (lambda r: nn.CrossEntropyLoss(w_class, reduction=r, label_smoothing=0.1),
                             lambda r: torch.nn.CrossEntropyLoss(T(w_class), reduction=r, label_smoothing=0.1),
                             x, labels),
        "CrossEntropyLoss-2d": (lambda r: nn.CrossEntropyLoss(ignore_index=2, reduction=r),
                                lambda r: torch.nn.CrossEntropyLoss(ignore_index=2, reduction=r),
                                logits, np.where(labels_2d == -100, 0, labels_2d)),
        "NLLLoss": (lambda r: nn.NLLLoss(w_class, reduction=r), lambda r: torch.nn.NLLLoss(T(w_class), reduction=r),
                    log_p, labels_2d),
        "MultiMarginLoss": (lambda r: nn.MultiMarginLoss(2, 0.7, w_class, reduction=r),
                            lambda r: torch.nn.MultiMarginLoss(2, 0.7, T(w_class), reduction=r),
                            x, np.array([0, 2, 1, 1])),
        "MultiMarginLoss-1d": (lambda r: nn.MultiMarginLoss(reduction=r), lambda r: torch.nn.MultiMarginLoss(reduction=r),
                               x[0], np.array(1)),
        "KLDivLoss": (lambda r: nn.KLDivLoss(r), lambda r: torch.nn.KLDivLoss(reduction=r),
                      log_p[:, :, 0], soft / soft.sum(1, keepdims=True)),
        "KLDivLoss-batchmean-log": (lambda r: nn.KLDivLoss("batchmean", log_target=True),
                                    lambda r: torch.nn.KLDivLoss(reduction="batchmean", log_target=True),
                                    log_p[:, :, 0], log_p[:, :, 1]),
    }


NAMES = list(problems(np.random.default_rng(0)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("explicit_grad", [False, True])
def test_module_matches_torch(name, reduction, explicit_grad, rng):
    make_ours, make_theirs, x, target = problems(rng)[name]
    ours, theirs = make_ours(reduction), make_theirs(reduction)
    xt = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():  # torch's KLDivLoss warns for its default reduction='mean'
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
        loss_theirs = theirs(xt, torch.tensor(target))
    loss_ours = ours(x, target)
    assert_close(loss_ours, loss_theirs)
    if explicit_grad:
        g = np.random.default_rng(1).standard_normal(np.shape(loss_ours))
        loss_theirs.backward(torch.tensor(g))
        grad = ours.backward(g)
    else:  # backward() means dL/dL = 1, as loss.backward() in torch
        loss_theirs.backward(torch.ones_like(loss_theirs))
        grad = ours.backward()
    assert_close(grad, xt.grad)
    assert grad.dtype == x.dtype


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(1, 5),
       label_smoothing=st.floats(0, 1), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_module_random(seed, n, c, label_smoothing, reduction):
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, c)) * 4
    y = r.integers(0, c, n)
    w = r.uniform(0.1, 2, c)
    ours = nn.CrossEntropyLoss(w, reduction=reduction, label_smoothing=label_smoothing)
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(w), reduction=reduction, label_smoothing=label_smoothing)
    xt = torch.tensor(x, requires_grad=True)
    loss = theirs(xt, torch.tensor(y))
    loss.backward(torch.ones_like(loss))
    assert_close(ours(x, y), loss)
    assert_close(ours.backward(), xt.grad)


def test_float32_module(rng):
    x = rng.standard_normal((5, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 0])
    loss_fn = nn.CrossEntropyLoss()
    assert loss_fn(x, y).dtype == np.float32
    assert loss_fn.backward().dtype == np.float32


def test_weight_buffers_in_state_dict_like_torch():
    w = np.array([1.0, 2.0, 3.0])
    ours = nn.BCEWithLogitsLoss(w, pos_weight=w * 2)
    theirs = torch.nn.BCEWithLogitsLoss(torch.tensor(w), pos_weight=torch.tensor(w * 2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "pos_weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == list(torch.nn.CrossEntropyLoss().state_dict()) == []
    ce = nn.CrossEntropyLoss(np.ones(3))
    ce.load_state_dict(torch.nn.CrossEntropyLoss(torch.tensor(w)).state_dict())
    assert_close(ce.weight, w)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="MSELoss.backward called before forward"):
        nn.MSELoss().backward()


def test_constructor_checks():
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match=r"p must be one of \(1, 2\), got 0"):
        nn.MultiMarginLoss(p=0)
    with pytest.raises(TypeError, match="margin must be a real number"):
        nn.MultiMarginLoss(margin=None)
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        nn.MultiMarginLoss(weight=np.array([1, 2]))
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'batchmean', 'sum', 'mean'\)"):
        nn.KLDivLoss("avg")
    with pytest.raises(TypeError, match="log_target must be a bool"):
        nn.KLDivLoss(log_target=None)
    # torch's positional order (size_average, reduce, reduction) fails loudly
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.KLDivLoss(None, None)
    with pytest.raises(TypeError):
        nn.MultiMarginLoss(1, 1.0, None, None)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        nn.CrossEntropyLoss(label_smoothing=1.2)
    with pytest.raises(ValueError, match=r"delta must be in \(0"):
        nn.HuberLoss(delta=-1.0)
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        nn.NLLLoss(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        nn.CrossEntropyLoss(ignore_index=None)
    # torch's deprecated positional size_average slot is not silently taken as something else
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(None, None, 3)


def test_forward_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(3, 1\) and \(3,\)"):
        nn.MSELoss()(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]"):
        nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3]))


def test_new_modules_state_dict_and_repr():
    w = np.array([1.0, 2.0, 3.0])
    ours = nn.MultiMarginLoss(weight=np.ones(3))
    theirs = torch.nn.MultiMarginLoss(weight=torch.tensor(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    ours.load_state_dict(theirs.state_dict())
    assert_close(ours.weight, w)
    assert list(nn.KLDivLoss().state_dict()) == list(torch.nn.KLDivLoss().state_dict()) == []
    assert "p=1, margin=1.0" in repr(nn.MultiMarginLoss())
    assert "log_target=True" in repr(nn.KLDivLoss(log_target=True))


@pytest.mark.parametrize("bad", [[1.0], "1", np.array(1), 2])
def test_module_backward_refuses_a_grad_output_of_a_wrong_type(bad):
    loss_fn = nn.MSELoss()
    loss_fn(np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="grad_output must"):
        loss_fn.backward(bad)
