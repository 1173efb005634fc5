"""Build the site once per test session (mkdocs build --strict), serve it on 127.0.0.1, and
open one headless Chromium that every browser test shares.

The build starts in the background as soon as collection ends (when a selected test needs
the site), so that it runs on the second core while the tests before the site's run on the
first; the ``built_site`` fixture waits for it.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


_BUILD: dict = {}   # the background build: process, site directory, log files


def _start_build() -> None:
    site = Path(tempfile.mkdtemp(prefix="dlref-site-"))
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true", MPLBACKEND="Agg")
    stdout = tempfile.TemporaryFile("w+")     # files, not pipes: a full pipe would stall it
    stderr = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site / "site")],
        cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True,
    )
    _BUILD.update(process=process, site=site, stdout=stdout, stderr=stderr)


def pytest_collection_finish(session):
    if os.environ.get("DLREF_SITE_DIR") or _BUILD or session.config.option.collectonly:
        return
    if any("built_site" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_build()


def pytest_sessionfinish(session, exitstatus):
    if _BUILD:
        if _BUILD["process"].poll() is None:
            _BUILD["process"].kill()
            _BUILD["process"].wait()
        _BUILD["stdout"].close()
        _BUILD["stderr"].close()
        shutil.rmtree(_BUILD["site"], ignore_errors=True)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site built with ``mkdocs build --strict`` (any warning fails the build).

    Set ``DLREF_SITE_DIR`` to test an already built site instead (while working on the
    browser tests); the suite itself always builds.
    """
    if os.environ.get("DLREF_SITE_DIR"):
        return Path(os.environ["DLREF_SITE_DIR"])
    if not _BUILD:                  # not started at collection (e.g. selected by keyword)
        _start_build()
    process = _BUILD["process"]
    try:
        returncode = process.wait(timeout=1200)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("mkdocs build --strict did not finish within 20 minutes")
    if returncode != 0:
        out, err = _BUILD["stdout"], _BUILD["stderr"]
        out.seek(0)
        err.seek(0)
        pytest.fail(f"mkdocs build --strict failed:\n{out.read()[-5000:]}\n{err.read()[-8000:]}")
    return _BUILD["site"] / "site"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


class _NoSearchIndexHandler(_QuietHandler):
    """Serves the site with an empty search index (for the crawl of every page: each page that
    loads the 2 MB index has Material index it anew, which search has tests of its own for)."""

    EMPTY_INDEX = {"config": {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": [],
                              "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}}, "docs": []}

    def do_GET(self):
        if self.path.split("?")[0].endswith("/search/search_index.json"):
            body = json.dumps(self.EMPTY_INDEX).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()


def _serve(directory: Path, handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """The built site served over HTTP on 127.0.0.1 (an ephemeral port) for the session."""
    server = _serve(built_site, _QuietHandler)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_url_without_search_index(built_site) -> str:
    """The built site served with an empty search index (see _NoSearchIndexHandler)."""
    server = _serve(built_site, _NoSearchIndexHandler)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
    # every host but 127.0.0.1 is unreachable: the site must need none (the tests also record
    # each request to another host)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (``executable_path``: no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is part of the test extra")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh --browser (make test does)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()
