"""csto-kg serve against an attacker, round two: request size and nesting, framing, slow
clients, cut answers, cross-origin writes and bad encodings (all on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.parse
from pathlib import Path

import pytest
from conftest import ROOT
from test_serve import SLOW, Served, assert_clean_stop, start_server, stop_server
from test_serve_hostile import query_form, raw

from csto_kg.core.errors import UsageError
from csto_kg.querying.querytext import check_nesting


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("trust") / "serve.log"
    served = start_server(build_dir, log, "--timeout", "2", "--max-results", "2000", "--read-timeout", "1")
    yield served
    stop_server(served)
    assert_clean_stop(served)


# ------------------------------------------------------------------ size and nesting
def test_the_service_scan_is_linear_in_the_text():
    """`service` repeated: each keyword once copied the rest of the text (17 GB for 1 MB)."""
    from csto_kg.serve.screen import check_outbound
    from csto_kg.serve.settings import HttpError

    tracemalloc.start()
    try:
        with pytest.raises(HttpError) as refused:
            check_outbound("service" * 20_000, frozenset())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.status == 403
    assert peak < 20 << 20, f"{peak >> 20} MB for 140 KB of text"


def test_a_megabyte_of_service_is_refused_and_the_server_goes_on(server: Served):
    text = "service" * ((1 << 20) // 7 - 10)
    answer = server.request("query", method="POST", data=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert answer.status == 403 and "SERVICE" in answer.text
    assert len(answer.body) < 1000
    assert server.alive()


DEEP = {
    "groups": "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    "parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3000 + "true" + ")" * 3000 + ") }",
    "negations": "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 3000 + "true) }",
}


@pytest.mark.parametrize("name", list(DEEP))
def test_check_nesting_refuses_deep_queries(name: str):
    with pytest.raises(UsageError, match="64 levels"):
        check_nesting(DEEP[name])


def test_check_nesting_lets_ordinary_queries_through():
    check_nesting("SELECT * WHERE " + "{" * 62 + " ?s ?p ?o FILTER(?o != 1 && !BOUND(?x)) " + "}" * 62)
    check_nesting("SELECT * WHERE { ?s ?p '" + "{" * 500 + "' } # " + "(" * 500)
    check_nesting("SELECT * WHERE { ?s <urn:x:" + "(" * 100 + "> ?o }")
    with pytest.raises(UsageError):
        check_nesting("ASK " + "{" * 11, limit=10)


@pytest.mark.parametrize("name", list(DEEP))
def test_the_command_line_refuses_deep_queries_in_one_line(name: str, build_dir: Path):
    done = subprocess.run(
        [sys.executable, "-m", "csto_kg", "query", "--data", str(ROOT), "--build-dir", str(build_dir), "-e", DEEP[name]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "64 levels" in done.stderr


@pytest.mark.parametrize("name", list(DEEP))
def test_the_server_refuses_deep_queries_with_400(server: Served, name: str):
    answer = query_form(server, DEEP[name])
    assert answer.status == 400 and "64 levels" in answer.text
    assert server.alive()


# ------------------------------------------------------------------ framing and encodings
SMUGGLED = {
    "two lengths": b"Content-Length: 5\r\nContent-Length: 40\r\n",
    "plus sign": b"Content-Length: +5\r\n",
    "underscore": b"Content-Length: 5_0\r\n",
    "identity then chunked": b"Content-Length: 5\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
}


@pytest.mark.parametrize("name", list(SMUGGLED))
def test_ambiguous_framing_is_refused(server: Served, name: str):
    request = (
        b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + SMUGGLED[name]
        + b"Connection: close\r\n\r\nquery=ASK%7B%7D"
        + b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    status, body = raw(server.port, request)
    assert status == 400, body
    assert b"HTTP/1.1 200" not in body  # no second request read out of the body
    assert server.alive()


def test_a_query_string_that_is_not_utf8_gets_400(server: Served):
    assert server.request("query?query=ASK%7B%FF%7D").status == 400
    answer = server.request(
        "query", method="POST", data=b"query=ASK%7B%FE%7D", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status == 400 and "UTF-8" in answer.text


# ------------------------------------------------------------------ slow clients, overload, cut answers
def test_a_client_trickling_its_headers_is_cut_off(server: Served):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n")
        closed = False
        for _ in range(100):  # a header byte every 0.1 s, for 10 s at most
            try:
                sock.sendall(b"X")
                sock.settimeout(0.1)
                data = sock.recv(1000)
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
            closed = data == b"" or data.startswith(b"HTTP/1.1 408")
            break
        assert closed, "the server still waits for a request trickling in"
    assert server.alive()


def test_an_engine_that_dies_under_a_query_gives_503_not_502(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--timeout", "5")
    try:
        answers = []
        thread = threading.Thread(target=lambda: answers.append(served.query(SLOW)))
        thread.start()
        time.sleep(0.5)
        os.kill(served.child, signal.SIGKILL)
        thread.join(30)
        assert answers and answers[0].status == 503, answers
        assert answers[0].headers.get("retry-after") == "1" or "time limit" in answers[0].text
        deadline = time.monotonic() + 20
        while not served.alive():
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        stop_server(served)


def test_max_results_applies_to_graph_store_reads(server: Served):
    whole = server.request("store", headers={"Accept": "application/n-quads"})
    assert whole.status == 413 and "--max-results" in whole.text
    assert whole.headers["x-result-limit"] == "2000"
    graph = urllib.parse.quote("https://w3id.org/csto-kg/graph/ontology", safe="")
    small = server.request("store?graph=" + graph, headers={"Accept": "application/n-triples"})
    assert small.status == 200
    assert small.headers["x-result-count"] == str(len(small.body.splitlines()))


def _peak_memory(pid: int) -> int:
    """The most resident memory process `pid` has held since it started (VmHWM), in bytes."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def test_the_front_refuses_to_grow_past_max_front_memory(build_dir: Path, tmp_path: Path):
    """An answer of ~50 MB (150,000 rows of a cross product) would take the front to several
    hundred MB; with --max-front-memory 192M it is refused with 503 and the front never
    held more than its limit, then serves the next requests."""
    limit = 192 << 20
    served = start_server(build_dir, tmp_path / "serve.log", "--timeout", "60", "--max-results", "1000000", "--max-front-memory", "192M")
    try:
        assert _peak_memory(served.process.pid) < limit, "the front holds more than the test's limit before any request"
        text = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 150000"
        big = served.request("query?" + urllib.parse.urlencode({"query": text}), timeout=120)
        assert big.status == 503 and "--max-front-memory" in big.text, (big.status, big.text[:200])
        assert big.headers["retry-after"] == "1"
        assert _peak_memory(served.process.pid) < limit
        small = served.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000")
        assert small.status == 200 and small.headers["x-result-count"] == "1000"
    finally:
        stop_server(served)
    assert_clean_stop(served)


