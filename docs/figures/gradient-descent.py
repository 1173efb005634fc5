"""Figures of the gradient-descent page (docs/foundations/gradient-descent.md), made at build time.

* ``fig_batch_sizes``: softmax regression on the digits, trained with batch, mini-batch
  (B = 32) and stochastic (B = 1) gradient descent: training loss against epochs and
  against updates, and the measured wall-clock time of one epoch.
* ``fig_learning_rate``: gradient descent on a quadratic with a step too small, about right
  and too large; the final training loss of the digits model against the learning rate.
* ``fig_saddle``: a saddle point where full-batch gradient descent stalls and mini-batch
  SGD escapes.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from dlref.numpy import nn

LOG_UPDATES = set(np.unique(np.round(np.logspace(0, 4, 41))).astype(int).tolist())  # 1, 2, 3, ..., 10000
COLORS = {"batch": "tab:blue", "mini-batch": "tab:orange", "stochastic": "tab:green"}


def _digits():
    """Stratified 75/25 split of the digits, standardized with training statistics only."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _minibatches(n, batch_size, rng):
    """One epoch: index arrays that cover 0..n-1 once, in a fresh random order."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _train(X, y, batch_size, lr, epochs, points_per_epoch=1):
    """Softmax regression (Linear + CrossEntropyLoss) by mini-batch gradient descent.

    Returns the training loss on the whole set, recorded about ``points_per_epoch`` times
    per epoch and after 1, 2, 3, ... updates (log-spaced), as (epochs done, updates done, loss) rows, and the training seconds of each
    epoch (evaluation excluded).
    """
    rng = np.random.default_rng(0)
    model = nn.Linear(X.shape[1], 10, dtype=np.float64, generator=np.random.default_rng(0))
    loss_fn = nn.CrossEntropyLoss()
    n = len(X)
    updates_per_epoch = -(-n // batch_size)  # ceil(n / B)
    every = max(1, updates_per_epoch // points_per_epoch)
    history = [(0.0, 0, float(loss_fn(model(X), y)))]
    seconds = []
    updates = 0
    for epoch in range(epochs):
        elapsed = 0.0
        for i, idx in enumerate(_minibatches(n, batch_size, rng)):
            start = time.perf_counter()
            model.zero_grad()
            loss_fn(model(X[idx]), y[idx])
            model.backward(loss_fn.backward())
            for p in model.parameters():
                p.data -= lr * p.grad
            elapsed += time.perf_counter() - start
            updates += 1
            if (i + 1) % every == 0 or i + 1 == updates_per_epoch or updates in LOG_UPDATES:
                history.append((epoch + (i + 1) / updates_per_epoch, updates, float(loss_fn(model(X), y))))
        seconds.append(elapsed)
    return np.array(history), seconds


def fig_batch_sizes():
    """Loss against epochs and against updates; seconds per epoch (measured at build time)."""
    X_train, _, y_train, _ = _digits()
    runs = {"batch": (len(X_train), 8.0), "mini-batch": (32, 1.0), "stochastic": (1, 0.03)}
    fig, (ax_epochs, ax_updates, ax_time) = plt.subplots(1, 3, figsize=(13, 3.8))
    times = {}
    for name, (batch_size, lr) in runs.items():
        with threadpool_limits(1):  # one core each, so that the times compare the same resources
            history, seconds = _train(X_train, y_train, batch_size, lr, epochs=3, points_per_epoch=10)
            if batch_size > 1:  # cheap epochs: time a few more
                seconds += _train(X_train, y_train, batch_size, lr, epochs=10)[1]
        # the fastest epoch: the least disturbed by other work on the machine
        times[name] = min(seconds)
        label = f"{name} (B={batch_size}, lr={lr})"
        ax_epochs.plot(history[:, 0], history[:, 2], marker="o" if name == "batch" else None,
                       markersize=3, color=COLORS[name], label=label)
        after_first = history[1:]  # updates >= 1, for the log axis
        ax_updates.plot(after_first[:, 1], after_first[:, 2], marker="o" if name == "batch" else None,
                        markersize=3, color=COLORS[name], label=label)
    ax_epochs.set(xlabel="epochs (passes over the 1347 training images)", ylabel="training loss (cross-entropy)",
                  yscale="log", title="Same number of examples seen")
    ax_epochs.legend(fontsize=8)
    ax_updates.set(xlabel="updates (iterations), log scale", xscale="log", yscale="log",
                   title="Same number of updates")
    names = list(times)
    milliseconds = [times[k] * 1e3 for k in names]
    bars = ax_time.bar(names, milliseconds, color=[COLORS[k] for k in names])
    ax_time.bar_label(bars, labels=[f"{ms:.3g} ms" for ms in milliseconds], fontsize=8)
    ax_time.set(ylabel="milliseconds per epoch (fastest measured)", yscale="log",
                ylim=(0.1, 10 * max(milliseconds)), title="Cost of one epoch (one core, at build time)")
    fig.tight_layout()
    return fig


def _quadratic_path(lr, steps, start=(-1.0, 0.8)):
    """Gradient descent on L = (x^2 + 10 y^2) / 2; returns the visited points."""
    H = np.diag([1.0, 10.0])
    theta = np.array(start)
    path = [theta]
    for _ in range(steps):
        # theta <- theta - lr * H theta
        theta = theta - lr * (H @ theta)
        path.append(theta)
    return np.array(path)


def fig_learning_rate():
    """A quadratic with curvatures 1 and 10 (lr limit 2/10), and the digits model's lr sweep."""
    fig, (ax_path, ax_loss, ax_sweep) = plt.subplots(1, 3, figsize=(13, 3.9))
    xs, ys = np.meshgrid(np.linspace(-1.3, 1.3, 200), np.linspace(-1.1, 1.1, 200))
    ax_path.contour(xs, ys, (xs**2 + 10 * ys**2) / 2, levels=12, colors="0.8", linewidths=0.7)
    cases = [(0.02, "too small: 0.02", "tab:blue"), (2 / 11, "best constant: 2/11", "tab:green"),
             (0.195, "near the limit: 0.195", "tab:orange"), (0.205, "too large: 0.205", "tab:red")]
    for lr, label, color in cases:
        path = _quadratic_path(lr, 40)
        shown = path[:12] if lr > 0.2 else path
        ax_path.plot(shown[:, 0], shown[:, 1], "-o", markersize=2.5, color=color, label=f"lr {label}")
        loss = (path[:, 0] ** 2 + 10 * path[:, 1] ** 2) / 2
        ax_loss.plot(loss, color=color, label=label)
    ax_path.set(xlim=(-1.3, 1.3), ylim=(-1.1, 1.1), xlabel=r"$\theta_1$ (curvature 1)",
                ylabel=r"$\theta_2$ (curvature 10)", title="Gradient descent on a quadratic")
    ax_path.legend(fontsize=7, loc="lower right")
    ax_loss.set(yscale="log", xlabel="step", ylabel="loss", title="Loss per step (stable iff lr < 2/10)")

    X_train, _, y_train, _ = _digits()
    for name, batch_size, lrs in [("batch", len(X_train), np.logspace(-2, 2, 9)),
                                  ("mini-batch", 32, np.logspace(-3, 1.5, 10))]:
        finals = []
        for lr in lrs:
            history, _ = _train(X_train, y_train, batch_size, lr, epochs=3)
            finals.append(history[-1, 2])
        ax_sweep.plot(lrs, finals, "-o", markersize=3, color=COLORS[name], label=f"{name} (B={batch_size})")
    ax_sweep.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="training loss after 3 epochs",
                 title="Digits: too small, right, too large")
    ax_sweep.legend(fontsize=8)
    fig.tight_layout()
    return fig


