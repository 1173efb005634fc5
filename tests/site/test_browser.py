"""Layer 4: a real browser reads every page of the built site with every other host blocked.

Debian's Chromium (``/usr/bin/chromium``, installed by ``scripts/setup.sh --browser``) is
driven by Playwright through ``executable_path`` (tests/site/conftest.py); Playwright's own
browser download is never used. The browser resolves no host but 127.0.0.1, and every
request to another host is recorded: the site must need none.

One crawl (module fixture ``crawl``) opens every built page once, in one browser tab: it
waits for MathJax, Mermaid and the fonts, opens the collapsed blocks, checks the page at
desktop width (1280 px), then narrows the same tab to a phone (390 px) and checks again. The
tests below each read one kind of finding from that crawl and list every page and element at
fault. Search is tested apart, by typing into the search box. Set ``DLREF_CRAWL_REPORT`` to a
file name to keep everything the crawl measured (JSON).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is part of the test extra")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SYLLABUS = ROOT.parent / "shared" / "syllabus.yml"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MIN_MERMAID_TEXT_PX = 11.0
MAX_FONT_BYTES = 600_000   # Chinese font files one page may download (a few terms: 40-350 kB)
CODE_COLUMNS = 88            # a code block shows this many characters without scrolling at 1280 px
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Material's mermaid integration draws each diagram in a *closed* shadow root; the crawl opens
# it (for this test browser only) so that it can measure the diagram's text.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attachShadow.call(this, Object.assign({}, init, {mode: "open"}));
};
"""

# Opens the collapsed blocks (solutions, PyTorch details: checked as a reader sees them open)
# and resolves when the page has settled: MathJax typeset, every Mermaid block drawn (or 15 s
# passed), the web fonts the open page needs loaded.
SETTLE = """
async () => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  document.body.offsetHeight;  // lay the opened blocks out: their fonts start loading
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const deadline = Date.now() + 15000;
  const pending = () => document.querySelectorAll("pre.mermaid").length
    + [...document.querySelectorAll("div.mermaid")].filter(d => !(d.shadowRoot && d.shadowRoot.querySelector("svg"))).length;
  while (pending() && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  await document.fonts.ready;
}
"""

# The on-screen width of every formula, in document order (0 where MathJax drew none)
FORMULA_WIDTHS = """() => [...document.querySelectorAll("mjx-container")]
  .map(c => c.querySelector(":scope > svg") ? c.querySelector(":scope > svg").getBoundingClientRect().width : 0)"""

