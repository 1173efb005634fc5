"""Figures of the adversarial robustness page (docs/frontiers/adversarial-robustness.md).

* ``fig_examples``: five test digits, the PGD perturbation (L-infinity, eps = 0.1) of a
  standard MLP trained for 10 epochs at build time (about 1 s), and the adversarial
  images with the model's predictions.
* ``fig_robust_accuracy``: robust accuracy against eps under FGSM, PGD and random sign
  noise, for the standard model and the adversarially trained ones, and the clean /
  robust trade-off, from the recorded run ``experiments/results/adversarial.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "adversarial.json"


def fig_examples():
    sys.path.insert(0, str(ROOT))
    from experiments import adversarial

    X_train, X_test, y_train, y_test = adversarial.load_data()
    model = adversarial.train(adversarial.make_mlp(0), X_train, y_train, epochs=10)
    x, y = X_test[:5], y_test[:5]
    x_adv = adversarial.pgd(model, x, y, 0.1, 0.025, 10,
                            generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        clean_pred, adv_pred = model(x).argmax(1), model(x_adv).argmax(1)
    fig, axes = plt.subplots(3, 5, figsize=(7, 4.6))
    rows = [(x, "clean", clean_pred), (x_adv - x, "perturbation", None),
            (x_adv, "adversarial", adv_pred)]
    for r, (images, label, pred) in enumerate(rows):
        for c in range(5):
            ax = axes[r, c]
            image = images[c].reshape(8, 8).numpy()           # (8, 8)
            if pred is None:
                ax.imshow(image, cmap="RdBu_r", vmin=-0.1, vmax=0.1)
            else:
                ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(f"predicted {int(pred[c])}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        axes[r, 0].set_ylabel(label, fontsize=10)
    fig.suptitle("PGD, eps = 0.1 (L-inf): perturbation red > 0, blue < 0", fontsize=11)
    fig.tight_layout()
    return fig


def fig_robust_accuracy():
    record = json.loads(RECORD.read_text())
    r = record["results"]
    eps, summary = r["config"]["eps"], r["summary"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, name, label in zip(colors, r["models"], r["labels"]):
        s = summary[name]
        label = label.replace("adversarial, eps_train", "adv. eps_train")
        left.plot(eps, s["pgd"], marker="o", color=color, label=f"{label}, PGD")
        left.plot(eps, s["fgsm"], ls="--", color=color, label=f"{label}, FGSM")
    left.plot(eps, summary["standard"]["noise"], ls=":", color="black",
              label="standard, random sign noise")
    left.set_xlabel("eps (L-inf radius, pixels in [0, 1])")
    left.set_ylabel("test accuracy")
    left.set_title("Robust accuracy vs eps (mean of seeds)")
    left.legend(fontsize=7)
    i = eps.index(0.1)
    for color, name, label in zip(colors, r["models"], r["labels"]):
        s = summary[name]
        per_seed = r["per_seed"][name]
        right.scatter([row[i] for row in per_seed["pgd"]], per_seed["clean"],
                      color=color, alpha=0.4)
        right.scatter([s["pgd"][i]], [s["clean"]], color=color, s=80, label=label)
    right.set_xlabel("PGD accuracy at eps = 0.1")
    right.set_ylabel("clean accuracy")
    right.set_title("Clean vs robust accuracy (dots: seeds)")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