# f(x, y) = x^2 / 2 + y^4 / 4 - y^2 / 2 is the average of N per-example losses
# l_i = f + a_i x + b_i y with sum(a_i) = sum(b_i) = 0: the full gradient is grad f exactly,
# a mini-batch gradient is grad f plus the mean of (a_i, b_i) over the batch.
def _saddle_examples(n=100, seed=0):
    rng = np.random.default_rng(seed)
    ab = rng.standard_normal((n, 2))
    return ab - ab.mean(axis=0)  # (N, 2), columns a and b, each summing to 0


def _saddle_loss(p):
    x, y = p[..., 0], p[..., 1]
    return x**2 / 2 + y**4 / 4 - y**2 / 2


def _saddle_run(start, batch_size, lr=0.1, steps=300):
    ab = _saddle_examples()
    rng = np.random.default_rng(1)
    p = np.array(start, dtype=float)
    path = [p]
    for _ in range(steps):
        x, y = p
        # grad l_i = (x + a_i, y^3 - y + b_i), averaged over the batch
        g = np.array([x, y**3 - y])
        if batch_size < len(ab):  # over the full batch the (a_i, b_i) average to exactly 0
            idx = rng.choice(len(ab), size=batch_size, replace=False)
            g = g + ab[idx].mean(axis=0)
        p = p - lr * g
        path.append(p)
    return np.array(path)


def fig_saddle():
    """Full-batch GD from the saddle's stable line stalls at the saddle; mini-batch SGD escapes."""
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    xs, ys = np.meshgrid(np.linspace(-1.3, 1.3, 200), np.linspace(-1.5, 1.5, 200))
    grid = np.stack([xs, ys], axis=-1)
    ax_path.contour(xs, ys, _saddle_loss(grid), levels=np.linspace(-0.25, 1.0, 16), colors="0.8", linewidths=0.7)
    runs = [("full batch, start (1, 0)", (1.0, 0.0), 100, "tab:blue"),
            ("full batch, start (1, 1e-8)", (1.0, 1e-8), 100, "tab:purple"),
            ("mini-batch B=10, start (1, 0)", (1.0, 0.0), 10, "tab:orange")]
    for label, start, batch_size, color in runs:
        path = _saddle_run(start, batch_size)
        ax_path.plot(path[:, 0], path[:, 1], "-", color=color, linewidth=1.2, label=label)
        ax_loss.plot(_saddle_loss(path), color=color, label=label)
    ax_path.plot([0, 0, 0], [0, 1, -1], "k*", markersize=8)
    ax_path.annotate("saddle", (0.05, 0.06))
    ax_path.annotate("minimum", (0.05, 1.05))
    ax_path.annotate("minimum", (0.05, -1.15))
    ax_path.set(xlabel="x", ylabel="y", title=r"$f = x^2/2 + y^4/4 - y^2/2$")
    ax_path.legend(fontsize=8, loc="lower left")
    ax_loss.axhline(0.0, color="0.5", linestyle=":", linewidth=1)
    ax_loss.axhline(-0.25, color="0.5", linestyle="--", linewidth=1)
    ax_loss.set(xlabel="step", ylabel="full loss f", title="Plateau at the saddle value 0; minimum -1/4")
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    return fig
