"""MkDocs hook: serve MathJax, Mermaid and a Chinese web font from the site itself.

scripts/setup.sh installs them from npm at the versions pinned in assets/package.json
(assets/node_modules, not committed). This hook adds the files the pages load to the
build as assets/vendor/..., so the site works with no network and nothing is copied by hand.

The Chinese font is Noto Sans SC from ``@fontsource/noto-sans-sc``, cut by Fontsource into
about a hundred files, each declared with the ``unicode-range`` of the characters it holds:
a browser downloads only the files that hold characters the page shows. The hook writes
``assets/vendor/noto-sans-sc/noto-sans-sc.css`` from Fontsource's stylesheets, keeping

* the regular weight (400) only, in WOFF2 only (every browser the site supports reads it;
  bold Chinese is rare on these pages and the browser emboldens it): the stylesheet, loaded
  by every page, stays under 100 kB (about 30 kB compressed);
* the CJK part of each file's ``unicode-range`` only, so Latin text, digits and
  punctuation never fall through to this font (they keep the reader's system font) and a
  page in English downloads none of it;
* ``local()`` sources first, so a reader whose system has a Chinese font (PingFang SC,
  Microsoft YaHei, Noto Sans CJK SC, Noto Sans SC) downloads nothing.

docs/stylesheets/extra.css puts "Noto Sans SC" first in the font stacks: its faces cover CJK
characters only, so Latin text goes on to the system fonts. (Placed after them, Chromium on
Linux drew Chinese as empty boxes from Liberation Sans, the stand-in for Helvetica and Arial.)
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "assets" / "node_modules"
VENDOR = {
    "assets/vendor/mathjax/tex-svg-full.js": NODE_MODULES / "mathjax" / "es5" / "tex-svg-full.js",
    "assets/vendor/mermaid/mermaid.min.js": NODE_MODULES / "mermaid" / "dist" / "mermaid.min.js",
}
FONT_PACKAGE = NODE_MODULES / "@fontsource" / "noto-sans-sc"
FONT_DIR = "assets/vendor/noto-sans-sc"
FONT_CSS = f"{FONT_DIR}/noto-sans-sc.css"
FONT_WEIGHT = 400
# Chinese fonts a reader's system may have (full and PostScript names): used, when present,
# instead of downloading (macOS, Windows, Linux with Noto CJK, Noto Sans SC itself)
LOCAL_FONTS = ["PingFang SC Regular", "PingFangSC-Regular", "Microsoft YaHei", "Noto Sans CJK SC",
               "NotoSansCJKsc-Regular", "Noto Sans SC", "NotoSansSC-Regular"]
# The Unicode blocks Chinese text uses: CJK radicals, symbols and punctuation, kana and
# bopomofo, enclosed and compatibility characters, the unified ideographs (extension A and
# the base block), compatibility ideographs, vertical and compatibility forms, full-width
# forms, and the supplementary ideograph planes.
CJK_BLOCKS = [(0x2E80, 0x2FFF), (0x3000, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF)]
FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")


def _missing(path: Path) -> PluginError:
    return PluginError(f"{path.relative_to(ROOT)} is missing: run scripts/setup.sh (it installs the site's "
                       "front-end assets from npm at pinned versions)")


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """``U+4e00-4e0f,U+4e11`` as [(0x4e00, 0x4e0f), (0x4e11, 0x4e11)]."""
    ranges = []
    for part in text.split(","):
        first, _, last = part.strip().removeprefix("U+").removeprefix("u+").partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return ranges


def cjk_part(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``ranges`` that fall in CJK_BLOCKS."""
    kept = []
    for first, last in ranges:
        for lo, hi in CJK_BLOCKS:
            if first <= hi and last >= lo:
                kept.append((max(first, lo), min(last, hi)))
    return kept


def format_ranges(ranges: list[tuple[int, int]]) -> str:
    return ",".join(f"U+{a:x}" if a == b else f"U+{a:x}-{b:x}" for a, b in ranges)


def font_faces(package: Path) -> tuple[str, list[str]]:
    """The stylesheet for the CJK subsets of Noto Sans SC, and the WOFF2 files it names."""
    faces, files = [], []
    css_path = package / f"{FONT_WEIGHT}.css"
    if not css_path.is_file():
        raise _missing(css_path)
    local = ", ".join(f'local("{name}")' for name in LOCAL_FONTS)
    for face in FACE.finditer(css_path.read_text(encoding="utf-8")):
        body = face["body"]
        woff2 = re.search(r"url\(\./files/([\w.-]+\.woff2)\)", body)
        unicode_range = re.search(r"unicode-range:\s*([^;]+);", body)
        if not (woff2 and unicode_range):
            continue
        ranges = cjk_part(parse_ranges(unicode_range[1]))
        if not ranges:
            continue          # a Latin, Cyrillic or Vietnamese subset: the system font shows those
        faces.append(
            f'@font-face{{font-family:"Noto Sans SC";font-style:normal;font-display:swap;font-weight:{FONT_WEIGHT};'
            f'src:{local},url("files/{woff2[1]}") format("woff2");unicode-range:{format_ranges(ranges)}}}\n'
        )
        files.append(woff2[1])
    if not files:
        raise PluginError(f"no CJK font subsets found in {package.relative_to(ROOT)}")
    header = ("/* Noto Sans SC (SIL Open Font License 1.1) from @fontsource/noto-sans-sc, CJK subsets only.\n"
              "   Generated by docs/hooks/vendor_assets.py: a page downloads only the files whose\n"
              "   unicode-range holds a character it shows. */\n")
    return header + "".join(faces), files


def on_files(files, config):
    for uri, path in VENDOR.items():
        if not path.is_file():
            raise _missing(path)
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    css, fonts = font_faces(FONT_PACKAGE)
    files.append(File.generated(config, FONT_CSS, content=css))
    for name in fonts:
        path = FONT_PACKAGE / "files" / name
        if not path.is_file():
            raise _missing(path)
        files.append(File.generated(config, f"{FONT_DIR}/files/{name}", abs_src_path=str(path)))
    return files
