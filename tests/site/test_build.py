"""Layer 3: the site builds with --strict, offline, with every page and figure in place."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1)""", re.I)


def nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            pages += nav_pages(value)
        elif isinstance(value, str) and value.endswith((".md", ".py")):
            pages.append(value)
    return pages


def test_every_nav_page_is_built(built_site: Path):
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    for page in nav_pages(config["nav"]):
        stem = page.rsplit(".", 1)[0]
        html = built_site / (stem.removesuffix("index") + "index.html" if stem.endswith("index") else stem + "/index.html")
        assert html.is_file(), f"{page} was not built ({html} missing)"


def test_no_page_loads_anything_from_another_host(built_site: Path):
    offenders = {}
    for html in built_site.rglob("*.html"):
        # links *to* other sites (references) are fine; loading scripts, styles, fonts or images is not
        for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html.read_text(encoding="utf-8")):
            if REMOTE.search(tag) and 'rel="external"' not in tag:
                offenders.setdefault(str(html.relative_to(built_site)), []).append(tag[:160])
    assert not offenders, f"pages load remote resources: {offenders}"


def test_math_and_diagram_assets_are_served_locally(built_site: Path):
    assert (built_site / "assets/vendor/mathjax/tex-svg-full.js").stat().st_size > 1_000_000
    assert (built_site / "assets/vendor/mermaid/mermaid.min.js").stat().st_size > 1_000_000


def test_figures_are_built_and_linked(built_site: Path):
    figures = sorted((built_site / "figures").rglob("*.svg"))
    assert figures, "no figure was generated"
    for svg in figures:
        assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg")), svg


def test_api_reference_covers_every_public_namespace(built_site: Path):
    for name in ["dlref/numpy/nn", "dlref/numpy/functional", "dlref/numpy/nn/init", "dlref/testing",
                 "dlref/torch/nn", "dlref/torch/functional", "dlref/numpy/autograd"]:
        assert (built_site / "reference" / name / "index.html").is_file(), name
    html = (built_site / "reference/dlref/numpy/functional/index.html").read_text(encoding="utf-8")
    for anchor in ["dlref.numpy.functional.sigmoid", "dlref.numpy.functional.cross_entropy",
                   "dlref.numpy.functional.linear"]:
        assert f'id="{anchor}"' in html, anchor
