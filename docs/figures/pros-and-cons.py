"""Figures of the strengths-and-weaknesses page (docs/overview/pros-and-cons.md).

* ``fig_learning_curves``: test accuracy against training-set size for logistic
  regression, gradient boosting and an MLP, on breast cancer (a table) and digits (raw
  pixels), mean and standard deviation over seeds, from the recorded run
  ``experiments/results/pros_cons.json``.
* ``fig_adversarial``: four test digits, each clean, with an FGSM perturbation and with
  random-sign noise of the same size, and the MLP's prediction for each (about 1 s: the
  MLP of the page's "Sensitivity" block is trained here).
* ``fig_saliency``: what logistic regression and the MLP "look at" on digits: the
  regression's weight image for one class (the same for every input) against the MLP's
  input gradient for three images of that class (different for each).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from dlref.numpy import nn, optim
from dlref.training import fit

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "pros_cons.json"
NAMES = {"logistic": "logistic regression", "boosting": "gradient boosting (HGB)",
         "mlp": "MLP 1 hidden layer (dlref.numpy)"}


@functools.lru_cache(maxsize=1)
def _digits_mlp():
    """The page's digits MLP (64-128-10, Adam, 30 epochs) and the test split."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)               # pixels in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
                                                        stratify=y, random_state=0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 128, generator=rng), nn.ReLU(),
                          nn.Linear(128, 10, generator=rng))
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
        X_train, y_train, epochs=30, batch_size=32, generator=rng)
    model.eval()
    return model, X_train, X_test, y_train, y_test


def _input_gradient(model, x, target):
    """d loss / d x of the cross-entropy for ``target`` at inputs ``x``."""
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), target)
    model.zero_grad()
    return model.backward(loss_fn.backward())       # (N, 64)


def fig_learning_curves():
    results = json.loads(RECORD.read_text())["results"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    titles = {"breast_cancer": "breast cancer: 30 measured features (a table)",
              "digits": "digits: 64 raw pixels"}
    for ax, (data, title) in zip(axes, titles.items()):
        curve = results["curves"][data]
        sizes = curve["sizes"]
        for key, name in NAMES.items():
            mean, std = np.array(curve[key]["mean"]), np.array(curve[key]["std"])
            ax.plot(sizes, mean, marker="o", label=name)
            ax.fill_between(sizes, mean - std, mean + std, alpha=0.2)
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(n) for n in sizes])
        ax.set_xlabel("training examples (log scale)")
        ax.set_ylabel(f"test accuracy ({curve['n_test']} examples)")
        ax.set_ylim(0.5 if data == "breast_cancer" else 0.0, 1.0)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=9, loc="lower right")
    seeds = len(results["config"]["seeds"])
    fig.suptitle(f"Learning curves, untuned models, mean ± std over {seeds} seeds")
    fig.tight_layout()
    return fig


def fig_adversarial():
    model, _, X_test, _, y_test = _digits_mlp()
    eps = 0.2
    x, t = X_test[:4], y_test[:4]
    rng = np.random.default_rng(1)
    rows = {"clean": x,
            f"FGSM, ε = {eps}": x + eps * np.sign(_input_gradient(model, x, t)),
            f"random signs, ε = {eps}": x + eps * rng.choice([-1.0, 1.0], x.shape)}
    fig, axes = plt.subplots(3, 4, figsize=(7, 5.6))
    for r, (name, images) in enumerate(rows.items()):
        logits = model(images.astype(np.float32))
        for c in range(4):
            ax = axes[r, c]
            ax.imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=-0.2, vmax=1.2)  # (8, 8)
            ax.set_xticks([])
            ax.set_yticks([])
            pred = int(logits[c].argmax())
            ax.set_title(f"says {pred}", color="black" if pred == t[c] else "red",
                         fontsize=10)
            if c == 0:
                ax.set_ylabel(name, fontsize=10)
    fig.suptitle("MLP on digits: same-size perturbations, crafted or random")
    fig.tight_layout()
    return fig


def fig_saliency():
    model, X_train, X_test, y_train, y_test = _digits_mlp()
    digit = 3
    clf = LogisticRegression(max_iter=5000).fit(X_train, y_train)
    examples = X_test[y_test == digit][:3]
    # saliency: gradient of the class's logit for each input
    model(examples)
    seed = np.zeros((3, 10), dtype=np.float32)
    seed[:, digit] = 1.0
    model.zero_grad()
    saliency = model.backward(seed)                  # (3, 64)
    fig, axes = plt.subplots(2, 4, figsize=(8, 4.4))
    panels = [("logistic regression:\nweights of class 3", clf.coef_[digit], None)]
    panels += [(f"MLP: gradient of\nlogit 3, image {i + 1}", s, examples[i])
               for i, s in enumerate(saliency)]
    for c, (title, weights, image) in enumerate(panels):
        limit = np.abs(weights).max()
        axes[0, c].imshow(weights.reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[0, c].set_title(title, fontsize=9)
        if image is not None:
            axes[1, c].imshow(image.reshape(8, 8), cmap="gray_r")  # (8, 8)
            axes[1, c].set_title(f"input image {c}", fontsize=9)
        else:
            axes[1, c].text(0.5, 0.5, "same weights\nfor every input", ha="center",
                            va="center", fontsize=9)
            axes[1, c].set_axis_off()
        for ax in axes[:, c]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Red: more ink here raises the class-3 score; blue: lowers it")
    fig.tight_layout()
    return fig
