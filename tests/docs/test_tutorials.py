"""Run every tutorial notebook (jupytext percent ``.py`` files under docs/tutorials/).

The site executes the same files at build time (mkdocs-jupyter); running them here too
makes their ``assert`` cells (accuracy thresholds, NumPy-vs-PyTorch agreement) part of
the test suite, so a change in ``dlref`` that breaks a tutorial fails the tests.
"""

from __future__ import annotations

import runpy
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # no window: plt.show() does nothing on the Agg backend

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402  (the tutorials compare with PyTorch)

TUTORIALS = sorted((Path(__file__).resolve().parents[2] / "docs" / "tutorials").glob("*.py"))


def test_tutorials_found():
    assert TUTORIALS, "no tutorial found under docs/tutorials/"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_plots_show_on_the_site(path):
    """The site runs each tutorial as a notebook in a kernel that inherits MPLBACKEND=Agg from
    the build, where plt.show() draws nothing: a tutorial that plots turns on the inline
    backend with the (jupytext-commented) magic ``# %matplotlib inline``, a comment here."""
    source = path.read_text(encoding="utf-8")
    if "plt.show()" in source:
        assert "\n# %matplotlib inline\n" in source, f"{path.name}: add '# %matplotlib inline' to its first code cell"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, monkeypatch):
    monkeypatch.chdir(path.parent)  # as at build time: the notebook runs from its own folder
    threads = torch.get_num_threads()
    try:
        with warnings.catch_warnings():
            # Agg cannot open a window; plt.show() says so with a UserWarning.
            warnings.filterwarnings("ignore", message=".*non-interactive.*", category=UserWarning)
            runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")
        torch.set_num_threads(threads)  # a tutorial may change it: leave it as it was
