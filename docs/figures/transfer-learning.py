"""Figures of the transfer-learning page (docs/practice/transfer-learning.md).

* ``fig_accuracy_vs_labels``: test accuracy on the noisy target digits against the
  number of labelled images per class, for training from scratch, a frozen pretrained
  body with a new head and fine-tuning with discriminative learning rates (and the same
  two recipes from an unrelated, pixel-shuffled source), from the recorded run
  ``experiments/results/transfer_learning.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

RECORD = (Path(__file__).resolve().parents[2] / "experiments" / "results"
          / "transfer_learning.json")
STYLE = {
    "scratch": ("tab:gray", "-", "o"),
    "frozen": ("tab:blue", "-", "s"),
    "finetune": ("tab:orange", "-", "^"),
    "frozen_unrelated": ("tab:blue", ":", "s"),
    "finetune_unrelated": ("tab:orange", ":", "^"),
}


def fig_accuracy_vs_labels():
    """Mean test accuracy over seeds (band: min to max) against labels per class."""
    results = json.loads(RECORD.read_text())["results"]
    sizes = results["sizes_per_class"]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for method, label in results["methods"].items():
        color, line, marker = STYLE[method]
        stats = [results["summary"][f"n{n}"][method] for n in sizes]
        mean = np.array([s["mean"] for s in stats])
        ax.plot(sizes, mean, color=color, linestyle=line, marker=marker, label=label)
        if not method.endswith("unrelated"):
            ax.fill_between(sizes, [s["min"] for s in stats], [s["max"] for s in stats],
                            color=color, alpha=0.12, linewidth=0)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_xlabel("labelled target images per class (10 classes)")
    ax.set_ylabel("test accuracy on noisy digits (chance 0.1)")
    n_seeds = len(results["pretraining"])
    ax.set_title(f"Transfer from clean to noisy digits (mean of {n_seeds} seeds; "
                 "band: min to max)", fontsize=10)
    ax.set_ylim(0.25, 0.9)
    ax.legend(fontsize=8.5, loc="lower right")
    return fig
