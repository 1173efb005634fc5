"""Figures for docs/evaluation/cross-validation.md, drawn from dlref's splitters.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/cross-validation/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from dlref.data import KFold, StratifiedKFold, train_test_split  # noqa: E402
from dlref.numpy import nn  # noqa: E402
from dlref.numpy.optim import SGD  # noqa: E402
from dlref.training import accuracy, fit  # noqa: E402

ROLE_COLORS = ListedColormap(["#d9d9d9", "#e6550d"])   # 0: train (grey), 1: test (orange)
CLASS_COLORS = ListedColormap(["#3182bd", "#31a354", "#756bb1"])


def _roles(splitter, n, y=None) -> np.ndarray:
    """(k, n): 1 where sample j is in split i's test fold, 0 where it trains."""
    rows = []
    for _, test in splitter.split(np.zeros(n), y):
        row = np.zeros(n)
        row[test] = 1
        rows.append(row)
    return np.array(rows)


def fig_folds():
    """Which samples each split tests on: KFold, shuffled KFold and StratifiedKFold, 30 samples, k = 5."""
    n = 30
    y = np.repeat([0, 1, 2], [15, 10, 5])                 # sorted labels, as many datasets come
    panels = [("KFold(5)", KFold(5)),
              ("KFold(5, shuffle=True, random_state=0)", KFold(5, shuffle=True, random_state=0)),
              ("StratifiedKFold(5)", StratifiedKFold(5))]
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 7.2))
    for ax, (title, splitter) in zip(axes, panels):
        roles = _roles(splitter, n, y)
        k = len(roles)
        ax.imshow(roles, cmap=ROLE_COLORS, aspect="auto", extent=(-0.5, n - 0.5, k + 0.5, 0.5), vmin=0, vmax=1)
        ax.imshow(y[None, :], cmap=CLASS_COLORS, aspect="auto", extent=(-0.5, n - 0.5, k + 1.5, k + 0.5))
        ax.set_yticks(list(range(1, k + 1)) + [k + 1], [f"split {i}" for i in range(1, k + 1)] + ["class"])
        ax.set_xticks(range(0, n, 5))
        ax.set_xlabel("sample index")
        ax.set_title(title, fontsize=10)
        ax.grid(False)
        for i in range(1, k + 1):
            ax.axhline(i + 0.5, color="white", lw=1)
    handles = [Patch(color=ROLE_COLORS(0), label="train"), Patch(color=ROLE_COLORS(1), label="test (validation)")]
    handles += [Patch(color=CLASS_COLORS(c), label=f"class {c}") for c in range(3)]
    fig.legend(handles=handles, loc="upper center", ncol=5, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def fig_selection():
    """5-fold CV accuracy (mean and std over folds) of an MLP on 500 digits, by hidden width."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_dev, _, y_dev, _ = train_test_split(X, y, train_size=500, test_size=500, stratify=y, random_state=0)
    widths = [2, 4, 8, 16, 32]
    means, stds = [], []
    for width in widths:
        scores = []
        for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(X_dev, y_dev):
            g = np.random.default_rng(0)
            model = nn.Sequential(nn.Linear(64, width, dtype=np.float64, generator=g), nn.ReLU(),
                                  nn.Linear(width, 10, dtype=np.float64, generator=g))
            fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.2, momentum=0.9), X_dev[tr], y_dev[tr],
                epochs=20, batch_size=100, generator=np.random.default_rng(1))
            scores.append(accuracy(model(X_dev[va]), y_dev[va]))
        means.append(np.mean(scores))
        stds.append(np.std(scores))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.errorbar(widths, means, yerr=stds, fmt="o-", capsize=4, label="mean ± std over 5 folds")
    best = int(np.argmax(means))
    ax.plot(widths[best], means[best], "r*", ms=14, label=f"chosen: width {widths[best]}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.set_xlabel("hidden width")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Choosing the hidden width by 5-fold cross-validation")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
