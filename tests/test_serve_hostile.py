"""csto-kg serve under hostile requests: SERVICE and LOAD, limits, entity pages, mixed load.

Every test talks HTTP to real `csto-kg serve` processes on free ports of 127.0.0.1
(started as tests/test_serve.py starts them), with a canary: an HTTP listener on another
free port of 127.0.0.1 that records every request it gets. Whatever a test sends, no
request may reach the canary unless the test allowed it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, scratch_copy
from test_serve import SLOW, Served, _children, assert_clean_stop, free_port, start_server, stop_server

_spec = importlib.util.spec_from_file_location("load_mixed", ROOT / "benchmarks" / "load_mixed.py")
load_mixed = importlib.util.module_from_spec(_spec)
sys.modules["load_mixed"] = load_mixed
_spec.loader.exec_module(load_mixed)

KG = "https://w3id.org/csto-kg/"
MARKER = "from the second store"
HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i LIMIT 1"  # sorts ~10^11 rows: memory without end


# ------------------------------------------------------------------ fixtures and helpers
@pytest.fixture(scope="module")
def canary():
    with load_mixed.Canary() as listener:
        yield listener


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    served = start_server(build_dir, tmp_path_factory.mktemp("hostile") / "serve.log", "--timeout", "1", "--max-results", "2000")
    yield served
    stop_server(served)
    assert_clean_stop(served)
    assert_no_engine_left(served)


@pytest.fixture(scope="module")
def second_store(tmp_path_factory: pytest.TempPathFactory):
    """A plain Oxigraph server (in memory) holding one marker triple: a legitimate SERVICE target."""
    from csto_kg.serve.engine import find_oxigraph

    port = free_port()
    log = tmp_path_factory.mktemp("second") / "oxigraph.log"
    with open(log, "wb") as stream:
        process = subprocess.Popen(
            [find_oxigraph(), "serve", "--bind", f"127.0.0.1:{port}"], stdin=subprocess.DEVNULL, stdout=stream, stderr=stream
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _body = raw(
                    port,
                    post(
                        "/update",
                        urllib.parse.urlencode({"update": f'INSERT DATA {{ <urn:x:federated> <urn:x:says> "{MARKER}" }}'}).encode(),
                    ),
                )
                if status == 204:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def assert_no_engine_left(served: Served) -> None:
    """No Oxigraph server over this serve's copy is still running (replaced ones included)."""
    deadline = time.monotonic() + 5
    while True:
        left = [pid for pid, cmdline in _engines() if str(served.folder) in cmdline]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"Oxigraph servers left running: {left}"


def _engines() -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((line for line in (entry / "status").read_text().splitlines() if line.startswith("State:")), "")
        except OSError:
            continue
        if "oxigraph" in cmdline and " serve" in cmdline and "Z" not in state:
            found.append((int(entry.name), cmdline))
    return found


def _memory(pid: int) -> int:
    try:
        line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def post(path: str, body: bytes, content_type: str = "application/x-www-form-urlencoded", extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    ).encode() + body


