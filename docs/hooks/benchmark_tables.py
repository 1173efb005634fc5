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
    # The ratios (the headline) come right after the layer, so that they show without
    # scrolling sideways on a laptop screen; the times and throughputs they come from follow.
    lines = [
        "| layer: N, C_in, H x W → C_out (3x3, padding 1) | fwd + bwd ratio | fwd ratio "
        "| NumPy fwd + bwd (ms) | torch fwd + bwd (ms) | NumPy fwd (ms) | torch fwd (ms) "
        "| forward GFLOP | NumPy GFLOP/s | torch GFLOP/s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results["layers"]:
        lines.append(
            f"| N{r['N']}, C{r['C_in']}, {r['H']} x {r['W']} → {r['C_out']} "
            f"| **{r['forward_backward_ratio']:.2f}** | {r['forward_ratio']:.2f} "
            f"| {r['forward_backward_numpy_ms']:.2f} | {r['forward_backward_torch_ms']:.2f} "
            f"| {r['forward_numpy_ms']:.2f} | {r['forward_torch_ms']:.2f} "
            f"| {r['forward_gflop']:.3f} | {r['numpy_gflops']:.1f} | {r['torch_gflops']:.1f} |"
        )
    lines.append(
        f"| **geometric mean of the ratios** | **{results['geometric_mean_ratio']:.2f}** "
        f"| {results['geometric_mean_ratio_forward']:.2f} | | | | | | | |"
    )
    goal = f"geometric mean of the forward + backward ratios at most {results['goal_geometric_mean_ratio']:g}"
    return lines + ["", measured_on(results, goal)]


def layer_table(results: dict) -> list[str]:
    """One row per layer of a record whose layers carry their own goal (lstm, attention)."""
    lines = [
        "| layer | shape | fwd + bwd ratio | goal | fwd ratio | NumPy fwd + bwd (ms) | torch fwd + bwd (ms) "
        "| NumPy fwd (ms) | torch fwd (ms) | forward GFLOP | NumPy GFLOP/s | torch GFLOP/s |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results["layers"]:
        goal = "none" if r["goal_ratio"] is None else f"≤ {r['goal_ratio']:g}: {'met' if r['goal_met'] else '**missed**'}"
        lines.append(
            f"| {r['layer']} | {r['shape']} | **{r['forward_backward_ratio']:.2f}** | {goal} "
            f"| {r['forward_ratio']:.2f} | {r['forward_backward_numpy_ms']:.2f} | {r['forward_backward_torch_ms']:.2f} "
            f"| {r['forward_numpy_ms']:.2f} | {r['forward_torch_ms']:.2f} "
            f"| {r['forward_gflop']:.3f} | {r['numpy_gflops']:.1f} | {r['torch_gflops']:.1f} |"
        )
    return lines + ["", measured_on(results, "the forward + backward ratio of each layer at most its goal")]


def measured_on(results: dict, goal: str) -> str:
    m = results["machine"]
    return (
        f"Measured {results['date']} with `{results['command']}` (median of {results['repeats']} alternating "
        f"calls per cell): {m['cpu']}, {m['cores']} cores, {m['threads']} thread(s) for each library; "
        f"NumPy {m['numpy']} ({m['numpy_blas']}), PyTorch {m['torch']} ({m['torch_blas']}), Python {m['python']}, "
        f"{m['platform']}; load average {m['load_average_before']} before and {m['load_average_after']} after "
        f"the run. Goal: {goal}."
    )


TABLES = {"conv2d": conv2d_table, "lstm": layer_table, "attention": layer_table}


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
