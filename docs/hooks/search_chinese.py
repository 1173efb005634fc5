"""MkDocs hook: Chinese words in the search index.

Material's search plugin cuts Chinese text into words with jieba when jieba is installed
(a docs dependency in pyproject.toml) and separates them with zero-width spaces, which the
``separator`` in mkdocs.yml splits on; in the browser, Material matches a Chinese query
against those words. Without jieba the plugin silently indexes a whole Chinese sentence as
one word and search finds no Chinese term, so the build stops instead. jieba's own messages
(building its dictionary) are kept out of the build log.
"""

from __future__ import annotations

import logging

from mkdocs.exceptions import PluginError


def on_startup(command, dirty):
    try:
        import jieba
    except ImportError as error:
        raise PluginError("jieba is missing (Chinese search): run scripts/setup.sh, "
                          "which installs the docs extra of pyproject.toml") from error
    jieba.setLogLevel(logging.WARNING)
