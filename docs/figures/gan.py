"""Figures of the GAN page (docs/architectures/gan.md), made at build time.

* ``fig_saturation``: the generator's gradient with respect to the discriminator's
  logit, minimax against non-saturating loss, as D(G(z)) goes to 0 (computed with
  ``dlref.torch.functional.binary_cross_entropy_with_logits`` and autograd, instant).
* ``fig_ring``: generator samples against the ring of 8 Gaussians, one panel per method
  and seed, from the recorded run ``experiments/results/gan.json``.
* ``fig_ring_history``: modes covered during training, from the same record.
* ``fig_digits``: real digits next to samples of the GAN trained on them (the record).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

from dlref.torch.functional import binary_cross_entropy_with_logits

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "gan.json"
LABELS = {"gan_1": "GAN, 1 D step",
          "gan_5": "GAN, 5 D steps",
          "gan_5_mbstd": "GAN, 5 D steps\n+ minibatch std"}


def _record() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_saturation():
    D = torch.logspace(-7, 0, 200, dtype=torch.float64)[:-1]      # D(G(z)) in (0, 1)
    a = torch.log(D / (1 - D)).requires_grad_()                   # the logit
    bce = binary_cross_entropy_with_logits
    minimax = -bce(a, torch.zeros_like(a), reduction="none")      # log(1 - D)
    non_saturating = bce(a, torch.ones_like(a), reduction="none")   # -log D
    g_mm, = torch.autograd.grad(minimax.sum(), a)
    g_ns, = torch.autograd.grad(non_saturating.sum(), a)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.loglog(D, g_mm.abs(),
              label=r"minimax $\log(1 - D)$: $|\partial/\partial a| = D$")
    ax.loglog(D, g_ns.abs(),
              label=r"non-saturating $-\log D$: $|\partial/\partial a| = 1 - D$")
    ax.axvspan(1e-7, 1e-2, color="0.9", zorder=0)
    ax.text(2e-7, 2e-6, "D wins: fakes rejected", fontsize=9)
    ax.set_xlabel("D(G(z)), the discriminator's probability that a fake is real")
    ax.set_ylabel("|gradient w.r.t. the logit a|")
    ax.set_title("Generator gradient when the discriminator wins")
    ax.legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    return fig


def _ring_centers() -> np.ndarray:
    angles = np.arange(8) * 2 * math.pi / 8
    return 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)   # (8, 2)


def fig_ring():
    results = _record()
    methods = list(results["ring"])
    seeds = results["config"]["ring_seeds"]
    sigma = results["config"]["ring"]["sigma"]
    centers = _ring_centers()
    fig, axes = plt.subplots(len(methods), len(seeds),
                             figsize=(2.6 * len(seeds), 2.7 * len(methods)),
                             squeeze=False)
    for row, method in enumerate(methods):
        for col, seed in enumerate(seeds):
            ax = axes[row, col]
            run = results["ring"][method][str(seed)]
            x = np.array(run["samples"])                                # (500, 2)
            for c in centers:
                ax.add_patch(plt.Circle(c, 3 * sigma * 4, color="tab:orange",
                                        alpha=0.25, lw=0))
            ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="tab:orange",
                       s=30, label="mode centers")
            ax.scatter(x[:, 0], x[:, 1], s=3, alpha=0.5, color="tab:blue",
                       label="generated")
            final = run["final"]
            ax.set_title(f"seed {seed}: {final['modes']} modes, "
                         f"HQ {final['high_quality']:.2f}", fontsize=9)
            ax.set_xlim(-2.8, 2.8)
            ax.set_ylim(-2.8, 2.8)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(LABELS.get(method, method), fontsize=9)
    fig.suptitle("500 generated points (blue) vs the 8 mode centers (x; orange discs "
                 "enlarged 4x)", fontsize=10)
    fig.tight_layout()
    return fig


def fig_ring_history():
    results = _record()
    seeds = results["config"]["ring_seeds"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    colors = {m: f"C{i}" for i, m in enumerate(results["ring"])}
    for method, runs in results["ring"].items():
        for i, seed in enumerate(seeds):
            history = runs[str(seed)]["history"]
            steps = [h["step"] for h in history]
            label = LABELS.get(method, method).replace("\n", " ") if i == 0 else None
            axes[0].plot(steps, [h["modes"] for h in history], color=colors[method],
                         marker="o", ms=3, alpha=0.8, label=label)
            axes[1].plot(steps, [h["high_quality"] for h in history],
                         color=colors[method], marker="o", ms=3, alpha=0.8)
    axes[0].set_ylabel("modes covered (of 8)")
    axes[1].set_ylabel("high-quality fraction")
    for ax in axes:
        ax.set_xlabel("generator step")
    axes[0].set_ylim(-0.3, 8.5)
    axes[0].legend(fontsize=8)
    fig.suptitle("Ring of 8 Gaussians during training (one line per seed)", fontsize=10)
    fig.tight_layout()
    return fig


def fig_digits():
    results = _record()
    fake = np.array(results["digits"]["samples"])                   # (64, 64) in [0, 1]
    real = load_digits().data[:64] / 16.0                            # (64, 64)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.2))
    for ax, images, title in ((axes[0], real, "real digits"),
                              (axes[1], fake, "GAN samples")):
        tiles = np.pad(images.reshape(8, 8, 8, 8), ((0, 0), (0, 0), (0, 1), (0, 1)),
                       constant_values=0.15)                         # (8, 8, 9, 9)
        grid = tiles.transpose(0, 2, 1, 3).reshape(72, 72)           # (72, 72) mosaic
        ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.tight_layout()
    return fig
