"""Figures of the workflow page (docs/overview/workflow.md), made at build time.

* ``fig_training``: training and validation loss and accuracy per epoch of the MLP of
  step 4 (30-16-2, AdamW, early stopping with patience 10) on the breast-cancer data,
  with the best epoch and the stop.
* ``fig_roc``: ROC curves on the test set of logistic regression and of the tuned MLP
  (hidden 4, weight decay 0.3) of step 6, from ``dlref.metrics.roc_curve``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.datasets import load_breast_cancer

from dlref.data import StandardScaler, train_test_split
from dlref.metrics import roc_auc_score, roc_curve
from dlref.numpy import nn
from dlref.numpy.functional import softmax
from dlref.numpy.optim import AdamW
from dlref.training import EarlyStopping, fit


def _data():
    """The page's split: scaled training, validation and test rows (1 = malignant)."""
    data = load_breast_cancer()
    X, y = data.data, 1 - data.target
    X_dev, X_test, y_dev, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(
        X_dev, y_dev, test_size=0.2, stratify=y_dev, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return [(scaler.transform(a), b)
            for a, b in ((X_train, y_train), (X_val, y_val), (X_test, y_test))]


def _mlp(hidden):
    g = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(30, hidden, dtype=np.float64, generator=g), nn.ReLU(),
                         nn.Linear(hidden, 2, dtype=np.float64, generator=g))


def _train(model, train, val, weight_decay=0.01):
    stopper = EarlyStopping(patience=10)
    history = fit(model, nn.CrossEntropyLoss(),
                  AdamW(model.parameters(), lr=1e-2, weight_decay=weight_decay),
                  *train, epochs=200, batch_size=64, generator=np.random.default_rng(0),
                  validation_data=val, early_stopping=stopper)
    return history, stopper


def fig_training():
    train, val, _ = _data()
    history, stopper = _train(_mlp(16), train, val)
    best, stop = stopper.best_epoch + 1, len(history["loss"])      # 1-based epochs
    epochs = np.arange(1, stop + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, label in [(left, "loss", "cross-entropy"), (right, "accuracy", "accuracy")]:
        ax.plot(epochs, history[key], color="tab:blue", marker="o", ms=3, label="training")
        ax.plot(epochs, history["val_" + key], color="tab:orange", marker="o", ms=3,
                label="validation")
        ax.axvline(best, color="tab:green", lw=1.5, label=f"best epoch {best}: restored")
        ax.axvspan(best + 0.5, stop + 0.5, color="0.85", alpha=0.6,
                   label="patience: 10 epochs without improvement")
        ax.set(xlabel="epoch", ylabel=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_yscale("log")
    left.set_title("loss (log scale)")
    right.set_title("accuracy")
    right.legend(loc="lower right", fontsize=9)
    fig.suptitle("MLP 30-16-2 on the breast-cancer training rows, AdamW, EarlyStopping")
    fig.tight_layout()
    return fig


def fig_roc():
    train, val, (z_test, y_test) = _data()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    models = [("logistic regression", nn.Linear(30, 2, dtype=np.float64,
                                                generator=np.random.default_rng(0)), 0.01,
               "tab:blue", "-"),
              ("MLP, hidden 4, weight decay 0.3", _mlp(4), 0.3, "tab:orange", "--")]
    for name, model, weight_decay, color, style in models:
        _train(model, train, val, weight_decay)
        p = softmax(model(z_test), dim=1)[:, 1]                         # P(malignant)
        fpr, tpr, _ = roc_curve(y_test, p)
        ax.plot(fpr, tpr, color=color, ls=style, lw=2,
                label=f"{name}: AUC {roc_auc_score(y_test, p):.3f}")
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls=":", label="chance")
    ax.set(xlabel="false positive rate (benign called malignant)",
           ylabel="true positive rate (recall)",
           title="ROC on the 114 test tumours", xlim=(-0.02, 1), ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
