"""Figures of the Transformer page (docs/architectures/transformer.md), made at build time.

* ``fig_positional``: the sinusoidal position table of ``dlref.numpy.nn.sinusoidal_positional_encoding``
  (sines and cosines, one frequency per pair of features) and the dot products of its rows,
  which depend on the distance between two positions only.
* ``fig_loss_curve``: the recorded run ``experiments/char_lm.py``: training and validation
  loss (nats/char) of the causal Transformer and the LSTM, against the step and against the
  training seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from dlref.numpy.nn import sinusoidal_positional_encoding

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "char_lm.json"


def fig_positional():
    """The table PE (positions x features) and the similarity PE PE^T of its rows."""
    pe = sinusoidal_positional_encoding(100, 64, dtype=np.float64)                 # (L, d)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    # the sine features (even columns), then the cosine features (odd columns)
    grouped = np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)                  # (L, d)
    im = ax1.imshow(grouped, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax1.axvline(31.5, color="black", linewidth=1)
    ax1.set_xticks([0, 16, 32, 48], ["sin, i=0", "i=16", "cos, i=0", "i=16"])
    ax1.set_xlabel("feature pair i (frequency falls to the right)")
    ax1.set_ylabel("position")
    ax1.set_title("sinusoidal position table PE")
    fig.colorbar(im, ax=ax1, fraction=0.046)
    sim = pe @ pe.T                                                                  # (L, L)
    im = ax2.imshow(sim, cmap="viridis", interpolation="nearest")
    ax2.set_xlabel("position j")
    ax2.set_ylabel("position i")
    ax2.set_title(r"$PE_i \cdot PE_j$: a function of $i - j$ only")
    fig.colorbar(im, ax=ax2, fraction=0.046)
    fig.tight_layout()
    return fig


def fig_loss_curve():
    """Training and validation loss of the recorded run, by step and by training second."""
    record = json.loads(RECORD.read_text())["results"]
    log_V = record["data"]["log_vocab_size"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    styles = {"transformer": ("Transformer", "C0"), "lstm": ("LSTM", "C3")}
    for key, (label, color) in styles.items():
        curve = record[key]["curve"]
        ax1.plot(curve["step"], curve["train"], color=color, linestyle="--", label=f"{label}, train")
        ax1.plot(curve["step"], curve["val"], color=color, label=f"{label}, validation")
        ax2.plot(curve["seconds"], curve["val"], color=color, label=f"{label}, validation")
    # zoom on the end of training: both curves start at about log V (uniform guessing), off the top
    lowest = min(min(record[key]["curve"]["val"] + record[key]["curve"]["train"]) for key in styles)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.set_ylim(lowest - 0.1, min(log_V, lowest + 1.2))
    ax1.set_xlabel("training step")
    ax1.set_ylabel(f"cross-entropy (nats/char; start ≈ log V = {log_V:.2f})")
    ax1.set_title("loss by step (same batches)")
    ax2.set_xlabel("training seconds (1 CPU thread)")
    ax2.set_title("validation loss by training time")
    ax1.legend()
    ax2.legend()
    fig.tight_layout()
    return fig
