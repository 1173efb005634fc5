"""Figures of the attention page (docs/architectures/attention.md), made at build time.

* ``fig_masks``: the attention weights of four queries with equal scores under no mask, a
  padding mask, a causal mask and both, computed by
  ``dlref.numpy.functional.scaled_dot_product_attention``.
* ``fig_saturation``: for random unit-variance queries and keys, the largest attention
  weight and the norm of the softmax Jacobian against the dimension $d_k$, with the
  scores divided by $\\sqrt{d_k}$ and without (``dlref.numpy.functional``).
* ``fig_trained_weights``: a one-layer self-attention model (``dlref.torch.nn.MultiheadAttention``)
  trained for a few seconds to reverse sequences of 8 digits; its attention weights on one
  test sequence before and after training (the model of the page's *Try it* block, same seed).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from dlref.numpy.functional import scaled_dot_product_attention
from dlref.torch.nn import MultiheadAttention

T, VOCAB, E, STEPS = 8, 10, 32, 200


def _show(ax, weights, title, xlabels=None, ylabels=None):
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0)
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            if weights.shape[0] <= 5:
                ax.text(j, i, f"{weights[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if weights[i, j] < 0.5 else "black")
    ax.set_title(title, fontsize=10)
    ax.set_xticks(range(weights.shape[1]), xlabels if xlabels is not None else range(weights.shape[1]))
    ax.set_yticks(range(weights.shape[0]), ylabels if ylabels is not None else range(weights.shape[0]))
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    return image


def fig_masks():
    L = 4
    q = k = np.zeros((L, 2))                      # equal scores: weights uniform over allowed keys
    v = np.eye(L)                                 # value = I: the output is the weight matrix
    padding = np.array([True, True, True, False])   # key 3 is padding (True = attend)
    causal = np.tril(np.ones((L, L), dtype=bool))
    cases = [("no mask", None), ("padding (key 3)", padding), ("causal", causal),
             ("causal and padding", causal & padding)]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), layout="constrained")
    for ax, (title, mask) in zip(axes, cases):
        image = _show(ax, scaled_dot_product_attention(q, k, v, attn_mask=mask), title)
    fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    return fig


def fig_saturation():
    rng = np.random.default_rng(0)
    L, S = 256, 16
    dims = 2 ** np.arange(0, 11)
    results = {"raw": ([], []), "scaled": ([], [])}
    for d in dims:
        q = rng.standard_normal((L, d))
        k = rng.standard_normal((S, d))
        for name, s in (("raw", 1.0), ("scaled", 1 / np.sqrt(d))):
            A = scaled_dot_product_attention(q, k, np.eye(S), scale=s)   # (L, S)
            # softmax Jacobian diag(a) - a a^T, one per query
            J = A[:, :, None] * np.eye(S) - A[:, :, None] * A[:, None, :]
            results[name][0].append(A.max(axis=-1).mean())
            results[name][1].append(np.sqrt((J ** 2).sum(axis=(1, 2))).mean())
    fig, (ax_max, ax_jac) = plt.subplots(1, 2, figsize=(11, 4))
    labels = {"raw": r"$q^\top k$ (unscaled)", "scaled": r"$q^\top k / \sqrt{d_k}$"}
    for name, (max_weight, jacobian) in results.items():
        style = dict(marker="o", linestyle="-" if name == "scaled" else "--")
        ax_max.plot(dims, max_weight, label=labels[name], **style)
        ax_jac.plot(dims, jacobian, label=labels[name], **style)
    ax_max.axhline(1 / S, color="0.6", linewidth=1, linestyle=":")
    ax_max.text(dims[0], 1 / S + 0.02, f"uniform: 1/{S}", fontsize=9, color="0.4")
    ax_max.set(title=f"Largest weight of a query ({S} keys, mean of {L} queries)",
               xlabel=r"$d_k$", ylabel="max attention weight", xscale="log", ylim=(0, 1.05))
    ax_jac.set(title="How much gradient the softmax passes back",
               xlabel=r"$d_k$", ylabel=r"$\|\mathrm{diag}(a) - a a^\top\|_F$", xscale="log")
    for ax in (ax_max, ax_jac):
        ax.set_xticks(dims, [str(d) for d in dims], fontsize=8)
        ax.legend()
    fig.tight_layout()
    return fig


class Reverser(nn.Module):
    """Token and position embeddings, one self-attention layer (one head), a linear read-out."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, E)
        self.positions = nn.Parameter(0.5 * torch.randn(T, E))
        self.attention = MultiheadAttention(E, 1, batch_first=True)
        self.head = nn.Linear(E, VOCAB)

    def forward(self, x):
        h = self.tokens(x) + self.positions                          # (N, T, E)
        out, weights = self.attention(h, h, h)                       # (N, T, E), (N, T, T)
        return self.head(out), weights


def fig_trained_weights():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        model = Reverser()
        x_test = torch.randint(0, VOCAB, (1, T))
        with torch.no_grad():
            before = model(x_test)[1][0].numpy()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(STEPS):
            x = torch.randint(0, VOCAB, (64, T))
            logits, _ = model(x)
            loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), x.flip(1).reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            logits, after = model(x_test)
        after = after[0].numpy()
        predicted = logits[0].argmax(-1).tolist()
    finally:
        torch.set_num_threads(threads)
    digits = x_test[0].tolist()
    keys = [f"{j}:{d}" for j, d in enumerate(digits)]
    queries = [f"{i} -> {p}" for i, p in enumerate(predicted)]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    _show(axes[0], before, "before training", keys, range(T))
    image = _show(axes[1], after, f"after {STEPS} steps of Adam", keys, queries)
    axes[0].set_xlabel("key (position:digit)")
    axes[1].set_xlabel("key (position:digit)")
    axes[1].set_ylabel("query (position -> predicted digit)")
    fig.suptitle(f"Self-attention trained to reverse {T} digits: input {''.join(map(str, digits))}")
    fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    return fig
