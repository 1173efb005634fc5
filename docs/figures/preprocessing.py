"""Figures for docs/data/preprocessing.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/preprocessing/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, load_wine  # noqa: E402

from dlref.data import (compute_class_weight, min_max_scale, standardize,  # noqa: E402
                        train_test_split)
from dlref.metrics import confusion_matrix  # noqa: E402
from dlref.numpy import nn  # noqa: E402
from dlref.numpy.optim import SGD  # noqa: E402
from dlref.training import fit  # noqa: E402


def fig_scaling():
    """Two wine features (alcohol, proline) raw, min-max scaled and standardized, on equal axes."""
    data = load_wine()
    cols = [list(data.feature_names).index("alcohol"), list(data.feature_names).index("proline")]
    x, y = data.data[:, cols], data.target
    panels = [("raw", x), ("min-max scaled to [0, 1]", min_max_scale(x)), ("standardized", standardize(x))]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (title, values) in zip(axes, panels):
        for c, marker in zip(range(3), "os^"):
            ax.scatter(values[y == c, 0], values[y == c, 1], s=14, marker=marker, alpha=0.7, label=f"class {c}")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(title)
        ax.set_xlabel("alcohol")
        ax.set_ylabel("proline")
    axes[0].legend(loc="upper left", fontsize=8)
    ranges = np.ptp(x, axis=0)
    fig.suptitle(f"Equal scales on both axes: raw, proline's range ({ranges[1]:.0f}) dwarfs alcohol's ({ranges[0]:.1f})")
    fig.tight_layout()
    return fig


def _descent_path(x, y, w0, lr, steps):
    """Full-batch gradient descent on the mean squared error of a linear model without bias."""
    w = w0.copy()
    path = [w.copy()]
    for _ in range(steps):
        # grad = 2/n X^T (X w - y)
        grad = 2 / len(x) * x.T @ (x @ w - y)
        w = w - lr * grad
        path.append(w.copy())
    return np.array(path)


def fig_gradient_descent():
    """Loss contours and gradient-descent paths, one feature with 5x the spread vs standardized."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 2))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    raw = z * np.array([1.0, 5.0])                       # the second feature: values 5x larger
    target = z @ np.array([1.0, 1.0]) + 0.1 * rng.normal(size=200)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    steps = 25
    for ax, color, (title, x) in zip(axes[:2], ["C3", "C0"], [("raw: feature 2 has 5x the spread", raw),
                                                               ("standardized", standardize(raw))]):
        hessian = 2 / len(x) * x.T @ x
        eig = np.linalg.eigvalsh(hessian)
        lr = 2 / (eig.max() + eig.min())                 # the best constant step for a quadratic
        w0 = np.array([-1.5, 2.5]) / x.std(axis=0)       # the same starting function in both panels
        path = _descent_path(x, target, w0, lr, steps)
        w_star = np.linalg.lstsq(x, target, rcond=None)[0]
        r = np.abs(path - w_star).max() * 1.15
        a = np.linspace(w_star[0] - r, w_star[0] + r, 241)
        b = np.linspace(w_star[1] - r, w_star[1] + r, 241)
        A, B = np.meshgrid(a, b)
        weights = np.stack([A.ravel(), B.ravel()], axis=1)                    # (241 * 241, 2)
        loss = ((x @ weights.T - target[:, None]) ** 2).mean(axis=0).reshape(A.shape)
        ax.contour(A, B, loss, levels=np.geomspace(0.02, loss.max(), 14), cmap="viridis", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, color=color, lw=1.2, label=f"{steps} steps, best constant lr")
        ax.plot(*w_star, "k*", ms=12, label="minimum")
        ax.set_aspect("equal")
        ax.set_title(f"{title}\ncondition number {eig.max() / eig.min():.0f}")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.legend(loc="lower right", fontsize=8)
        losses = ((x @ path.T - target[:, None]) ** 2).mean(axis=0)
        axes[2].semilogy(losses, "o-", ms=3, color=color, label=title)
    axes[2].set_xlabel("step")
    axes[2].set_title("mean squared error")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_imbalance():
    """Confusion matrices of "is it a 9?" with 2.4% positives: plain vs class-weighted cross-entropy."""
    X, digit = load_digits(return_X_y=True)
    y = (digit == 9).astype(np.int64)
    rng = np.random.default_rng(0)
    keep = np.concatenate([np.flatnonzero(y == 0), rng.choice(np.flatnonzero(y == 1), 40, replace=False)])
    X_tr, X_te, y_tr, y_te = train_test_split(X[keep], y[keep], test_size=0.5, stratify=y[keep], random_state=0)
    X_tr, X_te = standardize(X_tr, X_te)
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y_tr)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, (title, w) in zip(axes, [("plain cross-entropy", None), ("class weights (balanced)", weights)]):
        model = nn.Linear(64, 2, dtype=np.float64, generator=np.random.default_rng(0))
        fit(model, nn.CrossEntropyLoss(w), SGD(model.parameters(), lr=0.1), X_tr, y_tr,
            epochs=20, batch_size=64, generator=np.random.default_rng(1))
        cm = confusion_matrix(y_te, model(X_te).argmax(axis=1))
        ax.imshow(cm, cmap="Blues", norm=matplotlib.colors.LogNorm(vmin=1, vmax=cm.max()))
        for (i, j), count in np.ndenumerate(cm):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=14,
                    color="white" if count > 100 else "black")
        ax.set_xticks([0, 1], ["not 9", "9"])
        ax.set_yticks([0, 1], ["not 9", "9"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.grid(False)
        ax.set_title(f"{title}\naccuracy {np.trace(cm) / cm.sum():.3f}")
    fig.tight_layout()
    return fig
