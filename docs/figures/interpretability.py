"""Figures of the interpretability page (docs/frontiers/interpretability.md).

* ``fig_maps``: four test digits and their saliency, gradient x input, integrated
  gradients and occlusion maps, for an MLP trained at build time (about 1 s) with the
  functions of ``experiments/interpretability.py``; the same maps after all layers are
  re-initialized (the sanity check of Adebayo et al. 2018).
* ``fig_sanity``: rank correlation between the maps of the trained model and the model
  with its top 1, 2, 3 layers re-initialized, from the recorded run
  ``experiments/results/interpretability.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import torch

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "interpretability.json"
LABELS = {"saliency": "saliency |grad|", "gradient_x_input": "gradient x input",
          "integrated_gradients": "integrated gradients", "occlusion": "occlusion 3x3",
          "input_only": "|x| (no model)"}


def _maps(ip, model, x, target):
    zeros = torch.zeros_like(x)
    return [ip.saliency(model, x, target), ip.gradient_x_input(model, x, target),
            ip.integrated_gradients(model, x, target, zeros, ip.IG_STEPS),
            ip.occlusion(model, x, target, ip.WINDOW, ip.STRIDE)]


def fig_maps():
    sys.path.insert(0, str(ROOT))
    from experiments import interpretability as ip

    X_train, X_test, y_train, _ = ip.load_data()
    model = ip.train(ip.make_mlp(0), X_train, y_train, epochs=20)
    x = X_test[[0, 1, 2, 3]]
    target = model(x).argmax(1)
    trained = _maps(ip, model, x, target)
    torch.manual_seed(10_000)
    for layer in model:
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    randomized = _maps(ip, model, x, target)
    columns = ["input", "saliency", "grad x input", "int. gradients", "occlusion",
               "saliency\n(random weights)", "IG\n(random weights)"]
    fig, axes = plt.subplots(4, 7, figsize=(9.5, 5.8))
    for r in range(4):
        images = [x[r, 0]] + [m[r, 0] for m in trained] + [randomized[0][r, 0],
                                                             randomized[2][r, 0]]
        for c, image in enumerate(images):
            ax = axes[r, c]
            image = image.detach().numpy()
            if c == 0:
                ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
                ax.set_ylabel(f"class {int(target[r])}")
            else:
                bound = abs(image).max() or 1.0
                ax.imshow(image, cmap="RdBu_r", vmin=-bound, vmax=bound)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(columns[c], fontsize=8)
    fig.suptitle("Attribution maps for the predicted class (red: raises the score)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def fig_sanity():
    record = json.loads(RECORD.read_text())["results"]
    corr = record["correlation"]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    levels = [0, 1, 2, 3]
    markers = {"saliency": "o", "gradient_x_input": "s", "integrated_gradients": "^",
               "occlusion": "D", "input_only": "x"}
    for name, values in corr.items():
        ax.plot(levels, [1.0, *values], marker=markers[name], label=LABELS[name],
                linestyle="--" if name == "input_only" else "-", markersize=7)
    ax.set_xticks(levels, ["trained", "top layer", "top 2", "all 3"])
    ax.set_xlabel("layers re-initialized (cascading from the output)")
    ax.set_ylabel("Spearman correlation of |map|\nwith the trained model's")
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig
