"""Figures of the fairness page (docs/frontiers/fairness.md).

* ``fig_tradeoff``: balanced accuracy and equalized-odds difference against the
  demographic-parity difference on held-out data, for the baseline, the unaware model,
  reweighing, Fairlearn's ThresholdOptimizer, and two curves: group thresholds moving
  each group's selection rate from its own to the common one, and exponentiated gradient
  at several bounds. Means over the splits of the recorded run
  ``experiments/results/fairness.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "fairness.json"
POINTS = {"baseline": ("baseline", "o"), "unaware": ("unaware", "s"),
          "reweighing": ("reweighing", "D"),
          "fairlearn_demographic_parity": ("ThresholdOptimizer DP", "^"),
          "fairlearn_equalized_odds": ("ThresholdOptimizer EO", "v")}


def fig_tradeoff():
    record = json.loads(RECORD.read_text())["results"]
    methods, curve = record["methods"], record["tradeoff"]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9))
    for ax, metric, label in ((axes[0], "balanced_accuracy", "balanced accuracy"),
                              (axes[1], "eo_difference", "equalized-odds difference")):
        ax.plot(curve["thresholds"]["dp_difference"], curve["thresholds"][metric],
                "-", color="C0", marker=".", label="group thresholds (ours), "
                "own rate to common rate")
        ax.plot(curve["reduction"]["dp_difference"], curve["reduction"][metric],
                "--", color="C1", marker=".", label="exponentiated gradient, bound "
                f"{curve['bounds'][0]} to {curve['bounds'][-1]}")
        for i, (key, (name, marker)) in enumerate(POINTS.items()):
            m = methods[key]
            ax.errorbar(m["dp_difference"]["mean"], m[metric]["mean"],
                        xerr=m["dp_difference"]["std"], yerr=m[metric]["std"],
                        marker=marker, color=f"C{i + 2}", linestyle="none",
                        markersize=7, capsize=2, label=name)
        ax.set_xlabel("demographic-parity difference (held out)")
        ax.set_ylabel(f"{label} (held out)")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7.5, loc="upper left")
    fig.suptitle(f"Means (± one standard deviation) over {record['n_splits']} splits",
                 fontsize=10)
    fig.tight_layout()
    return fig
