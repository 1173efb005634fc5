"""Figures of the convolutional-networks page (docs/architectures/cnn.md), made at build time.

* ``fig_sliding_window``: a 3x3 kernel slid over a 5x5 input, without padding (stride 1) and
  with padding 1 and stride 2; the output values are computed by ``dlref.numpy.functional.conv2d``.
* ``fig_receptive_field``: the input pixels that one output pixel depends on, after stacks of
  3x3 convolutions (plain, strided, dilated), found by backpropagating a one-hot gradient
  through ``dlref.numpy.nn.Conv2d`` layers with all-ones kernels.
* ``fig_feature_maps`` and ``fig_training``: the same small CNN trained on scikit-learn's 8x8
  digits with dlref.numpy and with PyTorch (the networks of the page's *Try it* blocks,
  same seeds); its learned kernels and feature maps, its test accuracy after every epoch,
  and the measured training times of this build.
* ``fig_shifted_digits``: the page's MLP and CNN (PyTorch, 3 seeds) trained on the digits as
  given and tested on digits moved sideways by up to two pixels.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from dlref.numpy import functional as F
from dlref.numpy import nn

EPOCHS, BATCH_SIZE, LR = 15, 16, 1e-2


# -- the sliding dot product ----------------------------------------------------------------


def _draw_grid(ax, values, origin, cell=1.0, color="white", fmt="{:g}", faint=None, fontsize=9):
    """Draw a matrix as labelled squares with its top-left corner at ``origin``."""
    x0, y0 = origin
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            is_faint = faint is not None and faint[i, j]
            ax.add_patch(Rectangle((x0 + j * cell, y0 - (i + 1) * cell), cell, cell, facecolor=color,
                                   edgecolor="0.75" if is_faint else "0.3", linewidth=0.8))
            ax.text(x0 + (j + 0.5) * cell, y0 - (i + 0.5) * cell, fmt.format(values[i, j]), ha="center",
                    va="center", fontsize=fontsize, color="0.6" if is_faint else "black")


def _highlight(ax, origin, top_left, size, step=1.0, color="tab:red"):
    x0, y0 = origin
    i, j = top_left
    ax.add_patch(Rectangle((x0 + j * step, y0 - (i + size[0]) * step), size[1] * step, size[0] * step,
                           facecolor=color, alpha=0.18, edgecolor=color, linewidth=2))


def fig_sliding_window():
    x = np.array([[3, 1, 0, 2, 1], [0, 2, 4, 1, 0], [1, 0, 1, 3, 2], [2, 1, 0, 0, 1], [0, 3, 1, 2, 2]], dtype=float)
    w = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)  # a vertical-edge (Sobel) kernel

    fig, axes = plt.subplots(2, 1, figsize=(9, 7.6))
    settings = [(dict(), (1, 2), "stride 1, no padding: 5x5 input -> 3x3 output"),
                (dict(stride=2, padding=1), (1, 1), "stride 2, padding 1: 5x5 input -> 3x3 output")]
    for ax, (kwargs, (oi, oj), title) in zip(axes, settings):
        p, s = kwargs.get("padding", 0), kwargs.get("stride", 1)
        y = F.conv2d(x[None, None], w[None, None], **kwargs)[0, 0]   # (H_out, W_out)
        x_padded = np.pad(x, p)
        is_pad = np.pad(np.zeros_like(x, dtype=bool), p, constant_values=True)
        _draw_grid(ax, x_padded, (0, 7), faint=is_pad)
        _highlight(ax, (0, 7), (s * oi, s * oj), (3, 3))
        ax.text(x_padded.shape[1] / 2, 7.3, "input x" + (" (zero padding in grey)" if p else ""), ha="center")
        _draw_grid(ax, w, (8.2, 5.5), color="#fde9c9", fmt="{:+g}")
        ax.text(9.7, 5.8, "kernel w", ha="center")
        ax.text(12.0, 4.0, "→", fontsize=22, ha="center", va="center")
        _draw_grid(ax, y, (13, 5.5), color="#dbe9f6")
        _highlight(ax, (13, 5.5), (oi, oj), (1, 1))
        ax.text(14.5, 5.8, "output y", ha="center")
        window = x_padded[s * oi:s * oi + 3, s * oj:s * oj + 3]
        terms = " + ".join(f"{a:g}·({b:+g})" for a, b in zip(window.ravel(), w.ravel()) if b != 0)
        ax.text(8.2, 1.2, f"y[{oi},{oj}] = sum of window x kernel\n= {terms}\n= {y[oi, oj]:g}",
                fontsize=8.5, va="top")
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.2, 16.2)
        ax.set_ylim(-0.2, 7.6)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig


# -- receptive fields -----------------------------------------------------------------------


def receptive_field(layers: list[dict], size: int = 31) -> np.ndarray:
    """|d y_centre / d x|: which input pixels the centre output pixel of a conv stack depends on.

    Every layer is a 1-channel ``Conv2d`` with an all-ones kernel and no bias, so the gradient
    of the centre output with respect to input pixel (a, b) counts the paths from (a, b) to it.
    """
    stack = nn.Sequential(*[nn.Conv2d(1, 1, bias=False, dtype=np.float64, **layer) for layer in layers])
    for conv in stack:
        conv.weight.data[...] = 1.0
    y = stack(np.zeros((1, 1, size, size)))
    grad_y = np.zeros_like(y)
    grad_y[0, 0, y.shape[2] // 2, y.shape[3] // 2] = 1.0   # one output pixel
    return stack.backward(grad_y)[0, 0]


def receptive_field_size(layers: list[dict]) -> int:
    """r = 1 + sum over layers of (k - 1) d * (product of the strides of the layers before)."""
    r, jump = 1, 1
    for layer in layers:
        r += (layer["kernel_size"] - 1) * layer.get("dilation", 1) * jump
        jump *= layer.get("stride", 1)
    return r


def fig_receptive_field():
    conv3 = dict(kernel_size=3)
    stacks = [
        ("one 3x3 conv", [conv3]),
        ("two 3x3 convs", [conv3] * 2),
        ("three 3x3 convs", [conv3] * 3),
        ("3x3 stride 2, then two 3x3", [dict(kernel_size=3, stride=2), conv3, conv3]),
        ("3x3 with dilation 1, 2, 4", [dict(kernel_size=3, dilation=d) for d in (1, 2, 4)]),
    ]
    fig, axes = plt.subplots(1, len(stacks), figsize=(15, 3.5))
    for ax, (name, layers) in zip(axes, stacks):
        paths = receptive_field(layers)
        rows, cols = np.nonzero(paths)
        measured = rows.max() - rows.min() + 1
        assert measured == receptive_field_size(layers), (name, measured)
        centre, half = paths.shape[0] // 2, 9
        ax.imshow(paths[centre - half:centre + half + 1, centre - half:centre + half + 1], cmap="magma")
        ax.set_title(f"{name}\nreceptive field {measured}x{measured}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.suptitle("Input pixels that one output pixel depends on (brightness: number of paths; "
                 "the central 19x19 pixels of a 31x31 input)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


# -- a CNN trained on digits ----------------------------------------------------------------


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)                 # (N, C = 1, H = 8, W = 8), pixels in [0, 1]
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@contextmanager
def one_thread():
    """NumPy's BLAS and torch on one thread each (batches of 16 tiny images gain nothing from more)."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