# ------------------------------------------------------------------ cross-origin writes
def _drop_all(served: Served, origin: str | None) -> int:
    """A form POST of update=DROP ALL, as a browser sends it from a page of `origin`."""
    body = b"update=DROP+ALL"
    head = (
        f"POST /update HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n" + (f"Origin: {origin}\r\n" if origin else "") + "Connection: close\r\n\r\n"
    )
    return raw(served.port, head.encode() + body)[0]


def test_a_cross_origin_form_cannot_write(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--writable")
    try:
        assert _drop_all(served, "https://evil.example") == 403
        assert served.query("ASK { ?s ?p ?o }").json()["boolean"] is True
        put = served.request(
            "store?default",
            method="PUT",
            data=b"<urn:a> <urn:b> <urn:c> .",
            headers={"Content-Type": "application/n-triples", "Origin": "null"},
        )
        assert put.status == 403
        assert served.query("ASK { <https://w3id.org/csto-kg/id/armenia> ?p ?o }").json()["boolean"] is True
        assert _drop_all(served, f"http://127.0.0.1:{served.port}") in (200, 204)  # its own pages may
        assert served.query("ASK { ?s ?p ?o }").json()["boolean"] is False
    finally:
        stop_server(served)
    assert_clean_stop(served)


def test_allow_origin_lets_a_named_origin_write(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--writable", "--allow-origin", "https://editor.example")
    try:
        assert _drop_all(served, "https://other.example") == 403
        assert _drop_all(served, "https://editor.example") in (200, 204)
        assert served.query("ASK { ?s ?p ?o }").json()["boolean"] is False
    finally:
        stop_server(served)
    assert_clean_stop(served)
