"""Bad inputs to dlref.training (see framework.py).

No library has `fit`, `minibatches` or `EarlyStopping`, so their reference is ``None``:
every hostile call must raise ``ValueError``/``TypeError`` naming an argument, except the
kinds each case lists in ``accepts`` (legitimately fine). `accuracy` is judged by
scikit-learn's ``accuracy_score`` of the arg-max predictions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score

from badinput.framework import Case, check_valid_call, expand, ids, judge, keep
from dlref.numpy import nn, optim
from dlref.numpy.optim import lr_scheduler
from dlref.training import EarlyStopping, accuracy, fit, minibatches

RNG = np.random.default_rng(0)
N, F, C = 8, 3, 2
X = RNG.standard_normal((N, F))
Y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
Y_REGRESSION = RNG.standard_normal((N, C))
LOGITS = RNG.standard_normal((6, 3))
TARGET = np.array([0, 2, 1, 1, 0, 2])


# -- minibatches ------------------------------------------------------------------------------------

MINIBATCHES = Case(
    "dlref.training.minibatches", minibatches,
    dict(n_samples=10, batch_size=3, generator=np.random.default_rng(0), shuffle=True), hostile=(),
    extra=[(f"n_samples={v!r}", {"n_samples": v}) for v in (0, -1, 2.5, None, "10", True, np.float64(10.0))]
    + [(f"batch_size={v!r}", {"batch_size": v}) for v in (0, -3, 1.5, None, "3", False)]
    + [(f"generator={v!r}", {"generator": v}) for v in (42, "rng", np.random.RandomState(0))]
    + [(f"shuffle={v!r}", {"shuffle": v}) for v in ("yes", None, 1)]
    + [("n_samples=np.int64(10)", {"n_samples": np.int64(10)}), ("batch_size=20", {"batch_size": 20}),
       ("generator=None", {"generator": None}), ("shuffle=False", {"shuffle": False})],
    accepts=("n_samples=np.int64(10)", "batch_size=20", "generator=None", "shuffle=False"),
)


# -- accuracy ----------------------------------------------------------------------------------------


def sklearn_accuracy(logits, target):
    return accuracy_score(target, np.argmax(logits, axis=-1))


ACCURACY = Case(
    "dlref.training.accuracy", accuracy, dict(logits=LOGITS, target=TARGET), reference=sklearn_accuracy,
    convert=keep,
    extra=[("target=out_of_range", {"target": np.array([0, 2, 1, 1, 0, 5])}),
           ("target=negative", {"target": np.array([0, 2, 1, 1, 0, -1])}),
           ("target=float_indices", {"target": TARGET.astype(np.float64)}),
           ("target=nan", {"target": np.array([0, 2, 1, 1, 0, np.nan])}),
           ("target=strings", {"target": np.array(list("abcabc"))}),
           ("logits=0-d", {"logits": np.float64(1.0)})],
    stricter={"target=float_indices": "target must hold integer class indices (scikit-learn also takes "
                                      "floats that happen to be whole numbers); see accuracy's Args"},
)


# -- EarlyStopping -------------------------------------------------------------------------------------


def _model():
    return nn.Linear(F, C, dtype=np.float64)


def early_stopping_constructor(**kwargs):
    return EarlyStopping(**kwargs)


EARLY_STOPPING = Case(
    "dlref.training.EarlyStopping", early_stopping_constructor,
    dict(patience=3, min_delta=0.0, mode="min", restore_best_weights=True, monitor="val_loss"), hostile=(),
    extra=[(f"patience={v!r}", {"patience": v}) for v in (0, -1, 1.5, None, "3")]
    + [(f"min_delta={v!r}", {"min_delta": v}) for v in (-0.1, math.nan, None, "0")]
    + [(f"mode={v!r}", {"mode": v}) for v in ("auto", "MIN", None, 1)]
    + [(f"restore_best_weights={v!r}", {"restore_best_weights": v}) for v in ("yes", None, 1)]
    + [(f"monitor={v!r}", {"monitor": v}) for v in (None, 3)]
    + [("min_delta=1", {"min_delta": 1}), ("mode='max'", {"mode": "max"}),
       ("monitor='accuracy'", {"monitor": "accuracy"}), ("min_delta=inf", {"min_delta": math.inf})],
    accepts=("min_delta=1", "mode='max'", "monitor='accuracy'", "min_delta=inf"),
    id="EarlyStopping-constructor",
)


def early_stopping_step(value, model):
    stopper = EarlyStopping(patience=1)
    stopper.step(1.0, _model())
    return stopper.step(value, model)


NOT_A_MODEL = type("NotAModel", (), {})()
EARLY_STOPPING_STEP = Case(
    "dlref.training.EarlyStopping", early_stopping_step, dict(value=0.5, model=_model()), hostile=(),
    extra=[(f"value={v!r}", {"value": v}) for v in (None, "0.5", [0.5, 0.4], math.nan, complex(0.5, 0.0))]
    + [("value=array_of_two", {"value": np.array([0.5, 0.4])}), ("value=nan_array", {"value": np.array(np.nan)}),
       ("model='net'", {"model": "net"}), ("model=not_a_model", {"model": NOT_A_MODEL}),
       ("model=None", {"model": None}), ("value=float32", {"value": np.float32(0.5)}),
       ("value=0-d_array", {"value": np.array(0.5)}), ("value=tensor", {"value": torch.tensor(0.5)}),
       ("value=inf", {"value": math.inf}), ("value=int", {"value": 2})],
    accepts=("model=None", "value=float32", "value=0-d_array", "value=tensor", "value=inf", "value=int"),
    id="EarlyStopping-step",
)


def early_stopping_restore(model):
    stopper = EarlyStopping(patience=1)
    stopper.step(1.0, _model())
    stopper.restore(model)


EARLY_STOPPING_RESTORE = Case(
    "dlref.training.EarlyStopping", early_stopping_restore, dict(model=_model()), hostile=(),
    extra=[("model=None", {"model": None}), ("model='net'", {"model": "net"}),
           ("model=not_a_model", {"model": NOT_A_MODEL}),
           ("model=other_shape", {"model": nn.Linear(F + 1, C, dtype=np.float64)})],
    id="EarlyStopping-restore",
)


# -- fit ---------------------------------------------------------------------------------------------------

DEFAULT = object()  # a fresh model, loss, optimizer for every call


def _fit(x, y, regression=False, model=DEFAULT, loss_fn=DEFAULT, optimizer=DEFAULT, **kwargs):
    net = _model() if model is DEFAULT else model
    loss = (nn.MSELoss() if regression else nn.CrossEntropyLoss()) if loss_fn is DEFAULT else loss_fn
    if optimizer is DEFAULT:
        optimizer = optim.SGD((net if isinstance(net, nn.Module) else _model()).parameters(), lr=0.1)
    kwargs = {"epochs": 2, "batch_size": 4, "generator": np.random.default_rng(0), **kwargs}
    return fit(net, loss, optimizer, x, y, **kwargs)


def fit_classification(x, y, **kwargs):
    return _fit(x, y, **kwargs)


def fit_regression(x, y, **kwargs):
    return _fit(x, y, regression=True, **kwargs)


def _scheduler():
    return lr_scheduler.StepLR(optim.SGD(_model().parameters(), lr=0.1), step_size=1)


class _NoBackward:
    def __call__(self, x):
        return x

    def train(self):
        pass

    def eval(self):
        pass


FIT_EXTRA = [
    ("model=None", {"model": None}), ("model='net'", {"model": "net"}),
    ("model=torch_module", {"model": torch.nn.Linear(F, C, dtype=torch.float64)}),
    ("model=without_backward", {"model": _NoBackward()}),
    ("loss_fn=None", {"loss_fn": None}), ("loss_fn=function", {"loss_fn": torch.nn.functional.cross_entropy}),
    ("optimizer=None", {"optimizer": None}),
    ("optimizer=torch", {"optimizer": torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)}),
    ("optimizer=another_model's", {"optimizer": optim.SGD(_model().parameters(), lr=0.1)}),
    ("epochs=0", {"epochs": 0}), ("epochs=2.5", {"epochs": 2.5}), ("epochs=None", {"epochs": None}),
    ("batch_size=0", {"batch_size": 0}), ("batch_size='4'", {"batch_size": "4"}),
    ("generator=42", {"generator": 42}),
    ("validation_data=x_only", {"validation_data": (X,)}),
    ("validation_data=array", {"validation_data": X}),
    ("validation_data=mismatched", {"validation_data": (X, Y[:-1])}),
    ("validation_data=nan", {"validation_data": (np.where(np.eye(N, F) > 0, np.nan, X), Y)}),
    ("validation_data=None_pair", {"validation_data": (None, None)}),
    ("validation_data=empty", {"validation_data": (X[:0], Y[:0])}),
    ("early_stopping=3", {"early_stopping": 3}),
    ("early_stopping=unknown_monitor", {"early_stopping": EarlyStopping(monitor="val_acc")}),
    ("early_stopping=val_loss_without_validation", {"early_stopping": EarlyStopping()}),
    ("scheduler=3", {"scheduler": 3}),
    ("scheduler=torch", {"scheduler": torch.optim.lr_scheduler.StepLR(
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), step_size=1)}),
    ("scheduler=another_optimizer's", {"scheduler": _scheduler()}),
    ("transform=3", {"transform": 3}),
    ("y=out_of_range", {"y": np.array([0, 1, 1, 0, 1, 0, 0, 5])}),
]
FIT_ACCEPTS = ("x=list", "y=list", "x=float16")
FIT = Case(
    "dlref.training.fit", fit_classification, dict(x=X, y=Y), hostile=("x", "y"), extra=FIT_EXTRA,
    accepts=FIT_ACCEPTS, id="fit-classification",
)
FIT_REGRESSION = Case(
    "dlref.training.fit", fit_regression, dict(x=X, y=Y_REGRESSION), hostile=("x", "y"),
    extra=[("y=int", {"y": np.round(Y_REGRESSION).astype(np.int64)})],
    accepts=FIT_ACCEPTS, id="fit-regression",
)

CASES = [MINIBATCHES, ACCURACY, EARLY_STOPPING, EARLY_STOPPING_STEP, EARLY_STOPPING_RESTORE, FIT, FIT_REGRESSION]
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id or case.name for case in CASES])
def test_valid_call(case):
    check_valid_call(case)
