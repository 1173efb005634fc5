"""Figures for docs/evaluation/metrics.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/metrics/<name>.svg``. The classifiers are the page's own: a small MLP on
scikit-learn's digits and logistic regressions on breast_cancer and on a generated
imbalanced problem, all trained with ``dlref.training.fit`` (same seeds as the page).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, make_classification  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref import metrics  # noqa: E402
from dlref.numpy import functional as F  # noqa: E402
from dlref.numpy import nn, optim  # noqa: E402
from dlref.training import fit  # noqa: E402


def _digits_predictions():
    """Test labels and predictions of a 64-32-10 MLP trained on 70% of digits."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 32, dtype=np.float64, generator=rng), nn.ReLU(),
                          nn.Linear(32, 10, dtype=np.float64, generator=rng))
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), X_train, y_train,
        epochs=20, batch_size=32, generator=rng)
    model.eval()
    return y_test, model(X_test).argmax(axis=1)


def _logistic_scores(X, y, test_size, epochs, batch_size):
    """Test labels and logits of a logistic regression (one Linear unit) on standardized features."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=0, stratify=y)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    rng = np.random.default_rng(0)
    model = nn.Linear(X.shape[1], 1, dtype=np.float64, generator=rng)
    fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.01), X_train,
        y_train[:, None].astype(np.float64), epochs=epochs, batch_size=batch_size, generator=rng)
    return y_test, model(X_test)[:, 0]


def _breast_cancer_scores(columns=slice(None)):
    X, target = load_breast_cancer(return_X_y=True)
    y = 1 - target  # 1 = malignant, the class we want to find
    return _logistic_scores(X[:, columns], y, test_size=0.3, epochs=30, batch_size=32)


def _imbalanced_scores():
    X, y = make_classification(n_samples=4000, n_features=10, n_informative=2, n_redundant=0,
                               weights=[0.95], class_sep=1.0, flip_y=0.0, random_state=0)
    return _logistic_scores(X, y, test_size=0.5, epochs=20, batch_size=64)


def _heatmap(ax, matrix, fmt, title, cmap="Blues"):
    ax.imshow(matrix, cmap=cmap)
    k = matrix.shape[0]
    for i in range(k):
        for j in range(k):
            value = matrix[i, j]
            if value == 0:
                continue
            dark = value > 0.6 * matrix.max()
            ax.text(j, i, format(value, fmt), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    ax.grid(False)


def fig_confusion_digits():
    """Confusion matrix of an MLP on the digits test set: counts, and each row as fractions."""
    y_test, y_pred = _digits_predictions()
    counts = metrics.confusion_matrix(y_test, y_pred)
    rates = metrics.confusion_matrix(y_test, y_pred, normalize="true")
    accuracy = metrics.accuracy_score(y_test, y_pred)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    _heatmap(left, counts, "d", f"Counts (accuracy {accuracy:.3f}, {len(y_test)} test images)")
    _heatmap(right, rates, ".2f", "normalize='true': each row sums to 1, diagonal = recall")
    fig.tight_layout()
    return fig


def fig_threshold():
    """Precision, recall and F1 against the decision threshold on the imbalanced problem."""
    y_test, z = _imbalanced_scores()
    p = F.sigmoid(z)
    thresholds = np.linspace(0.01, 0.99, 99)
    curves = {"precision": [], "recall": [], "F1": []}
    for t in thresholds:
        y_pred = (p >= t).astype(int)
        curves["precision"].append(metrics.precision_score(y_test, y_pred, zero_division=np.nan))
        curves["recall"].append(metrics.recall_score(y_test, y_pred))
        curves["F1"].append(metrics.f1_score(y_test, y_pred))
    best = thresholds[int(np.argmax(curves["F1"]))]
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, values in curves.items():
        ax.plot(thresholds, values, lw=2, label=name)
    ax.axvline(0.5, color="0.4", ls="--", lw=1, label="threshold 0.5")
    ax.axvline(best, color="tab:green", ls=":", lw=1.5, label=f"best F1, threshold {best:.2f}")
    ax.set_xlabel("threshold $t$: predict positive when $\\sigma(z) \\geq t$")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Imbalanced test set: {int(y_test.sum())} positives among {len(y_test)}")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def fig_roc():
    """ROC curves on breast_cancer: all 30 features, and two weak ones; the chance diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for label, columns in [("all 30 features", slice(None)), ("2 features (texture, smoothness)", [1, 4])]:
        y_test, z = _breast_cancer_scores(columns)
        fpr, tpr, _ = metrics.roc_curve(y_test, z)
        auc = metrics.roc_auc_score(y_test, z)
        line, = ax.plot(fpr, tpr, lw=2, label=f"{label}: AUC {auc:.3f}")
        # the operating point of the default threshold z >= 0, i.e. probability >= 0.5
        y_pred = (z >= 0).astype(int)
        tn, fp, fn, tp = metrics.confusion_matrix(y_test, y_pred).ravel()
        ax.plot(fp / (fp + tn), tp / (tp + fn), "o", color=line.get_color(), ms=7)
    ax.plot([0, 1], [0, 1], color="0.5", ls="--", lw=1, label="chance: AUC 0.5")
    ax.set_xlabel("false positive rate FP / N")
    ax.set_ylabel("true positive rate (recall) TP / P")
    ax.set_title("Breast cancer (positive = malignant); dots: threshold 0.5")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def fig_imbalanced_roc_pr():
    """The same classifier on the imbalanced problem: a fine-looking ROC, a poorer precision-recall curve."""
    y_test, z = _imbalanced_scores()
    fpr, tpr, _ = metrics.roc_curve(y_test, z, drop_intermediate=False)
    P, N = y_test.sum(), len(y_test) - y_test.sum()
    TP, FP = tpr * P, fpr * N
    # precision at each threshold; the first point (threshold inf) predicts nothing
    precision = TP[1:] / (TP[1:] + FP[1:])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.plot(fpr, tpr, lw=2)
    left.plot([0, 1], [0, 1], color="0.5", ls="--", lw=1)
    left.set_xlabel("false positive rate")
    left.set_ylabel("true positive rate (recall)")
    left.set_title(f"ROC: AUC {metrics.roc_auc_score(y_test, z):.3f}")
    right.plot(tpr[1:], precision, lw=2)
    right.axhline(P / len(y_test), color="0.5", ls="--", lw=1, label=f"chance: precision = prevalence {P / len(y_test):.2f}")
    right.set_xlabel("recall")
    right.set_ylabel("precision")
    right.set_ylim(0, 1.02)
    right.set_title("Precision against recall, same scores")
    right.legend(fontsize=9)
    fig.tight_layout()
    return fig
