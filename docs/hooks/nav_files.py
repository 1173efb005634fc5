"""MkDocs hook: the literate-nav files (``SUMMARY.md``) describe the navigation; they are not pages.

docs/gen_ref_pages.py writes ``reference/SUMMARY.md`` for the literate-nav plugin, which reads
it while it builds the navigation (its own ``on_files``, run last among the plugins). Left in
the files, it would also be built as a page of its own (``reference/SUMMARY/``); this hook
removes it right after literate-nav has read it.
"""

from __future__ import annotations

from mkdocs.plugins import event_priority

NAV_FILE = "SUMMARY.md"


@event_priority(-110)  # after literate-nav (-100) has read the nav files
def on_files(files, config):
    for file in [f for f in files if f.src_uri.rsplit("/", 1)[-1] == NAV_FILE]:
        files.remove(file)
    return files
