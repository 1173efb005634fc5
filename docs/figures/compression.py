"""Figures of the model-compression page (frontiers/compression.md).

The pruning and quantization figures read the recorded run
``experiments/results/compression.json`` (``python experiments/compression.py --write``);
the temperature figure is computed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "compression.json"


def _results() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_sparsity():
    """Test accuracy against sparsity: per-layer and global, before and after fine-tuning."""
    pruning = _results()["pruning"]
    points = pruning["points"]
    s = [100 * p["sparsity"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    styles = {
        "global_finetuned": ("global, fine-tuned", "C0", "-", "o"),
        "layerwise_finetuned": ("per layer, fine-tuned", "C1", "-", "s"),
        "global_pruned": ("global, no fine-tuning", "C0", "--", "o"),
        "layerwise_pruned": ("per layer, no fine-tuning", "C1", "--", "s"),
    }
    for key, (label, color, line, marker) in styles.items():
        ax.plot(s, [p[key] for p in points], line, color=color, marker=marker,
                markersize=4, label=label)
    ax.axhline(0.1, color="0.6", lw=0.8, ls=":")
    ax.text(50, 0.12, "chance", color="0.4", fontsize=9, ha="center")
    ax.set_xlabel("weights pruned (%)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Magnitude pruning of a 64-256-256-10 MLP on digits "
                 f"({pruning['finetune_epochs']} epochs of fine-tuning)", fontsize=10)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=9, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_bits():
    """Test accuracy with weights rounded to b bits, per tensor and per output channel."""
    sweep = _results()["quantization"]["sweep"]
    bits = [p["bits"] for p in sweep]
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    ax.plot(bits, [p["per_tensor"] for p in sweep], "o-", label="one scale per tensor")
    ax.plot(bits, [p["per_channel"] for p in sweep], "s-", label="one scale per output row")
    ax.axhline(_results()["quantization"]["fp32"]["accuracy"], color="0.5", ls="--", lw=1,
               label="float32")
    ax.set_xlabel("bits per weight (symmetric, zero point 0)")
    ax.set_ylabel("test accuracy")
    ax.set_xticks(bits)
    ax.invert_xaxis()
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=9, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_temperature():
    """The same logits through a softmax at four temperatures."""
    z = np.array([6.0, 3.5, 2.0, 1.0, 0.0, -1.0, -2.0, -2.5, -3.0, -4.0])
    fig, axes = plt.subplots(1, 4, figsize=(9.0, 2.6), sharey=True)
    for ax, T in zip(axes, (1, 2, 4, 8)):
        a = z / T
        p = np.exp(a - a.max())
        p /= p.sum()                                    # softmax(z / T)
        ax.bar(np.arange(10), p, color="C0")
        ax.set_title(f"T = {T}", fontsize=10)
        ax.set_xticks(range(10))
        ax.tick_params(labelsize=8)
        ax.set_xlabel("class", fontsize=9)
    axes[0].set_ylabel("softmax(z / T)")
    fig.suptitle("One teacher's logits at four temperatures: higher T shows the small "
                 "probabilities", fontsize=10)
    fig.tight_layout()
    return fig
