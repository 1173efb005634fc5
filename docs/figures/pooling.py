"""Figures for docs/architectures/pooling.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/pooling/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from dlref.numpy import functional as F  # noqa: E402


def _digits() -> np.ndarray:
    """sklearn's 8x8 digits scaled to [0, 1], with a 1-pixel zero border: (1797, 1, 10, 10)."""
    images = load_digits().images / 16.0
    return np.pad(images, ((0, 0), (1, 1), (1, 1)))[:, None]


def _show(ax, image, title, grid=None, annotate=True, cmap="Greys", vmin=0.0, vmax=1.0) -> None:
    """An image with its values written in, and window boundaries every ``grid`` pixels."""
    ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if grid:
        for t in np.arange(grid, image.shape[0], grid) - 0.5:
            ax.axhline(t, color="C1", lw=1.2)
        for t in np.arange(grid, image.shape[1], grid) - 0.5:
            ax.axvline(t, color="C1", lw=1.2)
    if annotate:
        for (i, j), v in np.ndenumerate(image):
            if v != 0:
                ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=6,
                        color="white" if (v - vmin) > 0.55 * (vmax - vmin) else "black")


def fig_max_and_average():
    """A real digit, 2x2 windows with stride 2, and what max and average pooling make of it."""
    x = _digits()[0:1, :, 1:9, 1:9]             # the first digit (a 0), without the border: (1, 1, 8, 8)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    _show(axes[0], x[0, 0], "input 8x8 (2x2 windows)", grid=2)
    _show(axes[1], F.max_pool2d(x, 2)[0, 0], "max_pool2d(x, 2): 4x4")
    _show(axes[2], F.avg_pool2d(x, 2)[0, 0], "avg_pool2d(x, 2): 4x4")
    fig.suptitle("Each output is one window: its largest value, or its mean", fontsize=11)
    fig.tight_layout()
    return fig


def fig_routing():
    """Max pooling's backward pass with grad_output = 1: where the gradient lands."""
    x = _digits()[0:1, :, 1:9, 1:9]             # (1, 1, 8, 8)
    settings = [("kernel 2, stride 2: one winner per window", dict(kernel_size=2)),
                ("kernel 3, stride 2, padding 1: windows overlap", dict(kernel_size=3, stride=2, padding=1))]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    _show(axes[0], x[0, 0], "input", grid=2, annotate=False)
    for ax, (title, kwargs) in zip(axes[1:], settings):
        y = F.max_pool2d(x, **kwargs)
        grad = F.max_pool2d_backward(np.ones_like(y), x, **kwargs)[0, 0]
        _show(ax, grad, title, vmin=0, vmax=max(grad.max(), 1), cmap="Blues")
    fig.suptitle("max_pool2d_backward with grad_output = 1: each window's gradient goes to its maximum;\n"
                 "a pixel that is the maximum of k overlapping windows receives k", fontsize=10)
    fig.tight_layout()
    return fig


def _relative_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per image ||a - b|| / ||a||."""
    n = len(a)
    return np.linalg.norm((a - b).reshape(n, -1), axis=1) / np.linalg.norm(a.reshape(n, -1), axis=1)


def fig_shift():
    """Shift every digit one pixel right: how much do the max- and average-pooled maps change?"""
    x = _digits()
    shifted = np.roll(x, 1, axis=3)               # the zero border keeps the whole digit in view
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, kernel_size in zip(axes, (2, 3)):
        kwargs = dict(kernel_size=kernel_size, stride=2)
        change_max = _relative_change(F.max_pool2d(x, **kwargs), F.max_pool2d(shifted, **kwargs))
        change_avg = _relative_change(F.avg_pool2d(x, **kwargs), F.avg_pool2d(shifted, **kwargs))
        ax.scatter(change_avg, change_max, s=5, alpha=0.35)
        ax.plot([0, 1.2], [0, 1.2], "k--", lw=1)
        share = (change_max < change_avg).mean()
        ax.set_title(f"kernel {kernel_size}, stride 2: max pooling changes less on {share:.0%} of the digits",
                     fontsize=10)
        ax.set_xlabel("relative change of the average-pooled map")
        ax.set_ylabel("relative change of the max-pooled map")
        ax.set_xlim(0, 1.2)
        ax.set_ylim(0, 1.2)
        ax.set_aspect("equal")
    fig.suptitle("1797 digits shifted by one pixel; below the diagonal, max pooling is the more stable one",
                 fontsize=11)
    fig.tight_layout()
    return fig


def _digit_cnn(width: int, head: str, generator: np.random.Generator):
    """conv(1->w) ReLU maxpool conv(w->2w) ReLU, then a flatten or a global-average-pooling head."""
    from dlref.numpy import nn

    g = generator
    features = [nn.Conv2d(1, width, 3, padding=1, generator=g), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(width, 2 * width, 3, padding=1, generator=g), nn.ReLU()]   # (N, 2w, 4, 4)
    if head == "flatten":
        return nn.Sequential(*features, nn.Flatten(), nn.Linear(2 * width * 16, 10, generator=g))
    return nn.Sequential(*features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, 10, generator=g))


def fig_heads():
    """Test accuracy on the digits of the two heads, as the last convolution gets more channels."""
    from sklearn.model_selection import train_test_split

    from dlref.counting import count_parameters
    from dlref.numpy import nn
    from dlref.numpy.optim import Adam
    from dlref.training import fit

    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    widths = [4, 8, 16, 32]
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for head, marker in (("flatten", "o"), ("GAP", "s")):
        accuracies, sizes = [], []
        for width in widths:
            g = np.random.default_rng(0)
            net = _digit_cnn(width, head, g)
            history = fit(net, nn.CrossEntropyLoss(), Adam(net.parameters(), lr=1e-2), X_train, y_train,
                          epochs=10, batch_size=64, generator=g, validation_data=(X_test, y_test))
            accuracies.append(history["val_accuracy"][-1])
            sizes.append(count_parameters(net[5:]))
        ax.plot([2 * w for w in widths], accuracies, marker=marker, lw=2, label=f"{head} + Linear head")
        for w, a, n in zip(widths, accuracies, sizes):
            ax.annotate(f"{a:.2f}\n({n} head params)", (2 * w, a), xytext=(0, -28 if head == "GAP" else 8),
                        textcoords="offset points", ha="center", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xticks([2 * w for w in widths], [str(2 * w) for w in widths])
    ax.set_xlabel("channels of the last convolution")
    ax.set_ylabel("test accuracy (450 digits)")
    ax.set_ylim(0.4, 1.12)
    ax.set_xlim(6, 90)
    ax.set_title("Digits, 10 epochs of Adam: a GAP head needs channels that carry the class on their own",
                 fontsize=10)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
