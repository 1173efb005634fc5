"""Figures for docs/foundations/losses.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/losses/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlref.numpy import functional as F  # noqa: E402


def _axes_lines(axes) -> None:
    for ax in np.ravel(axes):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.grid(alpha=0.3)


def fig_regression():
    """MSE, MAE and Huber against the residual d = prediction - target, and their gradients."""
    d = np.linspace(-3, 3, 601)
    zero = np.zeros_like(d)
    ones = np.ones_like(d)
    curves = [
        ("MSE  $d^2$", F.mse_loss, F.mse_loss_backward, {}),
        ("MAE  $|d|$", F.l1_loss, F.l1_loss_backward, {}),
        ("Huber, $\\delta = 1$", F.huber_loss, F.huber_loss_backward, {"delta": 1.0}),
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for label, loss, backward, kwargs in curves:
        left.plot(d, loss(d, zero, reduction="none", **kwargs), lw=2, label=label)
        right.plot(d, backward(ones, d, zero, reduction="none", **kwargs), lw=2, label=label)
    left.set_ylim(-0.2, 4.5)
    left.set_title("Loss")
    right.set_title("Gradient $\\partial \\ell / \\partial x$: how hard one point pulls")
    _axes_lines((left, right))
    for ax in (left, right):
        ax.set_xlabel("residual $d = x - y$")
        ax.legend(loc="upper center", fontsize=9)
    fig.tight_layout()
    return fig


def fig_classification():
    """Target 1, logit z: cross-entropy on the logit vs MSE on the sigmoid output, and |dL/dz|."""
    z = np.linspace(-10, 10, 801)
    y = np.ones_like(z)
    ones = np.ones_like(z)
    s = F.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    grad_ce = F.binary_cross_entropy_with_logits_backward(ones, z, y, reduction="none")
    mse = F.mse_loss(s, y, reduction="none")
    # chain rule through the sigmoid: dL/dz = dL/ds * ds/dz
    grad_mse = F.sigmoid_backward(F.mse_loss_backward(ones, s, y, reduction="none"), z)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    left.plot(z, ce, lw=2, label="cross-entropy  $-\\log\\sigma(z)$")
    left.plot(z, mse, lw=2, label="MSE on the output  $(\\sigma(z) - 1)^2$")
    left.set_ylim(-0.3, 6)
    left.set_title("Loss for target $y = 1$")
    right.semilogy(z, np.abs(grad_ce), lw=2, label="cross-entropy: $|\\sigma(z) - 1|$")
    right.semilogy(z, np.abs(grad_mse), lw=2, label="MSE: $2(1-\\sigma)\\,\\sigma(1-\\sigma)$")
    right.set_ylim(1e-5, 3)
    right.set_title("Gradient magnitude $|\\partial L / \\partial z|$")
    for ax in (left, right):
        ax.axvline(0, color="0.6", lw=0.8)
        ax.grid(alpha=0.3)
        ax.set_xlabel("logit $z$ (left: confidently wrong, right: confidently right)")
        ax.legend(loc="upper right" if ax is left else "lower left", fontsize=9)
    fig.tight_layout()
    return fig


def fig_label_smoothing():
    """Cross-entropy of C = 4 logits (target logit g, the others 0) against the gap g."""
    C = 4
    g = np.linspace(-2, 12, 701)
    z = np.zeros((g.size, C))                    # (G, C)
    z[:, 0] = g
    y = np.zeros(g.size, dtype=np.int64)
    fig, ax = plt.subplots(figsize=(7, 4))
    for eps in [0.0, 0.1, 0.2]:
        loss = F.cross_entropy(z, y, reduction="none", label_smoothing=eps)
        line, = ax.plot(g, loss, lw=2, label=f"label_smoothing = {eps}")
        if eps > 0:
            # the minimum sits where softmax(z) equals the smoothed target
            best = np.log(1 + C * (1 - eps) / eps)
            z_best = np.zeros((1, C))
            z_best[0, 0] = best
            loss_best = float(F.cross_entropy(z_best, y[:1], label_smoothing=eps))
            ax.plot([best], [loss_best], "o", color=line.get_color())
            ax.annotate(f"minimum at g = {best:.2f}", (best, loss_best), xytext=(0, -16),
                        textcoords="offset points", ha="center", color=line.get_color(), fontsize=9)
    ax.set_xlabel("logit gap $g = z_y - z_{other}$")
    ax.set_ylabel("loss")
    ax.set_ylim(0, 3)
    ax.set_title("Without smoothing the loss keeps falling as $g \\to \\infty$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def fig_hinge():
    """Two classes, the target's lead g = x_y - x_other: hinge losses against cross-entropy, and their slopes."""
    g = np.linspace(-3, 4, 701)
    x = np.stack([g, np.zeros_like(g)], axis=1)       # (G, 2): the target class 0 leads by g
    y = np.zeros(g.size, dtype=np.int64)
    ones = np.ones(g.size)
    C = 2
    curves = [
        ("cross-entropy  $\\log(1 + e^{-g})$", F.cross_entropy, F.cross_entropy_backward, {}),
        ("hinge, $p = 1$  $\\max(0, 1 - g)$", F.multi_margin_loss, F.multi_margin_loss_backward, {"p": 1}),
        ("squared hinge, $p = 2$  $\\max(0, 1 - g)^2$", F.multi_margin_loss, F.multi_margin_loss_backward, {"p": 2}),
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for label, loss, backward, kwargs in curves:
        # multi_margin_loss divides by C, as torch does: multiply back to compare with cross-entropy
        scale = C if loss is F.multi_margin_loss else 1
        left.plot(g, scale * loss(x, y, reduction="none", **kwargs), lw=2, label=label)
        # slope along g: d loss / d x_y
        right.plot(g, scale * backward(ones, x, y, reduction="none", **kwargs)[:, 0], lw=2, label=label)
    left.axvline(1.0, color="0.3", lw=1, ls="--")
    left.annotate("margin met:\nloss and gradient\nexactly 0", (1.0, 1.6), xytext=(6, 0),
                  textcoords="offset points", fontsize=9)
    left.set_ylim(-0.2, 4.5)
    left.set_title("Loss (two classes, margin 1)")
    right.set_title("Gradient for the target's score $x_y$")
    right.set_ylim(-4.2, 0.4)
    _axes_lines((left, right))
    for ax in (left, right):
        ax.set_xlabel("the target's lead $g = x_y - x_{other}$")
        ax.legend(loc="upper right" if ax is left else "lower right", fontsize=9)
    fig.tight_layout()
    return fig
