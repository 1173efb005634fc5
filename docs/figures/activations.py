"""Figures for docs/foundations/activations.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/activations/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlref.numpy import functional as F  # noqa: E402

# (label, forward, backward): the functions shown, with LeakyReLU's slope enlarged to be visible
CURVES = [
    ("sigmoid", F.sigmoid, F.sigmoid_backward),
    ("tanh", F.tanh, F.tanh_backward),
    ("ReLU", F.relu, F.relu_backward),
    ("LeakyReLU (slope 0.1)", lambda x: F.leaky_relu(x, 0.1), lambda g, x: F.leaky_relu_backward(g, x, 0.1)),
    ("ELU", F.elu, F.elu_backward),
    ("GELU", F.gelu, F.gelu_backward),
    ("SiLU", F.silu, F.silu_backward),
]


def _grid(axes) -> None:
    for ax in np.ravel(axes):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.grid(alpha=0.3)


def fig_activations():
    """The functions: squashing ones on the left, rectifiers on the right."""
    x = np.linspace(-5, 5, 1001)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for label, forward, _ in CURVES[:2]:
        left.plot(x, forward(x), label=label, lw=2)
    left.set_ylim(-1.2, 1.2)
    left.set_title("Squashing: bounded, saturating")
    for label, forward, _ in CURVES[2:]:
        right.plot(x, forward(x), label=label, lw=2)
    right.set_ylim(-1.5, 5)
    right.set_title("Rectifiers: unbounded for x > 0")
    _grid((left, right))
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.legend(loc="upper left", fontsize=9)
    left.set_ylabel("f(x)")
    fig.tight_layout()
    return fig


def fig_derivatives():
    """The derivatives f'(x), computed by each function's backward pass with grad_output = 1."""
    x = np.linspace(-5, 5, 1001)
    ones = np.ones_like(x)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for label, _, backward in CURVES[:2]:
        left.plot(x, backward(ones, x), label=f"{label}'", lw=2)
    left.axhline(0.25, color="C0", ls=":", lw=1)
    left.annotate("max sigmoid' = 0.25", (0.2, 0.27), color="C0", fontsize=9)
    left.set_title("Squashing: derivative vanishes as |x| grows")
    for label, _, backward in CURVES[2:]:
        right.plot(x, backward(ones, x), label=f"{label}'", lw=2)
    right.set_title("Rectifiers: derivative 1 for x > 0")
    _grid((left, right))
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.set_ylim(-0.2, 1.2)
        ax.legend(loc="upper left", fontsize=9)
    left.set_ylabel("f'(x)")
    fig.tight_layout()
    return fig


def fig_saturation():
    """Saturation on a log scale: sigmoid' and tanh' fall like e^{-x} and e^{-2x}."""
    x = np.linspace(0.05, 20, 400)  # x > 0: ReLU'(0) = 0 has no logarithm
    ones = np.ones_like(x)
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, _, backward in (CURVES[0], CURVES[1], CURVES[2], CURVES[5]):
        ax.semilogy(x, np.abs(backward(ones, x)), label=f"|{label}'(x)|", lw=2)
    for x0, (label, _, backward) in ((5.0, CURVES[1]), (5.0, CURVES[0])):
        d = float(backward(np.ones(1), np.array([x0]))[0])
        ax.plot([x0], [d], "ko", ms=4)
        ax.annotate(f"{label}'({x0:g}) = {d:.1e}", (x0, d), xytext=(8, 4), textcoords="offset points", fontsize=9)
    ax.set_ylim(1e-18, 3)
    ax.set_xlabel("x")
    ax.set_ylabel("|f'(x)| (log scale)")
    ax.set_title("Past |x| of a few units, squashing functions pass almost no gradient")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig


def fig_softmax():
    """Softmax of two logits (z, 0) as z varies: exactly the sigmoid of the difference."""
    z = np.linspace(-8, 8, 401)
    logits = np.stack([np.zeros_like(z), z], axis=1)  # (401, 2)
    p = F.softmax(logits, dim=1)  # (401, 2)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(z, p[:, 1], lw=4, alpha=0.5, label="softmax([0, z])[1]")
    ax.plot(z, F.sigmoid(z), "k--", lw=1.5, label="sigmoid(z)")
    ax.plot(z, p[:, 0], lw=2, label="softmax([0, z])[0] = 1 - sigmoid(z)")
    ax.set_xlabel("z (difference of the two logits)")
    ax.set_ylabel("probability")
    ax.set_title("Two-class softmax is a sigmoid of the logit difference")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
