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

import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from dlref.numpy import nn
from dlref.testing import assert_close

RESULTS = Path(__file__).resolve().parent / "results" / "conv2d.json"

# (N, C_in, H = W, C_out), all 3x3 kernels with padding 1 and stride 1
LAYERS = [
    (32, 3, 32, 16),
    (64, 16, 16, 32),
    (16, 64, 28, 64),
    (8, 128, 14, 128),
]
GOAL = 3.0  # the geometric mean of the ratios must stay at or below this


def numpy_blas() -> dict:
    """NumPy's BLAS library and how many threads it uses (threadpoolctl, when installed)."""
    info = {"name": None, "version": None, "threads": None}
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["name"], info["version"] = config.get("name"), config.get("version")
    except Exception:  # older NumPy: no mode="dicts"
        pass
    try:
        from threadpoolctl import threadpool_info

        import numpy.linalg  # noqa: F401  (loads the BLAS library)

        for pool in threadpool_info():
            if pool["user_api"] == "blas" and "numpy" in pool["filepath"]:
                info["threads"] = pool["num_threads"]
                info["name"] = info["name"] or pool["internal_api"]
                info["version"] = info["version"] or pool["version"]
    except ImportError:
        pass
    if info["threads"] is None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(var):
                info["threads"] = int(os.environ[var])
                break
        else:
            info["threads"] = os.cpu_count()
    return info


def set_threads(n: int) -> None:
    """Let NumPy's BLAS and torch each use ``n`` threads."""
    torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        pass


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_blas() -> str:
    """torch's BLAS and its CPU convolution library (oneDNN, reported as MKL-DNN), from its build config."""
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    onednn = re.search(r"MKL-DNN v([\d.]+)", config)
    parts = [blas.group(1) if blas else "unknown BLAS"]
    if onednn and torch.backends.mkldnn.is_available():
        parts.append(f"oneDNN {onednn.group(1)}")
    return ", ".join(parts)


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
    for phase, ours_fn, theirs_fn in (("forward", numpy_forward, torch_forward),
                                      ("forward_backward", numpy_step, torch_step)):
        for _ in range(warmup):
            ours_fn()
            theirs_fn()
        t_ours, t_theirs = [], []
        for _ in range(repeats):  # alternate, so that both see the same machine load
            start = time.perf_counter()
            ours_fn()
            t_ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs_fn()
            t_theirs.append(time.perf_counter() - start)
        result[f"{phase}_numpy_ms"] = 1e3 * statistics.median(t_ours)
        result[f"{phase}_torch_ms"] = 1e3 * statistics.median(t_theirs)
        result[f"{phase}_ratio"] = statistics.median(t_ours) / statistics.median(t_theirs)
    flops = conv_flops(N, C_in, size, size, C_out, 3)
    result["forward_gflop"] = flops / 1e9
    # the backward pass does two products of the forward's size: dL/dW and dL/dx
    result["numpy_gflops"] = 3 * flops / (result["forward_backward_numpy_ms"] * 1e6)
    result["torch_gflops"] = 3 * flops / (result["forward_backward_torch_ms"] * 1e6)
    return result


def geometric_mean(values) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both NumPy's BLAS and torch (default: NumPy's BLAS threads)")
    parser.add_argument("--repeats", type=int, default=25, help="timed calls per layer and phase (median kept)")
    parser.add_argument("--write", action="store_true", help="save the results to benchmarks/results/conv2d.json")
    args = parser.parse_args(argv)

    if args.threads is not None:
        set_threads(args.threads)
    blas = numpy_blas()
    threads = blas["threads"]
    torch.set_num_threads(threads)  # as many threads as NumPy's BLAS uses

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
        "command": "python benchmarks/conv2d.py --write" + (f" --threads {args.threads}" if args.threads else ""),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numpy_blas": f"{blas['name']} {blas['version']}",
            "torch": torch.__version__,
            "torch_blas": torch_blas(),
            "threads": threads,
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(load_after[0], 2),
        },
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "repeats": args.repeats,
        "goal_geometric_mean_ratio": GOAL,
        "geometric_mean_ratio": geomean,
        "geometric_mean_ratio_forward": geomean_forward,
        "layers": rows,
    }
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {RESULTS}")
    return results


if __name__ == "__main__":
    main()
