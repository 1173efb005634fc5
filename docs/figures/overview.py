"""Figures of the overview page (docs/overview/index.md), made at build time from dlref.

* ``fig_representations``: the digits test set as two numbers per image: the first two
  principal components of the pixels, and a 2-unit layer of an MLP trained with ``dlref.numpy``.
* ``fig_standardization``: training loss on the wine data, raw features against
  standardized ones, each at its best learning rate.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from dlref.numpy import nn


def _split_standardize(loader, standardize=True):
    """Stratified 75/25 split; standardize with training statistics only."""
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    if standardize:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std[std == 0] = 1.0
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return X_train.astype(np.float32), X_test.astype(np.float32), y_train, y_test


def _train_mlp(X_train, y_train, hidden, lr, epochs, seed=0):
    """Linear -> ReLU -> Linear trained by mini-batch SGD (batch 32); returns model and epoch losses."""
    rng = np.random.default_rng(seed)
    n_classes = int(y_train.max()) + 1
    model = nn.Sequential(nn.Linear(X_train.shape[1], hidden, generator=rng), nn.ReLU(),
                          nn.Linear(hidden, n_classes, generator=rng))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X_train))
        total = 0.0
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            loss = loss_fn(model(X_train[batch]), y_train[batch])
            model.zero_grad()
            model.backward(loss_fn.backward())
            for p in model.parameters():
                p.data -= lr * p.grad
            total += float(loss) * len(batch)
        losses.append(total / len(X_train))
    return model, losses


def fig_representations():
    """Two numbers per digit image: the first two principal components of the pixels,
    against a 2-unit layer learned by an MLP (64-32-2-10) trained with dlref.numpy."""
    X_train, X_test, y_train, y_test = _split_standardize(load_digits)
    pixels_train, pixels_test = _split_standardize(load_digits, standardize=False)[:2]  # grey levels

    # Learned: the network's output layer classifies from a layer of only 2 units.
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 32, generator=rng), nn.ReLU(),
                          nn.Linear(32, 2, generator=rng),  # the 2-D representation
                          nn.Linear(2, 10, generator=rng))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(60):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            loss_fn(model(X_train[batch]), y_train[batch])
            model.zero_grad()
            model.backward(loss_fn.backward())
            for p in model.parameters():
                p.data -= 0.05 * p.grad
    encode = model[:3]  # pixels -> 2 learned numbers

    pca = PCA(n_components=2, random_state=0).fit(pixels_train)
    panels = [
        ("first two principal components of the pixels", pca.transform(pixels_train), pca.transform(pixels_test)),
        ("2-unit layer learned by an MLP (64-32-2-10)", encode(X_train), encode(X_test)),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, (title, Z_train, Z_test) in zip(axes, panels):
        # How much of the digit's identity the 2 numbers keep: a linear classifier on them.
        accuracy = LogisticRegression(max_iter=2000).fit(Z_train, y_train).score(Z_test, y_test)
        ax.scatter(Z_test[:, 0], Z_test[:, 1], c=plt.cm.tab10(y_test), s=10, alpha=0.7, linewidths=0)
        for digit in range(10):  # label each class at its centre
            cx, cy = Z_test[y_test == digit].mean(axis=0)
            ax.text(cx, cy, str(digit), fontsize=15, weight="bold", ha="center", va="center",
                    color=plt.cm.tab10(digit), bbox=dict(boxstyle="circle,pad=0.15", fc="white", alpha=0.8, lw=0))
        ax.set_title(f"{title}\nlinear classifier on these 2 numbers: {accuracy:.1%} test accuracy", fontsize=10)
        ax.set_xlabel("first coordinate")
        ax.set_ylabel("second coordinate")
    fig.suptitle("Digits test set, two numbers per image, coloured by true digit")
    fig.tight_layout()
    return fig


def fig_standardization():
    """Training loss of the same MLP on wine: raw features vs standardized features."""
    raw = _split_standardize(load_wine, standardize=False)
    std = _split_standardize(load_wine, standardize=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    for data, lr, label in [
        (raw, 1e-5, "raw features, lr = 1e-5 (best for raw)"),
        (raw, 1e-1, "raw features, lr = 0.1"),
        (std, 1e-1, "standardized features, lr = 0.1"),
    ]:
        _, losses = _train_mlp(data[0], data[2], hidden=16, lr=lr, epochs=100)
        ax.plot(range(1, len(losses) + 1), losses, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training cross-entropy")
    ax.set_title("Same network, same data: only the input scaling differs")
    ax.legend()
    fig.tight_layout()
    return fig