# Everything measured at desktop width.
DESKTOP_CHECKS = r"""
() => {
  const FORMULA_WIDTHS = """ + FORMULA_WIDTHS + r""";
  const describe = el => {
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return el.tagName.toLowerCase() + id + cls;
  };
  const excerpt = (text, n = 70) => text.replace(/\s+/g, " ").trim().slice(0, n);
  const out = {};

  // MathJax: every formula typeset, none in error
  out.math_total = document.querySelectorAll(".arithmatex").length;
  out.math_untypeset = [...document.querySelectorAll(".arithmatex")]
    .filter(e => !e.querySelector("mjx-container")).map(e => excerpt(e.textContent));
  out.math_errors = [...document.querySelectorAll("mjx-merror, [data-mjx-error]")]
    .map(e => e.getAttribute("data-mjx-error") || excerpt(e.textContent));

  // TeX left as text anywhere outside code (content, navigation, table of contents)
  const tex = /\\[()[\]]|\$\$|\\(?:frac|mathbf|mathrm|lambda|alpha|beta|gamma|sigma|theta|sum|partial|nabla|cdot|left|right|begin|hat|odot|sqrt|operatorname)\b/;
  const skip = "pre, code, script, style, textarea, mjx-container, .mermaid, .highlight, .jp-InputArea, .jp-OutputArea-output pre";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  out.raw_tex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const m = node.textContent.match(tex);
    if (m) out.raw_tex.push(describe(parent) + ": " + excerpt(node.textContent.slice(Math.max(0, m.index - 30)), 80));
  }

  // Mermaid: each block drawn as an SVG whose text is at least 11 px on screen
  out.mermaid_pending = [...document.querySelectorAll("pre.mermaid")].map(e => excerpt(e.textContent, 50));
  out.mermaid = [];
  for (const host of document.querySelectorAll("div.mermaid")) {
    const svg = host.shadowRoot && host.shadowRoot.querySelector("svg");
    if (!svg) { out.mermaid.push({svg: false}); continue; }
    const error = svg.getAttribute("aria-roledescription") === "error";
    const box = svg.viewBox && svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    let min = Infinity, label = "";
    for (const el of svg.querySelectorAll("text, foreignObject span, foreignObject p, foreignObject div")) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
      if (!own) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * scale;
      if (px < min) { min = px; label = own.slice(0, 30); }
    }
    out.mermaid.push({svg: true, error, min_px: min === Infinity ? null : Math.round(min * 10) / 10, label,
                      width: Math.round(svg.getBoundingClientRect().width), room: host.clientWidth});
  }

  // images: every <img> decoded
  out.broken_images = [...document.images]
    .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute("src").slice(0, 100));
  out.images = document.images.length;

  // links, resolved by the test against the built files
  out.links = [...document.querySelectorAll("a[href]")].map(a => a.href);
  out.ids = [...document.querySelectorAll("[id]")].map(e => e.id);

  // code blocks: how many characters fit on a line, and the longest line (all layout reads
  // first, then one width probe per code font: no reflow per block)
  const blocks = [...document.querySelectorAll("pre > code")].filter(code => code.getClientRects().length)
    .map(code => {
      const style = getComputedStyle(code);
      const lines = code.textContent.split("\n");
      const longest = Math.max(...lines.map(l => l.length));
      const font = [style.fontStyle, style.fontWeight, style.fontSize, style.fontFamily, style.letterSpacing].join("|");
      return {font, inner: code.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
              scrolls: code.scrollWidth > code.clientWidth + 1, longest,
              line: excerpt(lines.find(l => l.length === longest) || "", 60)};
    });
  const charWidth = {};
  for (const font of new Set(blocks.map(b => b.font))) {
    const probe = document.createElement("span");
    probe.textContent = "0".repeat(100);
    const [fontStyle, fontWeight, fontSize, fontFamily, letterSpacing] = font.split("|");
    probe.style.cssText = "position:absolute;visibility:hidden;white-space:pre;font-variant-ligatures:none";
    Object.assign(probe.style, {fontStyle, fontWeight, fontSize, fontFamily, letterSpacing});
    document.body.appendChild(probe);
    charWidth[font] = probe.getBoundingClientRect().width / 100;
    probe.remove();
  }
  out.code = blocks.map(b => ({columns: Math.floor(b.inner / charWidth[b.font]), longest: b.longest,
                               scrolls: b.scrolls, line: b.line}));

  // formulas' natural widths, compared with the phone layout
  out.formula_widths = FORMULA_WIDTHS();

  // tables: columns hidden behind a horizontal scroll (Material wraps each table in a scroller)
  out.tables = [...document.querySelectorAll(".md-typeset table")].map(t => {
    const box = t.closest(".md-typeset__scrollwrap") || t;
    const right = box.getBoundingClientRect().right;
    return {
      scrolls: box.scrollWidth > box.clientWidth + 1,
      head: excerpt(t.querySelector("tr") ? t.querySelector("tr").textContent : "", 60),
      hidden: [...t.querySelectorAll("tr:first-child > *")]
        .filter(c => c.getBoundingClientRect().right > right + 1).map(c => excerpt(c.textContent, 30)),
    };
  });

  // Chinese text: shown in the served web font (or a local CJK font of the same name)
  // (the first few elements whose own text has Chinese characters are marked for the crawl
  // to ask Chromium which fonts drew them)
  out.han = [];
  for (const el of document.querySelectorAll(".md-content *, .md-nav *")) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("");
    const chars = own.match(/[\u3400-\u9fff\uf900-\ufaff]/g);
    if (!chars || !el.getClientRects().length) continue;
    el.setAttribute("data-crawl-han", out.han.length);
    out.han.push({text: own.trim().slice(0, 30), chars: chars.length});
    if (out.han.length >= 4) break;
  }
  out.font_files = performance.getEntriesByType("resource").filter(r => /\.woff2?$/.test(r.name))
    .map(r => [r.name.split("/").pop(), r.encodedBodySize]);
  return out;
}
"""

