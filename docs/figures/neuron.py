"""Figures of the neuron and perceptron page (docs/foundations/neuron.md), made at build time.

* ``fig_iris_perceptron``: the perceptron trained on two iris species (standardized sepal
  length and width): the decision boundary at the end of each epoch with the final normal
  vector ``w``, and the mistakes made in each epoch, down to 0.
* ``fig_scaling``: the same data unstandardized (centimetres): hundreds of epochs instead of four.
* ``fig_xor``: no line separates XOR, so the perceptron keeps making mistakes; two units
  with hand-set weights (OR and NAND) map the four points to a space where a third (AND)
  separates them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from dlref.numpy.models import Perceptron

CLASS_COLORS = ("tab:blue", "tab:orange")
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def _iris_two_species():
    """Setosa (0) and versicolor (1), sepal length and width in cm."""
    X, y = load_iris(return_X_y=True)
    keep = y < 2
    return X[keep][:, :2], y[keep]


def _standardize(X):
    # z-scores per feature: (x - mean) / std
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _scatter(ax, X, y, labels, s=18):
    for c in (0, 1):
        ax.scatter(*X[y == c].T, s=s, color=CLASS_COLORS[c], edgecolor="white", linewidth=0.4,
                   label=labels[c], zorder=3)


def _line(ax, w, b, xlim, **style):
    """Draw w[0] x + w[1] y + b = 0 across xlim."""
    xs = np.array(xlim)
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + b) / w[1], **style)
    else:
        ax.axvline(-b / w[0], **style)


def fig_iris_perceptron():
    X, y = _iris_two_species()
    X = _standardize(X)
    model = Perceptron(2)
    snapshots, mistakes = [], []
    while not mistakes or mistakes[-1] > 0:  # one epoch at a time, to keep each boundary
        mistakes += model.fit(X, y, epochs=1)
        snapshots.append((model.weight.data[0].copy(), float(model.bias.data[0])))

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1.4, 1]})
    lim = (-2.6, 2.9)
    w, b = snapshots[-1]
    grid = np.linspace(*lim, 200)
    gx, gy = np.meshgrid(grid, grid)
    z = w[0] * gx + w[1] * gy + b
    ax.contourf(gx, gy, z > 0, levels=[-0.5, 0.5, 1.5], colors=[CLASS_COLORS[0], CLASS_COLORS[1]], alpha=0.08)
    last_change = max(e for e, m in enumerate(mistakes, start=1) if m > 0)
    for epoch, (w_e, b_e) in enumerate(snapshots[:last_change - 1], start=1):
        _line(ax, w_e, b_e, lim, color="0.45", linestyle=":", linewidth=1.2)
        y_text = lim[1] - 0.35 * epoch  # label each line where it crosses this height
        ax.text(-(w_e[1] * y_text + b_e) / w_e[0] + 0.08, y_text, f"after epoch {epoch}",
                fontsize=7, color="0.3", ha="left", va="center")
    _line(ax, w, b, lim, color="black", linewidth=1.8, label=f"z = 0 after epoch {last_change} (final)")
    # the normal vector w, drawn from the point of the boundary closest to the origin
    foot = -b * w / np.dot(w, w)
    unit = w / np.linalg.norm(w)
    ax.annotate("", xy=foot + 0.9 * unit, xytext=foot,
                arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.5})
    ax.text(*(foot + 1.0 * unit), "w", fontsize=11, fontweight="bold")
    _scatter(ax, X, y, ("setosa (y = 0)", "versicolor (y = 1)"))
    ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="sepal length (standardized)",
           ylabel="sepal width (standardized)", title="Decision boundary after each epoch")
    ax.legend(loc="lower left", fontsize=8)

    epochs = np.arange(1, len(mistakes) + 1)
    bx.bar(epochs, mistakes, color="0.35", width=0.6)
    for e, m in zip(epochs, mistakes):
        bx.text(e, m + 0.05, str(m), ha="center", va="bottom")
    bx.set(xticks=epochs, yticks=range(max(mistakes) + 1), ylim=(0, max(mistakes) + 0.6), xlabel="epoch", ylabel="mistakes (= updates) in the epoch",
           title=f"{sum(mistakes)} mistakes in all, then none")
    fig.tight_layout()
    return fig


def fig_scaling():
    X_cm, y = _iris_two_species()
    runs = {}
    for name, X in (("centimetres", X_cm), ("standardized", _standardize(X_cm))):
        runs[name] = Perceptron(2).fit(X, y, epochs=5000)

    fig, ax = plt.subplots(figsize=(7, 3.4))
    for (name, mistakes), color in zip(runs.items(), ("tab:red", "tab:green")):
        epochs = np.arange(1, len(mistakes) + 1)
        ax.plot(epochs, np.cumsum(mistakes), color=color, marker="o" if len(mistakes) < 20 else None,
                label=f"{name}: {sum(mistakes)} mistakes, last in epoch {len(mistakes) - 1}")
    ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="mistakes so far",
           title="Same data, same rule: the scale of the inputs sets R/γ")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_xor():
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    lim = (-0.4, 1.4)
    big = 70

    # 1. one perceptron: after 100 epochs it still misclassifies points
    ax = axes[0]
    single = Perceptron(2)
    mistakes = single.fit(XOR_X, XOR_Y, epochs=100)
    _line(ax, single.weight.data[0], single.bias.data[0], lim, color="black", linewidth=1.5,
          label="z = 0 (points on it get ŷ = 0)")
    wrong = single.predict(XOR_X) != XOR_Y
    _scatter(ax, XOR_X, XOR_Y, ("y = 0", "y = 1"), s=big)
    ax.scatter(*XOR_X[wrong].T, s=260, facecolor="none", edgecolor="red", linewidth=1.5,
               label="misclassified", zorder=4)
    ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
           title=f"One perceptron after 100 epochs:\n{mistakes[-1]} mistakes in epoch 100")
    ax.legend(loc="center", fontsize=8)

    # 2. a hidden layer of two units with hand-set weights: OR and NAND, two lines
    W1 = np.array([[1.0, 1.0], [-1.0, -1.0]])      # (2 hidden, 2 inputs): rows are the OR and NAND units
    b1 = np.array([-0.5, 1.5])
    w2, b2 = np.array([1.0, 1.0]), -1.5           # the output unit: AND of the two
    ax = axes[1]
    labels = ("OR unit: x₁ + x₂ − 0.5 = 0", "NAND unit: −x₁ − x₂ + 1.5 = 0")
    for w, b, label, color in zip(W1, b1, labels, ("tab:purple", "tab:brown")):
        _line(ax, w, b, lim, color=color, linewidth=1.5, label=label)
    _scatter(ax, XOR_X, XOR_Y, ("y = 0", "y = 1"), s=big)
    ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
           title="Hidden layer: an OR unit and a NAND unit")
    ax.legend(loc="center", fontsize=7)

    # 3. in the hidden space (h1, h2) = (OR, NAND) the classes are separable: AND does it
    H = (XOR_X @ W1.T + b1 > 0).astype(float)       # (4, 2): h = H(W1 x + b1)
    y_hat = (H @ w2 + b2 > 0).astype(int)
    ax = axes[2]
    _line(ax, w2, b2, lim, color="black", linewidth=1.5, label="AND unit: h₁ + h₂ − 1.5 = 0")
    jitter = np.array([[0, 0], [-0.05, 0.05], [0.05, -0.05], [0, 0]])  # (0,1) and (1,0) both land on (1,1)
    _scatter(ax, H + jitter, XOR_Y, ("y = 0", "y = 1"), s=big)
    offsets = [(8, -4), (-30, 9), (8, -12), (8, -4)]
    for x, h, offset in zip(XOR_X, H + jitter, offsets):
        ax.annotate(f"x = ({x[0]:.0f}, {x[1]:.0f})", h, textcoords="offset points", xytext=offset, fontsize=8)
    ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="$h_1$ = OR($x$)", ylabel="$h_2$ = NAND($x$)",
           title=f"Output: AND of the hidden units\npredicts {y_hat.tolist()} (XOR)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig
