"""The line scanner the directive hooks share (imported by source_blocks and benchmark_tables).

A directive is a line of the form ``[[kind: argument]]`` alone on its line, at any
indentation, outside a fenced code block (so pages can show a directive as an example).
"""

from __future__ import annotations

import re
from typing import Callable

FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")


def directive(kind: str) -> re.Pattern:
    """The pattern of ``[[kind: argument]]`` lines, with groups ``indent`` and ``name``."""
    return re.compile(rf"^(?P<indent>[ \t]*)\[\[{kind}:\s*(?P<name>[\w.-]+)\s*\]\]\s*$")


def replace_directives(markdown: str, pattern: re.Pattern, render: Callable[[str, str], str]) -> str:
    """Replace each directive line outside fenced code by ``render(name, indent)``."""
    out = []
    open_fence = None  # the fence that opened the code block we are in, if any
    for line in markdown.split("\n"):
        fence = FENCE.match(line)
        if fence and open_fence is None:
            open_fence = fence["fence"]
        elif fence and fence["fence"][0] == open_fence[0] and len(fence["fence"]) >= len(open_fence):
            open_fence = None
        match = None if open_fence or fence else pattern.match(line)
        out.append(render(match["name"], match["indent"]) if match else line)
    return "\n".join(out)