def raw(port: int, request: bytes, timeout: float = 15) -> tuple[int, bytes]:
    """Send bytes as they are; the status and the body of the answer (until the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def query_form(served: Served, text: str, path: str = "query", key: str = "query"):
    return served.request(
        path,
        method="POST",
        data=urllib.parse.urlencode({key: text}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


# ------------------------------------------------------------------ SERVICE and LOAD
def test_the_oxigraph_server_alone_would_send_a_service_anywhere(second_store: str):
    """Why the front checks: the Oxigraph server evaluates SERVICE by calling the address."""
    port = int(second_store.rsplit(":", 1)[1])
    with load_mixed.Canary() as other:
        text = f"SELECT * WHERE {{ SERVICE SILENT <{other.url}/sparql> {{ ?s ?p ?o }} }}"
        raw(port, post("/query", urllib.parse.urlencode({"query": text}).encode()))
        assert other.hits, "the Oxigraph server no longer federates: the front's check is then a second line only"


HIDDEN_SERVICES = {
    "plain": "SELECT * WHERE {{ SERVICE <{c}> {{ ?s ?p ?o }} }}",
    "lower case": "select * where {{ service <{c}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{c}> {{ ?s ?p ?o }} }}",
    "no spaces": "SELECT * WHERE {{SERVICE<{c}>{{?s ?p ?o}}}}",
    "glued to a number": "SELECT * WHERE {{ ?a ?b 1SERVICE <{c}> {{ ?s ?p ?o }} }}",
    "glued to true": "SELECT * WHERE {{ ?a ?b trueSERVICE<{c}>{{ ?s ?p ?o }} }}",
    "after a language tag": 'SELECT * WHERE {{ ?a ?b "x"@en1SERVICE <{c}> {{ ?s ?p ?o }} }}',
    "comment between": "SELECT * WHERE {{ SERVICE # a comment\n <{c}> {{ ?s ?p ?o }} }}",
    "prefixed name": "PREFIX c: <{c}/> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
    "empty prefix glued": "PREFIX : <{c}/> SELECT * WHERE {{ SERVICE:sparql {{ ?s ?p ?o }} }}",
    "relative to BASE": "BASE <{c}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "relative to the endpoint": "SELECT * WHERE {{ SERVICE <query> {{ ?s ?p ?o }} }}",
    "escape in the IRI": "SELECT * WHERE {{ SERVICE <{c}/\\u0073parql> {{ ?s ?p ?o }} }}",
    "escaped keyword": "SELECT * WHERE {{ \\u0053ERVICE <{c}> {{ ?s ?p ?o }} }}",
    "after an escaped local name": "PREFIX e: <http://e/> SELECT * WHERE {{ ?a e:x\\#y SERVICE <{c}> {{ ?s ?p ?o }} }}",
    "after a local name's second dots": "PREFIX e: <http://e/> SELECT * WHERE {{ ?a ?b e:a.b.SERVICE <{c}> {{ ?s ?p ?o }} }}",
    "in FILTER EXISTS": "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{c}> {{ ?s ?p ?o }} }} }} LIMIT 1",
    "in a subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{c}> {{ ?s ?p ?o }} }} }} }}",
    "variable from VALUES": "SELECT * WHERE {{ VALUES ?u {{ <{c}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
    "variable from BIND": "SELECT * WHERE {{ BIND(<{c}> AS ?u) SERVICE $u {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("name", list(HIDDEN_SERVICES))
def test_service_to_an_address_not_allowed_is_refused(server: Served, canary, name: str):
    answer = query_form(server, HIDDEN_SERVICES[name].format(c=canary.url))
    assert answer.status == 403, answer.text
    assert "SERVICE" in answer.text and "--allow-service" in answer.text
    assert canary.hits == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?service WHERE {{ ?service ?p ?o }} LIMIT 1",
        "PREFIX e: <http://e/> SELECT * WHERE {{ ?s e:service ?o }} LIMIT 1",
        "SELECT * WHERE {{ ?s ?p ?o FILTER(?o = 'SERVICE <{c}> {{ }}') }}",
        'SELECT * WHERE {{ ?s ?p """a "" SERVICE <{c}> {{ }}""" }}',
        "SELECT * WHERE {{ ?s <{c}/SERVICE> ?o }} # SERVICE <{c}> {{ }}",
        "PREFIX service: <http://e/> ASK {{ }}",
    ],
)
def test_service_in_names_strings_comments_and_iris_is_no_service(server: Served, canary, text: str):
    answer = query_form(server, text.format(c=canary.url))
    assert answer.status == 200, answer.text
    assert canary.hits == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE {{ ?a ?b '''x'''' . SERVICE <{c}> {{ ?s ?p ?o }} #' }}",  # a second string, not code
        'SELECT * WHERE {{ ?a ?b """a""""  SERVICE <{c}> {{ ?s ?p ?o }} }}',
        "SELECT * WHERE {{ ?a ?b 'x\\' SERVICE <{c}> {{ ?s ?p ?o }} }}",
    ],
)
def test_tricky_quoting_never_reaches_the_canary(server: Served, canary, text: str):
    answer = query_form(server, text.format(c=canary.url))
    assert answer.status in (400, 403), answer.text
    assert canary.hits == []


def test_load_and_updates_are_refused_read_only(server: Served, canary):
    for update in (
        f"LOAD <{canary.url}/data.ttl>",
        f"LOAD SILENT <{canary.url}/data.ttl> INTO GRAPH <urn:x:g>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}",
    ):
        answer = query_form(server, update, "update", "update")
        assert answer.status == 403 and "read-only" in answer.text
        assert (
            server.request("update", method="POST", data=update.encode(), headers={"Content-Type": "application/sparql-update"}).status
            == 403
        )
    assert canary.hits == []


def test_the_allow_list_lets_through_what_it_names_and_nothing_else(build_dir: Path, tmp_path: Path, canary, second_store: str):
    endpoint, dump = f"{second_store}/query", f"{second_store}/store?default"
    served = start_server(build_dir, tmp_path / "serve.log", "--writable", "--allow-service", endpoint, "--allow-service", dump)
    try:
        federated = query_form(served, f"SELECT ?o WHERE {{ SERVICE <{endpoint}> {{ <urn:x:federated> ?p ?o }} }}")
        assert federated.status == 200, federated.text
        assert [b["o"]["value"] for b in federated.json()["results"]["bindings"]] == [MARKER]
        for text in (
            f"SELECT * WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE <{endpoint}?x=1> {{ ?s ?p ?o }} }}",  # matched exactly
            f"SELECT * WHERE {{ SERVICE <{second_store}/x/../query> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ VALUES ?u {{ <{endpoint}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        ):
            answer = query_form(served, text)
            assert answer.status == 403, (text, answer.text)
        for update in (f"LOAD <{canary.url}/data.ttl>", f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}"):
            assert query_form(served, update, "update", "update").status == 403
        loaded = query_form(served, f"LOAD <{dump}> INTO GRAPH <urn:x:loaded>", "update", "update")
        assert loaded.status in (200, 204), loaded.text
        check = served.query(f'ASK {{ GRAPH <urn:x:loaded> {{ <urn:x:federated> ?p "{MARKER}" }} }}')
        assert check.json()["boolean"] is True
        assert canary.hits == []
        assert "SERVICE and LOAD may reach" in served.log.read_text()
    finally:
        stop_server(served, signal.SIGTERM)
    assert_clean_stop(served)


def test_allow_service_any_lets_everything_through(build_dir: Path, tmp_path: Path, second_store: str):
    served = start_server(build_dir, tmp_path / "serve.log", "--allow-service", "any")
    try:
        answer = query_form(served, f"SELECT ?o WHERE {{ SERVICE <{second_store}/query> {{ <urn:x:federated> ?p ?o }} }}")
        assert answer.status == 200 and MARKER in answer.text
        variable = query_form(served, f"SELECT * WHERE {{ VALUES ?u {{ <{second_store}/query> }} SERVICE ?u {{ ?s ?p ?o }} }}")
        assert variable.status != 403
    finally:
        stop_server(served)
    assert_clean_stop(served)


def test_allow_service_takes_absolute_http_urls_only(build_dir: Path):
    for bad in ("ftp://example.org/sparql", "example.org/sparql", "http://127.0.0.1/a/../sparql"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "csto_kg",
                "serve",
                "--port",
                "0",
                "--data",
                str(ROOT),
                "--build-dir",
                str(build_dir),
                "--allow-service",
                bad,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
            check=False,
        )
        assert done.returncode == 2 and "--allow-service" in done.stderr, (bad, done.stderr)


# ------------------------------------------------------------------ limits
def test_request_bodies_over_the_limit_get_413_and_the_server_goes_on(server: Served):
    limit = 1 << 20  # the default --max-body
    at_limit = b"ASK {}" + b"#" * (limit - 6)
    answer = server.request("query", method="POST", data=at_limit, headers={"Content-Type": "application/sparql-query"})
    assert answer.status == 200, answer.text
    over = server.request("query", method="POST", data=at_limit + b"#", headers={"Content-Type": "application/sparql-query"})
    assert over.status == 413 and "--max-body" in over.text
    form = urllib.parse.urlencode({"query": "ASK {}" + " " * limit}).encode()
    assert server.request("query", method="POST", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 413
    assert (
        server.request("update", method="POST", data=b"x" * (limit + 1), headers={"Content-Type": "application/sparql-update"}).status
        == 413
    )
    # A client that waits for 100 Continue gets the 413 without sending the body.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(200).startswith(b"HTTP/1.1 413")
    chunked = raw(
        server.port,
        b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n",
    )
    assert chunked[0] == 411
    assert raw(server.port, b"GET /query?query=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 414
    assert server.alive()


def test_requests_past_the_concurrency_limits_get_503_with_retry_after(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--timeout", "2", "--max-concurrent", "2", "--max-waiting", "1")
    try:
        answers: dict[str, object] = {}

        def run(name: str, text: str) -> None:
            answers[name] = served.query(text)

        threads = [threading.Thread(target=run, args=(f"slow{i}", SLOW)) for i in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both places taken
        threads.append(threading.Thread(target=run, args=("waiting", "ASK {}")))
        threads[-1].start()
        time.sleep(0.3)  # the one waiting place taken
        started = time.monotonic()
        refused = served.query("ASK {}")
        assert time.monotonic() - started < 1, "turned away at once, not queued"
        assert refused.status == 503 and refused.headers["retry-after"] == "1"
        assert "--max-concurrent" in refused.text
        for thread in threads:
            thread.join(30)
        assert [answers[f"slow{i}"].status for i in range(2)] == [503, 503]
        assert "retry-after" not in answers["slow0"].headers  # a time limit, not a busy server
        assert answers["waiting"].status == 200  # it had its turn once a place was free
        # Open connections are bounded too: max(64, 4 x (2 + 1)) here.
        idle = [socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(64)]
        try:
            time.sleep(0.3)
            status, body = raw(served.port, b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status == 503 and b"too many open connections" in body
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 10
        while not served.alive():
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        stop_server(served)
    assert_clean_stop(served)


def test_the_engine_is_replaced_when_a_query_outruns_its_limits(build_dir: Path, tmp_path: Path):
    """The Oxigraph server goes on with some queries past its time limit, one of them taking
    memory without end: the supervisor replaces it, and everyone else is served meanwhile."""
    # The memory limit must be what stops the hog, whatever the machine's load: it reaches
    # 256 MB in well under a second on an idle machine, so a 10 s time limit leaves it room
    # (with a 1 s limit, a loaded machine ended it by time before it held 256 MB).
    served = start_server(build_dir, tmp_path / "serve.log", "--timeout", "10", "--max-memory", "256M")
    stop = threading.Event()

    def guard() -> None:  # should the supervisor fail, this test fails, the machine does not
        while not stop.wait(0.1):
            for pid, cmdline in _engines():
                if str(served.folder) in cmdline and _memory(pid) > 2 << 30:
                    os.kill(pid, signal.SIGKILL)

    statuses: list[int] = []

    def asks() -> None:
        while not stop.is_set():
            statuses.append(served.query("ASK { ?s ?p ?o }").status)

    threads = [threading.Thread(target=guard, daemon=True), threading.Thread(target=asks, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        hog = served.query(HOG)
        assert hog.status == 503 and "--max-memory" in hog.text, hog.text
        slow = served.query(SLOW)
        assert slow.status == 503 and "time limit" in slow.text
        deadline = time.monotonic() + 30
        while "still ran" not in served.log.read_text():
            assert time.monotonic() < deadline, served.log.read_text()[-2000:]
            time.sleep(0.1)
        stop.set()
        threads[1].join(10)
        log = served.log.read_text()
        assert "replaced the Oxigraph server: it held" in log and "(--max-memory)" in log
        assert statuses and set(statuses) == {200}, statuses
        engines = [pid for pid, cmdline in _engines() if str(served.folder) in cmdline]
        assert len(engines) == 1 and _memory(engines[0]) < 512 << 20
        assert _children(served.process.pid) == engines
        assert served.alive()
    finally:
        stop.set()
        stop_server(served)
    assert_clean_stop(served)
    assert_no_engine_left(served)


# ------------------------------------------------------------------ entity pages
HOSTILE_TTL = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix csto: <https://w3id.org/csto-kg/ontology#> .
<https://w3id.org/csto-kg/id/hostile-label>
    rdfs:label "<script>alert(1)</script>"@en ;
    rdfs:comment "\\"><img src=x onerror=alert(2)>" , "' onmouseover='alert(3)"@en ;
    rdfs:seeAlso <javascript:alert(4)> , <https://example.org/x'onmouseover='alert(5)> ,
        <data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==> ;
    csto:hostileValue "<i>typed</i>"^^<https://example.org/dt'onclick='alert(7)> ;
    csto:hostileLink <https://w3id.org/csto-kg/id/hostile-other> .
csto:hostileLink rdfs:label "'><svg onload=alert(8)>"@en .
<https://w3id.org/csto-kg/id/hostile-other> rdfs:label "</td></tr></table><script>alert(9)</script>"@en ;
    csto:hostileLink <https://w3id.org/csto-kg/id/armenia> .
"""
HOSTILE_ONTOLOGY = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://w3id.org/csto-kg/ontology#Hostile'onmouseover='alert(10)> a owl:Class ;
    rdfs:label "<script>alert(11)</script>"@en ; rdfs:comment "\\"><img src=x onerror=alert(12)>"@en .
