"""Figures for docs/regularization/batch-norm.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/batch-norm/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.numpy import functional as F  # noqa: E402
from dlref.numpy import nn  # noqa: E402
from dlref.numpy.nn import init  # noqa: E402
from dlref.numpy.optim import SGD  # noqa: E402
from dlref.training import fit  # noqa: E402

LEARNING_RATES = (0.01, 0.1, 0.3, 1.0)


def deep_mlp(batch_norm: bool, g: np.random.Generator, depth: int = 8, width: int = 64):
    """The page's network: 8 hidden layers of 64 ReLU units, He init; BatchNorm1d after each Linear."""
    layers, d = [], 64
    for _ in range(depth):
        linear = nn.Linear(d, width, bias=not batch_norm, dtype=np.float64, generator=g)
        init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=g)
        if linear.bias is not None:
            init.zeros_(linear.bias)
        layers += [linear, nn.BatchNorm1d(width, dtype=np.float64)] if batch_norm else [linear]
        layers.append(nn.ReLU())
        d = width
    layers.append(nn.Linear(d, 10, dtype=np.float64, generator=g))
    return nn.Sequential(*layers)


def fig_learning_rates():
    """Training loss per epoch of the deep MLP with and without BatchNorm, one panel per learning rate."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    fig, axes = plt.subplots(1, len(LEARNING_RATES), figsize=(12, 3.4), sharey=True)
    for ax, lr in zip(axes, LEARNING_RATES):
        for batch_norm, color in ((False, "C0"), (True, "C1")):
            g = np.random.default_rng(0)
            model = deep_mlp(batch_norm, g)
            history = fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=lr), X_train, y_train,
                          epochs=10, batch_size=64, generator=g, validation_data=(X_val, y_val))
            epochs = np.arange(1, 11)
            name = "with BatchNorm" if batch_norm else "plain (He init)"
            ax.plot(epochs, history["loss"], color=color, lw=2,
                    label=f"{name}: val acc {history['val_accuracy'][-1]:.2f}")
        ax.set_title(f"SGD, lr = {lr}")
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("training loss (cross-entropy)")
    fig.suptitle("8 hidden layers of 64 ReLU units on the digits: BatchNorm widens the usable learning rates",
                 fontsize=11)
    fig.tight_layout()
    return fig


def fig_axes():
    """Which values share a mean and a variance: a channel across the batch (BN), an example across features (LN)."""
    N, C = 6, 8
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, (title, row, col) in zip(axes, [("BatchNorm: one channel, over the batch", None, 2),
                                            ("LayerNorm: one example, over its features", 3, None)]):
        for i in range(N):
            for j in range(C):
                shaded = (col is not None and j == col) or (row is not None and i == row)
                ax.add_patch(Rectangle((j, N - 1 - i), 0.92, 0.92, color="C1" if shaded else "0.88"))
        ax.set_xlim(-0.2, C + 0.1)
        ax.set_ylim(-0.3, N + 0.1)
        ax.set_aspect("equal")
        ax.set_xticks(np.arange(C) + 0.46, [str(j) for j in range(C)])
        ax.set_yticks(np.arange(N) + 0.46, [str(N - 1 - i) for i in range(N)])
        ax.set_xlabel("channel / feature c")
        ax.set_ylabel("example n in the batch")
        ax.grid(False)
        ax.set_title(title, fontsize=10)
    fig.text(0.5, 0.01, "For images (N, C, H, W), BatchNorm also pools the H x W positions of each channel; "
             "LayerNorm usually pools C, H and W of one example.", ha="center", fontsize=8.5)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def fig_batch_size():
    """Training-mode output for one fixed example, in random batches of several sizes."""
    rng = np.random.default_rng(0)
    population = rng.normal(3.0, 2.0, size=(100_000, 1))     # one feature: mean 3, std 2
    x0 = np.array([[5.0]])                                    # the example followed: eval output (5-3)/2 = 1
    fig, axes = plt.subplots(1, 4, figsize=(12, 3), sharex=True)
    for ax, B in zip(axes, (2, 8, 32, 128)):
        outs = []
        for _ in range(3000):
            others = population[rng.integers(0, len(population), B - 1)]
            batch = np.vstack([x0, others])                   # (B, 1): x0 and B - 1 random examples
            outs.append(F.batch_norm(batch, None, None, training=True)[0, 0])
        outs = np.array(outs)
        ax.hist(outs, bins=np.linspace(-1.5, 2.5, 81), color="C0", alpha=0.8)
        ax.axvline(1.0, color="C3", lw=2, label="evaluation: 1.00")
        ax.set_title(f"batch size {B}: std {outs.std():.2f}", fontsize=10)
        ax.set_xlabel("BatchNorm output for x = 5")
        ax.set_yticks([])
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _shared_statistics(name: str, x: np.ndarray, ref: tuple[int, int, int], groups: int) -> np.ndarray:
    """Which elements of x (N, C, S) share the mean and variance of element ``ref``, read off dlref's backward.

    A one-hot upstream gradient at ``ref`` flows back (through mu and sigma^2) to exactly the
    elements averaged together with it: the nonzero entries of dL/dx.
    """
    g = np.zeros_like(x)
    g[ref] = 1.0
    N, C, S = x.shape
    if name == "batch":
        grad = F.batch_norm_backward(g, x, None, None, training=True)[0]
    elif name == "layer":
        grad = F.layer_norm_backward(g, x, (C, S))[0]
    elif name == "instance":
        grad = F.instance_norm_backward(g, x)[0]
    else:
        grad = F.group_norm_backward(g, x, groups)[0]
    return np.abs(grad) > 1e-12


def fig_norm_sets():
    """The four normalizations on an (N, C, H*W) block: the values that share one mean and variance, shaded."""
    N, C, S, G = 4, 6, 5, 3
    x = np.random.default_rng(0).standard_normal((N, C, S))
    ref = (1, 3, 2)                                            # example 1, channel 3, position 2
    panels = [("batch", "BatchNorm: one channel,\nall examples and positions"),
              ("layer", "LayerNorm: one example,\nall channels and positions"),
              ("instance", "InstanceNorm: one example,\none channel, all positions"),
              ("group", f"GroupNorm ({G} groups): one example,\n{C // G} channels, all positions")]
    fig = plt.figure(figsize=(12, 3.9))
    for k, (name, title) in enumerate(panels):
        ax = fig.add_subplot(1, 4, k + 1, projection="3d")
        shared = _shared_statistics(name, x, ref, G)          # (N, C, S) booleans
        ax.voxels(~shared, facecolors=(0.80, 0.84, 0.90, 0.12), edgecolor=(0.45, 0.5, 0.6, 0.35), linewidth=0.4)
        ax.voxels(shared, facecolors="C1", edgecolor=(0.35, 0.2, 0.05, 0.8), linewidth=0.5)
        ax.set_box_aspect((N, C, S))
        ax.view_init(elev=22, azim=-58)
        ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
        ax.set_xlabel("N (batch)", labelpad=-12, fontsize=10)
        ax.set_ylabel("C (channels)", labelpad=-12, fontsize=10)
        ax.set_zlabel("H, W", labelpad=-12, fontsize=10)
        ax.set_title(title, fontsize=10.5, pad=0)
        for pane in (ax.xaxis.pane, ax.yaxis.pane, ax.zaxis.pane):
            pane.set_visible(False)
        ax.grid(False)
    fig.text(0.5, 0.02, "Shaded: the values averaged into one mean and variance (found with dlref: the entries "
             "of the input gradient that a single output's gradient reaches).", ha="center", fontsize=9.5)
    fig.subplots_adjust(left=0.0, right=1.0, top=0.88, bottom=0.06, wspace=0.0)
    return fig
