"""Figures of the weight-decay page (docs/regularization/weight-decay.md), made at build time.

* ``fig_penalties``: level sets of a quadratic loss with the L2 disc and the L1 diamond of the
  same size, and where each constrained minimum lies; beside it, what each penalty does to a
  weight in one dimension (shrinking vs soft-thresholding).
* ``fig_adam_vs_adamw``: the mean weight over the steps, for weights with small and with
  large gradient noise, under Adam's coupled L2 and AdamW's decoupled decay.
* ``fig_lambda_sweep``: training and validation accuracy and the weights' norm of an MLP on
  200 digits against AdamW's ``weight_decay``, with clean and with 20% wrong labels.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from dlref.data import train_test_split
from dlref.numpy import nn, optim
from dlref.training import accuracy, fit


def fig_penalties():
    # a quadratic loss L(w) = (w - c)^T H (w - c) with its unpenalized minimum at c
    c = np.array([1.6, 0.7])
    H = np.array([[1.0, 0.45], [0.45, 0.6]])
    t = 1.0                                                 # the size of both balls
    g = np.linspace(-2.2, 2.8, 401)
    W1, W2 = np.meshgrid(g, g)
    D = np.stack([W1 - c[0], W2 - c[1]], axis=-1)           # (401, 401, 2)
    L = np.einsum("...i,ij,...j->...", D, H, D)

    # the constrained minima, by a fine search on each ball's boundary
    angle = np.linspace(0, 2 * np.pi, 200001)
    circle = t * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    diamond = circle / np.abs(circle).sum(axis=1, keepdims=True) * t
    loss = lambda P: np.einsum("ni,ij,nj->n", P - c, H, P - c)
    w_l2, w_l1 = circle[np.argmin(loss(circle))], diamond[np.argmin(loss(diamond))]

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.1, 1]})
    levels = sorted({float(loss(w_l1[None])[0]), float(loss(w_l2[None])[0]), 0.05, 0.2, 2.0, 3.5})
    ax.contour(W1, W2, L, levels=levels, colors="0.55", linewidths=0.9)
    ax.plot(*circle[::500].T, color="tab:blue", lw=2, label="L2 ball $\\|w\\|_2 \\leq 1$")
    ax.plot(*np.vstack([diamond[::500], diamond[:1]]).T, color="tab:orange", lw=2,
            label="L1 ball $\\|w\\|_1 \\leq 1$")
    ax.plot(*c, "k*", ms=12, label="unpenalized minimum")
    ax.plot(*w_l2, "o", color="tab:blue", ms=8, label=f"L2 solution ({w_l2[0]:.2f}, {w_l2[1]:.2f})")
    ax.plot(*w_l1, "s", color="tab:orange", ms=8, label=f"L1 solution ({w_l1[0]:.2f}, {w_l1[1]:.2f})")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set(aspect="equal", xlim=(-1.6, 2.6), ylim=(-1.6, 2.0), xlabel="$w_1$", ylabel="$w_2$",
           title="Loss level sets meet the L1 ball at a corner")
    ax.legend(fontsize=7.5, loc="lower left")

    w_star = np.linspace(-3, 3, 601)
    lam = 1.0
    ax2.plot(w_star, w_star, color="0.6", ls="--", label="no penalty: $w = w^*$")
    ax2.plot(w_star, w_star / (1 + lam), lw=2, label="L2: $w = w^* / (1 + \\lambda)$")
    ax2.plot(w_star, np.sign(w_star) * np.maximum(np.abs(w_star) - lam, 0), lw=2,
             label="L1: $w = \\mathrm{sign}(w^*)\\max(|w^*| - \\lambda, 0)$")
    ax2.set(xlabel="unpenalized solution $w^*$", ylabel="penalized solution $w$", aspect="equal",
            title=f"One weight, $\\lambda = {lam:g}$: L2 scales, L1 thresholds")
    ax2.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def fig_adam_vs_adamw():
    n, steps, lr, lam = 200, 500, 2e-3, 1.0
    sigma = np.r_[np.full(n, 0.01), np.full(n, 10.0)]
    grads = sigma * np.random.default_rng(0).standard_normal((steps, 2 * n))
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for optimizer_class, style in [(optim.Adam, "-"), (optim.AdamW, "--")]:
        w = nn.Parameter(np.ones(2 * n))
        opt = optimizer_class([w], lr=lr, weight_decay=lam)
        small, large = [1.0], [1.0]
        for g in grads:
            w.grad = g.copy()
            opt.step()
            small.append(w.data[:n].mean())
            large.append(w.data[n:].mean())
        name = "Adam, L2 (coupled)" if optimizer_class is optim.Adam else "AdamW (decoupled)"
        ax.plot(small, style, color="tab:blue", lw=2, label=f"{name}: gradient noise $\\sigma = 0.01$")
        ax.plot(large, style, color="tab:red", lw=2, label=f"{name}: gradient noise $\\sigma = 10$")
    ax.plot((1 - lr * lam) ** np.arange(steps + 1), ":", color="black", label="$(1 - \\gamma\\lambda)^t$")
    ax.set(xlabel="step $t$", ylabel="mean weight", ylim=(0, 1.05),
           title=f"weight_decay = {lam:g}, lr = {lr:g}, zero-mean gradients")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _digits(noise, seed=0):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    x_train, x_rest, y_train, y_rest = train_test_split(X, y, train_size=200, random_state=seed, stratify=y)
    x_val, _, y_val, _ = train_test_split(x_rest, y_rest, train_size=500, random_state=seed, stratify=y_rest)
    rng = np.random.default_rng(seed + 100)
    wrong = np.zeros(200, dtype=bool)
    wrong[rng.choice(200, size=round(noise * 200), replace=False)] = True
    y_train = y_train.copy()
    y_train[wrong] = (y_train[wrong] + rng.integers(1, 10, wrong.sum())) % 10
    return x_train, y_train, x_val, y_val


def fig_lambda_sweep():
    lambdas = [0.0, 0.1, 0.3, 1.0, 2.0, 4.0, 8.0]
    fig, (ax, ax_norm) = plt.subplots(1, 2, figsize=(11, 4.2))
    x_pos = np.arange(len(lambdas))
    for noise, color in [(0.0, "tab:blue"), (0.2, "tab:red")]:
        x_train, y_train, x_val, y_val = _digits(noise)
        train_acc, val_acc, norms = [], [], []
        for lam in lambdas:
            g = np.random.default_rng(0)
            model = nn.Sequential(nn.Linear(64, 128, generator=g), nn.ReLU(), nn.Linear(128, 128, generator=g),
                                  nn.ReLU(), nn.Linear(128, 10, generator=g))
            fit(model, nn.CrossEntropyLoss(), optim.AdamW(model.parameters(), lr=3e-3, weight_decay=lam),
                x_train, y_train, epochs=60, batch_size=32, generator=g)
            model.eval()
            train_acc.append(accuracy(model(x_train), y_train))
            val_acc.append(accuracy(model(x_val), y_val))
            norms.append(np.sqrt(sum(float(np.sum(p.data ** 2)) for p in model.parameters())))
        label = "clean labels" if noise == 0 else "20% wrong labels"
        ax.plot(x_pos, train_acc, "o--", color=color, alpha=0.6, label=f"training accuracy, {label}")
        ax.plot(x_pos, val_acc, "s-", color=color, lw=2, label=f"validation accuracy, {label}")
        best = int(np.argmax(val_acc))
        ax.annotate(f"{val_acc[best]:.3f}", (x_pos[best], val_acc[best]), textcoords="offset points",
                    xytext=(0, 7), ha="center", fontsize=8, color=color)
        ax_norm.plot(x_pos, norms, "o-", color=color, label=label)
    for a in (ax, ax_norm):
        a.set(xticks=x_pos, xticklabels=[f"{v:g}" for v in lambdas], xlabel="AdamW weight_decay $\\lambda$ (lr = 3e-3)")
    ax.set(ylabel="accuracy", ylim=(0.6, 1.02), title="200 digits, 60 epochs, 500 validation digits")
    ax.legend(fontsize=7.5, loc="lower left")
    ax_norm.set(ylabel="$\\|\\theta\\|_2$ of all parameters", title="Size of the trained weights")
    ax_norm.legend(fontsize=8)
    fig.tight_layout()
    return fig
