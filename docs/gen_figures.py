"""Make every figure of the site at build time (run by mkdocs-gen-files).

Each ``docs/figures/<page>.py`` defines functions ``fig_<name>()`` that return a
Matplotlib figure. Each becomes ``figures/<page>/<name>.svg`` in the built site, so the
page ``docs/<chapter>/<page>.md`` shows it with ``![...](../figures/<page>/<name>.svg)``.
A figure function that fails, fails the build.

The scripts run in a pool of worker processes (one per core, at most four; spawned, so
each starts clean) through ``docs/figures/_render.py``: many figures retrain a small model,
and drawing them one after another was most of the build's time.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mkdocs_gen_files

FIGURES = Path(__file__).resolve().parent / "figures"
sys.path.insert(0, str(FIGURES))
from _render import render  # noqa: E402

scripts = [path for path in sorted(FIGURES.glob("*.py")) if not path.stem.startswith("_")]
workers = max(1, min(4, os.cpu_count() or 1, len(scripts)))
with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
    rendered = pool.map(render, [str(path) for path in scripts])
    for script, figures in zip(scripts, rendered):
        for name, svg in figures:
            with mkdocs_gen_files.open(f"figures/{script.stem}/{name}.svg", "w") as out:
                out.write(svg)
