"""Code on the site must not scroll sideways at 1280 px, where a code block shows 88 characters.

The site shows dlref's own source (the API pages, ``show_source: true``, and the
``[[source: ...]]`` directive), the ```python blocks of the pages and the tutorials. Every
line of those is at most 88 characters; a line that cannot be wrapped is listed in
``ALLOWED`` with its reason.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 88

# (path, start of the line): lines that cannot be wrapped, each with its reason.
ALLOWED = {
    # A Markdown table row cannot be broken over lines; these tables sit in module
    # docstrings, which the API pages render as text (a table), never as code.
    ("dlref/data/augment/__init__.py", "| `"): "Markdown table row in a module docstring",
    ("dlref/data/augment/image.py", "| `"): "Markdown table row in a module docstring",
}


def allowed(path: str, line: str) -> bool:
    return any(path == p and line.lstrip().startswith(start) for p, start in ALLOWED)


def python_lines():
    for path in sorted((ROOT / "dlref").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield path, number, line
    for path in sorted((ROOT / "docs" / "tutorials").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield path, number, line


FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(python|py)\b")


def page_lines():
    """Lines inside a ```python fence of a page (fences inside admonitions and tabs too)."""
    for path in sorted((ROOT / "docs").rglob("*.md")):
        fence = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if fence is None:
                match = FENCE.match(line)
                if match:
                    fence = match.group(1)
                continue
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
                continue
            yield path, number, line


def offenders(lines):
    found = []
    for path, number, line in lines:
        rel = path.relative_to(ROOT).as_posix()
        if len(line) > LIMIT and not allowed(rel, line):
            found.append(f"{rel}:{number}: {len(line)} characters")
    return found


def test_dlref_and_tutorial_lines_fit_a_code_block():
    found = offenders(python_lines())
    assert not found, f"{len(found)} lines over {LIMIT} characters:\n" + "\n".join(found)


def test_page_code_block_lines_fit_a_code_block():
    found = offenders(page_lines())
    assert not found, f"{len(found)} lines over {LIMIT} characters:\n" + "\n".join(found)


def test_allowed_lines_are_still_there():
    # an entry that no longer matches a long line is stale: remove it
    long_lines = [(p.relative_to(ROOT).as_posix(), l) for p, _, l in python_lines() if len(l) > LIMIT]
    for (path, start), reason in ALLOWED.items():
        assert any(p == path and l.lstrip().startswith(start) for p, l in long_lines), (path, reason)