"""
PAGE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "p",
    "a",
    "h1",
    "h2",
    "table",
    "tr",
    "th",
    "td",
    "br",
    "span",
    "section",
    "ul",
    "li",
    "code",
    "form",
    "textarea",
    "button",
    # the site's pages: layout, folding, tables, the search box, the membership bar (inline
    # SVG) and scripts (checked one by one in assert_inert)
    "div",
    "header",
    "main",
    "footer",
    "h3",
    "strong",
    "i",
    "pre",
    "details",
    "summary",
    "thead",
    "tbody",
    "label",
    "input",
    "link",
    "svg",
    "g",
    "rect",
    "line",
    "path",
    "text",
    "script",
}


class Page(HTMLParser):
    """The elements, attributes and text of an HTML page, as a browser would read them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.parts: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], list[str]]] = []  # attributes, text
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "script":
            self.scripts.append((dict(attrs), []))
            self._in_script = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        # A script's text is code, not text a reader sees: kept apart (and checked apart).
        (self.scripts[-1][1] if self._in_script else self.parts).append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def assert_inert(page: Page, labels: Iterable[str] = ()) -> None:
    """No element, attribute or link that runs anything but the page's own code; a script is
    either JSON-LD that parses whole, or code that holds none of `labels` and loads only from
    this server."""
    assert set(page.tags) <= PAGE_TAGS, set(page.tags) - PAGE_TAGS
    assert not [name for name, _value in page.attrs if name.lower().startswith("on")], page.attrs
    for name, value in page.attrs:
        if name == "href":
            assert re.match(r"(/(?!/)|\?|#|https?://)", value or ""), value
            assert "javascript:" not in (value or "").lower() and "data:" not in (value or "").lower()
        if name == "src":
            assert re.match(r"/(?!/)", value or ""), value
    for attrs, parts in page.scripts:
        code = "".join(parts)
        if attrs.get("type") == "application/ld+json":
            json.loads(code)
            continue
        assert set(attrs) <= {"src"}, attrs
        assert not [label for label in labels if label in code], code


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):
    """A server over a scratch build whose graph holds labels and IRIs made to be markup."""
    from csto_kg.building.pipeline import build

    folder = tmp_path_factory.mktemp("hostile-data")
    data = scratch_copy(folder / "data")
    (data / "graph" / "article" / "hostile.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    (data / "ontology" / "zz-hostile.ttl").write_text(HOSTILE_ONTOLOGY, encoding="utf-8")
    build(data, folder / "build", validate=False)
    served = start_server(folder / "build", folder / "serve.log", "--data", str(data))
    yield served
    stop_server(served)
    assert_clean_stop(served)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            "id/hostile-label",
            [
                "<script>alert(1)</script>",
                '"><img src=x onerror=alert(2)>',
                "' onmouseover='alert(3)",
                "'><svg onload=alert(8)>",
                "</td></tr></table><script>alert(9)</script>",
                "<i>typed</i>",
            ],
        ),
        ("id/hostile-other", ["</td></tr></table><script>alert(9)</script>", "<script>alert(1)</script>"]),
        ("id/armenia", ["</td></tr></table><script>alert(9)</script>", "'><svg onload=alert(8)>"]),
        ("ontology", ["<script>alert(11)</script>", '"><img src=x onerror=alert(12)>']),
    ],
)
def test_entity_pages_show_labels_as_text_never_as_markup(hostile_server: Served, path: str, shown: list[str]):
    answer = hostile_server.request(path, headers={"Accept": "text/html"})
    assert answer.status == 200, answer.text
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    page = Page(answer.text)
    assert_inert(page, shown)
    for label in shown:
        assert label in page.text, label


