"""Loss modules (torch primitives): against torch.nn losses in float64, buffers and state_dict,
constructor checks."""

import warnings

import numpy as np
import pytest
import torch

from dlref.testing import assert_close
from dlref.torch import nn

REDUCTIONS = ["mean", "sum", "none"]


def problems(rng):
    """name -> (make ours, make theirs, input, target), float64 tensors."""
    T = torch.tensor
    x = T(rng.standard_normal((4, 3)))
    y = T(rng.standard_normal((4, 3)))
    prob = T(rng.uniform(0.02, 0.98, (4, 3)))
    soft = T(rng.uniform(0, 1, (4, 3)))
    w_elem = T(rng.uniform(0.5, 2, (3,)))
    w_class = T([0.5, 2.0, 1.0], dtype=torch.float64)
    labels = T([0, 2, -100, 1])
    logits = T(rng.standard_normal((4, 3, 2)) * 3)
    labels_2d = T([[0, 1], [2, 0], [1, 1], [0, 2]])
    return {
        "MSELoss": (lambda r: nn.MSELoss(r), lambda r: torch.nn.MSELoss(reduction=r), x, y),
        "L1Loss": (lambda r: nn.L1Loss(r), lambda r: torch.nn.L1Loss(reduction=r), x, y),
        "HuberLoss": (lambda r: nn.HuberLoss(r, 0.8), lambda r: torch.nn.HuberLoss(r, 0.8), x, y),
        "BCELoss": (lambda r: nn.BCELoss(w_elem, reduction=r), lambda r: torch.nn.BCELoss(w_elem, reduction=r),
                    prob, soft),
        "BCEWithLogitsLoss": (lambda r: nn.BCEWithLogitsLoss(w_elem, reduction=r, pos_weight=w_elem.flip(0)),
                              lambda r: torch.nn.BCEWithLogitsLoss(w_elem, reduction=r, pos_weight=w_elem.flip(0)),
                              x, soft),
        "CrossEntropyLoss": (lambda r: nn.CrossEntropyLoss(w_class, reduction=r, label_smoothing=0.1),
                             lambda r: torch.nn.CrossEntropyLoss(w_class, reduction=r, label_smoothing=0.1),
                             x, labels),
        "CrossEntropyLoss-2d": (lambda r: nn.CrossEntropyLoss(ignore_index=2, reduction=r),
                                lambda r: torch.nn.CrossEntropyLoss(ignore_index=2, reduction=r), logits, labels_2d),
        "CrossEntropyLoss-prob": (lambda r: nn.CrossEntropyLoss(w_class, reduction=r, label_smoothing=0.3),
                                  lambda r: torch.nn.CrossEntropyLoss(w_class, reduction=r, label_smoothing=0.3),
                                  x, soft / soft.sum(1, keepdim=True)),
        "NLLLoss": (lambda r: nn.NLLLoss(w_class, reduction=r), lambda r: torch.nn.NLLLoss(w_class, reduction=r),
                    logits.log_softmax(1), labels_2d),
        "MultiMarginLoss": (lambda r: nn.MultiMarginLoss(2, 0.7, w_class, reduction=r),
                            lambda r: torch.nn.MultiMarginLoss(2, 0.7, w_class, reduction=r),
                            x, T([0, 2, 1, 1])),
        "KLDivLoss": (lambda r: nn.KLDivLoss(r), lambda r: torch.nn.KLDivLoss(reduction=r),
                      x.log_softmax(1), soft / soft.sum(1, keepdim=True)),
        "KLDivLoss-batchmean-log": (lambda r: nn.KLDivLoss("batchmean", log_target=True),
                                    lambda r: torch.nn.KLDivLoss(reduction="batchmean", log_target=True),
                                    x.log_softmax(1), y.log_softmax(1)),
    }


