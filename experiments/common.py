"""What every recorded run shares: its command line, seeds, the machine record, saving.

A recorded run is an experiment too long for the test suite (more than ~20 s of training).
Each script ``experiments/<name>.py``:

* has ``main(argv) -> dict`` that runs the experiment and returns the record;
* takes ``--quick`` (a short version the test suite runs, asserting it still learns) and
  ``--write`` (save the record to ``experiments/results/<name>.json``, which the pages
  render through the ``[[record: name]]``, ``[[record-table: name key]]`` and
  ``[[value: name key format]]`` directives of ``docs/hooks/records.py``);
* records the command, the date, the machine, the library versions, the seeds and the
  results, so a number on a page can be traced to the run that produced it.

Rerun them all with ``make experiments``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# one machine record and one thread setting for benchmarks and recorded runs
from benchmarks.common import cpu_model, set_threads  # noqa: F401 (re-exported)

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def parse_args(name: str, description: str, argv=None, add_arguments=None) -> argparse.Namespace:
    """The options every recorded run takes: --quick, --write, --threads (and its own)."""
    parser = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=description)
    parser.add_argument("--quick", action="store_true",
                        help="a short version (what the test suite runs); never written")
    parser.add_argument("--write", action="store_true",
                        help=f"save the record to experiments/results/{name}.json")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for torch and NumPy's BLAS (default 1: reproducible sums)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    args.load_before = round(os.getloadavg()[0], 2)  # timings depend on what else runs
    if args.quick and args.write:
        parser.error("--quick runs are not recorded: drop --write")
    return args


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine(threads: int) -> dict:
    """The machine and the library versions of this run."""
    record = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        import torch

        record["torch"] = torch.__version__
    except ImportError:
        record["torch"] = None
    record["dlref_commit"] = git_commit()
    return record


def command(name: str, argv) -> str:
    """The command that reproduces this run (as typed from the repository root)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python", f"experiments/{name}.py", *argv])


class Timer:
    """Wall-clock seconds since construction (``timer()``)."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def finish(name: str, args: argparse.Namespace, argv, seeds: dict, results: dict,
           started: float) -> dict:
    """The full record of a run; written to experiments/results/<name>.json with --write."""
    record = {
        "name": name,
        "command": command(name, argv),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "quick": bool(args.quick),
        "machine": {
            **machine(args.threads),
            "load_average_before": getattr(args, "load_before", None),
            "load_average_after": round(os.getloadavg()[0], 2),
        },
        "seeds": seeds,
        "results": results,
    }
    if args.write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return record


def load(name: str) -> dict:
    """The saved record of ``name`` (for figures and pages)."""
    return json.loads((RESULTS / f"{name}.json").read_text())


def accuracy(model, x, y) -> float:
    """Accuracy of a torch classifier on inputs ``x`` and class indices ``y``, computed
    without gradients by ``dlref.training.accuracy`` (the first largest score wins, as
    in ``torch.argmax``)."""
    import torch

    from dlref.training import accuracy as accuracy_of_scores

    with torch.no_grad():
        return accuracy_of_scores(model(x).cpu().numpy(), y.cpu().numpy())
