"""The site's build hooks (docs/hooks/), tested as functions: no build needed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "hooks"


def load(name: str):
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))  # the hooks import their shared helper as MkDocs does
    spec = importlib.util.spec_from_file_location(f"dlref_site_hook_{name}", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


math_text = load("math_text")
vendor_assets = load("vendor_assets")
benchmark_tables = load("benchmark_tables")


@pytest.mark.parametrize("tex, text", [
    (r"\lambda", "λ"),
    (r"\lambda \le 10^{-2}", "λ ≤ 10^(-2)"),
    (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (r"\frac{1}{\sqrt{v + \epsilon}}", "1/(√(v + ϵ))"),
    (r"\mathbf{W}^{(l)} \mathbf{a}^{(l-1)}", "W^(l) a^(l-1)"),
    (r"x \in \mathbb R^d", "x ∈ R^d"),
    (r"\hat y_i", "y\u0302_i"),
    (r"\hat{\lambda} + \bar x", "\u03bb\u0302 + x\u0304"),
    (r"\operatorname{softmax}(z)_i", "softmax(z)_i"),
    (r"\left( \sum_{j} e^{z_j} \right)", "( ∑_j e^(z_j) )"),
    (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "a = b c = d"),
])
def test_tex_to_text(tex, text):
    assert math_text.tex_to_text(tex) == text


def test_math_to_text_converts_formulas_and_leaves_code_alone():
    html = (r"Choosing \(\lambda\) with \[\eta &lt; 2/L\] and <code>\(p\)</code>, "
            r"<pre><code>\[x\]</code></pre> \begin{align}a &amp;= b\end{align}")
    assert math_text.math_to_text(html, escaped=True) == (
        "Choosing λ with η &lt; 2/L and <code>\\(p\\)</code>, <pre><code>\\[x\\]</code></pre> a = b")


def test_toc_titles_lose_their_tex():
    class Item:
        def __init__(self, title, children=()):
            self.title, self.children = title, list(children)

    toc = [Item("L2 penalty", [Item(r"Choosing \(\lambda\)"), Item("Plain")])]
    math_text.on_page_content("<p></p>", type("Page", (), {"toc": toc})(), None, None)
    assert [toc[0].title, toc[0].children[0].title, toc[0].children[1].title] == ["L2 penalty", "Choosing λ", "Plain"]


def test_font_ranges_keep_only_cjk():
    ranges = vendor_assets.parse_ranges("U+20-7e,U+3001-3003,U+4e00,U+2e00-2eff,U+1f300")
    assert ranges == [(0x20, 0x7E), (0x3001, 0x3003), (0x4E00, 0x4E00), (0x2E00, 0x2EFF), (0x1F300, 0x1F300)]
    assert vendor_assets.cjk_part(ranges) == [(0x3001, 0x3003), (0x4E00, 0x4E00), (0x2E80, 0x2EFF)]
    assert vendor_assets.format_ranges([(0x3001, 0x3003), (0x4E00, 0x4E00)]) == "U+3001-3003,U+4e00"


def test_font_stylesheet_from_fontsource():
    if not vendor_assets.FONT_PACKAGE.is_dir():
        pytest.skip("assets/node_modules is not installed: run scripts/setup.sh")
    css, files = vendor_assets.font_faces(vendor_assets.FONT_PACKAGE)
    assert len(files) == css.count("@font-face") > 50
    assert all(name.endswith("-400-normal.woff2") for name in files)
    assert "latin" not in " ".join(files) and ".woff)" not in css
    assert css.count('local("Noto Sans SC")') == len(files)
    assert len(css) < 120_000, "the stylesheet every page loads grew"


def test_benchmark_table_leads_with_the_ratios():
    layer = dict(N=1, C_in=2, H=3, W=3, C_out=4, forward_gflop=0.1, forward_numpy_ms=2.0, forward_torch_ms=1.0,
                 forward_ratio=2.0, forward_backward_numpy_ms=6.0, forward_backward_torch_ms=2.0,
                 forward_backward_ratio=3.0, numpy_gflops=1.0, torch_gflops=2.0)
    results = {"layers": [layer], "geometric_mean_ratio": 3.0, "geometric_mean_ratio_forward": 2.0,
               "date": "today", "command": "cmd", "repeats": 3, "goal_geometric_mean_ratio": 3,
               "machine": dict(cpu="cpu", cores=2, threads=1, numpy="2", numpy_blas="b", torch="2", torch_blas="b",
                               python="3", platform="p", load_average_before=0, load_average_after=0)}
    header, rule, row, mean = benchmark_tables.conv2d_table(results)[:4]
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert columns[1:3] == ["fwd + bwd ratio", "fwd ratio"]
    assert len(columns) == rule.count("|") - 1 == row.count("|") - 1 == mean.count("|") - 1
    assert row.split("|")[2].strip() == "**3.00**" and mean.split("|")[2].strip() == "**3.00**"


@pytest.mark.parametrize("tex, text", [
    (r"\tfrac\lambda2 \lVert w \rVert^2", "λ/2 ‖w‖^2"),
    (r"\frac12", "1/2"),
    (r"h_i \gg \lambda", "h_i ≫ λ"),
])
def test_tex_to_text_shorthands(tex, text):
    assert math_text.tex_to_text(tex) == text


def test_layer_benchmark_table_leads_with_the_ratio_and_its_goal():
    layer = dict(layer="LSTM", shape="T=5", forward_gflop=0.1, forward_numpy_ms=2.0, forward_torch_ms=1.0,
                 forward_ratio=2.0, forward_backward_numpy_ms=6.0, forward_backward_torch_ms=2.0,
                 forward_backward_ratio=3.0, numpy_gflops=1.0, torch_gflops=2.0, goal_ratio=4.0, goal_met=True)
    results = {"layers": [layer, dict(layer, layer="GRU", goal_ratio=None, goal_met=None)],
               "date": "today", "command": "cmd", "repeats": 3,
               "machine": dict(cpu="cpu", cores=2, threads=1, numpy="2", numpy_blas="b", torch="2", torch_blas="b",
                               python="3", platform="p", load_average_before=0, load_average_after=0)}
    header, rule, lstm, gru = benchmark_tables.layer_table(results)[:4]
    assert [c.strip() for c in header.strip("|").split("|")][2:4] == ["fwd + bwd ratio", "goal"]
    assert [c.strip() for c in lstm.strip("|").split("|")][2:4] == ["**3.00**", "≤ 4: met"]
    assert [c.strip() for c in gru.strip("|").split("|")][3] == "none"


# -- records.py: recorded runs on the pages ----------------------------------------------------

records = load("records")


@pytest.fixture
def record_dir(tmp_path, monkeypatch):
    import json

    record = {
        "name": "demo", "command": "python experiments/demo.py --write", "date": "2026-12-07 12:00 UTC",
        "wall_seconds": 61.2, "quick": False, "seeds": {"torch": 0},
        "machine": {"cpu": "Some CPU", "cores": 2, "threads": 1, "platform": "Linux", "python": "3.11.2",
                    "numpy": "2.4.6", "torch": "2.13.0", "dlref_commit": "abc1234"},
        "results": {"loss": [2.5, 1.25, 0.123456], "best": {"model": "lstm", "acc": 0.91234},
                    "table": {"columns": ["model", "params", "acc"], "formats": ["", ",d", ".3f"],
                              "rows": [["lstm", 12345, 0.91234], ["gru", 9000, 0.9]]}},
    }
    (tmp_path / "demo.json").write_text(json.dumps(record))
    monkeypatch.setattr(records, "RESULTS", tmp_path)
    return tmp_path


def test_record_values_are_read_from_the_record(record_dir):
    page = "Loss [[value: demo loss.-1 .3f]] with [[value: demo best.model]] (acc [[value: demo best.acc]])."
    assert records.on_page_markdown(page, None, None, None) == "Loss 0.123 with lstm (acc 0.9123)."


def test_record_values_inside_code_are_left_alone(record_dir):
    page = "```text\n[[value: demo loss.0]]\n```\n[[value: demo loss.0]]"
    assert records.on_page_markdown(page, None, None, None) == "```text\n[[value: demo loss.0]]\n```\n2.5"


def test_record_table_and_provenance(record_dir):
    out = records.on_page_markdown("[[record-table: demo table]]\n\n    [[record: demo]]", None, None, None)
    assert "| model | params | acc |" in out
    assert "| lstm | 12,345 | 0.912 |" in out
    assert '    !!! info "Recorded run: `demo`"' in out
    assert "python experiments/demo.py --write" in out and "commit abc1234" in out and "torch 0" in out


@pytest.mark.parametrize("page, message", [
    ("[[value: demo loss.7]]", "no results.loss.7"),
    ("[[value: demo nothing]]", "no results.nothing"),
    ("[[value: missing loss]]", "cannot read"),
    ("[[record-table: demo best]]", "is not a table"),
])
def test_record_errors_fail_the_build(record_dir, page, message):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=message):
        records.on_page_markdown(page, None, None, None)
