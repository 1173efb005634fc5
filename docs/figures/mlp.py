"""Figures of the multilayer-perceptron page (docs/foundations/mlp.md), made at build time.

* ``fig_decision_regions``: MLPs with no hidden layer and with 2, 8 and 32 tanh hidden
  units, trained by full-batch gradient descent on two interleaved half-moons; their
  decision regions and training accuracy.
* ``fig_approximation``: one hidden layer of ReLU units with hand-set weights that
  interpolates a function at evenly spaced knots; the error falls as units are added
  (the idea behind the universal approximation theorem).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from dlref.numpy import nn

CLASS_COLORS = ("tab:blue", "tab:orange")


def _mlp(widths, in_features, out_features, generator):
    """Linear -> Tanh -> ... -> Linear, float64, with the given hidden widths."""
    layers, d = [], in_features
    for h in widths:
        layers += [nn.Linear(d, h, dtype=np.float64, generator=generator), nn.Tanh()]
        d = h
    layers.append(nn.Linear(d, out_features, dtype=np.float64, generator=generator))
    return nn.Sequential(*layers)


def _train(model, X, y, lr=0.5, steps=1500):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        model.zero_grad()
        model.backward(loss_fn.backward())
        for p in model.parameters():
            p.data -= lr * p.grad  # plain gradient descent
    return float(loss)


def fig_decision_regions():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    grid = np.linspace(-2.6, 2.6, 120)
    gx, gy = np.meshgrid(grid, grid)
    points = np.column_stack([gx.ravel(), gy.ravel()])  # (120*120, 2)

    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), sharey=True)
    for ax, widths in zip(axes, [(), (2,), (8,), (32,)]):
        model = _mlp(widths, 2, 2, np.random.default_rng(0))
        _train(model, X, y)
        logits = model(points)
        # P(class 1) = softmax(logits)[:, 1] = sigmoid(l1 - l0)
        p1 = 1 / (1 + np.exp(-np.clip(logits[:, 1] - logits[:, 0], -50, 50)))
        ax.contourf(gx, gy, p1.reshape(gx.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
        ax.contour(gx, gy, p1.reshape(gx.shape), levels=[0.5], colors="black", linewidths=1.2)
        for c in (0, 1):
            ax.scatter(*X[y == c].T, s=10, color=CLASS_COLORS[c], edgecolor="white", linewidth=0.3)
        accuracy = (model(X).argmax(axis=1) == y).mean()
        n_params = sum(p.data.size for p in model.parameters())
        name = "no hidden layer" if not widths else f"{widths[0]} hidden units"
        ax.set(title=f"{name}\n{n_params} parameters, train acc. {accuracy:.3f}", xlabel="$x_1$",
               aspect="equal", xlim=(-2.6, 2.6), ylim=(-2.6, 2.6))
    axes[0].set_ylabel("$x_2$")
    fig.tight_layout()
    return fig


def relu_interpolant(f, n_units, low=-3.0, high=3.0):
    """A one-hidden-layer ReLU network that interpolates ``f`` linearly between ``n_units + 1`` knots.

    Hidden unit k computes relu(x - t_k); the output adds c_k times it, where c_k is the change
    of slope at knot t_k, and f(t_0) as the bias.
    """
    t = np.linspace(low, high, n_units + 1)                  # knots t_0 < ... < t_n
    slopes = np.diff(f(t)) / np.diff(t)                      # slope on each of the n pieces
    c = np.diff(slopes, prepend=0.0)                         # change of slope at t_0 .. t_{n-1}
    hidden = nn.Linear(1, n_units, dtype=np.float64)
    output = nn.Linear(n_units, 1, dtype=np.float64)
    hidden.load_state_dict({"weight": np.ones((n_units, 1)), "bias": -t[:-1]})
    output.load_state_dict({"weight": c[None, :], "bias": [f(t[0])]})
    return nn.Sequential(hidden, nn.ReLU(), output)


def target(x):
    return np.sin(2 * x) + 0.3 * x


def fig_approximation():
    x = np.linspace(-3, 3, 600)[:, None]                     # (600, 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
    for ax, n_units in zip(axes, (3, 6, 24)):
        model = relu_interpolant(target, n_units)
        y_hat = model(x)[:, 0]
        error = np.abs(y_hat - target(x[:, 0])).max()
        ax.plot(x[:, 0], target(x[:, 0]), color="0.6", linewidth=3, label="f(x) = sin 2x + 0.3x")
        ax.plot(x[:, 0], y_hat, color="tab:red", linewidth=1.4, label="network")
        ax.set(title=f"{n_units} ReLU units: max error {error:.3f}", xlabel="x")
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
