"""The static site in a real browser: Debian's chromium, driven by Playwright's Python package.

The site is written by `csto-kg site` and served on 127.0.0.1 by the standard library's
static server. Every request the browser makes is recorded; one to another host fails the
test (and is refused, so nothing leaves the machine). Without chromium the tests skip,
which fails in CI (tests/conftest.py).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CSTO_KG_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed (pip install playwright)")
if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver)", allow_module_level=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(store, layout, tmp_path_factory) -> Iterator[str]:
    from csto_kg.core.built import current_store_path
    from csto_kg.site.export import write_site

    out = tmp_path_factory.mktemp("browser") / "site"
    write_site(store, layout, current_store_path(layout), out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as play:
        context = play.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"), args=FLAGS, headless=True
        )
        yield context
        context.close()


class Watched:
    """A page whose console errors and requests are recorded; other hosts are refused."""

    def __init__(self, context: object) -> None:
        self.page = context.new_page()  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.url} {req.failure}"))
        self.page.route("**/*", self._route)

    def _route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "about:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.page.close()
        assert self.errors == []
        assert self.outside == []


@pytest.fixture
def watched(browser: object) -> Iterator[Watched]:
    page = Watched(browser)
    yield page
    page.close()


def test_search_armenia_and_read_its_standing(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + "/")
    assert page.locator("svg.membership-chart").count() == 1
    page.fill("#search", "Armenia")
    link = page.locator("#search-results a", has_text="Armenia").first
    link.wait_for()
    assert link.inner_text() == "Armenia"
    link.click()
    page.wait_for_url("**/id/armenia/")
    assert page.locator("h1").inner_text() == "Armenia"
    assert page.locator("svg.membership-chart g.membership").count() == 4
    standing = page.locator("#standing").inner_text()
    assert "withdrawal announced" in standing.lower()
    assert page.locator("svg.membership-chart").bounding_box()["width"] > 300


def test_event_page(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + "/event/1992-05-15-treaty-signed/")
    assert page.locator("#event-date").inner_text() == "15 May 1992"
    actors = page.locator("table.event tr", has_text="Actors").inner_text()
    assert actors.count("Armenia") == 1 and "Russia" in actors
    page.locator("table.event a", has_text="Armenia").click()
    page.wait_for_url("**/id/armenia/")


def test_person_page(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + "/id/stanislav-zas/")
    assert "Stanislav Zas" in page.locator("h1").inner_text()
    assert "Secretary General" in page.locator("#posts + table").inner_text()


def test_query_page_offers_named_queries(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + "/query/")
    assert page.locator("#editor-note").is_visible()
    assert page.locator("#members h3").inner_text() == "members"
    page.locator("#members summary").click()
    assert "SELECT" in page.locator("#members pre").inner_text()


class _Front(http.server.BaseHTTPRequestHandler):
    """The least a server needs to plug the site in: pages from Site.render, the rest
    (YASGUI's files, SPARQL) passed to the Oxigraph server."""

    site: object = None
    upstream = ""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _proxy(self, method: str) -> None:
        import urllib.request

        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request = urllib.request.Request(self.upstream + self.path, data=body, method=method)
        for name in ("Content-Type", "Accept"):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def do_GET(self) -> None:
        from csto_kg.site import accept_language

        path = urlsplit(self.path).path
        if path.startswith(("/yasgui.", "/sparql")) or "query=" in self.path:
            return self._proxy("GET")
        page = self.site.render(path, accept_language(self.headers.get("Accept-Language")))  # type: ignore[attr-defined]
        if page is None:
            self.send_error(404)
            return None
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)
        return None

    def do_POST(self) -> None:
        self._proxy("POST")


@pytest.fixture(scope="module")
def served(store, layout, tmp_path_factory) -> Iterator[str]:
    import socket
    import subprocess
    import time

    from csto_kg.core.built import current_store_path
    from csto_kg.serve.engine import find_oxigraph
    from csto_kg.site import Site

    copy = tmp_path_factory.mktemp("oxigraph") / "store"
    shutil.copytree(current_store_path(layout), copy)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = subprocess.Popen(
        [find_oxigraph(), "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        handler = type("Front", (_Front,), {"site": Site(store, layout), "upstream": f"http://127.0.0.1:{port}"})
        front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=front.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{front.server_address[1]}"
        front.shutdown()
        front.server_close()
    finally:
        backend.terminate()
        backend.wait(timeout=10)


def test_query_page_runs_a_named_query_in_yasgui(watched: Watched, served: str):
    page = watched.page
    page.goto(served + "/query")
    page.locator(".yasqe").first.wait_for()
    page.locator("button[data-query='members']").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() >= 5
    assert "Russia" in page.locator(".yasr table").inner_text()


@pytest.fixture(scope="module")
def real_server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`csto-kg serve` itself, as a newcomer starts it."""
    from test_serve import start_server, stop_server

    served = start_server(build_dir, tmp_path_factory.mktemp("browser-serve") / "serve.log")
    yield served.url.rstrip("/")
    stop_server(served)


def test_csto_kg_serve_gives_a_browser_the_site(watched: Watched, real_server: str):
    page = watched.page
    page.goto(real_server + "/")
    page.fill("#search", "Armenia")
    link = page.locator("#search-results a", has_text="Armenia").first
    link.wait_for()
    link.click()
    page.wait_for_url("**/id/armenia")
    assert page.locator("h1").inner_text() == "Armenia"
    assert page.locator("svg.membership-chart").count() == 1
    page.goto(real_server + "/query")
    page.locator(".yasqe").first.wait_for()
    page.locator("button[data-query='members']").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() >= 5
    assert "Russia" in page.locator(".yasr table").inner_text()