# Everything measured at phone width.
PHONE_CHECKS = r"""
() => {
  const FORMULA_WIDTHS = """ + FORMULA_WIDTHS + r""";
  const describe = el => {
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
    return el.tagName.toLowerCase() + id + cls;
  };
  const width = document.documentElement.clientWidth;
  const out = {page_width: width, scroll_width: document.documentElement.scrollWidth, overflowing: []};
  if (out.scroll_width > width + 1) {
    // the outermost elements that stick out past the right edge and are not inside a scroller
    const clips = el => { const s = getComputedStyle(el); return /(auto|scroll|hidden|clip)/.test(s.overflowX); };
    for (const el of document.body.querySelectorAll("*")) {
      if (el.getBoundingClientRect().right <= width + 1) continue;
      let p = el.parentElement, inside = false, parentOut = false;
      for (; p && p !== document.body; p = p.parentElement) {
        if (clips(p)) { inside = true; break; }
      }
      const parent = el.parentElement;
      if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1) parentOut = true;
      if (!inside && !parentOut) out.overflowing.push(describe(el) + " (right edge " + Math.round(el.getBoundingClientRect().right) + " px)");
      if (out.overflowing.length >= 5) break;
    }
  }
  out.formula_widths = FORMULA_WIDTHS();
  out.formula_text = [...document.querySelectorAll("mjx-container")].map(c => {
    const mml = c.querySelector("mjx-assistive-mml");
    return (mml ? mml.textContent : "").replace(/\s+/g, " ").trim().slice(0, 40);
  });
  return out;
}
"""


@dataclass
class PageReport:
    path: str
    console: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    desktop: dict = field(default_factory=dict)
    phone: dict = field(default_factory=dict)
    seconds: float = 0.0


def site_pages(built_site: Path) -> list[str]:
    """Every page of the built site, as the path to open ('' is the home page)."""
    pages = []
    for html in sorted(built_site.rglob("index.html")):
        rel = html.parent.relative_to(built_site).as_posix()
        if rel.startswith("assets"):
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


