"""Time dlref.numpy.nn.LSTM and GRU (forward + backward) against torch.nn.LSTM and GRU on the CPU.

Both run in this process, in float32, on the same weights, inputs and output gradients,
with as many threads each: torch.set_num_threads is set to the number of BLAS threads
NumPy uses (or both are set to --threads). Each layer is timed in alternation with its
torch counterpart (one NumPy call, one torch call, repeated), so that a change in the
machine's load during the run affects both alike; the median of the repeats is kept.
"forward + backward" is one forward pass over the whole sequence and backpropagation
through time, giving the gradients of the input, the initial states and every parameter.

    .venv/bin/python benchmarks/lstm.py                 # print the table
    .venv/bin/python benchmarks/lstm.py --threads 1     # one thread for both
    .venv/bin/python benchmarks/lstm.py --write         # and save benchmarks/results/lstm.json

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

from dlref.numpy import nn  # noqa: E402
from dlref.testing import assert_close  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "lstm.json"

# (layer, T, B, I, H): sequence length, batch, input features, hidden features; one layer, time-major
LAYERS = [
    ("LSTM", 50, 32, 64, 128),
    ("GRU", 50, 32, 64, 128),
]
GOALS = {"LSTM": 4.0}  # the forward + backward ratio must stay at or below this (issue 9); GRU: no goal
GATES = {"LSTM": 4, "GRU": 3}


def recurrent_flops(gates: int, T: int, B: int, I: int, H: int) -> int:
    """Multiply-adds of the forward's products, counted as 2 FLOPs: 2 T B (I + H) G H for G gates.

    The input projection of all steps, ``(T B, I) @ (I, G H)``, and one ``(B, H) @ (H, G H)``
    per step for the recurrence; the elementwise gate arithmetic is O(T B H) and not counted.
    """
    return 2 * T * B * (I + H) * gates * H


def time_layer(layer: str, T: int, B: int, I: int, H: int, repeats: int, warmup: int = 3) -> dict:
    rng = np.random.default_rng(0)
    ours = getattr(nn, layer)(I, H, generator=rng)   # float32
    theirs = getattr(torch.nn, layer)(I, H)          # float32
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((T, B, I)).astype(np.float32)        # (T, B, I), time-major
    grad_y = rng.standard_normal((T, B, H)).astype(np.float32)   # (T, B, H)
    x_t = torch.from_numpy(x).requires_grad_()
    grad_y_t = torch.from_numpy(grad_y)

    def numpy_forward():
        return ours(x)[0]

    def numpy_step():  # forward + backpropagation through time: input, initial states, parameters
        ours.zero_grad()
        ours(x)
        return ours.backward(grad_y)[0]

    def torch_forward():
        with torch.no_grad():
            return theirs(x_t)[0]

    def torch_step():
        theirs.zero_grad()
        x_t.grad = None
        theirs(x_t)[0].backward(grad_y_t)
        return x_t.grad

    # the two compute the same thing (float32 tolerances) before either is timed
    assert_close(numpy_forward(), torch_forward(), rtol=1e-4, atol=1e-4)
    assert_close(numpy_step(), torch_step(), rtol=1e-3, atol=1e-4)
    assert_close(ours.weight_hh_l0.grad, theirs.weight_hh_l0.grad, rtol=1e-3, atol=1e-3)
    assert_close(ours.weight_ih_l0.grad, theirs.weight_ih_l0.grad, rtol=1e-3, atol=1e-3)

    result = {"layer": layer, "T": T, "B": B, "I": I, "H": H, "num_layers": 1, "batch_first": False,
              "shape": f"T={T}, B={B}, I={I}, H={H}"}
    common.time_phases(result, (("forward", numpy_forward, torch_forward),
                         ("forward_backward", numpy_step, torch_step)), repeats, warmup)
    flops = recurrent_flops(GATES[layer], T, B, I, H)
    result["forward_gflop"] = flops / 1e9
    # the backward pass does two products of the forward's size: for the weights and for the inputs/states
    result["numpy_gflops"] = 3 * flops / (result["forward_backward_numpy_ms"] * 1e6)
    result["torch_gflops"] = 3 * flops / (result["forward_backward_torch_ms"] * 1e6)
    result["goal_ratio"] = GOALS.get(layer)
    result["goal_met"] = None if layer not in GOALS else result["forward_backward_ratio"] <= GOALS[layer]
    return result


def print_table(title: str, rows: list[dict], threads: int, load_before, load_after) -> None:
    print(f"{title}, float32, {threads} thread(s) each")
    width = max(len(r["layer"] + " " + r["shape"]) for r in rows) + 2
    print(f"{'layer':<{width}}{'NumPy ms':>10}{'torch ms':>10}{'ratio':>8}{'fwd ratio':>11}{'goal':>7}")
    for r in rows:
        goal = "-" if r["goal_ratio"] is None else f"<= {r['goal_ratio']:g}"
        print(f"{r['layer'] + ' ' + r['shape']:<{width}}{r['forward_backward_numpy_ms']:>10.2f}"
              f"{r['forward_backward_torch_ms']:>10.2f}{r['forward_backward_ratio']:>8.2f}"
              f"{r['forward_ratio']:>11.2f}{goal:>7}")
    print(f"load average before / after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} cores")


def main(argv=None) -> dict:
    args = common.parse_args(__doc__.split("\n\n")[0], RESULTS, argv)
    threads, blas = common.use_threads(args)

    load_before = os.getloadavg()
    rows = [time_layer(*layer, repeats=args.repeats) for layer in LAYERS]
    load_after = os.getloadavg()
    print_table("dlref.numpy LSTM/GRU vs torch.nn.LSTM/GRU, forward + backward", rows, threads,
                load_before, load_after)

    results = {
        "benchmark": "dlref.numpy.nn.LSTM and GRU vs torch.nn.LSTM and GRU, forward and forward + backward, "
                     "float32, CPU",
        "command": common.command("lstm.py", args),
        "machine": common.machine_record(threads, blas, load_before, load_after),
        "date": common.now(),
        "repeats": args.repeats,
        "layers": rows,
    }
    common.save(results, RESULTS, args.write)
    return results


if __name__ == "__main__":
    main()
