"""Layer 4: a real browser reads the built site with every other host blocked.

Debian's Chromium (``/usr/bin/chromium``, installed by ``scripts/setup.sh --browser``) is
driven by Playwright through ``executable_path``; Playwright's own browser download is never
used. Every request to a host other than 127.0.0.1 is aborted and recorded: the site must
need none.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is part of the test extra")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh --browser (make test does)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """Open a page with every host but 127.0.0.1 blocked; record console errors and blocked requests."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))
        self.page.goto(url, wait_until="networkidle")

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def assert_clean(self):
        assert not self.blocked, f"requests to other hosts: {self.blocked}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.console_errors, f"console errors: {self.console_errors}"

    def close(self):
        self.context.close()


def test_formulas_render(browser, site_url):
    visit = Visit(browser, f"{site_url}/foundations/activations/")
    page = visit.page
    page.wait_for_selector("mjx-container svg", timeout=20_000)
    rendered = page.locator("mjx-container").count()
    raw = page.evaluate(
        "() => [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('mjx-container')).length"
    )
    assert rendered > 5, "MathJax rendered too few formulas"
    assert raw == 0, f"{raw} formulas were left as TeX source"
    errors = page.locator("mjx-merror").count()
    assert errors == 0, f"{errors} formulas have TeX errors"
    visit.assert_clean()
    visit.close()


def test_mermaid_diagram_renders(browser, site_url):
    visit = Visit(browser, f"{site_url}/")
    page = visit.page
    # Material replaces each ```mermaid block by a div.mermaid holding the SVG in a closed
    # shadow root: a rendered diagram is an empty div.mermaid (no source text) with a size.
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.mermaid')].some(d => d.getBoundingClientRect().height > 50)",
        timeout=20_000,
    )
    leftover = page.evaluate("() => [...document.querySelectorAll('.mermaid')].filter(e => e.textContent.trim()).length")
    assert leftover == 0, "a Mermaid block was left as source text"
    visit.assert_clean()
    visit.close()


def test_search_finds_softmax(browser, site_url):
    visit = Visit(browser, f"{site_url}/")
    page = visit.page
    page.click("input.md-search__input")  # on a desktop-width window the search box is in the header
    page.keyboard.type("softmax")
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    titles = page.locator(".md-search-result__item").all_inner_texts()
    assert any("softmax" in t.lower() for t in titles), titles
    visit.assert_clean()
    visit.close()


@pytest.mark.parametrize("path", ["", "overview/", "foundations/backprop/", "tutorials/mlp-digits/",
                                  "optimization/optimizers/", "regularization/batch-norm/",
                                  "evaluation/metrics/", "reference/dlref/numpy/nn/"])
def test_pages_load_without_errors(browser, site_url, path):
    visit = Visit(browser, f"{site_url}/{path}")
    assert visit.page.locator("h1").count() >= 1
    visit.page.wait_for_timeout(500)  # let MathJax and Mermaid finish
    visit.assert_clean()
    visit.close()
