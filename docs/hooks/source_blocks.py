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
import re
import textwrap
from pathlib import Path

from mkdocs.exceptions import PluginError

DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\[\[source:\s*(?P<name>[\w.]+)\s*\]\]\s*$")
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
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
    out = []
    open_fence = None  # the fence that opened the code block we are in, if any
    for line in markdown.split("\n"):
        fence = FENCE.match(line)
        if fence and open_fence is None:
            open_fence = fence["fence"]
        elif fence and fence["fence"][0] == open_fence[0] and len(fence["fence"]) >= len(open_fence):
            open_fence = None
        match = None if open_fence or fence else DIRECTIVE.match(line)
        out.append(source_block(match["name"], match["indent"]) if match else line)
    return "\n".join(out)
