"""Time dlref.numpy.nn.MultiheadAttention (forward + backward) against torch.nn.MultiheadAttention on the CPU.

Both run in this process, in float32, on the same weights, inputs and output gradients,
with as many threads each: torch.set_num_threads is set to the number of BLAS threads
NumPy uses (or both are set to --threads). Each case is timed in alternation (one NumPy
call, one torch call, repeated), so that a change in the machine's load during the run
affects both alike; the median of the repeats is kept. The layer does self-attention
(query = key = value = x, batch_first), in training mode with dropout 0; "forward +
backward" gives the gradients of x and of every parameter. Two cases: the default call
(``need_weights=True``: both libraries form the attention weights explicitly and return
them averaged over the heads) and ``need_weights=False`` (torch then calls its fused
``scaled_dot_product_attention`` kernel).

    .venv/bin/python benchmarks/attention.py                 # print the table
    .venv/bin/python benchmarks/attention.py --threads 1     # one thread for both
    .venv/bin/python benchmarks/attention.py --write         # and save benchmarks/results/attention.json

The docs page docs/benchmarks.md renders its table from that JSON file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (what the benchmark scripts share)
from lstm import print_table  # noqa: E402

from dlref.numpy import nn  # noqa: E402
from dlref.testing import assert_close  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "attention.json"

# (B, T, E, heads, need_weights): batch, sequence length, model size, heads; self-attention, batch_first
CASES = [
    (8, 128, 256, 8, True),
    (8, 128, 256, 8, False),
]
GOAL = 2.0  # the forward + backward ratio must stay at or below this (issue 9)


def attention_flops(B: int, T: int, E: int) -> int:
    """Multiply-adds of the forward's products, counted as 2 FLOPs: 2 B T (4 E^2 + 2 T E).

    The packed input projection ``(B T, E) @ (E, 3E)``, the scores ``q k^T`` and the weighted
    values ``A v`` (``T x T x E/h`` per head and sequence, ``h`` heads), and ``out_proj``
    ``(B T, E) @ (E, E)``; the softmax is O(B h T^2) and not counted.
    """
    return 2 * B * T * (4 * E * E + 2 * T * E)


def time_case(B: int, T: int, E: int, heads: int, need_weights: bool, repeats: int, warmup: int = 3) -> dict:
    rng = np.random.default_rng(0)
    ours = nn.MultiheadAttention(E, heads, batch_first=True, generator=rng)     # float32
    theirs = torch.nn.MultiheadAttention(E, heads, batch_first=True)           # float32
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((B, T, E)).astype(np.float32)        # (B, T, E)
    grad_y = rng.standard_normal((B, T, E)).astype(np.float32)   # (B, T, E)
    x_t = torch.from_numpy(x).requires_grad_()
    grad_y_t = torch.from_numpy(grad_y)

    def numpy_forward():
        return ours(x, x, x, need_weights=need_weights)[0]

    def numpy_step():  # forward + backward: x (as query, key and value) and every parameter
        ours.zero_grad()
        ours(x, x, x, need_weights=need_weights)
        grad_q, grad_k, grad_v = ours.backward(grad_y)
        return grad_q + grad_k + grad_v

    def torch_forward():
        with torch.no_grad():
            return theirs(x_t, x_t, x_t, need_weights=need_weights)[0]

    def torch_step():
        theirs.zero_grad()
        x_t.grad = None
        theirs(x_t, x_t, x_t, need_weights=need_weights)[0].backward(grad_y_t)
        return x_t.grad

    # the two compute the same thing (float32 tolerances) before either is timed
    assert_close(numpy_forward(), torch_forward(), rtol=1e-4, atol=1e-4)
    assert_close(numpy_step(), torch_step(), rtol=1e-3, atol=1e-3)
    assert_close(ours.in_proj_weight.grad, theirs.in_proj_weight.grad, rtol=1e-3, atol=1e-3)
    assert_close(ours.out_proj.weight.grad, theirs.out_proj.weight.grad, rtol=1e-3, atol=1e-3)

    result = {"layer": "MultiheadAttention", "B": B, "T": T, "E": E, "num_heads": heads, "batch_first": True,
              "need_weights": need_weights,
              "shape": f"B={B}, T={T}, E={E}, {heads} heads, need_weights={need_weights}"}
    common.time_phases(result, (("forward", numpy_forward, torch_forward),
                         ("forward_backward", numpy_step, torch_step)), repeats, warmup)
    flops = attention_flops(B, T, E)
    result["forward_gflop"] = flops / 1e9
    # the backward pass does two products of the forward's size for each: for the weights and for the inputs
    result["numpy_gflops"] = 3 * flops / (result["forward_backward_numpy_ms"] * 1e6)
    result["torch_gflops"] = 3 * flops / (result["forward_backward_torch_ms"] * 1e6)
    result["goal_ratio"] = GOAL
    result["goal_met"] = result["forward_backward_ratio"] <= GOAL
    return result


def main(argv=None) -> dict:
    args = common.parse_args(__doc__.split("\n\n")[0], RESULTS, argv)
    threads, blas = common.use_threads(args)

    load_before = os.getloadavg()
    rows = [time_case(*case, repeats=args.repeats) for case in CASES]
    load_after = os.getloadavg()
    print_table("dlref.numpy MultiheadAttention vs torch.nn.MultiheadAttention, forward + backward", rows,
                threads, load_before, load_after)

    results = {
        "benchmark": "dlref.numpy.nn.MultiheadAttention vs torch.nn.MultiheadAttention (self-attention, "
                     "batch_first), forward and forward + backward, float32, CPU",
        "command": common.command("attention.py", args),
        "machine": common.machine_record(threads, blas, load_before, load_after),
        "date": common.now(),
        "repeats": args.repeats,
        "layers": rows,
    }
    common.save(results, RESULTS, args.write)
    return results


if __name__ == "__main__":
    main()
