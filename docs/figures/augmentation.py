"""Figures for docs/data/augmentation.md, drawn from what dlref.data.augment computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/augmentation/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from dlref.data import augment as A  # noqa: E402


def _letter_f(size: int = 24) -> np.ndarray:
    """A capital F on a square canvas: asymmetric, so every flip and turn looks different."""
    img = np.zeros((size, size))
    s = size // 8
    img[s:size - s, 2 * s:3 * s] = 1.0               # the stem
    img[s:2 * s, 3 * s:6 * s] = 1.0                  # the top bar
    img[size // 2 - s // 2:size // 2 + s // 2 + 1, 3 * s:5 * s] = 1.0   # the middle bar
    return img


def fig_digits():
    """Each augmentation applied to the same four digits (8x8 images scaled to [0, 1])."""
    X, y = load_digits(return_X_y=True)
    picks = [np.flatnonzero(y == d)[0] for d in (2, 4, 6, 7)]
    images = (X[picks] / 16.0).reshape(-1, 1, 8, 8)                 # (4, 1, 8, 8)
    rng = np.random.default_rng(0)
    columns = [
        ("original", images),
        ("horizontal flip", A.horizontal_flip(images)),
        ("vertical flip", A.vertical_flip(images)),
        ("rotate90, k=1", A.rotate90(images, 1)),
        ("rotate 15°", A.rotate(images, 15.0)),
        ("random crop\n(padding 1)", A.random_crop(images, 8, padding=1, generator=rng)),
        ("noise σ = 0.15", A.gaussian_noise(images, sigma=0.15, generator=rng)),
    ]
    fig, axes = plt.subplots(len(picks), len(columns), figsize=(1.45 * len(columns), 1.55 * len(picks)))
    for col, (title, batch) in enumerate(columns):
        for row in range(len(picks)):
            ax = axes[row, col]
            ax.imshow(batch[row, 0], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if row == 0:
                ax.set_title(title, fontsize=9)
    fig.suptitle("Flips and large turns change what a digit is; small turns, shifts and noise do not", fontsize=10)
    fig.tight_layout()
    return fig


def fig_rotation():
    """Rotation by 30 degrees with nearest and bilinear sampling; eight 45-degree turns vs four 90-degree turns."""
    img = _letter_f()
    nearest = A.rotate(img, 30.0, interpolation="nearest")
    bilinear = A.rotate(img, 30.0)
    eight = img
    for _ in range(8):
        eight = A.rotate(eight, 45.0)
    four = img
    for _ in range(4):
        four = A.rotate90(four, 1)
    panels = [("original", img), ("rotate 30°, nearest", nearest), ("rotate 30°, bilinear", bilinear),
              ("rotate90 four times\n(exact: identity)", four),
              (f"rotate 45° eight times, bilinear\n(max error {np.abs(eight - img).max():.2f})", eight)]
    fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3))
    for ax, (title, image) in zip(axes, panels):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.tight_layout()
    return fig
