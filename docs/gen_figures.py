"""Make every figure of the site at build time (run by mkdocs-gen-files).

Each ``docs/figures/<page>.py`` defines functions ``fig_<name>()`` that return a
Matplotlib figure. Each becomes ``figures/<page>/<name>.svg`` in the built site, so the
page ``docs/<chapter>/<page>.md`` shows it with ``![...](../figures/<page>/<name>.svg)``.
A figure function that fails, fails the build.
"""

from __future__ import annotations

import io
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mkdocs_gen_files  # noqa: E402

FIGURES = Path(__file__).parent / "figures"

plt.rcParams.update({
    "svg.hashsalt": "dlref",          # stable element ids: the same figure gives the same file
    "svg.fonttype": "none",           # text stays text (small files, the reader's own fonts)
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
})

for script in sorted(FIGURES.glob("*.py")):
    namespace = runpy.run_path(str(script))
    for name, make in namespace.items():
        if not (name.startswith("fig_") and callable(make)):
            continue
        figure = make()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(figure)
        with mkdocs_gen_files.open(f"figures/{script.stem}/{name[4:]}.svg", "w") as out:
            out.write(buffer.getvalue())