@pytest.fixture(scope="module")
def crawl(browser, site_url_without_search_index, built_site) -> dict[str, PageReport]:
    """Open every page, check it at 1280 px, then at 390 px: {path: PageReport}.

    One tab opens the pages one after the other (two tabs were slower on two shared cores).
    The site is served with an empty search index: search has tests of its own below.
    """
    site_url = site_url_without_search_index
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    current: list[PageReport] = []

    def note_request(request):
        url = request.url
        if urlparse(url).hostname != "127.0.0.1" and not url.startswith(("data:", "blob:")):
            current[-1].external.append(url)  # and it fails: the browser resolves no other host

    page.on("request", note_request)
    page.on("console", lambda m: m.type == "error" and current[-1].console.append(m.text))
    page.on("pageerror", lambda e: current[-1].console.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: urlparse(r.url).hostname == "127.0.0.1"
            and current[-1].failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and current[-1].failed.append(f"{r.url} (HTTP {r.status})"))

    def fonts_of_chinese_text(marked: list[dict]) -> list[dict]:
        """For each marked element: the fonts Chromium drew its text with, glyphs per font."""
        root = devtools.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        found = []
        for i, item in enumerate(marked):
            node = devtools.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-crawl-han="{i}"]'})["nodeId"]
            fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            found.append(dict(item, fonts={f["familyName"] + (" (web font)" if f["isCustomFont"] else ""): f["glyphCount"]
                                           for f in fonts}))
        return found

    reports = {}
    start = time.perf_counter()
    for path in site_pages(built_site):
        report = PageReport(path)
        current.append(report)
        t0 = time.perf_counter()
        page.set_viewport_size(DESKTOP)
        page.goto(f"{site_url}/{path}", wait_until="load")
        page.evaluate(SETTLE)
        report.desktop = page.evaluate(DESKTOP_CHECKS)
        report.desktop["han"] = fonts_of_chinese_text(report.desktop["han"])
        page.set_viewport_size(PHONE)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        report.phone = page.evaluate(PHONE_CHECKS)
        report.seconds = time.perf_counter() - t0
        reports[path] = report
    context.close()
    seconds = time.perf_counter() - start
    if os.environ.get("DLREF_CRAWL_REPORT"):  # everything measured, for a closer look
        Path(os.environ["DLREF_CRAWL_REPORT"]).write_text(json.dumps([asdict(r) for r in reports.values()], indent=1))
    print(f"\ncrawled {len(reports)} pages in {seconds:.1f} s (slowest: "
          + ", ".join(f"/{r.path} {r.seconds:.1f} s" for r in sorted(reports.values(), key=lambda r: -r.seconds)[:3]) + ")")
    return reports


def failures(crawl, check) -> list[str]:
    found = []
    for path, report in crawl.items():
        found += [f"/{path}: {item}" for item in check(report)]
    return found


def test_every_page_was_crawled(crawl, built_site):
    assert len(crawl) == len(site_pages(built_site)) > 30


def test_no_console_or_page_errors(crawl):
    found = failures(crawl, lambda r: r.console)
    assert not found, "console or page errors:\n" + "\n".join(found)


def test_no_external_or_failed_requests(crawl):
    found = failures(crawl, lambda r: [f"request to another host: {u}" for u in r.external]
                     + [f"failed request: {u}" for u in r.failed])
    assert not found, "\n".join(found)


def test_formulas_typeset_without_errors(crawl):
    found = failures(crawl, lambda r: [f"not typeset: {t}" for t in r.desktop["math_untypeset"]]
                     + [f"TeX error: {t}" for t in r.desktop["math_errors"]])
    assert not found, "\n".join(found)
    assert sum(r.desktop["math_total"] for r in crawl.values()) > 500, "too few formulas: is arithmatex on?"


def test_no_raw_tex_outside_code(crawl):
    found = failures(crawl, lambda r: r.desktop["raw_tex"])
    assert not found, "TeX shown as text (outside code):\n" + "\n".join(found)


def test_every_mermaid_block_is_drawn(crawl):
    found = failures(crawl, lambda r: [f"left as source: {s}" for s in r.desktop["mermaid_pending"]]
                     + [f"diagram {i + 1}: no SVG" for i, d in enumerate(r.desktop["mermaid"]) if not d["svg"]]
                     + [f"diagram {i + 1}: Mermaid syntax error" for i, d in enumerate(r.desktop["mermaid"]) if d.get("error")])
    assert not found, "\n".join(found)
    assert sum(len(r.desktop["mermaid"]) for r in crawl.values()) >= 10, "too few diagrams: is Mermaid on?"


def test_mermaid_text_is_legible_at_desktop_width(crawl):
    found = failures(crawl, lambda r: [
        f"diagram {i + 1}: text {d['min_px']} px (< {MIN_MERMAID_TEXT_PX:g}) at 1280 px, e.g. {d['label']!r}"
        for i, d in enumerate(r.desktop["mermaid"])
        if d["svg"] and d["min_px"] is not None and d["min_px"] < MIN_MERMAID_TEXT_PX])
    assert not found, "\n".join(found)