def test_the_home_page_escapes_the_host_header(server: Served):
    status, body = raw(
        server.port, b'GET / HTTP/1.1\r\nHost: "><script>alert(1)</script>\r\nAccept: text/html\r\nConnection: close\r\n\r\n'
    )
    assert status == 200
    page = Page(body.decode())
    assert_inert(page, ['"><script>alert(1)</script>'])
    # The site's home links relatively and need not name the host; where it does, as text.
    assert "alert(1)" not in body.decode() or '"><script>alert(1)</script>' in page.text


CLIMBING = [
    "/id/../../etc/passwd",
    "/id/%2e%2e/%2e%2e/etc/passwd",
    "/id/..%2f..%2fetc%2fpasswd",
    "/id/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd",
    "/id/armenia/../../../etc/passwd",
    "/id/armenia%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/id/%C0%AE%C0%AE/etc/passwd",
    "/id/%252e%252e/etc/passwd",
    "/id/./armenia",
    "/id//etc/passwd",
    "//etc/passwd",
    "/ontology/../../etc/passwd",
    "/id/a%00b",
    "/id/a%0d%0aSet-Cookie:x",
    "/id/http://127.0.0.1/etc/passwd",
    "/id/file:%2F%2F%2Fetc%2Fpasswd",
    "/etc/passwd",
    "/.well-known/../../etc/passwd",
]


