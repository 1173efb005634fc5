"""Figures of the frameworks page (docs/practice/frameworks.md), made at build time.

* ``fig_curves``: training loss and test accuracy per epoch of the summaries' CNN trained
  in Keras 3, PyTorch, dlref.numpy and JAX from the same initial weights on the same
  batches, from the recorded run ``experiments/results/frameworks.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "frameworks.json"
STYLES = {  # framework: (colour, line style, marker): the curves overlap, so vary all three
    "Keras 3 (torch backend)": ("tab:red", "-", "o"),
    "PyTorch": ("tab:blue", "--", "s"),
    "dlref.numpy": ("tab:green", ":", "^"),
    "JAX": ("tab:purple", "-.", "x"),
}


def fig_curves():
    results = json.loads(RECORD.read_text())["results"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for name, run in results["runs"].items():
        if not run.get("installed"):
            continue
        colour, line, marker = STYLES[name]
        epochs = range(1, len(run["losses"]) + 1)
        common = dict(color=colour, linestyle=line, marker=marker, markersize=4,
                      linewidth=1.4, label=name)
        ax_loss.plot(epochs, run["losses"], **common)
        ax_acc.plot(epochs, run["test_accuracy_per_epoch"], **common)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean training loss (log scale)")
    ax_loss.set_title("Training loss")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.set_title(f"Test accuracy ({results['sizes']['test']} images)")
    ax_acc.axhline(0.1, color="gray", linewidth=0.8, linestyle=":")
    ax_acc.text(1, 0.12, "chance", color="gray", fontsize=9)
    ax_acc.set_ylim(0, 1)
    ax_acc.legend(fontsize=9, loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    return fig