def test_images_load(crawl):
    found = failures(crawl, lambda r: [f"broken image: {s}" for s in r.desktop["broken_images"]])
    assert not found, "\n".join(found)


def _ids_of(built_site: Path, cache: dict, rel: str) -> set[str]:
    if rel not in cache:
        text = (built_site / rel).read_text(encoding="utf-8")
        cache[rel] = set(re.findall(r"""\bid=["']?([^"'\s>]+)""", text)) | set(re.findall(r"""\bname=["']([^"']+)""", text))
    return cache[rel]


def test_internal_links_and_anchors_resolve(crawl, site_url, built_site):
    cache: dict[str, set[str]] = {}
    found = []
    for path, report in crawl.items():
        here = f"{site_url}/{path}"
        bad = set()
        for href in report.desktop["links"]:
            url = urlparse(urljoin(here, href))
            if url.scheme not in ("http", "https") or url.hostname != "127.0.0.1":
                continue
            target = unquote(url.path).lstrip("/")
            file = built_site / target
            if file.is_dir() or target == "" or target.endswith("/"):
                file = file / "index.html"
            if not file.is_file():
                bad.add(f"missing page: {href}")
                continue
            anchor = unquote(url.fragment)
            if anchor and file.suffix == ".html":
                ids = _ids_of(built_site, cache, file.relative_to(built_site).as_posix())
                if file == built_site / path / "index.html":
                    ids = ids | set(report.desktop["ids"])
                if anchor not in ids:
                    bad.add(f"missing anchor: {href}")
        found += [f"/{path}: {b}" for b in sorted(bad)]
    assert not found, "\n".join(found)


def test_no_page_scrolls_sideways_on_a_phone(crawl):
    found = failures(crawl, lambda r: [
        f"{r.phone['scroll_width']} px wide at {r.phone['page_width']} px: " + ", ".join(r.phone["overflowing"])
    ] if r.phone["scroll_width"] > r.phone["page_width"] + 1 else [])
    assert not found, "\n".join(found)


def test_formulas_keep_their_size_on_a_phone(crawl):
    def shrunk(r):
        out = []
        for wide, narrow, text in zip(r.desktop["formula_widths"], r.phone["formula_widths"], r.phone["formula_text"]):
            if wide > 0 and narrow < 0.98 * wide:
                out.append(f"formula shrunk to {100 * narrow / wide:.0f} %: {text!r}")
        return out
    found = failures(crawl, shrunk)
    assert not found, f"{len(found)} formulas shrink on a 390 px screen:\n" + "\n".join(found[:60])


def test_code_blocks_fit_88_columns_at_desktop_width(crawl):
    """The layout shows 88 characters of code per line at 1280 px (lines longer than that are the page's)."""
    found = failures(crawl, lambda r: [
        f"code block shows {c['columns']} columns: {c['line']!r}" for c in r.desktop["code"] if c["columns"] < CODE_COLUMNS])
    assert not found, "\n".join(found[:40])


def test_benchmark_ratios_visible_without_scrolling(crawl):
    tables = crawl["benchmarks/"].desktop["tables"]
    assert tables, "the benchmarks page has no table"
    for table in tables:
        ratios = [c for c in table["hidden"] if "ratio" in c]
        assert not ratios, f"ratio columns hidden behind a scroll at 1280 px: {ratios} in table {table['head']!r}"


