"""MkDocs hook: serve MathJax and Mermaid from the site itself.

scripts/setup.sh installs them from npm at the versions pinned in assets/package.json
(assets/node_modules, not committed). This hook adds the two files the pages load to the
build as assets/vendor/..., so the site works with no network and nothing is copied by hand.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "assets" / "node_modules"
VENDOR = {
    "assets/vendor/mathjax/tex-svg-full.js": NODE_MODULES / "mathjax" / "es5" / "tex-svg-full.js",
    "assets/vendor/mermaid/mermaid.min.js": NODE_MODULES / "mermaid" / "dist" / "mermaid.min.js",
}


def on_files(files, config):
    for uri, path in VENDOR.items():
        if not path.is_file():
            raise PluginError(
                f"{path.relative_to(ROOT)} is missing: run scripts/setup.sh (it installs the site's "
                "front-end assets from npm at pinned versions)"
            )
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files
