"""MkDocs hook: render recorded runs (experiments/results/<name>.json) on the pages.

Three directives, outside fenced code:

* ``[[record: name]]`` alone on a line: a note saying which run produced the numbers
  (command, date, wall time, machine, versions, seeds) and how to reproduce it.
* ``[[record-table: name key.path]]`` alone on a line: the table stored at ``key.path`` of
  the record's ``results``, a dict ``{"columns": [...], "rows": [[...], ...]}``; floats are
  printed with 4 significant digits unless the table gives ``"formats"`` (one Python
  format spec per column, "" for the default).
* ``[[value: name key.path format]]`` anywhere in a line: one number of ``results`` (the
  format spec, such as ``.3f`` or ``,d``, is optional). List items are addressed by their
  index (``losses.-1``).

A missing record or key fails the build: a page never shows a number no run produced.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from _directives import directive, replace_directives, FENCE
from mkdocs.exceptions import PluginError

RESULTS = Path(__file__).resolve().parents[2] / "experiments" / "results"
RECORD = directive("record")
TABLE = re.compile(r"^(?P<indent>[ \t]*)\[\[record-table:\s*(?P<name>[\w.-]+\s+[\w.\-]+)\s*\]\]\s*$")
VALUE = re.compile(r"\[\[value:\s*(?P<name>[\w-]+)\s+(?P<key>[\w.\-]+)(?:\s+(?P<fmt>[^\]\s]+))?\s*\]\]")


def load(name: str) -> dict:
    path = RESULTS / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PluginError(f"recorded run {name!r}: cannot read {path} ({error!r}); "
                          f"run python experiments/{name}.py --write") from error


def lookup(name: str, key: str):
    node = load(name)["results"]
    for part in key.split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError) as error:
            raise PluginError(f"recorded run {name!r} has no results.{key} (failed at {part!r})") from error
    return node


def fmt(value, spec: str | None) -> str:
    if spec:
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def provenance(name: str, indent: str) -> str:
    r = load(name)
    m = r["machine"]
    seeds = ", ".join(f"{k} {v}" for k, v in r.get("seeds", {}).items()) or "none"
    versions = f"Python {m['python']}, NumPy {m['numpy']}" + (f", PyTorch {m['torch']}" if m.get("torch") else "")
    commit = f", dlref at commit {m['dlref_commit']}" if m.get("dlref_commit") else ""
    load_note = ""
    if m.get("load_average_before") is not None:
        load_note = (f" Load average {m['load_average_before']} before and "
                f"{m.get('load_average_after')} after the run (on {m['cores']} cores: "
                "timings measured under a higher load are slower).")
    lines = [
        f'!!! info "Recorded run: `{name}`"',
        "",
        f"    The numbers and figures marked as recorded come from `{r['command']}`, run on "
        f"{r['date']} ({r['wall_seconds']:.0f} s): {m['cpu']}, {m['cores']} cores, "
        f"{m['threads']} thread(s); {versions}{commit}.{load_note} Seeds: {seeds}. The record is "
        f"`experiments/results/{name}.json`; rerun the command with `--write` to replace it. "
        f"The test suite runs `python experiments/{name}.py --quick` and checks that it still learns.",
    ]
    return "\n".join(indent + line if line else line for line in lines)


def table(spec: str, indent: str) -> str:
    name, key = spec.split()
    t = lookup(name, key)
    try:
        columns, rows = t["columns"], t["rows"]
        formats = t.get("formats") or [""] * len(columns)
    except (KeyError, TypeError) as error:
        raise PluginError(f"recorded run {name!r}: results.{key} is not a table "
                          "({'columns': [...], 'rows': [...]})") from error
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---" if i == 0 else "--:" for i in range(len(columns))) + "|"]
    for row in rows:
        if len(row) != len(columns):
            raise PluginError(f"recorded run {name!r}: a row of results.{key} has {len(row)} cells "
                              f"for {len(columns)} columns")
        lines.append("| " + " | ".join(fmt(v, f or None) for v, f in zip(row, formats)) + " |")
    return "\n".join(indent + line for line in lines)


def values(line: str) -> str:
    return VALUE.sub(lambda m: fmt(lookup(m["name"], m["key"]), m["fmt"]), line)


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = replace_directives(markdown, RECORD, provenance)
    markdown = replace_directives(markdown, TABLE, table)
    out, open_fence = [], None
    for line in markdown.split("\n"):
        fence = FENCE.match(line)
        if fence and open_fence is None:
            open_fence = fence["fence"]
        elif fence and fence["fence"][0] == open_fence[0] and len(fence["fence"]) >= len(open_fence):
            open_fence = None
        out.append(line if open_fence or fence else values(line))
    return "\n".join(out)
