"""Time dlref.numpy.nn.Conv2d (forward + backward) against torch.nn.Conv2d on the CPU.

Both run in this process, in float32, on the same weights, inputs and output gradients,
with as many threads each: torch.set_num_threads is set to the number of BLAS threads
NumPy uses (or both are set to --threads). For every layer the two are timed in
alternation (one NumPy call, one torch call, repeated), so that a change in the machine's
load during the run affects both alike; the median of the repeats is kept.

    .venv/bin/python benchmarks/conv2d.py                 # print the table
    .venv/bin/python benchmarks/conv2d.py --threads 1     # one thread for both
    .venv/bin/python benchmarks/conv2d.py --write         # and save benchmarks/results/conv2d.json

The docs page docs/benchmarks.md renders its table and figure from that JSON file.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (what the benchmark scripts share)

from dlref.numpy import nn  # noqa: E402
from dlref.testing import assert_close  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "conv2d.json"

# (N, C_in, H = W, C_out), all 3x3 kernels with padding 1 and stride 1
LAYERS = [
    (32, 3, 32, 16),
    (64, 16, 16, 32),
    (16, 64, 28, 64),
    (8, 128, 14, 128),
]
GOAL = 3.0  # the geometric mean of the ratios must stay at or below this


def conv_flops(N: int, C_in: int, H_out: int, W_out: int, C_out: int, k: int, groups: int = 1) -> int:
    """Multiply-adds of one forward pass, counted as 2 FLOPs: 2 N C_out H_out W_out C_in k^2 / groups."""
    return 2 * N * C_out * H_out * W_out * C_in * k * k // groups


def time_layer(N: int, C_in: int, size: int, C_out: int, repeats: int, warmup: int = 3) -> dict:
    rng = np.random.default_rng(0)
    ours = nn.Conv2d(C_in, C_out, 3, padding=1, generator=rng)  # float32
    theirs = torch.nn.Conv2d(C_in, C_out, 3, padding=1)          # float32
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((N, C_in, size, size)).astype(np.float32)
    grad_y = rng.standard_normal((N, C_out, size, size)).astype(np.float32)
    x_t = torch.from_numpy(x).requires_grad_()
    grad_y_t = torch.from_numpy(grad_y)

    def numpy_forward():
        return ours(x)

    def numpy_step():  # forward + backward, the gradients of input, weight and bias
        ours.zero_grad()
        ours(x)
        return ours.backward(grad_y)

    def torch_forward():
        with torch.no_grad():
            return theirs(x_t)

    def torch_step():
        theirs.zero_grad()
        x_t.grad = None
        theirs(x_t).backward(grad_y_t)
        return x_t.grad

    # the two compute the same thing (float32 tolerances) before either is timed
    assert_close(numpy_forward(), torch_forward(), rtol=1e-4, atol=1e-4)
    assert_close(numpy_step(), torch_step(), rtol=1e-4, atol=1e-4)
    assert_close(ours.weight.grad, theirs.weight.grad, rtol=1e-3, atol=1e-3)

    result = {"N": N, "C_in": C_in, "H": size, "W": size, "C_out": C_out, "kernel": 3, "padding": 1, "stride": 1}
    common.time_phases(result, (("forward", numpy_forward, torch_forward),
                                ("forward_backward", numpy_step, torch_step)), repeats, warmup)
    flops = conv_flops(N, C_in, size, size, C_out, 3)
    result["forward_gflop"] = flops / 1e9
    # the backward pass does two products of the forward's size: dL/dW and dL/dx
    result["numpy_gflops"] = 3 * flops / (result["forward_backward_numpy_ms"] * 1e6)
    result["torch_gflops"] = 3 * flops / (result["forward_backward_torch_ms"] * 1e6)
    return result


def geometric_mean(values) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main(argv=None) -> dict:
    args = common.parse_args(__doc__.split("\n\n")[0], RESULTS, argv)
    threads, blas = common.use_threads(args)

    load_before = os.getloadavg()
    rows = [time_layer(*layer, repeats=args.repeats) for layer in LAYERS]
    load_after = os.getloadavg()
    geomean = geometric_mean([r["forward_backward_ratio"] for r in rows])
    geomean_forward = geometric_mean([r["forward_ratio"] for r in rows])

    header = (f"{'layer (N, C_in, HxW -> C_out), 3x3, pad 1':<44}{'NumPy ms':>10}{'torch ms':>10}{'ratio':>8}"
              f"{'NumPy GFLOP/s':>15}{'torch GFLOP/s':>15}")
    print(f"dlref.numpy Conv2d vs torch.nn.Conv2d, forward + backward, float32, {threads} thread(s) each")
    print(header)
    for r in rows:
        name = f"N{r['N']} C{r['C_in']} {r['H']}x{r['W']} -> {r['C_out']}"
        print(f"{name:<44}{r['forward_backward_numpy_ms']:>10.2f}{r['forward_backward_torch_ms']:>10.2f}"
              f"{r['forward_backward_ratio']:>8.2f}{r['numpy_gflops']:>15.1f}{r['torch_gflops']:>15.1f}")
    print(f"geometric mean of the ratios: {geomean:.2f} (forward only: {geomean_forward:.2f}); goal <= {GOAL}")
    print(f"load average before / after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} cores")

    results = {
        "benchmark": "dlref.numpy.nn.Conv2d vs torch.nn.Conv2d, forward and forward + backward, float32, CPU",
        "command": common.command("conv2d.py", args),
        "machine": common.machine_record(threads, blas, load_before, load_after),
        "date": common.now(),
        "repeats": args.repeats,
        "goal_geometric_mean_ratio": GOAL,
        "geometric_mean_ratio": geomean,
        "geometric_mean_ratio_forward": geomean_forward,
        "layers": rows,
    }
    common.save(results, RESULTS, args.write)
    return results


if __name__ == "__main__":
    main()
