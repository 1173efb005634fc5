"""Figures of docs/foundations/vanishing-exploding-gradients.md, measured with dlref.numpy.

* ``fig_layer_norms``: gradient norm layer by layer in 30-layer MLPs on the digits data:
  the backpropagated gradient dL/dh (the product of Jacobians) and the weight gradients,
  for sigmoid, tanh and ReLU with good and bad initial scales, and sigmoid nets of
  different depths.
* ``fig_clipping``: training a 20-layer ReLU net whose initial weights are 10 % too large,
  without clipping and with ``clip_grad_norm_``: loss and gradient norm per step.
* ``fig_directions``: one 2-D gradient clipped by norm and by value.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from dlref.numpy import nn
from dlref.numpy.nn.utils import clip_grad_norm_, clip_grad_value_


def _digits():
    """Standardized digits (1797, 64) and their labels."""
    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)
    return X, y


def _mlp(depth, activation, gain, seed=0):
    """``depth`` Linear layers of width 64 (the last gives 10 logits), weights ~ N(0, gain^2/64), zero biases."""
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(depth):
        linear = nn.Linear(64, 10 if i == depth - 1 else 64, dtype=np.float64, generator=rng)
        nn.init.normal_(linear.weight, std=gain / math.sqrt(64), generator=rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the logits


def _gradient_norms(model, X, y):
    """Per Linear layer l (input side first): ||dL/dh_{l-1}|| (its input) and ||dL/dW_l||."""
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(X), y)
    model.zero_grad()
    grad = loss_fn.backward()
    input_norms, weight_norms = [], []
    for layer in reversed(list(model)):  # the backward pass, one Jacobian at a time
        grad = layer.backward(grad)
        if isinstance(layer, nn.Linear):
            input_norms.append(np.linalg.norm(grad))
            weight_norms.append(np.linalg.norm(layer.weight.grad))
    return np.array(input_norms[::-1]), np.array(weight_norms[::-1])


CONFIGS = [  # label, activation, gain (std = gain / sqrt(64)), style
    ("sigmoid, Xavier (gain 1)", nn.Sigmoid, 1.0, dict(color="C3")),
    ("tanh, Xavier (gain 1)", nn.Tanh, 1.0, dict(color="C1")),
    ("ReLU, He (gain √2)", nn.ReLU, math.sqrt(2), dict(color="C0")),
    ("ReLU, He × 1.2 (too large)", nn.ReLU, 1.2 * math.sqrt(2), dict(color="C4", ls="--")),
    ("ReLU, torch's Linear default (gain 1/√3)", nn.ReLU, 1 / math.sqrt(3), dict(color="C2", ls=":")),
]


def fig_layer_norms():
    """Gradient norms per layer: activations and initial scales (depth 30), and depth (sigmoid)."""
    X, y = _digits()
    X, y = X[:128], y[:128]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    layers = np.arange(1, 31)
    for label, activation, gain, style in CONFIGS:
        input_norms, weight_norms = _gradient_norms(_mlp(30, activation, gain), X, y)
        axes[0].plot(layers, input_norms, lw=2, label=label, **style)
        axes[1].plot(layers, weight_norms, lw=2, label=label, **style)
    axes[0].set_title("backpropagated gradient $\\|\\partial L/\\partial h_{l-1}\\|$ (30 layers)")
    axes[1].set_title("weight gradient $\\|\\partial L/\\partial W_l\\|_F$ (30 layers)")
    for depth, shade in zip([3, 10, 20, 30], [0.35, 0.55, 0.75, 1.0]):
        input_norms, _ = _gradient_norms(_mlp(depth, nn.Sigmoid, 1.0), X, y)
        axes[2].plot(np.arange(1, depth + 1), input_norms, marker=".", color=plt.cm.Reds(shade),
                     label=f"{depth} layers")
    axes[2].set_title("sigmoid nets of different depths: $\\|\\partial L/\\partial h_{l-1}\\|$")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("layer l (1 = next to the input, last = logits)")
    axes[0].set_ylabel("norm (log scale)")
    axes[2].legend(fontsize=8, loc="lower right")
    fig.suptitle("One backward pass on 128 digits, cross-entropy loss, width 64, measured with dlref.numpy")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=5, fontsize=9)
    return fig


def _train(model, X, y, max_norm, lr=0.1, steps=300, seed=0):
    """Mini-batch SGD (batch 64); stops when the loss passes 1e3. Returns losses and pre-clip norms."""
    rng = np.random.default_rng(seed)
    loss_fn = nn.CrossEntropyLoss()
    losses, norms = [], []
    for _ in range(steps):
        batch = rng.choice(len(X), size=64, replace=False)
        loss = loss_fn(model(X[batch]), y[batch])
        if not loss < 1e3:  # diverged
            break
        losses.append(loss)
        model.zero_grad()
        model.backward(loss_fn.backward())
        norms.append(float(clip_grad_norm_(model.parameters(), max_norm)))  # the norm before clipping
        for p in model.parameters():
            p.data -= lr * p.grad
    return np.array(losses), np.array(norms)


def fig_clipping():
    """Loss and gradient norm per step, 20-layer ReLU net with He x 1.1 init, lr 0.1."""
    X, y = _digits()
    fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(12, 4.4))
    for max_norm, label, color in [(math.inf, "no clipping", "C3"), (10.0, "clip_grad_norm_(max_norm=10)", "C0"),
                                   (3.0, "clip_grad_norm_(max_norm=3)", "C2")]:
        losses, norms = _train(_mlp(20, nn.ReLU, 1.1 * math.sqrt(2)), X, y, max_norm)
        steps = np.arange(1, len(losses) + 1)
        ax_loss.plot(steps, losses, label=label, color=color, lw=1)
        ax_norm.plot(steps, norms, label=label, color=color, lw=1)
        if len(losses) < 300:
            ax_loss.plot(steps[-1], losses[-1], "x", color=color, ms=10, mew=2)
            ax_loss.annotate(f"loss > 1000 at step {len(losses) + 1}", (steps[-1], losses[-1]),
                             xytext=(15, 0), textcoords="offset points", color=color, va="center")
        if math.isfinite(max_norm):
            ax_norm.axhline(max_norm, color=color, ls=":", lw=1)
    ax_loss.set_yscale("log")
    ax_loss.set_title("training loss (mini-batches of 64)")
    ax_loss.set_ylabel("cross-entropy")
    ax_norm.set_yscale("log")
    ax_norm.set_title("gradient norm before clipping (dotted: max_norm)")
    for ax in (ax_loss, ax_norm):
        ax.set_xlabel("SGD step (lr = 0.1)")
        ax.legend(fontsize=9)
    fig.suptitle("20-layer ReLU net on digits, initial weights 10 % larger than He's scale")
    fig.tight_layout()
    return fig


def fig_directions():
    """A 2-D gradient clipped by norm (same direction) and by value (direction turns)."""
    g = np.array([3.0, 0.5])
    by_norm = nn.Parameter(np.zeros(2))
    by_norm.grad = g.copy()
    clip_grad_norm_(by_norm, max_norm=1.0)
    by_value = nn.Parameter(np.zeros(2))
    by_value.grad = g.copy()
    clip_grad_value_(by_value, clip_value=1.0)

    fig, ax = plt.subplots(figsize=(9, 3.4))
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color="C0", lw=1, ls=":", label="‖g‖ = 1 (max_norm)")
    ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color="C2", lw=1, ls=":", label="|g_j| ≤ 1 (clip_value)")
    for vec, label, color in [(g, "g", "0.3"),
                              (by_norm.grad, "clip_grad_norm_: same direction", "C0"),
                              (by_value.grad, "clip_grad_value_: direction turns", "C2")]:
        ax.annotate("", xy=vec, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=color, lw=2))
        ax.plot([], [], color=color, lw=2, label=f"{label}: ({vec[0]:.2f}, {vec[1]:.2f})")
    ax.set_aspect("equal")
    ax.set_xlim(-1.2, 3.3)
    ax.set_ylim(-1.2, 1.2)
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set_title("Clipping g = (3, 0.5) to max_norm = 1 and to clip_value = 1")
    fig.tight_layout()
    return fig