def test_chinese_text_is_drawn_in_a_chinese_font(crawl):
    """Every Chinese character is drawn by the served Noto Sans SC, never as a box from a Latin font.

    (This machine has no Chinese font of its own: the web font is the only one that has them.)
    """
    with_han = [r for r in crawl.values() if r.desktop["han"]]
    assert len(with_han) > 20, "too few pages show Chinese text"
    found = failures(crawl, lambda r: [
        f"{h['text']!r}: {h['chars']} Chinese characters, drawn with {h['fonts']}"
        for h in r.desktop["han"]
        if sum(n for font, n in h["fonts"].items() if font.startswith("Noto Sans SC") and "web font" in font) < h["chars"]])
    assert not found, "\n".join(found)


def test_chinese_font_transfer_is_small(crawl):
    """A page downloads only the font files holding the characters it shows: WOFF2 subsets."""
    found = failures(crawl, lambda r: [
        f"font files {sum(size for _, size in r.desktop['font_files']) / 1e3:.0f} kB: {r.desktop['font_files']}"
    ] if sum(size for _, size in r.desktop["font_files"]) > MAX_FONT_BYTES
        or any(not name.startswith("noto-sans-sc-") or not name.endswith(".woff2") for name, _ in r.desktop["font_files"])
        else [])
    assert not found, "\n".join(found)


# --- search -------------------------------------------------------------------------------


def zh_terms(built_site: Path) -> dict[str, str]:
    """The syllabus's first Chinese term of each page that is built: {page path: term}."""
    if not SYLLABUS.is_file():
        pytest.skip(f"{SYLLABUS} not found (the shared folder beside the repository)")
    terms = {}
    for chapter in yaml.safe_load(SYLLABUS.read_text(encoding="utf-8"))["chapters"]:
        for entry in chapter["pages"]:
            page, zh = entry.get("page", ""), entry.get("zh")
            if not page.endswith(".md") or not zh:
                continue
            parts = zh if isinstance(zh, list) else [t.strip() for t in str(zh).split(" / ")]
            term = next((t for t in parts if HAN.search(t)), None)
            path = page.removesuffix(".md").removesuffix("index") + ("" if page.endswith("index.md") else "/")
            if term and (built_site / path / "index.html").is_file():
                terms[path] = term
    return terms


def search(page, query: str) -> list[str]:
    """Type ``query`` into the search box; return the links of the results it shows."""
    meta = ".md-search-result__meta"
    # Material searches on keyup: fill() alone (an IME's insertText) would not start it
    page.fill("input.md-search__input", "")
    page.press("input.md-search__input", "End")
    page.wait_for_function(f"() => /Type to start/i.test(document.querySelector('{meta}').textContent)")
    page.fill("input.md-search__input", query)
    page.press("input.md-search__input", "End")
    page.wait_for_function(f"() => /matching/i.test(document.querySelector('{meta}').textContent)")
    return page.eval_on_selector_all(".md-search-result__item > a", "as => as.map(a => a.href)")


@pytest.fixture(scope="module")
def search_page(browser, site_url):
    context = browser.new_context(viewport=DESKTOP)
    external = []
    page = context.new_page()
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None) and external.append(r.url))
    page.goto(f"{site_url}/", wait_until="load")
    page.click("input.md-search__input")
    page.wait_for_function("() => !/Initializing/i.test(document.querySelector('.md-search-result__meta').textContent)")
    yield page
    context.close()
    assert not external, f"search requested other hosts: {external}"


def test_search_finds_softmax(search_page, site_url):
    links = search(search_page, "softmax")
    assert any(urlparse(h).path == "/foundations/activations/" for h in links), links


def test_search_finds_every_page_by_its_chinese_term(search_page, site_url, built_site):
    terms = zh_terms(built_site)
    assert len(terms) > 20, terms
    missed = []
    for path, term in terms.items():
        target = f"{site_url}/{path}"
        links = search(search_page, term)
        if not any(urlparse(h).path == urlparse(target).path for h in links):
            found = list(dict.fromkeys(urlparse(h).path for h in links))
            missed.append(f"{term} -> /{path} (results: {found[:5]})")
    assert not missed, "search does not find these pages by their Chinese term:\n" + "\n".join(missed)
