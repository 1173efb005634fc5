"""Figures of the Transformer page (docs/architectures/transformer.md), made at build time.

* ``fig_positional``: the sinusoidal position table of ``dlref.numpy.nn.sinusoidal_positional_encoding``
  (sines and cosines, one frequency per pair of features) and the dot products of its rows,
  which depend on the distance between two positions only.
* ``fig_loss_curve``: the recorded run ``experiments/char_lm.py``: training and validation
  loss (nats/char) of the causal Transformer and the LSTM, against the step and against the
  training seconds.
* ``fig_pre_post_ln``: the recorded run ``experiments/pre_post_ln.py``: the gradient norm
  of each layer's second feed-forward matrix at initialization, pre-LN and post-LN; the
  training loss at Adam lr 3e-3 with and without warm-up; the final validation loss
  against the learning rate.
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


PRE_POST_LN_RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "pre_post_ln.json"


def fig_pre_post_ln():
    """Pre-LN vs post-LN: gradients at initialization, loss curves, final loss against lr (recorded run)."""
    r = json.loads(PRE_POST_LN_RECORD.read_text())["results"]
    colors = {"post-LN": "tab:red", "pre-LN": "tab:blue"}
    fig, (ax_init, ax_curve, ax_lr) = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")

    # (a) ||dL/dW_2|| per layer at initialization (mean over initializations)
    for layout, color in colors.items():
        for init, line, marker in (("xavier", "-", "o"), ("default", ":", "x")):
            w2 = r["init"][init][layout]["w2"]
            label = f"{layout}, {'Xavier' if init == 'xavier' else 'torch default'} init"
            ax_init.plot(range(1, len(w2) + 1), w2, line, color=color, marker=marker, label=label)
    ax_init.set_xlabel("layer (1 = next to the input)")
    ax_init.set_ylabel(r"$\|\partial \mathcal{L} / \partial W_2\|$ at initialization")
    ax_init.set_title("gradient per layer at initialization")
    ax_init.set_ylim(bottom=0)
    ax_init.legend(fontsize=8)

    # (b) training loss at lr 3e-3, seed 0, with and without warm-up
    lr = 3e-3
    steps_per_point = r["setup"]["steps"] / max(len(run["curve"]) for run in r["runs"])
    for run in r["runs"]:
        if run["lr"] != lr or run["seed"] != 0:
            continue
        x = (np.arange(len(run["curve"])) + 0.5) * steps_per_point
        line = "-" if run["warmup"] else "--"
        warm = f"warm-up {run['warmup']}" if run["warmup"] else "no warm-up"
        ax_curve.plot(x, run["curve"], line, color=colors[run["layout"]], label=f"{run['layout']}, {warm}")
    ax_curve.axhline(r["unigram_loss"], color="gray", linewidth=1, linestyle=":")
    ax_curve.text(0.98, r["unigram_loss"], "unigram level", ha="right", va="top", color="gray", fontsize=8,
                  transform=ax_curve.get_yaxis_transform())
    ax_curve.axvspan(0, r["setup"]["warmup"], color="gray", alpha=0.1)
    ax_curve.set_xlabel("Adam step")
    ax_curve.set_ylabel("training loss (nats/char)")
    ax_curve.set_title(f"Adam lr {lr:g}, seed 0 (shaded: warm-up)")
    ax_curve.legend(fontsize=8)

    # (c) final validation loss against the learning rate (mean over seeds)
    lrs = r["setup"]["lrs"]
    for layout, color in colors.items():
        for warmup, line in ((0, "--"), (r["setup"]["warmup"], "-")):
            val = [np.mean([run["val_loss"] if run["val_loss"] is not None else np.nan for run in r["runs"]
                            if run["layout"] == layout and run["warmup"] == warmup and run["lr"] == lr_])
                   for lr_ in lrs]
            warm = f"warm-up {warmup}" if warmup else "no warm-up"
            ax_lr.plot(lrs, val, line, color=color, marker="o", label=f"{layout}, {warm}")
    ax_lr.axhline(r["unigram_val_loss"], color="gray", linewidth=1, linestyle=":")
    ax_lr.text(0.02, r["unigram_val_loss"], "unigram level", ha="left", va="bottom", color="gray", fontsize=8,
               transform=ax_lr.get_yaxis_transform())
    ax_lr.set_xscale("log")
    ax_lr.set_xticks(lrs, [f"{lr_:g}" for lr_ in lrs])
    ax_lr.minorticks_off()
    ax_lr.set_xlabel("Adam learning rate")
    ax_lr.set_ylabel("validation loss after training")
    ax_lr.set_title(f"after {r['setup']['steps']} steps (mean of seeds)")
    ax_lr.legend(fontsize=8)
    return fig
