"""Figures for docs/regularization/dropout.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/dropout/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.numpy import nn  # noqa: E402
from dlref.numpy.functional import dropout_mask  # noqa: E402
from dlref.numpy.optim import Adam  # noqa: E402
from dlref.training import fit  # noqa: E402

LAYERS = [4, 6, 6, 3]          # units per layer of the drawn network


def _draw_network(ax, keep: list[np.ndarray], title: str, scale_label: bool) -> None:
    """Units as circles, connections as lines; dropped units crossed out and their lines removed."""
    xs = np.arange(len(LAYERS)) * 1.5
    ys = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in LAYERS]
    for layer in range(len(LAYERS) - 1):
        for i, y0 in enumerate(ys[layer]):
            for j, y1 in enumerate(ys[layer + 1]):
                if keep[layer][i] and keep[layer + 1][j]:
                    ax.plot([xs[layer], xs[layer + 1]], [y0, y1], color="0.55", lw=0.8, zorder=1)
    for layer, n in enumerate(LAYERS):
        for i in range(n):
            kept = keep[layer][i]
            ax.scatter(xs[layer], ys[layer][i], s=320, zorder=2, edgecolor="0.2",
                       color=("C0" if kept else "white"), linewidths=1.2)
            if not kept:
                ax.scatter(xs[layer], ys[layer][i], s=180, marker="x", color="C3", zorder=3, linewidths=2)
    for layer, name in enumerate(["input", "hidden 1", "hidden 2", "output"]):
        ax.annotate(name, (xs[layer], -3.7), ha="center", fontsize=9)
    if scale_label:
        for layer in range(len(LAYERS) - 1):   # kept units of every dropout layer are scaled up
            ax.annotate("kept: x 1/(1-p)", (xs[layer], 3.3), ha="center", fontsize=7.5, color="C3")
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-0.7, xs[-1] + 0.7)
    ax.set_ylim(-4.1, 3.8)
    ax.axis("off")


def fig_thinned():
    """Training samples a thinned network per step; evaluation uses the whole network."""
    rng = np.random.default_rng(1)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for k, ax in enumerate(axes[:2]):
        # input units dropped with p = 0.2, hidden units with p = 0.5, output units never
        keep = [dropout_mask((LAYERS[0],), 0.2, rng), dropout_mask((LAYERS[1],), 0.5, rng),
                dropout_mask((LAYERS[2],), 0.5, rng), np.ones(LAYERS[3], dtype=bool)]
        _draw_network(ax, keep, f"training step {k + 1}: a random thinned network", scale_label=True)
    _draw_network(axes[2], [np.ones(n, dtype=bool) for n in LAYERS],
                  "evaluation: every unit, no scaling", scale_label=False)
    fig.tight_layout()
    return fig


def fig_overfitting():
    """Training and validation loss of a wide MLP on 150 digits, with and without dropout."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X / 16.0, y, train_size=150, test_size=400,
                                                      random_state=0, stratify=y)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for (p_in, p_hidden), color in [((0.0, 0.0), "C0"), ((0.2, 0.5), "C1")]:
        g = np.random.default_rng(0)
        model = nn.Sequential(
            nn.Dropout(p_in, generator=g), nn.Linear(64, 256, dtype=np.float64, generator=g), nn.ReLU(),
            nn.Dropout(p_hidden, generator=g), nn.Linear(256, 256, dtype=np.float64, generator=g), nn.ReLU(),
            nn.Dropout(p_hidden, generator=g), nn.Linear(256, 10, dtype=np.float64, generator=g))
        history = fit(model, nn.CrossEntropyLoss(), Adam(model.parameters(), lr=1e-3), X_train, y_train,
                      epochs=150, batch_size=32, generator=g, validation_data=(X_val, y_val))
        label = "no dropout" if p_hidden == 0 else f"dropout {p_in} (input) / {p_hidden} (hidden)"
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax.plot(epochs, history["loss"], color=color, ls="--", lw=1.3,
                label=f"{label}: training loss (dropout on)")
        ax.plot(epochs, history["val_loss"], color=color, lw=2, label=f"{label}: validation loss")
        best = int(np.argmin(history["val_loss"]))
        ax.scatter(epochs[best], history["val_loss"][best], color=color, zorder=3, s=40)
        ax.annotate(f"lowest: {history['val_loss'][best]:.3f} at epoch {epochs[best]}",
                    (epochs[best], history["val_loss"][best]), textcoords="offset points",
                    xytext=(0, -14), ha="center", fontsize=8, color=color)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title("Wide MLP (64-256-256-10), 150 training digits, Adam lr 1e-3")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
