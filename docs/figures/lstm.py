"""Figures of the LSTM page (docs/architectures/lstm.md), made at build time.

* ``fig_cell``: one LSTM step, torch's gates i, f, g, o around the cell state; the
  gradient's path back along the cell state (red) is one elementwise product with f_t.
* ``fig_gradient_norm``: the norm of the gradient that reaches the first input from a loss
  on the last state, for T = 10 ... 200, measured with ``dlref.numpy.nn.LSTM.backward`` and
  ``dlref.numpy.nn.RNN.backward``: the plain RNN, the LSTM with torch's initialization, and
  the LSTM with its forget-gate bias set to 1 and to 3.
* ``fig_long_range``: accuracy and test MSE on the adding problem against the sequence
  length T, for an RNN, an LSTM and a GRU trained with the same budget (from the recorded
  run ``experiments/results/long_range.json``).
* ``fig_learning_curves``: the test MSE during training at the two longest lengths, from
  the same record.
* ``fig_text_classifier``: the rebuilt Keras text classifier's training loss and
  validation accuracy per epoch, NumPy and torch twins from the same weights, against a
  bag-of-words baseline (from the recorded run ``experiments/results/text_classifier.json``).
* ``fig_text_classifier_long``: the same model trained until its validation accuracy stops
  improving (batches of 32, early stopping), with and without dropout or weight decay, and
  a mean-of-embeddings model trained the same way: loss and validation-accuracy curves
  (from the same record).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from dlref.numpy import nn

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "long_range.json"
LENGTHS = (10, 25, 50, 100, 150, 200)
COLORS = {"RNN": "tab:red", "LSTM": "tab:blue", "GRU": "tab:green"}


def gradient_to_first_step(layer, T, forget_bias=None, hidden=32, batch=16, seed=0):
    """Mean over the batch of ||dL/dx_1|| for L = u . h_T with ||u|| = 1.

    ``layer`` is ``nn.RNN`` or ``nn.LSTM`` with torch's initialization; ``forget_bias``
    sets the LSTM's forget-gate bias b_if + b_hf to that value.
    """
    rng = np.random.default_rng(seed)
    net = layer(8, hidden, dtype=np.float64, generator=rng)
    if forget_bias is not None:
        net.bias_ih_l0.data[hidden:2 * hidden] = forget_bias     # gates i, f, g, o
        net.bias_hh_l0.data[hidden:2 * hidden] = 0.0
    x = rng.normal(size=(T, batch, 8))                           # (L, N, H_in)
    y, _ = net(x)
    grad_y = np.zeros_like(y)
    grad_y[-1] = 1.0 / np.sqrt(hidden)                           # the loss reads h_T only
    grad_x, _ = net.backward(grad_y)
    return np.linalg.norm(grad_x[0], axis=-1).mean()


def _gate(ax, x, y, text, color, width=0.8):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.25), width, 0.5, boxstyle="round,pad=0.03",
                                facecolor=color, edgecolor="black", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _op(ax, x, y, text):
    ax.add_patch(Circle((x, y), 0.22, facecolor="white", edgecolor="black", linewidth=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=13, zorder=4)


def _arrow(ax, points, color="black", dashed=False, head=True):
    """A polyline through ``points`` with an arrow head on its last segment."""
    for a, b in zip(points[:-2], points[1:-1]):
        ax.plot([a[0], b[0]], [a[1], b[1]], color=color, linewidth=1.4, linestyle="--" if dashed else "-")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if head else "-",
                                 mutation_scale=14, color=color, linewidth=1.4,
                                 linestyle="--" if dashed else "-", shrinkA=0, shrinkB=0))


def fig_cell():
    """One LSTM step: four gates from [h_{t-1}, x_t], the cell state along the top."""
    fig, ax = plt.subplots(figsize=(9.5, 5.6))
    ax.add_patch(Rectangle((0.9, 0.75), 8.0, 4.45, facecolor="#f6f6f6", edgecolor="gray",
                           linewidth=1, linestyle=":"))
    y_c, y_h, y_gate, y_mid = 4.6, 1.25, 2.55, 3.6
    x_f, x_i, x_g, x_o, x_out = 2.4, 3.7, 5.0, 6.5, 7.7

    # the cell state: c_{t-1} -> x f_t -> + i_t g_t -> c_t
    _arrow(ax, [(0.2, y_c), (x_f - 0.22, y_c)])
    _arrow(ax, [(x_f + 0.22, y_c), (x_g - 0.22, y_c)])
    _arrow(ax, [(x_g + 0.22, y_c), (9.7, y_c)])
    ax.text(0.15, y_c + 0.18, r"$c_{t-1}$", fontsize=13, ha="left", va="bottom")
    ax.text(9.7, y_c + 0.18, r"$c_t$", fontsize=13, ha="right", va="bottom")
    _op(ax, x_f, y_c, r"$\times$")
    _op(ax, x_g, y_c, r"$+$")

    # [h_{t-1}, x_t] along the bottom, to every gate
    _arrow(ax, [(0.2, y_h), (x_o, y_h)], head=False)
    ax.text(0.15, y_h + 0.12, r"$h_{t-1}$", fontsize=13, ha="left", va="bottom")
    _arrow(ax, [(1.4, 0.2), (1.4, y_h)])
    ax.text(1.5, 0.25, r"$x_t$", fontsize=13, ha="left", va="bottom")
    for x in (x_f, x_i, x_g, x_o):
        _arrow(ax, [(x, y_h), (x, y_gate - 0.28)])

    # the gates, torch's order i, f, g, o
    _gate(ax, x_f, y_gate, r"$\sigma$", "#f9d9d5")
    _gate(ax, x_i, y_gate, r"$\sigma$", "#dde8f5")
    _gate(ax, x_g, y_gate, r"$\tanh$", "#e4f2e0")
    _gate(ax, x_o, y_gate, r"$\sigma$", "#fde9c9")
    for x, name in ((x_f, "f_t"), (x_i, "i_t"), (x_g, "g_t"), (x_o, "o_t")):
        ax.text(x + 0.45, y_gate - 0.42, rf"${name}$", fontsize=12, ha="left", va="center")

    # f_t -> x;  i_t x g_t -> +
    _arrow(ax, [(x_f, y_gate + 0.28), (x_f, y_c - 0.22)])
    _op(ax, x_g, y_mid, r"$\times$")
    _arrow(ax, [(x_i, y_gate + 0.28), (x_i, y_mid), (x_g - 0.22, y_mid)])
    _arrow(ax, [(x_g, y_gate + 0.28), (x_g, y_mid - 0.22)])
    _arrow(ax, [(x_g, y_mid + 0.22), (x_g, y_c - 0.22)])

    # h_t = o_t x tanh(c_t)
    _gate(ax, x_out, y_mid, r"$\tanh$", "#eeeeee", width=0.7)
    _arrow(ax, [(x_out, y_c), (x_out, y_mid + 0.28)])
    _op(ax, x_out, y_gate, r"$\times$")
    _arrow(ax, [(x_out, y_mid - 0.28), (x_out, y_gate + 0.22)])
    _arrow(ax, [(x_o + 0.4, y_gate), (x_out - 0.22, y_gate)])
    _arrow(ax, [(x_out, y_gate - 0.22), (x_out, y_h), (9.7, y_h)])
    ax.text(9.7, y_h + 0.12, r"$h_t$", fontsize=13, ha="right", va="bottom")
    ax.text(9.7, y_h - 0.12, "output, and\nto step t + 1", fontsize=10, ha="right", va="top")

    # the gradient along the cell state
    _arrow(ax, [(x_g - 0.1, y_c + 0.45), (x_f + 0.1, y_c + 0.45)], color="tab:red", dashed=True)
    ax.text((x_f + x_g) / 2, y_c + 0.55, r"$\partial c_t / \partial c_{t-1} = \mathrm{diag}(f_t)$",
            ha="center", va="bottom", fontsize=11, color="tab:red")
    ax.text(2.3, 0.2, r"gate $k \in \{i, f, g, o\}$: $\sigma$ or $\tanh$ of "
            r"$W_{ik} x_t + b_{ik} + W_{hk} h_{t-1} + b_{hk}$", ha="left", va="bottom", fontsize=10.5)
    ax.set_xlim(0, 9.9)
    ax.set_ylim(0, 5.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One LSTM step (torch's gate order i, f, g, o)", fontsize=12)
    return fig


def fig_gradient_norm():
    """||dL/dx_1|| for a loss on h_T, against T: RNN, LSTM, LSTM with forget bias 1 and 3."""
    settings = [(nn.RNN, None, "RNN (torch init)", "tab:red"),
                (nn.LSTM, None, "LSTM (torch init)", "tab:blue"),
                (nn.LSTM, 1.0, "LSTM, forget-gate bias 1", "tab:purple"),
                (nn.LSTM, 3.0, "LSTM, forget-gate bias 3", "tab:green")]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for layer, bias, label, color in settings:
        norms = [gradient_to_first_step(layer, T, bias) for T in LENGTHS]
        ax.semilogy(LENGTHS, norms, "o-", color=color, label=label)
    ax.set_xlabel("sequence length T (loss on the last state $h_T$)")
    ax.set_ylabel(r"$\|\partial L / \partial x_1\|$ (mean over 16 sequences)")
    ax.set_title("Gradient reaching step 1 from step T, H = 32, at initialization")
    ax.legend(fontsize=9)
    return fig


def _load_record() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_long_range():
    """Accuracy and test MSE on the adding problem against T (recorded run)."""
    r = _load_record()
    lengths = r["lengths"]
    fig, (ax_acc, ax_mse) = plt.subplots(1, 2, figsize=(10, 4.2))
    for cell, color in COLORS.items():
        for key, ax in (("final_accuracy", ax_acc), ("final_test_mse", ax_mse)):
            per_seed = np.array([[run[key] for run in r["runs"] if run["cell"] == cell and run["T"] == T]
                                 for T in lengths])                      # (lengths, seeds)
            ax.plot(lengths, per_seed.mean(axis=1), "-", color=color, label=cell)
            for column in per_seed.T:
                ax.plot(lengths, column, "o", color=color, alpha=0.6, markersize=5)
    constant = [r["constant_prediction"][f"T{T}"]["accuracy"] for T in lengths]
    ax_acc.plot(lengths, constant, ":", color="gray", linewidth=1)
    ax_acc.text(lengths[-1], max(constant) + 0.02, "predict the mean", ha="right", fontsize=9,
                color="gray")
    ax_acc.set_ylabel(f"test accuracy (|error| < {r['tolerance']})")
    ax_acc.set_ylim(-0.02, 1.02)
    ax_mse.axhline(r["baseline_mse"], color="gray", linestyle=":", linewidth=1)
    ax_mse.text(lengths[0], r["baseline_mse"] * 1.2, "predict the mean: 1/6", fontsize=9, color="gray")
    ax_mse.set_yscale("log")
    ax_mse.set_ylabel("test MSE")
    for ax in (ax_acc, ax_mse):
        ax.set_xscale("log")
        ax.set_xticks(lengths)
        ax.set_xticklabels([str(T) for T in lengths])
        ax.minorticks_off()
        ax.set_xlabel("sequence length T")
        ax.legend(fontsize=9)
    fig.suptitle(f"Adding problem: H = {r['hidden_size']}, {r['steps']} Adam updates of "
                 f"{r['batch']} sequences (lines: mean of {len(r['seeds'])} seeds, dots: each seed)",
                 fontsize=11)
    fig.tight_layout()
    return fig


def fig_learning_curves():
    """Test MSE during training at the two longest lengths (recorded run)."""
    r = _load_record()
    longest = r["lengths"][-2:]
    fig, axes = plt.subplots(1, len(longest), figsize=(10, 4), sharey=True)
    steps = np.arange(1, r["steps"] // r["eval_every"] + 1) * r["eval_every"]
    for ax, T in zip(np.atleast_1d(axes), longest):
        for cell, color in COLORS.items():
            for i, run in enumerate(run for run in r["runs"] if run["cell"] == cell and run["T"] == T):
                ax.semilogy(steps, run["test_mse"], color=color, alpha=0.85,
                            linestyle="-" if i == 0 else "--", label=f"{cell}, seed {run['seed']}")
        ax.axhline(r["baseline_mse"], color="gray", linestyle=":", linewidth=1)
        ax.set_title(f"T = {T}")
        ax.set_xlabel("training updates")
    np.atleast_1d(axes)[0].set_ylabel("test MSE")
    np.atleast_1d(axes)[-1].legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


TEXT_RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "text_classifier.json"


def fig_text_classifier():
    """Training loss and validation accuracy per epoch of the rebuilt Keras classifier (recorded run)."""
    r = json.loads(TEXT_RECORD.read_text())["results"]
    epochs = r["epochs"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    styles = {"numpy": ("dlref.numpy", "tab:blue", "-", "o", 9),
              "torch": ("dlref.torch twins", "tab:orange", "--", "x", 7)}
    for key, (label, color, line, marker, size) in styles.items():
        curve = r["curves"][key]
        ax_loss.plot(epochs, curve["train_loss"], line, color=color, marker=marker, markersize=size,
                     fillstyle="none", label=label)
        ax_acc.plot(epochs, curve["val_accuracy"], line, color=color, marker=marker, markersize=size,
                    fillstyle="none", label=f"LSTM, {label}")
    C = len(r["data"]["categories"])
    ax_loss.axhline(np.log(C), color="gray", linestyle=":", linewidth=1)
    ax_loss.text(epochs[-1], np.log(C) + 0.01, f"ln {C}: guessing", ha="right", va="bottom",
                 fontsize=9, color="gray")
    ax_loss.set_ylabel("training loss (cross-entropy)")
    base = r["baseline"]["val"]
    for value, text, style, va in ((base["bag_of_words"], "bag of words + logistic regression", "-.",
                                    "bottom"),
                                   (base["majority_class"], "majority class", ":", "top")):
        ax_acc.axhline(value, color="gray", linestyle=style, linewidth=1.2)
        ax_acc.text(epochs[-1], value + (0.008 if va == "bottom" else -0.008), text, fontsize=9,
                    color="gray", va=va, ha="right")
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.set_ylim(0.2, 0.8)
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.legend(fontsize=9, loc="upper left" if ax is ax_acc else "lower left")
    d = r["data"]
    fig.suptitle(f"Embedding -> LSTM(64) -> Dense({C}), {d['sizes']['train']:,} training fortunes "
                 f"({', '.join(d['categories'])})\nNumPy and torch start from the same weights: "
                 "their curves coincide", fontsize=11)
    fig.tight_layout()
    return fig


def fig_text_classifier_long():
    """The second part of the recorded run: trained until the validation accuracy stops improving."""
    r = json.loads(TEXT_RECORD.read_text())["results"]
    long = r["long"]
    runs, best = long["runs"], long["best_lstm"]["key"]
    colors = dict(zip(runs, ("tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:red")))
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.3))
    for key in dict.fromkeys(["lstm", best, "mean"]):       # in order, without repeats
        run = runs[key]
        c, epochs = run["curves"], np.arange(1, run["epochs_run"] + 1)
        ax_loss.plot(epochs, c["train_loss"], "-", color=colors[key], label=run["name"])
        ax_loss.plot(epochs, c["val_loss"], "--", color=colors[key])
    ax_loss.set_ylabel("loss (cross-entropy)")
    ax_loss.set_title("training (solid) and validation (dashed) loss", fontsize=10)
    ax_loss.legend(fontsize=8, loc="upper right")
    for key, run in runs.items():
        epochs = np.arange(1, run["epochs_run"] + 1)
        width = 2.2 if key == best else 1.2
        ax_acc.plot(epochs, run["curves"]["val_accuracy"], color=colors[key], linewidth=width,
                    label=f"{run['name']} (test {run['test_accuracy']:.3f})")
        ax_acc.plot(run["best_epoch"], run["best_val_accuracy"], "o", color=colors[key],
                    markersize=6, fillstyle="none")
    base = r["baseline"]["val"]
    for value, text, style in ((base["bag_of_words"], "bag of words + logistic regression", "-."),
                               (base["majority_class"], "majority class", ":")):
        ax_acc.axhline(value, color="gray", linestyle=style, linewidth=1.2)
        ax_acc.text(1, value + 0.006, text, fontsize=9, color="gray", va="bottom", ha="left")
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.set_title("validation accuracy; circles: the epoch kept", fontsize=10)
    ax_acc.set_ylim(0.2, 0.75)
    ax_acc.legend(fontsize=8, loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
    cfg = r["config"]["long"]
    fig.suptitle(f"The same model trained longer: NumPy, batches of {cfg['batch_size']}, "
                 f"early stopping on validation accuracy (patience {cfg['patience']})", fontsize=11)
    fig.tight_layout()
    return fig