NAMES = list(problems(np.random.default_rng(0)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_module_matches_torch(name, reduction, rng):
    make_ours, make_theirs, x, target = problems(rng)[name]
    ours, theirs = make_ours(reduction), make_theirs(reduction)
    assert isinstance(ours, torch.nn.Module)
    x_ours = x.clone().requires_grad_(True)
    x_theirs = x.clone().requires_grad_(True)
    loss_ours = ours(x_ours, target)
    with warnings.catch_warnings():  # torch's KLDivLoss warns for its default reduction='mean'
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
        loss_theirs = theirs(x_theirs, target)
    assert_close(loss_ours, loss_theirs)
    g = torch.tensor(np.random.default_rng(1).standard_normal(tuple(loss_theirs.shape)))
    loss_ours.backward(g)
    loss_theirs.backward(g)
    assert_close(x_ours.grad, x_theirs.grad)


def test_state_dict_round_trip():
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    theirs = torch.nn.BCEWithLogitsLoss(w, pos_weight=2 * w)
    ours = nn.BCEWithLogitsLoss(torch.ones(3, dtype=torch.float64), pos_weight=torch.ones(3, dtype=torch.float64))
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == ["weight", "pos_weight"]
    assert_close(ours.pos_weight, 2 * w)
    assert list(nn.CrossEntropyLoss().state_dict()) == list(torch.nn.CrossEntropyLoss().state_dict()) == []
    ce = nn.CrossEntropyLoss(torch.ones(3, dtype=torch.float64))
    ce.load_state_dict(torch.nn.CrossEntropyLoss(w).state_dict())
    assert_close(ce.weight, w)


def test_module_to_float32_casts_weight_buffer():
    ce = nn.CrossEntropyLoss(torch.tensor([1.0, 2.0], dtype=torch.float64)).float()
    assert ce.weight.dtype == torch.float32
    loss = ce(torch.zeros(3, 2), torch.tensor([0, 1, 1]))
    assert loss.dtype == torch.float32


def test_constructor_checks():
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.L1Loss("avg")
    with pytest.raises(ValueError, match=r"p must be one of \(1, 2\), got 3"):
        nn.MultiMarginLoss(3)
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        nn.MultiMarginLoss(weight=torch.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'batchmean', 'sum', 'mean'\)"):
        nn.KLDivLoss("avg")
    with pytest.raises(TypeError, match="log_target must be a bool"):
        nn.KLDivLoss(log_target=1)
    with pytest.raises(TypeError):
        nn.MultiMarginLoss(1, 1.0, None, None)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        nn.CrossEntropyLoss(label_smoothing=-0.5)
    with pytest.raises(ValueError, match=r"delta must be in \(0"):
        nn.HuberLoss(delta=0.0)
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        nn.CrossEntropyLoss(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        nn.NLLLoss(ignore_index=0.5)
    with pytest.raises(TypeError):
        nn.NLLLoss(None, None, 3)


def test_forward_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"input and target must have the same shape"):
        nn.HuberLoss()(torch.zeros(3, 1), torch.zeros(3))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 1\]"):
        nn.CrossEntropyLoss()(torch.zeros(2, 2), torch.tensor([0, 5]))


def test_new_modules_on_device_with_buffers(device):
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    theirs = torch.nn.MultiMarginLoss(weight=w).to(device)
    ours = nn.MultiMarginLoss(weight=torch.ones(3, dtype=torch.float64)).to(device)
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == ["weight"] and ours.weight.device.type == device.type
    x = torch.randn(5, 3, dtype=torch.float64, device=device)
    y = torch.tensor([0, 1, 2, 2, 1], device=device)
    assert_close(ours(x, y), theirs(x, y))
    kl_ours = nn.KLDivLoss("batchmean")
    kl_theirs = torch.nn.KLDivLoss(reduction="batchmean")
    p = torch.softmax(torch.randn(5, 3, dtype=torch.float64, device=device), 1)
    assert_close(kl_ours(x.log_softmax(1), p), kl_theirs(x.log_softmax(1), p))
    assert list(kl_ours.state_dict()) == []
