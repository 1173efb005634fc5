"""Figures of the variational autoencoder page (docs/architectures/vae.md), made at
build time from the recorded run ``experiments/results/vae.json`` (no training here).

* ``fig_elbo``: training and test reconstruction and KL terms per epoch (latent size 8,
  beta = 1), and their sum, the negative ELBO.
* ``fig_samples``: 64 samples from the prior decoded (pixel probabilities), beside test
  digits and their reconstructions.
* ``fig_latent``: the posterior means of the 540 test digits in a 2-D latent space,
  coloured by class, and the decoder's images over a grid of that space.
* ``fig_beta``: test reconstruction against KL for each beta (the beta-VAE trade-off),
  with the number of active latent units.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "vae.json"


def _results():
    return json.loads(RECORD.read_text())["results"]


def _mosaic(images, rows, cols, pad=1):
    """Images (n, 64) tiled as a (rows*9-1, cols*9-1) array, 8x8 each, on light grey."""
    images = np.asarray(images).reshape(-1, 8, 8)              # (n, 8, 8)
    out = 0.25 * np.ones((rows * (8 + pad) - pad, cols * (8 + pad) - pad))
    for k, image in enumerate(images[: rows * cols]):
        r, c = divmod(k, cols)
        out[r * (8 + pad): r * (8 + pad) + 8, c * (8 + pad): c * (8 + pad) + 8] = image
    return out


def fig_elbo():
    curves = _results()["curves"]
    epochs = np.arange(1, len(curves["train_rec"]) + 1)
    fig, (ax_rec, ax_kl) = plt.subplots(1, 2, figsize=(9, 3.6))
    for split, style in (("train", "-"), ("test", "--")):
        rec, kl = np.array(curves[f"{split}_rec"]), np.array(curves[f"{split}_kl"])
        ax_rec.plot(epochs, rec + kl, style, color="C0",
                    label=f"negative ELBO ({split})")
        ax_rec.plot(epochs, rec, style, color="C1", label=f"reconstruction ({split})")
        ax_kl.plot(epochs, kl, style, color="C2", label=f"KL ({split})")
    ax_rec.set_ylim(15, 45)
    ax_rec.set_ylabel("nats per image")
    ax_kl.set_ylabel("nats per image")
    for ax in (ax_rec, ax_kl):
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    ax_rec.set_title("Negative ELBO = reconstruction + KL")
    ax_kl.set_title("KL(q(z|x) || p(z))")
    fig.suptitle("VAE on digits, latent size 8, beta = 1 (train: running mean of the "
                 "epoch; test: 540 images)", fontsize=10)
    fig.tight_layout()
    return fig


def fig_samples():
    results = _results()
    fig, (ax_prior, ax_rec) = plt.subplots(
        1, 2, figsize=(9, 4.2), gridspec_kw={"width_ratios": [8, 2.6]})
    ax_prior.imshow(_mosaic(results["prior_samples"], 8, 8), cmap="gray_r",
                    vmin=0, vmax=1)
    ax_prior.set_title("64 samples: z ~ N(0, I), decoder's pixel probabilities",
                       fontsize=10)
    pairs = np.stack([results["test_images"], results["reconstructions"]], axis=1)
    ax_rec.imshow(_mosaic(pairs.reshape(-1, 64), 10, 2), cmap="gray_r", vmin=0, vmax=1)
    ax_rec.set_title("test digit | reconstruction", fontsize=10)
    for ax in (ax_prior, ax_rec):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.tight_layout()
    return fig


def fig_latent():
    latent = _results()["latent2"]
    mu, labels = np.array(latent["mu"]), np.array(latent["labels"])
    fig, (ax_scatter, ax_grid) = plt.subplots(1, 2, figsize=(10, 4.8))
    cmap = plt.get_cmap("tab10")
    for digit in range(10):
        points = mu[labels == digit]
        ax_scatter.scatter(points[:, 0], points[:, 1], s=9, color=cmap(digit),
                           label=str(digit))
    for digit in range(10):                       # the class label at its centroid
        cx, cy = mu[labels == digit].mean(axis=0)
        ax_scatter.text(cx, cy, str(digit), fontsize=13, weight="bold",
                        ha="center", va="center", color="black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                              "alpha": 0.7})
    ax_scatter.set_xlabel("$\\mu_1$")
    ax_scatter.set_ylabel("$\\mu_2$")
    ax_scatter.set_title("Posterior means of the 540 test digits", fontsize=10)
    ax_scatter.legend(fontsize=7, ncol=2, markerscale=1.5, loc="best")
    grid = latent["grid"]
    n = len(grid)
    ax_grid.imshow(_mosaic(latent["grid_images"], n, n), cmap="gray_r", vmin=0, vmax=1,
                   extent=(grid[0] - 0.25, grid[-1] + 0.25, grid[0] - 0.25,
                           grid[-1] + 0.25))
    ax_grid.set_xlabel("$z_1$")
    ax_grid.set_ylabel("$z_2$")
    ax_grid.grid(False)
    ax_grid.set_title(f"Decoder over a {n}x{n} grid of z", fontsize=10)
    fig.suptitle("VAE with a 2-D latent space, digits, beta = 1", fontsize=11)
    fig.tight_layout()
    return fig


def fig_beta():
    results = _results()
    betas = results["config"]["betas"]
    rec = [results["beta"][str(b)]["test_rec"] for b in betas]
    kl = [results["beta"][str(b)]["test_kl"] for b in betas]
    active = [results["beta"][str(b)]["active_units"] for b in betas]
    fig, (ax_tradeoff, ax_terms) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax_tradeoff.plot(kl, rec, marker="o")
    labels = {}                                   # points that coincide share a label
    for b, x, y, a in zip(betas, kl, rec, active):
        key = (round(x, 1), round(y, 1))
        labels.setdefault(key, [x, y, [], a])[2].append(f"{b:g}")
    for x, y, bs, a in labels.values():
        ax_tradeoff.annotate(f"β={', '.join(bs)} ({a} active)", (x, y),
                             textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax_tradeoff.set_xlim(-0.5, max(kl) * 1.3)
    ax_tradeoff.set_xlabel("KL = rate (nats per image)")
    ax_tradeoff.set_ylabel("reconstruction = distortion (nats)")
    ax_tradeoff.set_title("Test reconstruction against KL, one point per β",
                          fontsize=10)
    ax_terms.plot(betas, rec, marker="o", label="reconstruction")
    ax_terms.plot(betas, kl, marker="s", label="KL")
    ax_terms.plot(betas, np.add(rec, kl), marker="^", label="negative ELBO (β = 1)")
    ax_terms.set_xscale("log")
    ax_terms.set_xticks(betas)
    ax_terms.set_xticklabels([f"{b:g}" for b in betas])
    ax_terms.set_xlabel("β (log scale)")
    ax_terms.set_ylabel("nats per test image")
    ax_terms.set_title("The two terms against β", fontsize=10)
    ax_terms.legend(fontsize=8)
    fig.suptitle("β-VAE on digits, latent size 8", fontsize=11)
    fig.tight_layout()
    return fig
