"""Figures of the RBM / DBN page (docs/architectures/dbn.md), made at build time.

* ``fig_filters``: the weights of 36 hidden units of an RBM trained on scikit-learn's
  digits (8x8, scaled to [0, 1]) by CD-1 for 10 epochs, each row of ``weight`` drawn as
  an 8x8 image (about 1 s).
* ``fig_reconstruction``: the reconstruction error after each epoch of that training.
* ``fig_labels``: test accuracy against the number of labelled images, DBN pretraining
  + fine-tuning against the same MLP from random initialization, from the recorded run
  ``experiments/results/dbn.json``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from dlref.numpy.models import RBM

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "dbn.json"


@functools.lru_cache(maxsize=1)
def _trained_rbm():
    X = load_digits().data / 16.0                   # (1797, 64), values in [0, 1]
    rng = np.random.default_rng(0)
    rbm = RBM(64, 36, generator=rng)
    history = rbm.fit(X, epochs=10, batch_size=10, lr=0.1, shuffle=True, generator=rng)
    return rbm, history


def fig_filters():
    rbm, _ = _trained_rbm()
    W = rbm.weight.data                             # (36, 64)
    fig, axes = plt.subplots(6, 6, figsize=(6, 6))
    for w, ax in zip(W, axes.flat):
        limit = np.abs(w).max()
        ax.imshow(w.reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)  # (8, 8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("RBM filters: rows of W (red > 0, blue < 0), digits, CD-1, 10 epochs")
    fig.tight_layout()
    return fig


def fig_reconstruction():
    _, history = _trained_rbm()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(history) + 1), history, marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("reconstruction error (MSE)")
    ax.set_title("RBM 64-36 on digits, CD-1: reconstruction error per epoch")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_labels():
    results = json.loads(RECORD.read_text())["results"]
    labels = results["config"]["labels"]
    names = {"dbn": "DBN pretraining + fine-tuning",
             "random_sigmoid": "random init, sigmoid",
             "random_relu": "random init, ReLU"}
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, name in names.items():
        mean = [results["accuracy_mean"][key][str(n)] for n in labels]
        std = [results["accuracy_std"][key][str(n)] for n in labels]
        ax.errorbar(labels, mean, yerr=std, marker="o", capsize=3, label=name)
    probe = [results["probe_mean"]["dbn_features"][str(n)] for n in labels]
    ax.plot(labels, probe, "k--", marker="x", label="linear probe on DBN features")
    ax.set_xscale("log")
    ax.set_xticks(labels)
    ax.set_xticklabels([str(n) for n in labels])
    ax.set_xlabel("labelled training images (log scale)")
    ax.set_ylabel("test accuracy (540 images)")
    ax.set_title("Digits: pretraining vs random initialization (mean ± std over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
