"""Figures of the adaptive-networks page (frontiers/adaptive-networks.md).

Both figures retrain the page's small models (same seeds, float64, a few seconds).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

WIDTHS, CLASSES = (64, 16, 64, 64), 10
TAUS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.01)


def _digits(n_train=1200, seed=0):
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(x / 16.0), torch.tensor(y)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    return x[perm[:n_train]], y[perm[:n_train]], x[perm[n_train:]], y[perm[n_train:]]


def _early_exit_curve():
    """(FLOPs, accuracy) per threshold, as in the page's first block."""
    x_train, y_train, x_test, y_test = _digits()
    torch.manual_seed(0)
    pairs = list(zip(WIDTHS[:-1], WIDTHS[1:]))
    blocks = torch.nn.ModuleList(
        torch.nn.Sequential(torch.nn.Linear(a, b), torch.nn.ReLU()) for a, b in pairs)
    heads = torch.nn.ModuleList(torch.nn.Linear(b, CLASSES) for _, b in pairs)
    blocks, heads = blocks.double(), heads.double()

    def exits(x):
        out = []
        for block, head in zip(blocks, heads):
            x = block(x)
            out.append(head(x))
        return out

    opt = torch.optim.Adam([*blocks.parameters(), *heads.parameters()], lr=1e-2)
    for _ in range(300):
        loss = sum(F.cross_entropy(z, y_train) for z in exits(x_train))
        opt.zero_grad()
        loss.backward()
        opt.step()
    cost = torch.tensor([sum(2 * a * b + 2 * b * CLASSES for a, b in pairs[:l + 1])
                         for l in range(len(pairs))], dtype=torch.float64)
    with torch.no_grad():
        logits = exits(x_test)
    points = []
    for tau in TAUS:
        n = len(y_test)
        exit_at = torch.full((n,), len(logits) - 1)
        prediction = logits[-1].argmax(1)
        done = torch.zeros(n, dtype=torch.bool)
        for l, z in enumerate(logits[:-1]):
            confidence, label = z.softmax(1).max(1)
            leave = (confidence >= tau) & ~done
            exit_at[leave], prediction[leave] = l, label[leave]
            done |= leave
        accuracy = (prediction == y_test).double().mean().item()
        points.append((cost[exit_at].mean().item(), accuracy))
    heads_only = [(cost[l].item(), (z.argmax(1) == y_test).double().mean().item())
                  for l, z in enumerate(logits)]
    return points, heads_only


def fig_accuracy_compute():
    """Test accuracy against average FLOPs per example at several exit thresholds."""
    points, heads_only = _early_exit_curve()
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    ax.plot([p[0] for p in points], [p[1] for p in points], "o-", label="early exit")
    for tau, (flops, acc) in zip(TAUS, points):
        label = "no exit" if tau > 1 else f"τ={tau}"
        ax.annotate(label, (flops, acc), textcoords="offset points", xytext=(4, 6),
                    fontsize=8)
    ax.plot([h[0] for h in heads_only], [h[1] for h in heads_only], "s", color="C1",
            label="one head alone")
    ax.set_xlabel("average FLOPs per test example")
    ax.set_ylabel("test accuracy")
    ax.set_title("Early-exit MLP 64-16-64-64 on digits", fontsize=10)
    ax.legend(fontsize=9, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _moe_shares(alpha, n_experts=8, k=2, steps=200):
    x_train, y_train, x_test, _ = _digits()
    torch.manual_seed(0)
    router = torch.nn.Linear(64, n_experts).double()
    experts = torch.nn.ModuleList(
        torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(),
                            torch.nn.Linear(16, 10)) for _ in range(n_experts)).double()

    def forward(x):
        logits = router(x)
        top, index = logits.topk(k, dim=-1)
        gates = torch.zeros_like(logits).scatter(-1, index, top.softmax(-1))
        y = x.new_zeros(x.shape[0], 10)
        for i, expert in enumerate(experts):
            rows = gates[:, i].nonzero().squeeze(1)
            y = y.index_add(0, rows, gates[rows, i, None] * expert(x[rows]))
        return y, logits

    def shares(logits):
        chosen = logits.topk(k, dim=-1).indices
        return F.one_hot(chosen, n_experts).sum(1).double().mean(0) / k

    opt = torch.optim.Adam([*router.parameters(), *experts.parameters()], lr=1e-2)
    for _ in range(steps):
        out, logits = forward(x_train)
        balance = n_experts * (shares(logits) * logits.softmax(-1).mean(0)).sum()
        loss = F.cross_entropy(out, y_train) + alpha * balance
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return shares(forward(x_test)[1]).tolist()


def fig_utilisation():
    """Share of test routing slots per expert, with and without the balancing loss."""
    n_experts = 8
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    width = 0.4
    for j, alpha in enumerate((0.0, 0.1)):
        s = _moe_shares(alpha)
        ax.bar([i + (j - 0.5) * width for i in range(n_experts)], s, width,
               label=f"α = {alpha}")
    ax.axhline(1 / n_experts, color="0.4", ls=":", lw=1)
    ax.text(n_experts - 0.6, 1 / n_experts + 0.01, "1/N", fontsize=8, color="0.3")
    ax.set_xticks(range(n_experts))
    ax.set_xlabel("expert")
    ax.set_ylabel("share of routing slots")
    ax.set_title("Top-2 MoE with 8 experts on digits (test set)", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig
