"""MkDocs hook: render a benchmark's saved results as a table on the page.

A line of the form

    [[benchmark-table: conv2d]]

(alone on its line, any indentation, outside a fenced code block) is replaced by a
Markdown table of ``benchmarks/results/conv2d.json`` (written by
``python benchmarks/conv2d.py --write``), followed by the machine it was measured on. A
missing or malformed results file fails the build, so the page never shows numbers that
no run produced.
"""

from __future__ import annotations

import json
from pathlib import Path

from _directives import directive, replace_directives
from mkdocs.exceptions import PluginError

DIRECTIVE = directive("benchmark-table")
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def conv2d_table(results: dict) -> list[str]:
    lines = [
        "| layer: N, C_in, H x W → C_out (3x3, padding 1) | forward GFLOP | NumPy fwd (ms) | torch fwd (ms) "
        "| fwd ratio | NumPy fwd + bwd (ms) | torch fwd + bwd (ms) | fwd + bwd ratio | NumPy GFLOP/s | torch GFLOP/s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results["layers"]:
        lines.append(
            f"| N{r['N']}, C{r['C_in']}, {r['H']} x {r['W']} → {r['C_out']} | {r['forward_gflop']:.3f} "
            f"| {r['forward_numpy_ms']:.2f} | {r['forward_torch_ms']:.2f} | {r['forward_ratio']:.2f} "
            f"| {r['forward_backward_numpy_ms']:.2f} | {r['forward_backward_torch_ms']:.2f} "
            f"| **{r['forward_backward_ratio']:.2f}** | {r['numpy_gflops']:.1f} | {r['torch_gflops']:.1f} |"
        )
    lines.append(
        f"| **geometric mean of the ratios** | | | | {results['geometric_mean_ratio_forward']:.2f} | | "
        f"| **{results['geometric_mean_ratio']:.2f}** | | |"
    )
    m = results["machine"]
    lines += [
        "",
        f"Measured {results['date']} with `{results['command']}` (median of {results['repeats']} alternating "
        f"calls per cell): {m['cpu']}, {m['cores']} cores, {m['threads']} thread(s) for each library; "
        f"NumPy {m['numpy']} ({m['numpy_blas']}), PyTorch {m['torch']} ({m['torch_blas']}), Python {m['python']}, "
        f"{m['platform']}; load average {m['load_average_before']} before and {m['load_average_after']} after "
        f"the run. Goal: geometric mean of the forward + backward ratios at most "
        f"{results['goal_geometric_mean_ratio']:g}.",
    ]
    return lines


TABLES = {"conv2d": conv2d_table}


def table(name: str, indent: str) -> str:
    path = RESULTS / f"{name}.json"
    if name not in TABLES:
        raise PluginError(f"[[benchmark-table: {name}]]: no table layout for {name!r} (known: {sorted(TABLES)})")
    try:
        results = json.loads(path.read_text())
        lines = TABLES[name](results)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PluginError(f"[[benchmark-table: {name}]]: cannot read {path} ({error!r}); "
                          f"run python benchmarks/{name}.py --write") from error
    return "\n".join(indent + line if line else line for line in lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return replace_directives(markdown, DIRECTIVE, table)
