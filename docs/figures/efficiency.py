"""Figures of the resource-efficiency page (docs/practice/efficiency.md), made at build
time from the recorded run ``experiments/results/efficiency.json`` and from
``dlref.counting``.

* ``fig_latency``: per-sample latency against batch size: the page's CNN in PyTorch and in
  ONNX Runtime, and the digits MLP in float32 and with int8 weights.
* ``fig_roofline``: this machine's roofline (measured matrix-product rate, main-memory and
  cache bandwidth) with the CNN's layers placed by their arithmetic intensity at batch 1
  and 64, and the MLP's measured rate at every batch size.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from dlref.counting import (
    conv2d_flops,
    conv2d_parameters,
    linear_flops,
    linear_parameters,
)

RECORD = Path(__file__).resolve().parents[2] / "experiments" / "results" / "efficiency.json"
FLOAT = 4                                   # bytes of a float32


def _record() -> dict:
    return json.loads(RECORD.read_text())["results"]


def fig_latency():
    """Per-sample latency (log-log) against batch size, from the recorded run."""
    r = _record()
    batches = np.array(r["batch_sizes"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    left.loglog(batches, [p["torch_us_per_sample"] for p in r["sweep"]], "o-",
                label="PyTorch (eager)")
    left.loglog(batches, [p["ort_us_per_sample"] for p in r["sweep"]], "s-",
                label="ONNX Runtime")
    left.set_title("CNN, 3x32x32 inputs")
    q = r["quantization"]
    right.loglog(batches, q["fp32"]["us_per_sample"], "o-", color="tab:green",
                 label="float32")
    right.loglog(batches, q["int8"]["us_per_sample"], "s-", color="tab:red",
                 label="int8 weights (dynamic)")
    right.set_title("MLP 64-512-512-10 (digits), PyTorch")
    for ax in (left, right):
        ax.set_xlabel("batch size")
        ax.set_xticks(batches, [str(b) for b in batches])
        ax.minorticks_off()
        ax.legend(fontsize=9)
    left.set_ylabel("µs per sample (median, one thread)")
    fig.tight_layout()
    return fig


def _conv_point(c_in, c_out, size, batch):
    """(FLOPs, bytes) of a 3x3 'same' convolution: weights once, input and output."""
    flops = batch * conv2d_flops(c_in, c_out, 3, size, padding=1)
    moved = FLOAT * (conv2d_parameters(c_in, c_out, 3)
                     + batch * (c_in + c_out) * size * size)
    return flops, moved


def _linear_point(n_in, n_out, batch):
    """(FLOPs, bytes) of a linear layer: weights once, input and output."""
    flops = batch * linear_flops(n_in, n_out)
    moved = FLOAT * (linear_parameters(n_in, n_out) + batch * (n_in + n_out))
    return flops, moved


def fig_roofline():
    """Attainable GFLOP/s = min(peak, intensity x bandwidth), this machine, one thread."""
    r = _record()
    peaks = r["peaks"]
    peak, dram, cache = (peaks["matmul_gflops"], peaks["copy_gbps"],
                         peaks["cache_copy_gbps"])
    intensity = np.logspace(-1.5, 3, 200)                 # FLOPs per byte
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.loglog(intensity, np.minimum(peak, intensity * dram), color="black",
              label=f"roof, main memory ({dram:.0f} GB/s)")
    ax.loglog(intensity, np.minimum(peak, intensity * cache), color="gray",
              linestyle="--", label=f"roof, cache ({cache:.0f} GB/s)")
    layers = {"conv1": lambda b: _conv_point(3, 32, 32, b),
              "conv2": lambda b: _conv_point(32, 64, 16, b),
              "fc1": lambda b: _linear_point(4096, 128, b)}
    for batch, marker in ((1, "o"), (64, "^")):
        for k, (name, point) in enumerate(layers.items()):
            flops, moved = point(batch)
            i = flops / moved
            ax.loglog(i, min(peak, i * dram), marker, color="tab:blue", markersize=8,
                      label=f"CNN layers, batch {batch} (bound)" if k == 0 else None)
            ax.annotate(name, (i, min(peak, i * dram)), textcoords="offset points",
                        xytext=(4, -14) if batch == 1 else (2, 7), fontsize=8,
                        rotation=0 if batch == 1 else 45)
    # the MLP: measured GFLOP/s at each batch size, at its arithmetic intensity
    q = r["quantization"]
    sizes = [(64, 512), (512, 512), (512, 10)]
    measured_i, measured_rate = [], []
    for batch, us in zip(r["batch_sizes"], q["fp32"]["us_per_sample"]):
        points = [_linear_point(a, b, batch) for a, b in sizes]
        flops = sum(f for f, _ in points)
        measured_i.append(flops / sum(m for _, m in points))
        measured_rate.append(flops / (batch * us * 1e-6) / 1e9)
    ax.loglog(measured_i, measured_rate, "D:", color="tab:green", markersize=5,
              label="MLP float32, measured (batch 1 … 256)")
    ax.set_ylim(top=4 * peak)
    ax.set_xlabel("arithmetic intensity (FLOPs per byte moved)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"Roofline of the recording machine, one thread (peak {peak:.0f} GFLOP/s)\n"
                 "conv1 3→32, conv2 32→64, fc1 4096→128", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    return fig
