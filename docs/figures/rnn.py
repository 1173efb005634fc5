"""Figures of the recurrent-network page (docs/architectures/rnn.md), made at build time.

* ``fig_unrolled``: an RNN unrolled over time, the forward pass (black) and
  backpropagation through time (red): the gradient of every loss term flows back along
  the chain of states, and the shared weights collect one term per step.
* ``fig_gradient_norm``: the norm of the gradient that reaches the first input from a loss
  on the last state, for T = 10 ... 200, measured with ``dlref.numpy.nn.RNN.backward``:
  torch's default initialization and orthogonal recurrent weights of gains 1, 1.5, 2 and 3.
* ``fig_tbptt``: training loss on the echo task (y_t = x_{t-5}) with truncated BPTT of
  different window lengths.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from dlref.numpy import nn, optim

LENGTHS = (10, 25, 50, 75, 100, 125, 150, 175, 200)


def gradient_to_first_step(T, gain=None, hidden=32, batch=16, seed=0):
    """Mean over the batch of ||dL/dx_1|| for L = u . h_T with ||u|| = 1, and of ||dL/dx_T||.

    ``gain=None`` keeps torch's default initialization (every weight ~ U(+-1/sqrt(H)));
    otherwise W_hh is a random orthogonal matrix times ``gain``.
    """
    rng = np.random.default_rng(seed)
    rnn = nn.RNN(8, hidden, dtype=np.float64, generator=rng)
    if gain is not None:
        q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
        rnn.weight_hh_l0.data[...] = gain * q
    x = rng.normal(size=(T, batch, 8))                     # (L, N, H_in)
    y, _ = rnn(x)
    grad_y = np.zeros_like(y)
    grad_y[-1] = 1.0 / np.sqrt(hidden)                     # u = (1, ..., 1) / sqrt(H)
    grad_x, _ = rnn.backward(grad_y)
    norms = np.linalg.norm(grad_x, axis=-1)                # (L, N)
    return norms[0].mean(), norms[-1].mean()


def train_echo(window, delay=5, steps=3000, batch=32, hidden=16, seed=0, lr=0.01):
    """Train RNN + Linear on y_t = x_{t-delay} by truncated BPTT; returns the loss per update."""
    rng = np.random.default_rng(seed)
    rnn = nn.RNN(1, hidden, dtype=np.float64, generator=rng)
    head = nn.Linear(hidden, 1, dtype=np.float64, generator=rng)
    opt = optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=lr)
    stream = rng.normal(size=(steps + delay, batch, 1))   # one long sequence per row
    x, target = stream[delay:], stream[:-delay]            # y_t = x_{t - delay}
    h = np.zeros((1, batch, hidden))
    losses = []
    for start in range(0, steps, window):
        out, h = rnn(x[start:start + window], h)           # the state is carried on ...
        err = head(out) - target[start:start + window]
        losses.append(np.mean(err ** 2))
        opt.zero_grad()
        rnn.backward(head.backward(2 * err / err.size))    # ... its gradient is not
        opt.step()
    return np.array(losses)


def _box(ax, x, y, text, color):
    ax.add_patch(FancyBboxPatch((x - 0.32, y - 0.22), 0.64, 0.44, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="black", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, color="black", style="-|>", dashed=False, rad=0.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linestyle="--" if dashed else "-", linewidth=1.4,
                                 connectionstyle=f"arc3,rad={rad}"))


def fig_unrolled():
    """The unrolled graph: forward in black, BPTT in red."""
    fig, ax = plt.subplots(figsize=(9.5, 4.4))
    labels = ["1", "2", "3", "T"]
    xs = [1.3, 3.4, 5.5, 8.0]
    _box(ax, -0.3, 1.5, r"$h_0$", "#eeeeee")
    prev = -0.3
    for label, x in zip(labels, xs):
        _box(ax, x, 0.0, rf"$x_{label}$", "#dde8f5")
        _box(ax, x, 1.5, rf"$h_{label}$", "#fde9c9")
        _box(ax, x, 3.0, rf"$L_{label}$", "#e4f2e0")
        _arrow(ax, (x, 0.24), (x, 1.26))                          # x_t -> h_t
        _arrow(ax, (x + 0.08, 1.74), (x + 0.08, 2.76))            # h_t -> L_t
        _arrow(ax, (x - 0.08, 2.76), (x - 0.08, 1.74), color="tab:red", dashed=True)
        if label == "T":
            ax.text((prev + x) / 2, 1.5, r"$\cdots$", ha="center", va="center", fontsize=16)
        else:
            _arrow(ax, (prev + 0.34, 1.58), (x - 0.34, 1.58))         # h_{t-1} -> h_t
            _arrow(ax, (x - 0.34, 1.42), (prev + 0.34, 1.42), color="tab:red", dashed=True)
        prev = x
    ax.text(2.35, 1.7, r"$W_{hh}$", ha="center", fontsize=11)
    ax.text(1.3 + 0.12, 0.55, r"$W_{ih}$", ha="left", fontsize=11)
    ax.text(2.35, 1.12, r"$\times W_{hh}^\top \mathrm{diag}(1 - h_2^2)$", ha="center",
            va="top", fontsize=10, color="tab:red")
    ax.text(4.0, -0.75, "forward: one cell, the same weights at every step",
            ha="center", fontsize=11)
    ax.text(4.0, 3.65, r"BPTT (red): $\partial L/\partial h_t$ = from $L_t$ + from $h_{t+1}$;"
            r"  $\partial L/\partial W$ = sum over $t$", ha="center", fontsize=11,
            color="tab:red")
    ax.set_xlim(-0.9, 8.6)
    ax.set_ylim(-1.0, 3.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("An RNN unrolled over T steps", fontsize=12)
    return fig


def fig_gradient_norm():
    """||dL/dx_1|| for a loss on h_T, against T: vanishing, and exploding for large gains."""
    settings = [(None, "torch default init", "tab:blue"), (1.0, "orthogonal, gain 1", "tab:green"),
                (1.5, "orthogonal, gain 1.5", "tab:orange"), (2.0, "orthogonal, gain 2", "tab:purple"),
                (3.0, "orthogonal, gain 3", "tab:red")]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for gain, label, color in settings:
        norms = [gradient_to_first_step(T, gain)[0] for T in LENGTHS]
        ax.semilogy(LENGTHS, norms, "o-", color=color, label=label)
    ax.axhline(1.0, color="gray", linewidth=0.8)
    ax.set_xlabel("sequence length T (loss on the last state $h_T$)")
    ax.set_ylabel(r"$\|\partial L / \partial x_1\|$ (mean over 16 sequences)")
    ax.set_title("Gradient reaching step 1 from step T: tanh RNN, H = 32")
    ax.legend(fontsize=9)
    return fig


def fig_tbptt():
    """Training loss of the echo task y_t = x_{t-5} against the steps seen, per window."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for window, color in ((4, "tab:red"), (5, "tab:orange"), (6, "tab:green"), (16, "tab:blue")):
        losses = train_echo(window)
        seen = np.arange(1, len(losses) + 1) * window
        smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")
        ax.semilogy(seen[9:], smooth, color=color, label=f"window k = {window}")
    ax.set_xlabel("time steps of the stream processed")
    ax.set_ylabel("training MSE (moving average of 10 updates)")
    ax.set_title("Truncated BPTT on the echo task $y_t = x_{t-5}$")
    ax.legend(fontsize=9)
    return fig
