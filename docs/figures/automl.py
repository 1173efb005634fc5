"""Figures of the AutoML page (docs/frontiers/automl.md), made at build time.

Both read the recorded run ``experiments/results/automl.json`` (no training here):

* ``fig_best_so_far``: the best validation accuracy found so far against the number of
  trials, for TPE, Optuna's random sampler, our random search and a grid (mean over the
  repetitions, thin lines for each one).
* ``fig_nas``: every architecture tried by the random architecture search, validation
  accuracy against parameter count, the chosen one of each repetition marked.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "automl.json"
LABELS = {"tpe": "Optuna TPE", "optuna_random": "Optuna RandomSampler",
          "random": "our random search", "grid": "grid (random order)"}
COLORS = {"tpe": "C0", "optuna_random": "C1", "random": "C2", "grid": "C3"}


def _results() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_best_so_far():
    results = _results()
    fig, ax = plt.subplots(figsize=(7, 4))
    for method, runs in results["runs"].items():
        trials = np.arange(1, len(results["curves"][method]) + 1)
        for run in runs:
            ax.plot(trials, run["best_so_far"], color=COLORS[method], lw=0.6, alpha=0.35)
        ax.plot(trials, results["curves"][method], color=COLORS[method], lw=2,
                label=LABELS[method])
    ax.set_xlabel("trial")
    ax.set_ylabel("best validation accuracy so far")
    ax.set_ylim(0.9, 0.985)
    n = len(results["config"]["seeds"])
    ax.set_title(f"Digits MLP: best so far, mean of {n} repetitions (thin: each one)")
    ax.legend(loc="lower right", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_nas():
    results = _results()
    fig, ax = plt.subplots(figsize=(7, 4))
    depth_markers = {1: "o", 2: "s", 3: "^"}
    for trials in results["nas"]["trials"]:
        for t in trials:
            ax.scatter(t["params"], t["val"], marker=depth_markers[len(t["hidden"])],
                       color="C0", alpha=0.4, s=20)
        best = max(trials, key=lambda t: t["val"])
        ax.scatter(best["params"], best["val"], marker=depth_markers[len(best["hidden"])],
                   facecolor="none", edgecolor="C3", s=120, lw=1.5)
    for depth, marker in depth_markers.items():
        ax.scatter([], [], marker=marker, color="C0", label=f"{depth} hidden layer(s)")
    ax.scatter([], [], marker="o", facecolor="none", edgecolor="C3", s=120,
               label="chosen (one per repetition)")
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Random architecture search: every network tried")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
