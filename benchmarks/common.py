"""What every benchmark script shares: threads, the machine record, alternating timing, the command line.

Each script (conv2d.py, lstm.py, attention.py) checks that dlref and torch compute the same
result, then times them with `time_phases` (one dlref call, one torch call, in alternation,
median of the repeats) with the same number of threads each, and saves a JSON record whose
``machine`` field is `machine_record`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np
import torch


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


def time_alternating(ours_fn, theirs_fn, repeats: int, warmup: int) -> tuple[float, float]:
    """Median seconds of ``ours_fn`` and ``theirs_fn``, called in alternation after ``warmup`` calls each."""
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
    return statistics.median(t_ours), statistics.median(t_theirs)


def time_phases(result: dict, phases, repeats: int, warmup: int) -> dict:
    """Fill ``result`` with ``{phase}_numpy_ms``, ``{phase}_torch_ms`` and ``{phase}_ratio`` for each phase."""
    for phase, ours_fn, theirs_fn in phases:
        t_ours, t_theirs = time_alternating(ours_fn, theirs_fn, repeats, warmup)
        result[f"{phase}_numpy_ms"] = 1e3 * t_ours
        result[f"{phase}_torch_ms"] = 1e3 * t_theirs
        result[f"{phase}_ratio"] = t_ours / t_theirs
    return result


def machine_record(threads: int, blas: dict, load_before, load_after) -> dict:
    """The machine, the libraries and the load, in conv2d.json's layout."""
    return {
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
    }


def parse_args(description: str, results: Path, argv=None) -> argparse.Namespace:
    """The options every script takes: --threads, --repeats, --write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both NumPy's BLAS and torch (default: NumPy's BLAS threads)")
    parser.add_argument("--repeats", type=int, default=25, help="timed calls per layer and phase (median kept)")
    parser.add_argument("--write", action="store_true", help=f"save the results to benchmarks/results/{results.name}")
    return parser.parse_args(argv)


def use_threads(args: argparse.Namespace) -> tuple[int, dict]:
    """Give NumPy's BLAS and torch the same thread count; return it and NumPy's BLAS record."""
    if args.threads is not None:
        set_threads(args.threads)
    blas = numpy_blas()
    torch.set_num_threads(blas["threads"])  # as many threads as NumPy's BLAS uses
    return blas["threads"], blas


def command(script: str, args: argparse.Namespace) -> str:
    return f"python benchmarks/{script} --write" + (f" --threads {args.threads}" if args.threads else "")


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def save(results: dict, path: Path, write: bool) -> None:
    """Write ``results`` as JSON to ``path`` when ``write`` is set."""
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {path}")