@pytest.mark.parametrize("path", CLIMBING)
def test_paths_that_climb_out_get_404_and_no_file(server: Served, canary, path: str):
    status, body = raw(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert status == 404, (path, body)
    assert b"root:" not in body
    assert canary.hits == []


def test_nul_bytes_long_paths_and_absolute_urls(server: Served, canary):
    # A NUL byte in the request line is malformed HTTP: h11 refuses it before any route.
    assert raw(server.port, b"GET /id/a\x00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0] == 400
    assert raw(server.port, f"GET /id/{'a' * 5000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())[0] == 414
    target = f"{canary.url}/etc/passwd"
    assert raw(server.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())[0] == 404
    # An absolute URL as the request target names a path of this server, never another one.
    status, body = raw(
        server.port, f"GET {canary.url}/id/armenia HTTP/1.1\r\nHost: x\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 200 and b"Armenia" in body
    assert canary.hits == []
    assert server.alive()


# ------------------------------------------------------------------ mixed load
def test_a_mixed_load_serves_every_good_request(server: Served, canary):
    """20 clients for 5 s: 12 send good requests, 2 queries that run into the time limit,
    6 hostile requests in turn. Every good one is answered 200, every other gets its status."""
    report = load_mixed.run_load(server.url, canary, clients=20, duration=5, slow=2, hostile=6)
    shown = load_mixed.render(report, 20, 2, 6)
    assert not report.unexpected(), shown
    assert report.count("good") >= 100 and report.count("slow") >= 2 and report.count("hostile") >= 100, shown
    assert {kind for kind, cls in report.classes.items() if cls == "hostile"} <= set(report.statuses), shown
    assert report.canary_hits == []
    assert server.alive()
    assert json.loads(server.query("ASK {}").body)["boolean"] is True
