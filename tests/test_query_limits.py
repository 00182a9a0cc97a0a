"""Limits of `csto-kg query`: the text table streamed, the time limit of a remote request
as a whole, and SERVICE only to the endpoints the user named."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT
from test_trust import cli, one_line_error

from csto_kg.core.errors import UsageError
from csto_kg.querying import sparql


@pytest.fixture()
def where(build_dir: Path) -> list[str]:
    return ["--data", str(ROOT), "--build-dir", str(build_dir)]


# The text table ------------------------------------------------------------------------------


def _answer(rows: list[tuple[object, ...]], variables: list[str]) -> sparql.QueryResult:
    solutions = ({v: t for v, t in zip(variables, row, strict=True)} for row in rows)
    return sparql.QueryResult("select", variables, pending=solutions)


_GOLDEN = (
    "state          name     since\n"
    "-------------  -------  ----------\n"
    "kg:armenia     Armenia  1992-05-15\n"
    "kg:kazakhstan           2002\n"
    "x\n"
)


def test_a_small_table_is_laid_out_as_before():
    kg = "https://w3id.org/csto-kg/id/"
    rows = [
        (ox.NamedNode(kg + "armenia"), ox.Literal("Armenia", language="en"), ox.Literal("1992-05-15")),
        (ox.NamedNode(kg + "kazakhstan"), None, ox.Literal("2002")),
        (ox.Literal("x"), None, None),
    ]
    stream = io.BytesIO()
    answer = _answer(rows, ["state", "name", "since"])
    answer.write(stream, "table")
    assert stream.getvalue().decode("utf-8") == _GOLDEN
    assert answer.written == 3
    assert _answer(rows, ["state", "name", "since"]).table() == _GOLDEN


class _Watch(io.BytesIO):
    """Records how many rows had been read from the answer when the first byte was written."""

    def __init__(self, pulled: list[int]) -> None:
        super().__init__()
        self.pulled = pulled
        self.first: int | None = None

    def write(self, data) -> int:  # type: ignore[override]
        if self.first is None:
            self.first = self.pulled[0]
        return super().write(data)


def test_a_large_table_is_written_before_the_answer_is_read_whole():
    total = 5 * sparql.TABLE_CHUNK
    pulled = [0]

    def solutions() -> Iterator[dict[str, ox.Literal]]:
        for i in range(total):
            pulled[0] += 1
            yield {"n": ox.Literal(str(i)), "wide": ox.Literal("w" * (i // sparql.TABLE_CHUNK))}

    stream = _Watch(pulled)
    answer = sparql.QueryResult("select", ["n", "wide"], pending=solutions())
    answer.write(stream, "table")
    assert stream.first is not None and stream.first <= sparql.TABLE_CHUNK + 1
    lines = stream.getvalue().decode("utf-8").splitlines()
    assert len(lines) == total + 2 and answer.written == total
    # The widths come from the first rows; a wider cell later is written whole.
    assert lines[2] == "0" and lines[-1] == f"{total - 1:<4}  {'w' * 4}"


def test_the_command_line_counts_the_rows_of_a_streamed_table(where):
    proc = cli("query", "-e", "SELECT ?s WHERE { ?s a csto:State }", "--format", "table", *where)
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.decode("utf-8").splitlines()[2:]
    assert rows and proc.stderr.decode("utf-8").strip() == f"({len(rows)} rows)"


# The time limit of a remote request ---------------------------------------------------------


@contextlib.contextmanager
def _trickling_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every request with a status line and then
    one byte every 0.2 s, for ever: each read succeeds, the answer never ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set():
                conn, _ = listener.accept()
                threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    def trickle(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n")
            while not stop.wait(0.2):
                conn.sendall(b"X-Slow: y\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        stop.set()
        listener.close()


def test_the_timeout_of_a_remote_query_bounds_the_whole_request(tmp_path):
    with _trickling_server() as endpoint:
        out = tmp_path / "out.json"
        proc = cli("query", "-e", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", endpoint, "--timeout", "1", "-o", str(out), timeout=120)
    one_line_error(proc, 1, "time limit")
    assert list(tmp_path.iterdir()) == []


# SERVICE only to endpoints the user named ---------------------------------------------------

_SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"


@pytest.mark.parametrize(
    "text",
    [
        _SERVICE,
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . 1SERVICE<http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://127.0.0.1:1/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "PREFIX x: <http://127.0.0.1:1/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
    ],
)
def test_a_service_the_user_did_not_name_is_a_usage_error(where, text):
    one_line_error(cli("query", "-e", text, *where), 2, "SERVICE", "--allow-service")
    one_line_error(cli("query", "-e", text, "--allow-service", "http://127.0.0.1:1/other", *where), 2, "--allow-service")


def test_a_service_is_screened_before_a_remote_endpoint_sees_it():
    # Nothing listens on port 1: a screened query never gets as far as a connection.
    proc = cli("query", "-e", _SERVICE, "--endpoint", "http://127.0.0.1:1/sparql", timeout=120)
    one_line_error(proc, 2, "SERVICE", "--allow-service")


def test_a_named_service_is_sent(where):
    proc = cli("query", "-e", _SERVICE, "--allow-service", "http://127.0.0.1:1/sparql", *where)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 1 and "--allow-service" not in err, err  # refused by nobody: no server there


def test_the_federated_query_runs_only_on_the_endpoint_it_is_given(where):
    one_line_error(cli("query", "members-heads-of-state", *where), 2, "query.wikidata.org", "--allow-service")
    given = cli("query", "members-heads-of-state", "-p", "endpoint", "http://127.0.0.1:1/sparql", *where)
    assert given.returncode == 1 and "--allow-service" not in given.stderr.decode("utf-8")


def test_the_screen_is_the_servers_scanner():
    from csto_kg.cli.query import service_screen

    screen = service_screen(("http://127.0.0.1:1/a",), {})
    screen("SELECT * WHERE { SERVICE <http://127.0.0.1:1/a> { ?s ?p ?o } }")
    screen("SELECT * WHERE { ?s ?p 'SERVICE <http://elsewhere/>' }")  # inside a string: not a SERVICE
    with pytest.raises(UsageError):
        screen("SELECT * WHERE { SERVICE <http://127.0.0.1:1/a/../b> { ?s ?p ?o } }")
    service_screen(("any",), {})("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }")


@pytest.mark.parametrize("url", ["http://[::1/x", "http://[1:2:3"])
def test_an_allow_list_entry_urlsplit_cannot_read_is_a_usage_error(where, url):
    from csto_kg.serve.settings import allowed_origins, allowed_services

    one_line_error(cli("query", "members", "--allow-service", url, *where), 2, "--allow-service")
    with pytest.raises(UsageError, match="--allow-service"):
        allowed_services([url])
    with pytest.raises(UsageError, match="--allow-origin"):
        allowed_origins([url])
