"""Figures of the multimodal page (docs/frontiers/multimodal.md), made at build time.

* ``fig_similarity``: two encoders trained with CLIP's symmetric InfoNCE loss on the top
  and bottom halves of scikit-learn's digits (the setup of the page's Try it section, a
  few seconds of training); left, the cosine similarities of 12 test pairs (the diagonal
  holds the true partners); right, recall@k of the true partner among all test pairs,
  against chance.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn


def _clip_loss(z_a, z_b, log_scale):
    z_a, z_b = F.normalize(z_a, dim=1), F.normalize(z_b, dim=1)   # (N, D)
    logits = log_scale.exp() * z_a @ z_b.T                        # (N, N)
    target = torch.arange(len(z_a))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def _trained_embeddings():
    torch.manual_seed(0)
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    X = torch.tensor(digits.data[order] / 16.0, dtype=torch.float32)   # (1797, 64)
    top, bottom = X[:, :32], X[:, 32:]
    enc_a, enc_b = (nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 16))
                    for _ in range(2))
    log_scale = torch.tensor(np.log(1 / 0.07), requires_grad=True)
    opt = torch.optim.Adam([*enc_a.parameters(), *enc_b.parameters(), log_scale],
                           lr=3e-3)
    for _ in range(300):
        idx = torch.randperm(1200)[:256]
        opt.zero_grad()
        _clip_loss(enc_a(top[idx]), enc_b(bottom[idx]), log_scale).backward()
        opt.step()
        with torch.no_grad():
            log_scale.clamp_(max=np.log(100))
    with torch.no_grad():
        z_a = F.normalize(enc_a(top[1200:]), dim=1)                    # (597, 16)
        z_b = F.normalize(enc_b(bottom[1200:]), dim=1)
    return X[1200:], (z_a @ z_b.T).numpy()                              # (597, 597)


def fig_similarity():
    images, sim = _trained_embeddings()
    n = len(sim)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    im = axes[0].imshow(sim[:12, :12], cmap="viridis", vmin=-1, vmax=1)
    axes[0].set_xlabel("bottom half j (test)")
    axes[0].set_ylabel("top half i (test)")
    axes[0].set_title("cosine similarity of 12 test pairs", fontsize=10)
    fig.colorbar(im, ax=axes[0], fraction=0.046)
    rank = (sim > np.diag(sim)[:, None]).sum(axis=1)      # partners ranked above i
    ks = np.arange(1, 51)
    axes[1].plot(ks, [(rank < k).mean() for k in ks], label="top -> bottom, trained")
    axes[1].plot(ks, ks / n, "--", color="gray", label=f"chance (k / {n})")
    axes[1].set_xlabel("k")
    axes[1].set_ylabel("recall@k")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("retrieving the partner among all test pairs", fontsize=10)
    axes[1].legend(loc="center right")
    fig.tight_layout()
    return fig
