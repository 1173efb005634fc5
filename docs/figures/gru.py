"""Figures of the GRU page (docs/architectures/gru.md), made at build time.

* ``fig_cell``: one GRU step in torch's form: the reset gate multiplies
  $W_{hn} h_{t-1} + b_{hn}$ (after the matrix product), the update gate mixes the
  candidate $n_t$ and the old state.
* ``fig_gru_vs_lstm``: test MSE on the adding problem during training, LSTM and GRU at
  equal hidden size and at equal parameter count (and the LSTM with forget bias 1), from the recorded run
  ``experiments/results/gru_vs_lstm.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "gru_vs_lstm.json"


def _box(ax, x, y, text, color, width=1.5, height=0.6, fontsize=11):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.03", facecolor=color, edgecolor="black",
                                linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _node(ax, x, y, text, radius=0.24):
    ax.add_patch(Circle((x, y), radius, facecolor="white", edgecolor="black", linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, points, color="black", label=None, label_at=None):
    """A polyline through ``points``, with an arrow head on its last segment."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color=color, linewidth=1.3, solid_capstyle="round")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=13,
                                 color=color, linewidth=1.3))
    if label is not None:
        ax.text(*label_at, label, ha="center", va="center", fontsize=10, color=color)


def fig_cell():
    """One GRU step, torch's form: r applied to W_hn h + b_hn; h' = (1 - z) n + z h."""
    fig, ax = plt.subplots(figsize=(9.5, 5.2))
    gate, lin, state = "#fde9c9", "#dde8f5", "#e4f2e0"
    # the inputs: h_{t-1} (top left) and x_t (bottom left); the output h_t (top right)
    _box(ax, 0.0, 4.6, r"$h_{t-1}$", state, width=1.0)
    _box(ax, 0.0, 0.0, r"$x_t$", state, width=1.0)
    _box(ax, 10.3, 4.6, r"$h_t$", state, width=1.0)
    # buses: x_t along the bottom, h_{t-1} down the left side and along y = 0.55
    ax.plot([0.5, 8.8], [0.0, 0.0], color="tab:blue", linewidth=1.3)
    ax.plot([0.9, 0.9, 6.9], [4.6, 0.55, 0.55], color="black", linewidth=1.3)
    # update and reset gates: sigma of both inputs
    _box(ax, 2.2, 1.9, "update gate\n" + r"$z_t = \sigma(\cdots)$", gate, width=1.9, height=0.8,
         fontsize=10)
    _box(ax, 4.6, 1.9, "reset gate\n" + r"$r_t = \sigma(\cdots)$", gate, width=1.9, height=0.8,
         fontsize=10)
    for x in (1.7, 4.1):
        _arrow(ax, [(x, 0.0), (x, 1.5)], color="tab:blue")
    for x in (2.7, 5.1):
        _arrow(ax, [(x, 0.55), (x, 1.5)])
    # the recurrent projection of the candidate, then the reset product (torch's placement)
    _box(ax, 6.9, 1.45, r"$W_{hn}h_{t-1} + b_{hn}$", lin, width=1.9, height=0.55, fontsize=9.5)
    _arrow(ax, [(6.9, 0.55), (6.9, 1.17)])
    _node(ax, 6.9, 2.75, r"$\odot$")
    _arrow(ax, [(6.9, 1.73), (6.9, 2.51)])
    _arrow(ax, [(4.6, 2.3), (4.6, 2.75), (6.66, 2.75)], label=r"$r_t$", label_at=(5.6, 2.95))
    # the candidate: tanh of the input projection plus the reset product
    _box(ax, 8.8, 2.75, r"$n_t = \tanh(W_{in}x_t + b_{in} + \cdot\,)$", gate,
         width=2.6, height=0.6, fontsize=9)
    _arrow(ax, [(7.14, 2.75), (7.5, 2.75)])
    _arrow(ax, [(8.8, 0.0), (8.8, 2.45)], color="tab:blue")
    # the update: h_t = z h_{t-1} + (1 - z) n, a convex combination
    _node(ax, 2.2, 4.6, r"$\odot$")
    _node(ax, 8.8, 4.6, r"$+$")
    _node(ax, 8.8, 3.75, r"$\odot$")
    _arrow(ax, [(0.5, 4.6), (1.96, 4.6)])
    _arrow(ax, [(2.44, 4.6), (8.56, 4.6)])
    _arrow(ax, [(9.04, 4.6), (9.8, 4.6)])
    _arrow(ax, [(2.2, 2.3), (2.2, 4.36)], label=r"$z_t$", label_at=(1.95, 3.2))
    _arrow(ax, [(2.2, 3.75), (8.56, 3.75)], label=r"$1 - z_t$", label_at=(5.6, 3.95))
    _arrow(ax, [(8.8, 3.05), (8.8, 3.51)])
    _arrow(ax, [(8.8, 3.99), (8.8, 4.36)])
    ax.text(3.3, 4.8, r"$z_t \odot h_{t-1}$", ha="center", va="bottom", fontsize=9.5, color="0.3")
    ax.text(9.15, 4.05, r"$(1 - z_t) \odot n_t$", ha="left", va="center", fontsize=9.5, color="0.3")
    ax.text(5.1, -0.55, "blue: the input $x_t$;  black: the state $h_{t-1}$;  each gate "
            r"$\sigma(\cdots)$ reads both, through its own weights and biases",
            ha="center", fontsize=9.5)
    ax.set_xlim(-0.6, 11.2)
    ax.set_ylim(-0.8, 5.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One GRU step (torch's form: the reset gate acts after $W_{hn}$)", fontsize=12)
    return fig


def fig_gru_vs_lstm():
    """Test MSE against training steps on the adding problem, from the recorded run."""
    record = json.loads(RECORD.read_text())["results"]
    lengths = record["lengths"]
    colors = {"LSTM32": "tab:blue", "LSTM32_fb1": "tab:purple", "GRU32": "tab:orange",
              "GRU37": "tab:green"}
    fig, axes = plt.subplots(1, len(lengths), figsize=(5.2 * len(lengths), 4.0), sharey=True,
                             squeeze=False)
    for ax, T in zip(axes[0], lengths):
        seen = set()
        for run in record["runs"]:
            if run["T"] != T:
                continue
            key = run["model"]
            steps = record["eval_every"] * np.arange(1, len(run["test_mse"]) + 1)
            ax.semilogy(steps, run["test_mse"], color=colors[key], linewidth=1.4, alpha=0.85,
                        label=None if key in seen else run["label"])
            seen.add(key)
        ax.axhline(record["baseline_mse"], color="gray", linestyle="--", linewidth=1,
                   label="predict the mean (1/6)")
        ax.set_title(f"adding problem, T = {T}")
        ax.set_xlabel("training steps (batches of 64)")
    axes[0, 0].set_ylabel("test MSE (one line per seed)")
    axes[0, -1].legend(fontsize=8.5, loc="lower left")     # empty there: the plateau
    return fig
