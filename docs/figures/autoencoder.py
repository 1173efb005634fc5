"""Figures of the autoencoder page (docs/architectures/autoencoder.md), made at build
time.

From the recorded run ``experiments/results/autoencoder.json``:

* ``fig_reconstructions``: test digits, their PCA reconstructions and their nonlinear
  autoencoder reconstructions with a code of 4 numbers.
* ``fig_denoising``: noisy test digits (28x28, noise factor 0.5), the fixed
  convolutional denoising autoencoder's outputs, and the clean digits.
* ``fig_sparsity``: fraction of near-zero code activations and test MSE against the L1
  weight of the sparse autoencoder.

Computed here (under a second):

* ``fig_atoms``: the 36 dictionary atoms that sparse coding with ISTA learns on
  scikit-learn's digits, and the objective after each outer iteration.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "autoencoder.json"


def _results() -> dict:
    return json.loads(RECORD.read_text())["results"]


def _image_rows(rows: list[tuple[str, np.ndarray]], side: int, title: str):
    """One row of grey images per (label, images) pair."""
    n = len(rows[0][1])
    fig, axes = plt.subplots(len(rows), n, figsize=(1.0 * n, 1.1 * len(rows) + 0.4))
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(
                np.asarray(images[c]).reshape(side, side),
                cmap="gray_r",
                vmin=0.0,
                vmax=1.0,
            )
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def fig_reconstructions():
    ex = _results()["undercomplete"]["examples"]
    return _image_rows(
        [("clean", ex["clean"]), ("PCA", ex["pca"]), ("autoencoder", ex["ae"])],
        8,
        f"Test digits and their reconstructions from a code of {ex['k']} numbers",
    )


def fig_denoising():
    d = _results()["denoising"]
    ex = d["examples"]
    return _image_rows(
        [("noisy", ex["noisy"]), ("output", ex["output"]), ("clean", ex["clean"])],
        28,
        f"Convolutional denoising autoencoder, test digits upsampled to 28x28, "
        f"noise factor {d['config']['noise_factor']}",
    )


def fig_sparsity():
    runs = _results()["sparse"]["runs"]
    labels = [f"{r['lam']:g}" for r in runs]
    x = np.arange(len(runs))
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(x, [r["near_zero_fraction"] for r in runs], marker="o", color="C0")
    ax.set_xticks(x, labels)
    ax.set_xlabel("L1 weight lam on the code")
    ax.set_ylabel("code activations < 0.01", color="C0")
    ax.set_ylim(0, 1.05)
    ax2 = ax.twinx()
    ax2.plot(x, [r["test_mse"] for r in runs], marker="s", color="C3")
    ax2.set_yscale("log")
    ax2.set_ylabel("test MSE (log scale)", color="C3")
    ax.set_title("Sparse autoencoder 64-100-64 on digits: sparsity vs error")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def sparse_coding(
    n_atoms: int = 36, lam: float = 0.3, outer: int = 30, inner: int = 20, seed: int = 0
):
    """Dictionary learning by alternating ISTA (codes) and a projected gradient step
    (atoms); the same loop as the page's Try it block. Returns the atoms (K, 64) and
    the objective after each outer iteration."""
    X = load_digits().data / 16.0  # (N, 64), scaled to [0, 1]
    N = len(X)
    rng = np.random.default_rng(seed)
    D = X[rng.choice(N, n_atoms, replace=False)]  # (K, 64)
    D = D / np.linalg.norm(D, axis=1, keepdims=True)
    Z = np.zeros((N, n_atoms))  # (N, K)

    def objective():
        return (0.5 * np.sum((X - Z @ D) ** 2) + lam * np.abs(Z).sum()) / N

    history = [objective()]
    for _ in range(outer):
        L = np.linalg.norm(D @ D.T, 2)
        for _ in range(inner):
            V = Z - (Z @ D - X) @ D.T / L
            Z = np.sign(V) * np.maximum(np.abs(V) - lam / L, 0.0)
        L_D = np.linalg.norm(Z.T @ Z, 2)
        D = D - Z.T @ (Z @ D - X) / L_D
        D = D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1.0)
        history.append(objective())
    return D, history


def fig_atoms():
    D, history = sparse_coding()
    fig = plt.figure(figsize=(10, 4.6), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.1, 1.0])
    axes = left.subplots(6, 6)
    for atom, ax in zip(D, axes.flat):
        limit = np.abs(atom).max()
        ax.imshow(atom.reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)  # (8, 8)
        ax.set_xticks([])
        ax.set_yticks([])
    left.suptitle("36 atoms (red > 0, blue < 0)")
    ax = right.subplots()
    ax.plot(range(len(history)), history, marker=".")
    ax.set_xlabel("outer iteration (20 ISTA steps + 1 atom step)")
    ax.set_ylabel("objective (log scale)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    right.suptitle("objective: never increases")
    fig.suptitle("Sparse coding of digits with ISTA, lam = 0.3")
    return fig
