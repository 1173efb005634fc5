"""Figures of the initialization page (docs/foundations/initialization.md), made at build time.

* ``fig_activation_std``: the standard deviation of the activations (forward) and of the
  gradients (backward), layer by layer, through a 20-layer tanh MLP and a 20-layer ReLU MLP,
  for six initializations.
* ``fig_symmetry``: the hidden-layer weights of a small MLP on the digits after training
  from a constant initialization and from a random one.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from dlref.numpy import nn
from dlref.numpy.nn import init

WIDTH, DEPTH, BATCH = 128, 20, 256


def _init_weight(weight, scheme, rng):
    """Fill a Linear weight by one of the schemes compared on the page."""
    if scheme == "N(0, 0.01²)":
        init.normal_(weight, 0.0, 0.01, generator=rng)
    elif scheme == "N(0, 1)":
        init.normal_(weight, 0.0, 1.0, generator=rng)
    elif scheme == "Xavier (gain 1)":
        init.xavier_normal_(weight, generator=rng)
    elif scheme == "Xavier (gain 5/3)":
        init.xavier_normal_(weight, gain=init.calculate_gain("tanh"), generator=rng)
    elif scheme == "He (fan_in, ReLU)":
        init.kaiming_normal_(weight, nonlinearity="relu", generator=rng)
    elif scheme == "torch default":
        init.kaiming_uniform_(weight, a=math.sqrt(5), generator=rng)
    else:
        raise ValueError(scheme)


SCHEMES = {"N(0, 0.01²)": "tab:blue", "N(0, 1)": "tab:red", "Xavier (gain 1)": "tab:green",
           "Xavier (gain 5/3)": "tab:olive", "He (fan_in, ReLU)": "tab:purple", "torch default": "tab:gray"}


def _deep_mlp(activation, scheme, seed=0):
    """DEPTH blocks of Linear(WIDTH, WIDTH) + activation; zero biases, weights by ``scheme``."""
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH, dtype=np.float64, generator=rng)
        _init_weight(linear.weight, scheme, rng)
        init.zeros_(linear.bias)
        layers += [linear, nn.Tanh() if activation == "tanh" else nn.ReLU()]
    return nn.Sequential(*layers)


def _stds(activation, scheme):
    """Std of each block's output (forward) and of the gradient at each block's input (backward)."""
    model = _deep_mlp(activation, scheme)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, WIDTH))
    forward = []
    for i, module in enumerate(model):
        x = module(x)
        if i % 2 == 1:  # after each activation
            forward.append(x.std())
    grad = rng.standard_normal((BATCH, WIDTH))  # a unit-variance gradient arriving at the top
    backward = []
    for i, module in reversed(list(enumerate(model))):
        grad = module.backward(grad)
        if i % 2 == 0:  # at each Linear's input
            backward.append(grad.std())
    return np.array(forward), np.array(backward[::-1])


def fig_activation_std():
    """Forward and backward standard deviations per layer, tanh and ReLU, six initializations."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    layers = np.arange(1, DEPTH + 1)
    for row, activation in enumerate(("tanh", "relu")):
        for scheme, color in SCHEMES.items():
            with threadpool_limits(1):  # small matrices: one BLAS thread is faster on a busy machine
                forward, backward = _stds(activation, scheme)
            axes[row, 0].plot(layers, forward, "-o", markersize=3, color=color, label=scheme)
            axes[row, 1].plot(layers, backward, "-o", markersize=3, color=color, label=scheme)
        axes[row, 0].set(yscale="log", ylabel="std of activations",
                         title=f"{activation}: forward, output of layer l")
        axes[row, 1].set(yscale="log", ylabel="std of gradient",
                         title=f"{activation}: backward, gradient at the input of layer l")
    for ax in axes[1]:
        ax.set_xlabel(f"layer l (width {WIDTH}, zero biases)")
    axes[0, 0].legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def fig_symmetry():
    """First-layer weights of a 64-16-10 tanh MLP after 5 epochs: constant start vs random start."""
    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X_train = StandardScaler().fit_transform(X_train)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, scheme in zip(axes, ("constant 0.1", "torch default (random)")):
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(64, 16, dtype=np.float64, generator=rng), nn.Tanh(),
                              nn.Linear(16, 10, dtype=np.float64, generator=rng))
        if scheme.startswith("constant"):
            for p in model.parameters():
                init.constant_(p, 0.1)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(5):
            order = rng.permutation(len(X_train))
            for start in range(0, len(order), 32):
                idx = order[start:start + 32]
                model.zero_grad()
                loss_fn(model(X_train[idx]), y_train[idx])
                model.backward(loss_fn.backward())
                for p in model.parameters():
                    p.data -= 0.1 * p.grad
        W1 = model[0].weight.data  # (16 hidden units, 64 pixels)
        bound = np.abs(W1).max()
        image = ax.imshow(W1, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto")
        ax.set(title=f"start: {scheme}", xlabel="input pixel (64)", ylabel="hidden unit (16)")
        ax.grid(False)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle("First-layer weights after 5 epochs of training (one row per hidden unit)")
    fig.tight_layout()
    return fig