@lru_cache(maxsize=None)
def train_numpy():
    """The dlref.numpy CNN of the page, trained as in its *Try it* block; also the test accuracy per epoch."""
    from dlref.numpy.optim import Adam
    from dlref.numpy.optim.lr_scheduler import CosineAnnealingLR

    X_train, X_test, y_train, y_test = _digits()
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, dtype=np.float64, generator=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, dtype=np.float64, generator=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10, dtype=np.float64, generator=rng),
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=LR)
    scheduler = CosineAnnealingLR(optimizer, T_max=EPOCHS)
    curve, elapsed = [], 0.0
    with one_thread():
        for epoch in range(EPOCHS):
            elapsed += _numpy_epoch(model, loss_fn, optimizer, X_train, y_train, rng)
            scheduler.step()
            model.eval()
            curve.append(float(np.mean(model(X_test).argmax(axis=1) == y_test)))
    return model, curve, elapsed


def _numpy_epoch(model, loss_fn, optimizer, X_train, y_train, rng) -> float:
    """One epoch of mini-batch training; returns its duration in seconds."""
    start = time.perf_counter()
    model.train()
    order = rng.permutation(len(X_train))
    for i in range(0, len(order), BATCH_SIZE):
        batch = order[i:i + BATCH_SIZE]
        loss_fn(model(X_train[batch]), y_train[batch])
        model.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    return time.perf_counter() - start


