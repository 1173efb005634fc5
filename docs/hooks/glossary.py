"""MkDocs hook: the bilingual glossary, rendered from docs/glossary.yml.

A line of the form

    [[glossary: by-chapter]]

(alone on its line, any indentation, outside a fenced code block) is replaced by one
Markdown table per chapter (an H3 heading each), the terms sorted by their English name;
``[[glossary: a-z]]`` gives one table of every term instead. A row shows the English
term, the Chinese terms (the textbook's first, the others in brackets), a one-line
definition and the page that teaches the term, linked (to the heading named by
``anchor`` where there is one). A page that is not part of the build (a syllabus page not
written yet) is named without a link, so the build never holds a broken link and the link
appears on its own once the page does. A malformed data file fails the build.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Callable

import yaml
from _directives import directive, replace_directives
from mkdocs.exceptions import PluginError

DIRECTIVE = directive("glossary")
DOCS = Path(__file__).resolve().parents[1]
DATA = DOCS / "glossary.yml"

REQUIRED = ("term_en", "term_zh", "page", "definition")
OPTIONAL = ("term_zh_alt", "anchor")

# The chapters in the order of the site's navigation: (first folder of the page, title).
# data/ belongs to the regularization chapter, as in the syllabus; pages at the top of
# docs/ are the reference pages.
CHAPTERS = (
    ("overview", "Overview"),
    ("foundations", "Foundations"),
    ("optimization", "Optimization"),
    ("regularization", "Regularization and training techniques"),
    ("data", "Regularization and training techniques"),
    ("architectures", "Architectures"),
    ("evaluation", "Evaluation"),
    ("practice", "Practice"),
    ("frontiers", "Frontiers and research directions"),
    ("", "Reference"),
)
CHAPTER_OF = dict(CHAPTERS)
HEADER = ["| English | 中文 | Meaning | Page |", "|---|---|---|---|"]


def load_terms(path: Path | None = None) -> list[dict]:
    """The entries of the glossary file (``DATA``), checked: a ValueError names the first bad one."""
    path = DATA if path is None else path
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read {path}: {error}") from error
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path} must hold a non-empty list of terms")
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}, entry {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping, got {entry!r}")
        where = f"{where} ({entry.get('term_en', '?')})"
        unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")
        for field in REQUIRED:
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise ValueError(f"{where}: {field} must be a non-empty string")
        alt = entry.get("term_zh_alt", [])
        if not isinstance(alt, list) or not all(isinstance(a, str) and a.strip() for a in alt):
            raise ValueError(f"{where}: term_zh_alt must be a list of non-empty strings")
        if "anchor" in entry and (not isinstance(entry["anchor"], str) or not entry["anchor"]):
            raise ValueError(f"{where}: anchor must be a non-empty string")
        if not entry["page"].endswith(".md") or entry["page"].startswith(("/", ".")):
            raise ValueError(f"{where}: page must be a .md path relative to docs/, got {entry['page']!r}")
        if chapter_of(entry["page"]) is None:
            raise ValueError(f"{where}: page {entry['page']!r} is in no chapter of the site")
        key = entry["term_en"].strip().casefold()
        if key in seen:
            raise ValueError(f"{where}: term_en repeats entry {seen[key]}")
        seen[key] = number
    return entries


def chapter_of(page: str) -> str | None:
    """The title of the chapter a page (a docs-relative path) belongs to."""
    folder = page.split("/")[0] if "/" in page else ""
    return CHAPTER_OF.get(folder)


def page_title(path: Path) -> str:
    """The page's H1 up to its first colon (``# GRU: update and reset gates`` gives ``GRU``),
    else the file name: short enough for a table column."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].split(":")[0].strip()
    return path.stem


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def chinese(entry: dict) -> str:
    """``textbook（other；other）``, the site's convention for Chinese terms."""
    alt = "；".join(entry.get("term_zh_alt", []))
    return entry["term_zh"] + (f"（{alt}）" if alt else "")


def row(entry: dict, from_page: str, built: Callable[[str], Path | None]) -> str:
    source = built(entry["page"])
    if source is None:
        where = "*not written yet*"
    else:
        start = posixpath.dirname(from_page) or "."
        href = posixpath.relpath(entry["page"], start)
        if entry.get("anchor"):
            href += "#" + entry["anchor"]
        where = f"[{cell(page_title(source))}]({href})"
    return f"| **{cell(entry['term_en'])}** | {cell(chinese(entry))} | {cell(entry['definition'])} | {where} |"


def by_english(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (e["term_en"].casefold(), e["term_en"]))


def render(layout: str, entries: list[dict], from_page: str,
           built: Callable[[str], Path | None]) -> list[str]:
    """The Markdown lines of the glossary in ``layout`` (``by-chapter`` or ``a-z``).

    ``from_page`` is the docs-relative path of the page the tables go on (links are made
    relative to it); ``built(page)`` gives the source file of a page of the build, or None.
    """
    if layout == "a-z":
        return HEADER + [row(e, from_page, built) for e in by_english(entries)]
    if layout != "by-chapter":
        raise ValueError(f"unknown glossary layout {layout!r} (known: 'by-chapter', 'a-z')")
    lines: list[str] = []
    for title in dict.fromkeys(t for _, t in CHAPTERS):
        chapter = [e for e in entries if chapter_of(e["page"]) == title]
        if chapter:
            lines += [f"### {title}", "", *HEADER, *(row(e, from_page, built) for e in by_english(chapter)), ""]
    return lines[:-1]


def on_page_markdown(markdown: str, page, config, files) -> str:
    def built(path: str) -> Path | None:
        if files is None:  # called outside a build (tests): the pages on disk
            return DOCS / path if (DOCS / path).is_file() else None
        file = files.get_file_from_path(path)
        return Path(file.abs_src_path) if file is not None and file.abs_src_path else None

    def table(layout: str, indent: str) -> str:
        try:
            lines = render(layout, load_terms(), page.file.src_uri if page is not None else "", built)
        except ValueError as error:
            raise PluginError(f"[[glossary: {layout}]]: {error}") from error
        return "\n".join(indent + line if line else line for line in lines)

    return replace_directives(markdown, DIRECTIVE, table)
