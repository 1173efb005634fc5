"""Figures of the distributed-training page (docs/practice/distributed-training.md).

* ``fig_cost_model``: the communication of one gradient all-reduce as the number of
  processes p grows, from the alpha-beta cost model: (left) the data the busiest node
  sends (and, as much again, receives), in units of the gradient size N, for a central
  parameter server and for the ring; (right) the time of one all-reduce of the float32
  gradient of ResNet-50's 25.6 million parameters (102.4 MB) with an assumed latency of
  10 us per message and 10 GB/s per link, the values of the page's cost-model block.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

ALPHA = 10e-6            # seconds per message (assumed)
BETA = 1 / 10e9          # seconds per byte: 10 GB/s per link (assumed)
NBYTES = 25.6e6 * 4      # the float32 gradient of ResNet-50 (102.4 MB)


def ring_time(p, nbytes=NBYTES, alpha=ALPHA, beta=BETA):
    """2(p - 1) messages of nbytes / p each, one after another."""
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * nbytes * beta


def server_time(p, nbytes=NBYTES, alpha=ALPHA, beta=BETA):
    """One server receives p gradients, then sends p averages, through its one link."""
    return 2 * alpha + 2 * p * nbytes * beta


def fig_cost_model():
    p = np.arange(2, 65)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    left.plot(p, p, label="parameter server: the server")
    left.plot(p, 2 * (p - 1) / p, label="ring: every process")
    left.plot(p, 2 * np.ones_like(p), color="grey", linestyle=":", linewidth=1,
              label="2N: the ring's limit")
    left.set_xlabel("processes p")
    left.set_ylabel("sent by the busiest node (units of N)")
    left.set_yscale("log")
    left.set_title("Traffic per all-reduce")
    left.legend(fontsize=9)
    right.plot(p, 1000 * server_time(p), label="parameter server")
    right.plot(p, 1000 * ring_time(p), label="ring")
    right.set_xlabel("processes p")
    right.set_ylabel("ms per all-reduce")
    right.set_yscale("log")
    right.set_title("Time, 102 MB gradient, 10 us + 10 GB/s (assumed)")
    right.legend(fontsize=9)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return fig