@lru_cache(maxsize=None)
def train_torch():
    """The same network in PyTorch, trained as in the page's *Try it* block."""
    import torch

    X_train, X_test, y_train, y_test = _digits()
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 2 * 2, 10),
    ).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    X_train, y_train = torch.from_numpy(X_train), torch.from_numpy(y_train)
    X_test = torch.from_numpy(X_test)
    curve, elapsed = [], 0.0
    with one_thread():
        for epoch in range(EPOCHS):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(len(X_train))
            for i in range(0, len(order), BATCH_SIZE):
                batch = order[i:i + BATCH_SIZE]
                loss = torch.nn.functional.cross_entropy(model(X_train[batch]), y_train[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            scheduler.step()
            elapsed += time.perf_counter() - start     # the evaluation below is not timed
            model.eval()
            with torch.no_grad():
                curve.append(float((model(X_test).argmax(dim=1).numpy() == y_test).mean()))
    return model, curve, elapsed


def fig_training():
    _, curve_np, time_np = train_numpy()
    _, curve_torch, time_torch = train_torch()
    epochs = np.arange(1, EPOCHS + 1)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(epochs, curve_np, marker="o", label=f"dlref.numpy: {curve_np[-1]:.3f} after {EPOCHS} epochs, "
                                                f"trained in {time_np:.1f} s")
    ax.plot(epochs, curve_torch, marker="s", label=f"PyTorch: {curve_torch[-1]:.3f} after {EPOCHS} epochs, "
                                                   f"trained in {time_torch:.1f} s")
    ax.axhline(0.97, color="0.5", linestyle="--", linewidth=1)
    ax.set(xlabel="epoch", ylabel="test accuracy", ylim=(0.85, 1.0))
    ax.set_title("The same CNN on 8x8 digits (1347 train, 450 test images), float64,\n"
                 "one thread each, trained and timed in this build", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def fig_feature_maps():
    model, curve, elapsed = train_numpy()
    _, X_test, _, y_test = _digits()
    image = X_test[:1]                                   # (1, 1, 8, 8)
    conv1, relu1, pool1, conv2, relu2 = model[0], model[1], model[2], model[3], model[4]
    maps1 = relu1(conv1(image))[0]                      # (16, 8, 8)
    maps2 = relu2(conv2(pool1(maps1[None])))[0]         # (32, 4, 4)
    kernels = conv1.weight.data[:, 0]                   # (16, 3, 3)

    fig = plt.figure(figsize=(13, 4.6))
    grid = fig.add_gridspec(3, 17, width_ratios=[3] + [1] * 16, hspace=0.45, wspace=0.15)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(image[0, 0], cmap="gray_r")
    ax.set_title(f"input: a test '{y_test[0]}'", fontsize=9)
    most_active = np.argsort(maps2.max(axis=(1, 2)))[::-1][:16]
    rows = [(kernels, "conv1 kernels (3x3)", "RdBu_r"), (maps1, "conv1 + ReLU: the 16 maps, 8x8", "viridis"),
            (maps2[most_active], "conv2 + ReLU: the 16 most active of 32 maps, 4x4", "viridis")]
    for r, (arrays, label, cmap) in enumerate(rows):
        for c in range(16):
            a = fig.add_subplot(grid[r, c + 1])
            if cmap == "RdBu_r":
                bound = np.abs(arrays).max()
                a.imshow(arrays[c], cmap=cmap, vmin=-bound, vmax=bound)
            else:
                a.imshow(arrays[c], cmap=cmap, vmin=0, vmax=max(arrays[c].max(), 1e-12))  # each map to its max
            if c == 0:
                a.set_title(label, fontsize=9, loc="left")
    for a in fig.axes:
        a.set_xticks([])
        a.set_yticks([])
        a.grid(False)
    fig.suptitle(f"dlref.numpy CNN after {EPOCHS} epochs: test accuracy {curve[-1]:.3f}, "
                 f"trained in {elapsed:.1f} s in this build", fontsize=10)
    return fig


# -- where the convolution pays: digits moved sideways ----------------------------------------

SHIFTS = (-2, -1, 0, 1, 2)                              # pixels, negative: to the left


def _shift(images, pixels: int):
    """Move every image sideways by ``pixels`` (zeros come in, nothing wraps around)."""
    moved = np.roll(images, pixels, axis=3)              # (N, C, H, W)
    if pixels > 0:
        moved[..., :pixels] = 0.0
    elif pixels < 0:
        moved[..., pixels:] = 0.0
    return moved


@lru_cache(maxsize=None)
def shifted_accuracies():
    """Test accuracy of the page's MLP and CNN (PyTorch, 3 seeds) on digits moved by SHIFTS.

    The models and the training loop are those of the page's *shifted digits* block;
    returns {name: (parameters, accuracies of shape (seeds, len(SHIFTS)))}.
    """
    import torch
    from torch import nn

    X_train, X_test, y_train, y_test = _digits()
    X_train, y_train = torch.from_numpy(X_train), torch.from_numpy(y_train)

    def make(kind):
        if kind == "MLP":
            return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 2 * 2, 10))

    results = {}
    with one_thread():
        for kind in ("MLP", "CNN"):
            accuracies = []
            for seed in range(3):
                torch.manual_seed(seed)
                model = make(kind).double()
                optimizer = torch.optim.Adam(model.parameters(), lr=LR)
                scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
                for epoch in range(EPOCHS):
                    order = torch.randperm(len(X_train))
                    for i in range(0, len(order), BATCH_SIZE):
                        batch = order[i:i + BATCH_SIZE]
                        loss = nn.functional.cross_entropy(model(X_train[batch]), y_train[batch])
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                    scheduler.step()
                with torch.no_grad():
                    accuracies.append([
                        float((model(torch.from_numpy(_shift(X_test, s))).argmax(dim=1).numpy()
                               == y_test).mean())
                        for s in SHIFTS])
            results[kind] = (sum(p.numel() for p in model.parameters()), np.array(accuracies))
    return results


def fig_shifted_digits():
    results = shifted_accuracies()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for (kind, (n_params, acc)), marker in zip(results.items(), ("o", "s")):
        mean = acc.mean(axis=0)
        ax.plot(SHIFTS, mean, marker=marker, label=f"{kind}, {n_params:,} parameters")
        ax.fill_between(SHIFTS, acc.min(axis=0), acc.max(axis=0), alpha=0.2)
    ax.set(xlabel="test digits moved sideways by (pixels; negative: left)",
           ylabel="test accuracy", ylim=(0, 1.02), xticks=SHIFTS)
    ax.set_title("Trained on the digits as given, tested on moved digits\n"
                 "(mean of 3 seeds; band: lowest to highest; computed in this build)", fontsize=10)
    ax.legend(fontsize=9, loc="lower center")
    fig.tight_layout()
    return fig
