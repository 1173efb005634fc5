"""Figures of the early-stopping page (docs/regularization/early-stopping.md), made at build time.

* ``fig_stopping``: training and validation loss and accuracy per epoch of an MLP on 200
  digits with 20% wrong labels, with the best epoch, the patience window and the epoch at
  which `EarlyStopping(patience=10)` stops.
* ``fig_gd_vs_ridge``: gradient descent from 0 on a 2-D least-squares problem next to the
  ridge solutions for decreasing lambda; and the two spectral filters
  1 - (1 - eta s)^t and s / (s + lambda) with lambda = 1 / (eta t).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from dlref.data import train_test_split
from dlref.numpy import nn, optim
from dlref.training import EarlyStopping, fit


def _noisy_digits():
    """The data of the overfitting page: 200 training digits, 40 of them with a wrong label."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    x_train, x_rest, y_train, y_rest = train_test_split(X, y, train_size=200, random_state=0, stratify=y)
    x_val, _, y_val, _ = train_test_split(x_rest, y_rest, train_size=500, random_state=0, stratify=y_rest)
    rng = np.random.default_rng(100)
    wrong = np.zeros(200, dtype=bool)
    wrong[rng.choice(200, size=40, replace=False)] = True
    y_train[wrong] = (y_train[wrong] + rng.integers(1, 10, 40)) % 10
    return x_train, y_train, x_val, y_val


def fig_stopping():
    x_train, y_train, x_val, y_val = _noisy_digits()
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 128, generator=g), nn.ReLU(),
                          nn.Linear(128, 128, generator=g), nn.ReLU(), nn.Linear(128, 10, generator=g))
    h = fit(model, nn.CrossEntropyLoss(), optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0),
            x_train, y_train, epochs=60, batch_size=32, generator=g, validation_data=(x_val, y_val))
    stopper = EarlyStopping(patience=10)
    for value in h["val_loss"]:                 # replay: the decisions EarlyStopping would have taken
        if stopper.step(value):
            break
    best, stop = stopper.best_epoch + 1, stopper.stopped_epoch + 1       # 1-based epochs
    epochs = np.arange(1, len(h["loss"]) + 1)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    for ax, train_key, val_key, ylabel in [(top, "loss", "val_loss", "cross-entropy"),
                                           (bottom, "accuracy", "val_accuracy", "accuracy")]:
        ax.plot(epochs, h[train_key], color="tab:blue", label="training")
        ax.plot(epochs[:stop], h[val_key][:stop], color="tab:orange", lw=2, label="validation")
        ax.plot(epochs[stop - 1:], h[val_key][stop - 1:], color="tab:orange", lw=1, ls=":",
                label="validation, had training gone on")
        ax.axvspan(best + 0.5, stop + 0.5, color="0.85", alpha=0.6, label="patience: 10 epochs without improvement")
        ax.axvline(best, color="tab:green", lw=1.5, label=f"best epoch {best}: weights restored")
        ax.axvline(stop, color="tab:red", lw=1.5, ls="--", label=f"stop after epoch {stop}")
        ax.set(ylabel=ylabel)
    top.plot(best, stopper.best, "o", color="tab:green")
    top.set(ylim=(0, 2.4), title="EarlyStopping(patience=10) on the validation loss: 200 digits, 20% wrong labels")
    top.legend(fontsize=8, loc="upper right")
    bottom.set(xlabel="epoch", ylim=(0.2, 1.02))
    fig.tight_layout()
    return fig


def fig_gd_vs_ridge():
    # L(w) = 1/2 (w - w*)^T A (w - w*): one stiff and one flat direction, rotated
    c, s = np.cos(0.5), np.sin(0.5)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, 0.08]) @ R.T
    w_star = np.array([1.6, 1.4])
    eta = 0.5
    path = [np.zeros(2)]
    for _ in range(400):
        path.append(path[-1] - eta * A @ (path[-1] - w_star))
    path = np.array(path)
    lambdas = np.geomspace(1e3, 1e-3, 400)
    ridge = np.array([np.linalg.solve(A + lam * np.eye(2), A @ w_star) for lam in lambdas])

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.6))
    g = np.linspace(-0.5, 2.6, 200)
    W1, W2 = np.meshgrid(g, g)
    D = np.stack([W1 - w_star[0], W2 - w_star[1]], axis=-1)
    ax.contour(W1, W2, 0.5 * np.einsum("...i,ij,...j->...", D, A, D), levels=[0.01, 0.05, 0.15, 0.3, 0.5],
               colors="0.6", linewidths=0.8)
    ax.plot(*ridge.T, color="tab:orange", lw=3, alpha=0.7, label="ridge solution as $\\lambda$ goes from $\\infty$ to 0")
    ax.plot(*path.T, "o-", color="tab:blue", ms=2.5, lw=1, label="gradient descent from $w = 0$, step by step")
    for t in [4, 20, 80]:
        lam = 1 / (eta * t)
        w_ridge = np.linalg.solve(A + lam * np.eye(2), A @ w_star)
        ax.plot(*path[t], "s", color="tab:blue", ms=7)
        ax.plot(*w_ridge, "D", color="tab:orange", ms=7)
        ax.annotate(f"$t = {t}$, $\\lambda = {lam:g}$", path[t], textcoords="offset points", xytext=(8, -12), fontsize=8)
    ax.plot(*w_star, "k*", ms=12, label="unregularized minimum $w^*$")
    ax.set(aspect="equal", xlabel="$w_1$", ylabel="$w_2$", xlim=(-0.2, 2.3), ylim=(-0.2, 2.0),
           title="Stopping gradient descent at step $t$ ≈ ridge with $\\lambda = 1/(\\eta t)$")
    ax.legend(fontsize=7.5, loc="lower right")

    for t in [10, 1000]:
        # eigenvalue s of A in units of lambda = 1/(eta t), so eta s = s_over_lam / t <= 1 (a stable step)
        s_over_lam = np.geomspace(1e-3, min(1e3, t), 400)
        ax2.semilogx(s_over_lam, 1 - (1 - s_over_lam / t) ** t, lw=2,
                     label=f"gradient descent, $t = {t}$: $1 - (1 - \\eta s)^t$")
    s_over_lam = np.geomspace(1e-3, 1e3, 400)
    ax2.semilogx(s_over_lam, s_over_lam / (s_over_lam + 1), "k--", lw=2, label="ridge: $s / (s + \\lambda)$")
    ax2.set(xlabel="eigenvalue $s$ of the Hessian, in units of $\\lambda = 1/(\\eta t)$",
            ylabel="fraction of $w^*_i$ recovered", title="How much of each eigen-direction is fitted")
    ax2.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
