"""Figures of the benchmarks page (docs/benchmarks.md), drawn from the saved benchmark results.

* ``fig_conv2d_ratios``: for each layer of ``benchmarks/conv2d.py``, how many times longer
  ``dlref.numpy.nn.Conv2d`` takes than ``torch.nn.Conv2d`` (forward, and forward + backward),
  with the goal line; read from ``benchmarks/results/conv2d.json`` (no timing at build time).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "conv2d.json"


def fig_conv2d_ratios():
    results = json.loads(RESULTS.read_text())
    layers = results["layers"]
    names = [f"N{r['N']} C{r['C_in']}\n{r['H']}x{r['W']} → {r['C_out']}" for r in layers]
    forward = [r["forward_ratio"] for r in layers]
    step = [r["forward_backward_ratio"] for r in layers]
    x = np.arange(len(layers))

    fig, ax = plt.subplots(figsize=(8, 3.8))
    bars_f = ax.bar(x - 0.2, forward, width=0.4, color="tab:blue", label="forward")
    bars_s = ax.bar(x + 0.2, step, width=0.4, color="tab:orange", label="forward + backward")
    ax.bar_label(bars_f, fmt="%.2f", fontsize=8)
    ax.bar_label(bars_s, fmt="%.2f", fontsize=8)
    ax.axhline(1.0, color="0.3", linewidth=1)
    goal = results["goal_geometric_mean_ratio"]
    ax.axhline(goal, color="tab:red", linestyle="--", linewidth=1,
               label=f"goal for the geometric mean ({goal:g})")
    ax.axhline(results["geometric_mean_ratio"], color="tab:orange", linestyle=":", linewidth=1.5,
               label=f"geometric mean, forward + backward ({results['geometric_mean_ratio']:.2f})")
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("time of dlref.numpy / time of torch")
    ax.set_ylim(0, max(goal, *step, *forward) * 1.25)
    m = results["machine"]
    ax.set_title(f"Conv2d 3x3, float32, {m['threads']} thread(s) each: {m['cpu']}, {results['date']}", fontsize=9)
    ax.legend(fontsize=8, loc="upper left", ncols=2)
    fig.tight_layout()
    return fig
