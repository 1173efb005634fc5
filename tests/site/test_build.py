"""Layer 3: the site builds with --strict, offline, with every page and figure in place."""

from __future__ import annotations

import json
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


def test_chinese_font_is_served_locally_in_subsets(built_site: Path):
    css = (built_site / "assets/vendor/noto-sans-sc/noto-sans-sc.css").read_text(encoding="utf-8")
    files = re.findall(r'url\("(files/[^"]+)"\)', css)
    assert len(files) > 50, "expected Fontsource's unicode-range subsets"
    for name in files:
        assert name.endswith(".woff2") and (built_site / "assets/vendor/noto-sans-sc" / name).is_file(), name
    assert css.count("unicode-range:") == css.count("@font-face") == len(files)
    # CJK ranges only: Latin text (U+0000-U+024F) never falls through to this font
    for first in re.findall(r"U\+([0-9a-f]+)", css):
        assert int(first, 16) >= 0x2E80, f"a face covers U+{first}: Latin text would download the font"
    for html in [built_site / "index.html", built_site / "foundations/backprop/index.html"]:
        assert "assets/vendor/noto-sans-sc/noto-sans-sc.css" in html.read_text(encoding="utf-8"), html


def test_tutorial_plots_appear_on_the_page(built_site: Path):
    """Each plt.show() of a tutorial gives an image (the notebook runs with %matplotlib inline)."""
    for source in sorted((ROOT / "docs" / "tutorials").glob("*.py")):
        shows = source.read_text(encoding="utf-8").count("plt.show()")
        html = (built_site / "tutorials" / source.stem / "index.html").read_text(encoding="utf-8")
        images = html.count('src="data:image/png;base64,')
        assert images >= shows > 0, f"{source.name}: {shows} plt.show() calls, {images} images on the page"


def test_notebooks_are_not_served_from_a_stale_cache():
    """mkdocs-jupyter's cache is keyed on the notebook alone, not on dlref: it stays off."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    jupyter = next(p["mkdocs-jupyter"] for p in config["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p)
    assert jupyter.get("cache") == "false", "set cache: false for mkdocs-jupyter in mkdocs.yml"


def test_search_index_has_no_tex_and_has_chinese_words(built_site: Path):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    raw = [doc["location"] for doc in index["docs"]
           if re.search(r"\\[()\[\]]", re.sub(r"<(code|pre)\b.*?</\1>", "", doc["title"] + doc["text"], flags=re.S))]
    assert not raw, f"search previews would show TeX source: {raw[:10]}"
    text = "".join(doc["text"] for doc in index["docs"])
    assert "\u200b反向\u200b传播" in text or "\u200b反向传播\u200b" in text, "Chinese text is not cut into words (jieba)"
    assert "\\u200b" in index["config"]["separator"], "the search separator must split on the zero-width space"


def test_api_pages_are_titled_with_their_module(built_site: Path):
    assert not (built_site / "reference" / "SUMMARY").exists(), "the nav file SUMMARY.md was built as a page"
    for html in (built_site / "reference").rglob("index.html"):
        module = ".".join(html.parent.relative_to(built_site / "reference").parts)
        title = re.search(r"<title>(.*?)</title>", html.read_text(encoding="utf-8"))[1]
        assert title.startswith(f"{module} - "), f"{html.relative_to(built_site)}: title {title!r}"


def test_benchmark_table_puts_the_ratios_first(built_site: Path):
    html = (built_site / "benchmarks/index.html").read_text(encoding="utf-8")
    header = re.search(r"<thead>(.*?)</thead>", html, re.S)[1]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th\b[^>]*>(.*?)</th>", header, re.S)]
    assert "ratio" in cells[1] and "ratio" in cells[2], cells


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
