"""Figures of the privacy page (docs/frontiers/privacy.md), from the recorded run
``experiments/results/privacy.json`` (``experiments/privacy.py``).

* ``fig_accuracy_vs_epsilon``: test accuracy of DP-SGD against epsilon (RDP accountant,
  delta = 1e-5; mean and standard deviation over seeds), with the non-private and the
  clipping-only accuracy as reference lines.
* ``fig_fedavg``: test accuracy after each round of federated averaging (non-IID and IID
  splits) and of centralised SGD with the same number of gradient steps.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "privacy.json"


def _results() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_accuracy_vs_epsilon():
    r = _results()
    dp = r["dp"]
    eps, acc, std = (np.array(dp[k]) for k in ("epsilon", "acc_mean", "acc_std"))
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.errorbar(eps, acc, yerr=std, marker="o", capsize=3, label="DP-SGD (RDP epsilon)")
    ax.plot(dp["epsilon_prv"], acc, marker="x", linestyle=":", color="C0", alpha=0.6,
            label="same runs, PRV epsilon")
    for sigma, e, a in zip(dp["noise"], eps, acc):
        ax.annotate(f"σ={sigma:g}", (e, a), textcoords="offset points", xytext=(4, -12),
                    fontsize=8)
    ax.axhline(r["nonprivate"]["acc_mean"], color="C2", linestyle="--",
               label="non-private SGD")
    ax.axhline(r["clip_only"]["acc_mean"], color="C1", linestyle="-.",
               label="clipping only (σ = 0)")
    ax.set_xscale("log")
    ax.set_xlabel(f"ε at δ = {r['delta']:g} ({r['steps']} steps, q = {r['sample_rate']})")
    ax.set_ylabel("test accuracy")
    ax.set_title("Digits, MLP 64-64-10: accuracy against privacy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def fig_fedavg():
    r = _results()["fedavg"]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    labels = {"fedavg_non_iid": "FedAvg, non-IID (two shards per client)",
              "fedavg_iid": "FedAvg, IID", "central": "centralised SGD"}
    for key, label in labels.items():
        curve = r["curves"][key]
        ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
    ax.set_xlabel(f"round ({r['local_epochs']} local epochs each; centralised: "
                  f"{r['local_epochs']} epochs)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Federated averaging on digits, {r['clients']} clients")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
