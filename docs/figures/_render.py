"""Render the figures of one ``docs/figures/<page>.py`` script to SVG text.

``docs/gen_figures.py`` runs this in worker processes, one script at a time, so that the
site's figures are drawn on every core of the machine building it (most of the build's
time is spent retraining the small models the figures show).
"""

from __future__ import annotations

import io
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "svg.hashsalt": "dlref",          # stable element ids: the same figure gives the same file
    "svg.fonttype": "none",           # text stays text (small files, the reader's own fonts)
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def render(script: str) -> list[tuple[str, str]]:
    """Run one figure script; return ``(name, svg)`` for each of its ``fig_<name>()``."""
    figures = []
    with plt.rc_context(STYLE):
        namespace = runpy.run_path(script)
        for name, make in namespace.items():
            if not (name.startswith("fig_") and callable(make)):
                continue
            figure = make()
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", bbox_inches="tight",
                           metadata={"Date": None})
            plt.close(figure)
            figures.append((name[4:], buffer.getvalue()))
    return figures


if __name__ == "__main__":        # time one script: python docs/figures/_render.py X.py
    import sys
    import time

    for path in sys.argv[1:]:
        start = time.perf_counter()
        names = [name for name, _ in render(str(Path(path).resolve()))]
        print(f"{path}: {', '.join(names)} in {time.perf_counter() - start:.1f} s")
