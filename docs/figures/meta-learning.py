"""Figures of the meta-learning page (docs/frontiers/meta-learning.md), made at build time.

Both read the recorded run ``experiments/results/maml.json`` (no training here):

* ``fig_adapted``: one held-out sinusoid, its 10 support points, and the curves of MAML's
  and the pretrained baseline's networks after 1 and 10 steps of SGD on those points.
* ``fig_steps``: the mean test MSE over 500 held-out tasks against the number of
  adaptation steps, for MAML, first-order MAML and the baseline (one marker per seed).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "maml.json"
LABELS = {"maml": "MAML (second order)", "fomaml": "first-order MAML",
          "pretrained": "pretrained on all tasks"}
COLORS = {"maml": "C0", "fomaml": "C2", "pretrained": "C3"}


def _results() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_adapted():
    task = _results()["example_task"]
    x = task["x_grid"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, method in zip(axes, ("maml", "pretrained")):
        ax.plot(x, task["y_true"], color="k", lw=2, label="true sinusoid")
        ax.scatter(task["x_support"], task["y_support"], color="k", marker="^", zorder=3,
                   label="K = 10 support points")
        for steps, style in (("1", "--"), ("10", "-")):
            ax.plot(x, task["predictions"][method][steps], style, color=COLORS[method],
                    label=f"after {steps} step{'s' if steps != '1' else ''}")
        ax.set_title(LABELS[method])
        ax.set_xlabel("x")
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("y")
    fig.suptitle("Adapting to one held-out sinusoid with SGD (lr 0.01) on 10 points")
    fig.tight_layout()
    return fig


def fig_steps():
    results = _results()
    steps = results["config"]["steps"]
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for method, runs in results["mse_runs"].items():
        mean = [results["mse_mean"][method][str(k)] for k in steps]
        ax.plot(steps, mean, marker="o", color=COLORS[method], label=LABELS[method])
        for k in steps:
            ax.scatter([k] * len(runs[str(k)]), runs[str(k)], color=COLORS[method],
                       s=10, alpha=0.5)
    ax.set_xlabel("adaptation steps k (SGD on the 10 support points)")
    ax.set_ylabel("test MSE (500 held-out tasks)")
    ax.set_yscale("log")
    ax.set_title("Post-adaptation error: mean over seeds (dots: each seed)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
