"""MkDocs hook: show dlref's own source code on the pages, never a copy of it.

A line of the form

    [[source: dlref.numpy.functional.sigmoid]]

(alone on its line, any indentation, outside a fenced code block) is replaced by a fenced
Python block holding the source of that function, class or method, titled with its file.
An unknown name fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from pathlib import Path

from _directives import directive, replace_directives
from mkdocs.exceptions import PluginError

DIRECTIVE = directive("source")
ROOT = Path(__file__).resolve().parents[2]


def resolve(dotted: str):
    """Import the longest module prefix of ``dotted`` and walk the remaining attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def source_block(dotted: str, indent: str) -> str:
    try:
        obj = inspect.unwrap(resolve(dotted))
        code = textwrap.dedent(inspect.getsource(obj))
        path = Path(inspect.getsourcefile(obj)).resolve().relative_to(ROOT)
    except (ImportError, AttributeError, TypeError, OSError, ValueError) as error:
        raise PluginError(f"[[source: {dotted}]]: cannot show its source ({error})") from error
    lines = [f'```python title="{path.as_posix()}"', *code.rstrip("\n").splitlines(), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return replace_directives(markdown, DIRECTIVE, source_block)
