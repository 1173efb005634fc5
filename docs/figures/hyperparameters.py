"""Figures for docs/optimization/hyperparameters.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/hyperparameters/<name>.svg``. Every trial trains the digits MLP of the page with
``dlref.training.fit`` and is scored on the validation split only.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from dlref.numpy import nn  # noqa: E402
from dlref.numpy.optim import SGD  # noqa: E402
from dlref.training import fit  # noqa: E402


def _splits():
    """60% training, 20% validation (the test 20% is not loaded: figures never look at it)."""
    X, y = load_digits(return_X_y=True)
    X_rest, _, y_rest, _ = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25, random_state=0,
                                                      stratify=y_rest)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def _mlp(width=32, depth=1):
    g = np.random.default_rng(0)
    layers, n_in = [], 64
    for _ in range(depth):
        layers += [nn.Linear(n_in, width, dtype=np.float64, generator=g), nn.ReLU()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, 10, dtype=np.float64, generator=g))


def _train(data, lr=0.1, batch_size=32, epochs=10, width=32, depth=1, weight_decay=0.0):
    """One trial; returns the model and fit's history."""
    X_train, X_val, y_train, y_val = data
    model = _mlp(width, depth)
    optimizer = SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, X_train, y_train, epochs=epochs,
                  batch_size=batch_size, generator=np.random.default_rng(0), validation_data=(X_val, y_val))
    return model, history


def fig_one_at_a_time():
    """Validation accuracy against the learning rate, and against the batch size (with and without scaling lr)."""
    data = _splits()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    lrs = np.logspace(-3, 0, 7)
    accs = [_train(data, lr=lr)[1]["val_accuracy"][-1] for lr in lrs]
    left.semilogx(lrs, accs, "-o", lw=2)
    left.set_xlabel("learning rate (batch 32, 10 epochs)")
    left.set_ylabel("validation accuracy")
    left.set_title("Learning rate")
    batch_sizes = [8, 32, 128, 512]
    fixed = [_train(data, batch_size=b)[1]["val_accuracy"][-1] for b in batch_sizes]
    scaled = [_train(data, batch_size=b, lr=0.1 * b / 32)[1]["val_accuracy"][-1] for b in batch_sizes[2:]]
    right.semilogx(batch_sizes, fixed, "-o", lw=2, base=2, label="lr = 0.1 for every batch size")
    right.semilogx(batch_sizes[1:], [fixed[1]] + scaled, "-s", lw=2, base=2,
                   label="lr = 0.1 × B / 32 (linear scaling)")
    right.set_xticks(batch_sizes, [str(b) for b in batch_sizes])
    right.set_xlabel("batch size B (10 epochs)")
    right.set_title("Batch size")
    right.legend(fontsize=8, loc="lower left")
    for ax in (left, right):
        ax.set_ylim(0, 1.02)
    fig.tight_layout()
    return fig


def fig_capacity():
    """Training and validation loss over 60 epochs; validation accuracy against the number of parameters."""
    data = _splits()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    _, history = _train(data, epochs=60)
    epochs = np.arange(1, 61)
    left.semilogy(epochs, history["loss"], lw=2, label="training loss")
    left.semilogy(epochs, history["val_loss"], lw=2, label="validation loss")
    best = int(np.argmin(history["val_loss"]))
    left.axvline(best + 1, color="0.5", ls="--", lw=1)
    left.annotate(f"lowest validation loss\n(epoch {best + 1})", (best + 1, history["val_loss"][best]),
                  textcoords="offset points", xytext=(-90, 25), fontsize=8)
    left.set_xlabel("epoch")
    left.set_title("Epochs")
    left.legend(fontsize=8)
    for depth, marker in ((1, "o"), (2, "s"), (3, "^")):
        widths = (2, 4, 8, 16, 32, 64, 128) if depth == 1 else (8, 32, 64)
        counts, accs = [], []
        for width in widths:
            model, history = _train(data, width=width, depth=depth)
            counts.append(sum(p.data.size for p in model.parameters()))
            accs.append(history["val_accuracy"][-1])
        right.semilogx(counts, accs, f"-{marker}", lw=1.5, label=f"{depth} hidden layer{'s' if depth > 1 else ''}")
        if depth == 1:
            for width, n, acc in zip(widths, counts, accs):
                right.annotate(str(width), (n, acc), textcoords="offset points", xytext=(3, -11), fontsize=7)
    right.set_xlabel("number of parameters (labels: width of the hidden layers)")
    right.set_ylabel("validation accuracy (10 epochs)")
    right.set_title("Width and depth")
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def fig_search():
    """Grid vs random search over (lr, weight_decay): the trials, and their projection on the learning rate."""
    data = _splits()
    scores = {}

    def score(lr, weight_decay):
        key = (round(float(np.log10(lr)), 9), round(float(np.log10(weight_decay)), 9))
        if key not in scores:
            scores[key] = _train(data, lr=lr, epochs=5, weight_decay=weight_decay)[1]["val_loss"][-1]
        return scores[key]

    # the page's two searches
    grid = np.array(list(itertools.product(np.logspace(-3, 0, 3), np.logspace(-5, -2, 3))))
    rng = np.random.default_rng(0)
    random = np.stack([10 ** rng.uniform(-3, 0, 9), 10 ** rng.uniform(-5, -2, 9)], axis=1)
    grid_scores = np.array([score(*s) for s in grid])
    random_scores = np.array([score(*s) for s in random])
    # a finer sweep of the learning rate at the smallest weight decay (shares 3 trials with the grid)
    sweep = np.logspace(-3, 0, 9)
    sweep_scores = np.array([score(lr, 1e-5) for lr in sweep])

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.15, 1]})
    norm = matplotlib.colors.LogNorm(0.1, 2.5)
    left.scatter(*grid.T, c=grid_scores, cmap="viridis_r", norm=norm, marker="s", s=110,
                 edgecolors="k", linewidths=1.5, label="grid: 9 trials, 3 learning rates")
    dots = left.scatter(*random.T, c=random_scores, cmap="viridis_r", norm=norm, marker="o", s=80,
                        edgecolors="C3", linewidths=1.5, label="random: 9 trials, 9 learning rates")
    for lr in grid[:, 0]:
        left.plot([lr, lr], [10 ** -5.7, 10 ** -5.45], color="k", lw=2)
    for lr in random[:, 0]:
        left.plot([lr, lr], [10 ** -5.45, 10 ** -5.2], color="C3", lw=2)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_ylim(10 ** -5.7, 10 ** -1.4)
    left.set_xlabel("learning rate (ticks at the bottom: the values tried)")
    left.set_ylabel("weight decay")
    left.set_title("The 18 trials, coloured by validation loss")
    left.legend(fontsize=8, loc="upper left")
    fig.colorbar(dots, ax=left, label="validation loss (5 epochs)")

    right.loglog(sweep, sweep_scores, "-", color="0.6", lw=1.5, label="finer sweep, weight decay $10^{-5}$")
    right.loglog(grid[:, 0], grid_scores, "ks", ms=9, mfc="none", mew=1.5, label="grid trials")
    right.loglog(random[:, 0], random_scores, "o", color="C3", ms=7, label="random trials")
    right.axhline(grid_scores.min(), color="k", lw=0.8, ls="--", label="the grid's best")
    right.set_xlabel("learning rate")
    right.set_ylabel("validation loss (5 epochs)")
    right.set_title("Projected on the learning rate, the one that matters")
    right.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
