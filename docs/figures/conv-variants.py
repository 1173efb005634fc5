"""Figures for docs/architectures/conv-variants.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/conv-variants/<name>.svg``.
"""

from __future__ import annotations

import time

import matplotlib
import matplotlib.patches

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlref import counting  # noqa: E402
from dlref.numpy import functional as F  # noqa: E402

# the layer setting of the page's table: C_in = C_out = 128, 3x3, 56x56, padding keeps the size
C, K, SIZE = 128, 3, 56


def _variants():
    """(label, [(C_in, C_out, kernel, groups, padding), ...]) for each variant: layers in sequence."""
    return [
        ("standard 3x3", [(C, C, K, 1, 1)]),
        ("spatially separable\n3x1 then 1x3", [(C, C, (K, 1), 1, (1, 0)), (C, C, (1, K), 1, (0, 1))]),
        ("grouped 3x3, g=4", [(C, C, K, 4, 1)]),
        ("grouped 3x3, g=32", [(C, C, K, 32, 1)]),
        ("depthwise separable\n3x3 dw + 1x1", [(C, C, K, C, 1), (C, C, 1, 1, 0)]),
        ("1x1 (pointwise)", [(C, C, 1, 1, 0)]),
        ("depthwise 3x3", [(C, C, K, C, 1)]),
    ]


def fig_counts():
    """Parameters and multiply-accumulates of each variant, from dlref.counting (no bias)."""
    labels, params, macs = [], [], []
    for label, layers in _variants():
        labels.append(label)
        params.append(sum(counting.conv2d_parameters(ci, co, k, groups=g, bias=False) for ci, co, k, g, _ in layers))
        macs.append(sum(counting.conv2d_macs(ci, co, k, SIZE, padding=p, groups=g) for ci, co, k, g, p in layers))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    y = np.arange(len(labels))
    for ax, values, title in ((axes[0], params, "parameters"), (axes[1], macs, "multiply-accumulates per image")):
        ax.barh(y, values, color=["C3"] + ["C0"] * (len(values) - 1))
        ax.set_xscale("log")
        ax.set_title(f"{title} (log scale)", fontsize=10)
        for yi, v in zip(y, values):
            ax.annotate(f"{v:,}  ({v / values[0]:.3g}x)", (v, yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8)
        ax.set_xlim(min(values) / 2, max(values) * 40)
    axes[0].set_yticks(y, labels, fontsize=9)
    axes[0].invert_yaxis()
    fig.suptitle(f"One layer, C_in = C_out = {C}, kernel {K}, {SIZE}x{SIZE} input, no bias "
                 "(ratios to the standard convolution)", fontsize=11)
    fig.tight_layout()
    return fig


def _connectivity(in_channels: int, out_channels: int, groups: int) -> np.ndarray:
    """Which input channels each output channel depends on, found by probing conv2d.

    Puts a 1 at the centre of one input channel at a time and records which output
    channels become non-zero: a (C_out, C_in) boolean matrix.
    """
    rng = np.random.default_rng(0)
    weight = rng.uniform(0.5, 1.0, (out_channels, in_channels // groups, 3, 3))  # no zero weights
    mask = np.zeros((out_channels, in_channels), dtype=bool)
    for c in range(in_channels):
        x = np.zeros((1, in_channels, 5, 5))
        x[0, c, 2, 2] = 1.0
        y = F.conv2d(x, weight, padding=1, groups=groups)               # (1, C_out, 5, 5)
        mask[:, c] = np.abs(y[0]).sum(axis=(1, 2)) > 0
    return mask


def fig_connectivity():
    """Channel connectivity of standard, grouped and depthwise convolutions (8 channels)."""
    n = 8
    settings = [("standard (groups=1)", 1), ("grouped (groups=2)", 2), ("grouped (groups=4)", 4),
                ("depthwise (groups=8)", 8)]
    fig, axes = plt.subplots(1, len(settings), figsize=(11, 3.3))
    for ax, (title, groups) in zip(axes, settings):
        mask = _connectivity(n, n, groups)
        ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3)
        ax.set_title(f"{title}\n{mask.sum()} of {mask.size} links", fontsize=9)
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.tick_params(labelsize=7)
        ax.set_xlabel("input channel", fontsize=8)
        ax.grid(False)
    axes[0].set_ylabel("output channel", fontsize=8)
    fig.suptitle("Which input channels each output channel sees (probed through dlref's conv2d)", fontsize=10)
    fig.tight_layout()
    return fig


def fig_timing():
    """FLOPs against time measured at build time: torch on one CPU thread, batch of 4."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        x = torch.randn(4, C, SIZE, SIZE)
        layers = {
            "standard 3x3": torch.nn.Conv2d(C, C, K, padding=1, bias=False),
            "depthwise 3x3": torch.nn.Conv2d(C, C, K, padding=1, groups=C, bias=False),
            "pointwise 1x1": torch.nn.Conv2d(C, C, 1, bias=False),
        }
        seconds = {}
        with torch.no_grad():
            for name, layer in layers.items():
                layer(x)                                   # warm-up
                runs = []
                for _ in range(5):
                    start = time.perf_counter()
                    layer(x)
                    runs.append(time.perf_counter() - start)
                seconds[name] = min(runs)
    finally:
        torch.set_num_threads(threads)
    flops = {
        "standard 3x3": counting.conv2d_flops(C, C, K, SIZE, padding=1),
        "depthwise 3x3": counting.conv2d_flops(C, C, K, SIZE, padding=1, groups=C),
        "pointwise 1x1": counting.conv2d_flops(C, C, 1, SIZE),
    }
    colors = {"standard 3x3": "C3", "depthwise 3x3": "C1", "pointwise 1x1": "C0"}
    rows = [("standard 3x3", ["standard 3x3"]), ("depthwise separable", ["depthwise 3x3", "pointwise 1x1"])]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for i, (label, parts) in enumerate(rows):
        for j, (what, values) in enumerate((("FLOPs", flops), ("measured time", seconds))):
            left = 0.0
            for part in parts:                              # stacked: each part's share of the standard layer's
                share = values[part] / values["standard 3x3"]
                ax.barh(2 * i + 0.8 * j, share, left=left, height=0.7, color=colors[part])
                left += share
            ax.annotate(f"{what}: {left:.2f} of the standard convolution's", (left, 2 * i + 0.8 * j),
                        xytext=(5, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks([0.4, 2.4], [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.9)
    ax.set_xlabel("relative to the standard 3x3 convolution")
    ax.set_title(f"torch.nn.Conv2d, {C} channels, {SIZE}x{SIZE}, batch 4, 1 CPU thread: measured when this page "
                 "was built", fontsize=9)
    handles = [matplotlib.patches.Patch(color=color, label=name) for name, color in colors.items()]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
