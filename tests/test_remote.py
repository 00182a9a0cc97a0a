"""Remote endpoints, offline: reconcile, enrich and query --endpoint against real local servers.

An Oxigraph server (the `oxigraph` binary of the PyPI package) serves a small
Wikidata-shaped fixture on 127.0.0.1; tiny http.server endpoints play the failures
(refused, silent, HTTP 500, HTTP 429, a body that is not SPARQL results). Nothing here
reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT

from csto_kg.cli import main
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import KG
from csto_kg.linking import remote

FIXTURE = ROOT / "tests" / "fixtures" / "wikidata"
WD = "http://www.wikidata.org/entity/"
SPARQL_JSON = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"ok"}}]}}'


# Servers -----------------------------------------------------------------------------


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).is_file():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def oxigraph_server(folder: Path, files: list[Path], union: bool = False) -> Iterator[str]:
    """Load `files` into a new store and serve it on a free local port; yields the query URL."""
    binary = _oxigraph()
    location = folder / "store"
    for path in files:
        subprocess.run([binary, "load", "--location", str(location), "--file", str(path)], check=True, capture_output=True, timeout=120)
    port = _free_port()
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"oxigraph serve exited: {(folder / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph serve did not become ready")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Wikidata-shaped fixture, served."""
    with oxigraph_server(tmp_path_factory.mktemp("wikidata"), sorted(FIXTURE.glob("*.ttl"))) as url:
        yield url


@pytest.fixture(scope="module")
def csto_endpoint(tmp_path_factory: pytest.TempPathFactory, store) -> Iterator[str]:
    """The project's built graph, served with the union of its graphs as default graph."""
    folder = tmp_path_factory.mktemp("csto")
    dump = folder / "csto.nq"
    with dump.open("wb") as stream:
        ox.serialize(store.quads_for_pattern(None, None, None, None), stream, format=ox.RdfFormat.N_QUADS)
    with oxigraph_server(folder, [dump], union=True) as url:
        yield url


class _Handler(BaseHTTPRequestHandler):
    """Answers with whatever the server's `answer(handler)` says."""

    def do_GET(self) -> None:
        self.server.requests.append((self.command, self.path, dict(self.headers)))  # type: ignore[attr-defined]
        self.server.answer(self)  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", media: str = "text/plain", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def http_endpoint(answer: Callable[[_Handler], None]) -> Iterator[tuple[str, list]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.answer = answer  # type: ignore[attr-defined]
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", server.requests  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def silent_endpoint() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(sock.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        sock.close()


def refused_url() -> str:
    return f"http://127.0.0.1:{_free_port()}/sparql"


@pytest.fixture()
def run(build_dir: Path):
    def invoke(*args: str, build: Path | None = None):
        return CliRunner().invoke(main, [*args, "--data", str(ROOT), "--build-dir", str(build or build_dir)])

    return invoke


# The client: User-Agent, backoff, errors --------------------------------------------------


def test_requests_carry_a_descriptive_user_agent():
    with http_endpoint(lambda h: h.reply(200, SPARQL_JSON, "application/sparql-results+json")) as (url, requests):
        result = remote.run(url, "SELECT ?x WHERE { ?s ?p ?x }")
    assert result.rows[0][0].value == "ok"
    agent = requests[0][2]["User-Agent"]
    assert agent.startswith("csto-kg/") and "https://w3id.org/csto-kg" in agent and "linked-data research tool" in agent
    assert "application/sparql-results+json" in requests[0][2]["Accept"]


def test_backoff_is_exponential_without_retry_after():
    calls = []

    def answer(h: _Handler) -> None:
        calls.append(1)
        if len(calls) <= 3:
            h.reply(429, b"slow down")
        else:
            h.reply(200, SPARQL_JSON, "application/sparql-results+json")

    waits: list[float] = []
    with http_endpoint(answer) as (url, _):
        result = remote.run(remote.Endpoint(url, sleep=waits.append), "SELECT ?x WHERE { ?s ?p ?x }")
    assert waits == [1.0, 2.0, 4.0]
    assert len(result.rows) == 1


def test_backoff_honours_retry_after():
    calls = []

    def answer(h: _Handler) -> None:
        calls.append(1)
        if len(calls) == 1:
            h.reply(429, b"", headers={"Retry-After": "7"})
        else:
            h.reply(200, SPARQL_JSON, "application/sparql-results+json")

    waits: list[float] = []
    with http_endpoint(answer) as (url, _):
        remote.run(remote.Endpoint(url, sleep=waits.append), "SELECT ?x WHERE { ?s ?p ?x }")
    assert waits == [7.0]


def test_429_then_200_through_the_command_line(run, tmp_path: Path):
    calls = []

    def answer(h: _Handler) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            h.reply(429, b"Too Many Requests", headers={"Retry-After": "1"})
        else:
            h.reply(200, SPARQL_JSON, "application/sparql-results+json")

    with http_endpoint(answer) as (url, _):
        result = run("query", "--endpoint", url, "-e", "SELECT ?x WHERE { ?s ?p ?x }", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["x", "ok"]
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9  # waited as asked


def _fails_cleanly(result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("csto-kg: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def kept(tmp_path: Path) -> Path:
    """An existing output file that a failed command must leave as it was."""
    path = tmp_path / "report.json"
    path.write_text("previous report\n", encoding="utf-8")
    return path


def test_refused_connection(run, kept: Path):
    url = refused_url()
    _fails_cleanly(run("reconcile", "--endpoint", url, "-o", str(kept)), "connection refused", url)
    assert kept.read_text(encoding="utf-8") == "previous report\n"


def test_timeout(run, kept: Path):
    with silent_endpoint() as url:
        start = time.monotonic()
        result = run("reconcile", "--endpoint", url, "--timeout", "0.5", "-o", str(kept))
    _fails_cleanly(result, "no answer", "0.5 s", "timeout")
    assert time.monotonic() - start < 10
    assert kept.read_text(encoding="utf-8") == "previous report\n"


def test_http_500(run, kept: Path):
    with http_endpoint(lambda h: h.reply(500, b"java.lang.OutOfMemoryError\n\tat line 1\n\tat line 2")) as (url, _):
        line = _fails_cleanly(run("query", "--endpoint", url, "-e", "SELECT * WHERE { ?s ?p ?o }", "-o", str(kept)), "HTTP 500")
    assert "OutOfMemoryError" in line
    assert kept.read_text(encoding="utf-8") == "previous report\n"


def test_429_forever(run, kept: Path):
    with http_endpoint(lambda h: h.reply(429, b"Too Many Requests", headers={"Retry-After": "0"})) as (url, requests):
        _fails_cleanly(run("reconcile", "--endpoint", url, "-o", str(kept)), "HTTP 429", "try again later")
    assert len(requests) == remote.DEFAULT_RETRIES + 1
    assert kept.read_text(encoding="utf-8") == "previous report\n"


def test_a_body_that_is_not_sparql_results(run, kept: Path):
    page = b"<!DOCTYPE html><html><body>Welcome to our portal</body></html>"
    with http_endpoint(lambda h: h.reply(200, page, "text/html; charset=utf-8")) as (url, _):
        _fails_cleanly(run("reconcile", "--endpoint", url, "-o", str(kept)), "did not answer with SPARQL results", "text/html")
    with http_endpoint(lambda h: h.reply(200, b'{"oops": ', "application/sparql-results+json")) as (url, _):
        _fails_cleanly(run("query", "--endpoint", url, "-e", "SELECT * WHERE { ?s ?p ?o }", "-o", str(kept)), "not valid SPARQL results")
    assert kept.read_text(encoding="utf-8") == "previous report\n"


def _own_build(build_dir: Path, dest: Path) -> Path:
    """A build of its own for a test that changes it: a copy of the session's, which is
    current for the same sources (a copy answers as the original; building again would
    only take longer)."""
    import shutil

    shutil.copytree(build_dir, dest, symlinks=True)
    return dest


def test_enrich_fails_cleanly_and_changes_nothing(run, build_dir: Path, tmp_path: Path):
    build = _own_build(build_dir, tmp_path / "build")
    result = run("enrich", "--endpoint", refused_url(), build=build)
    _fails_cleanly(result, "connection refused")
    assert not (build / "enrich" / "wikidata.nq").exists()


def test_bad_endpoint_is_a_usage_error(run):
    result = run("reconcile", "--endpoint", "ftp://example.org/sparql")
    assert result.exit_code == 2 and "invalid endpoint" in result.stderr


# Binding parameters for a remote endpoint ------------------------------------------------


def test_parameters_are_substituted_everywhere_as_escaped_terms():
    date = ox.Literal("2000-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    text = (
        '# ?date in a comment\nSELECT ?date ?s WHERE { ?s <http://e/p> "?date" FILTER(?s != <http://e/?date>) '
        "{ SELECT ?date ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o < ?date) } GROUP BY ?date ?s } } ORDER BY ?date"
    )
    out = remote.substitute(text, {ox.Variable("date"): date})
    term = '"2000-01-01"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert out == (
        f'# ?date in a comment\nSELECT ({term} AS ?date) ?s WHERE {{ ?s <http://e/p> "?date" FILTER(?s != <http://e/?date>) '
        f"{{ SELECT  ?s (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?o < {term}) }} GROUP BY ({term}) ?s }} }} ORDER BY ({term})"
    )
    construct = remote.substitute("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {ox.Variable("s"): ox.NamedNode("http://e/a")})
    assert construct == "CONSTRUCT { <http://e/a> ?p ?o } WHERE { <http://e/a> ?p ?o }"
    # After a subquery's GROUP BY, the variable is in a pattern again: a term, not `(term)`,
    # which SPARQL would read as a one-item RDF collection.
    after = remote.substitute(
        "SELECT ?s WHERE { { SELECT ?o (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?o } ?o ?q ?s } ORDER BY ?s",
        {ox.Variable("s"): ox.NamedNode("http://e/a")},
    )
    assert after == (
        "SELECT (<http://e/a> AS ?s) WHERE { { SELECT ?o (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?o } "
        "?o ?q <http://e/a> } ORDER BY (<http://e/a>)"
    )


# Queries whose parameters stand inside subqueries that do not project them. Binding by
# text puts the value there too (as SEP-0007 substitution does); Oxigraph's own
# substitution binds only the outer query, so it gives other answers by design.
# tests/test_query_forms.py checks these against their plain formulations instead.
INNER_PARAMETERS = {"status", "office-holders"}
# Values for the queries with a required parameter.
REQUIRED_PARAMETERS = {
    "status": {"state": "armenia"},
    "events-of": {"actor": "armenia"},
    "ratifications": {"instrument": "kg:csto-charter"},
}


def test_substituted_named_queries_answer_as_locally(store, layout):
    from csto_kg.core.namespaces import PREFIXES
    from csto_kg.querying.catalogue import catalogue
    from csto_kg.querying.params import substitutions

    for name, named in catalogue(layout.queries_dir).items():
        if "SERVICE" in named.text or name in INNER_PARAMETERS:
            continue
        given = REQUIRED_PARAMETERS.get(name, {})
        bound = substitutions(named, given)
        remote_text = remote.prepare(named.text, bound)
        sent = sorted(tuple(map(str, row)) for row in store.query(remote_text, use_default_graph_as_union=True))
        local = sorted(
            tuple(map(str, row)) for row in store.query(named.text, prefixes=PREFIXES, substitutions=bound, use_default_graph_as_union=True)
        )
        assert sent == local, name


def test_a_value_cannot_break_out_of_its_literal():
    nasty = ox.Literal('x" } ; DROP ALL ; #\n')
    out = remote.substitute("SELECT ?name WHERE { ?s ?p ?name }", {ox.Variable("name"): nasty})
    assert out == 'SELECT ("x\\" } ; DROP ALL ; #\\n" AS ?name) WHERE { ?s ?p "x\\" } ; DROP ALL ; #\\n" }'


def test_prefixes_are_declared_only_when_used_and_missing():
    text = remote.with_prefixes('PREFIX kg: <http://other/>\nSELECT * WHERE { ?s a csto:State ; rdfs:label "a:b" ; <http://x/owl:y> kg:z }')
    assert text.startswith(
        "PREFIX csto: <https://w3id.org/csto-kg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX kg:"
    )
    assert "PREFIX owl:" not in text and "PREFIX a:" not in text


def test_updates_are_not_sent():
    with pytest.raises(UsageError):
        remote.query_form("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")


# query --endpoint and SERVICE -------------------------------------------------------------


@pytest.mark.parametrize("date", ["2010-01-01", "1995-06-01", "2024-03-01"])
def test_a_named_query_with_parameters_gives_the_same_answer_remotely(run, csto_endpoint, date):
    local = run("query", "members", "-p", "date", date, "--format", "csv")
    remote_ = run("query", "--endpoint", csto_endpoint, "members", "-p", "date", date, "--format", "csv")
    assert remote_.exit_code == 0, remote_.output
    assert remote_.stdout == local.stdout
    assert len(remote_.stdout.splitlines()) > 1


def test_a_hostile_parameter_value_stays_a_value(run, csto_endpoint):
    text = "SELECT ?name ?s WHERE { ?s rdfs:label ?name }"
    result = run("query", "--endpoint", csto_endpoint, "-e", text, "-p", "name", 'Armenia"@en } UNION { ?s ?p ?name } #', "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["name,s"]


def test_query_file_against_the_fixture(run, wikidata, tmp_path: Path):
    path = tmp_path / "members.rq"
    path.write_text(
        "PREFIX wd: <http://www.wikidata.org/entity/>\nPREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "SELECT ?state ?name WHERE { ?state wdt:P463 wd:Q318693 ; rdfs:label ?name FILTER(LANG(?name) = 'en') } ORDER BY ?name\n",
        encoding="utf-8",
    )
    out = tmp_path / "members.json"
    result = run("query", "--endpoint", wikidata, str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    names = [b["name"]["value"] for b in json.loads(out.read_text())["results"]["bindings"]]
    assert "Serbia" in names and "Uzbekistan" in names and len(names) == 10


def test_construct_against_the_fixture(run, wikidata):
    text = "PREFIX wd: <http://www.wikidata.org/entity/> CONSTRUCT { wd:Q399 ?p ?o } WHERE { wd:Q399 ?p ?o }"
    result = run("query", "--endpoint", wikidata, "-e", text, "--format", "nt")
    assert result.exit_code == 0, result.output
    assert '<http://www.wikidata.org/entity/Q399> <http://www.w3.org/2000/01/rdf-schema#label> "Armenia"@en .' in result.stdout


def test_named_federated_query_joins_members_with_heads_of_state(run, wikidata):
    result = run("query", "members-heads-of-state", "-p", "endpoint", wikidata, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {b["state"]["value"]: b for b in json.loads(result.stdout)["results"]["bindings"]}
    assert rows[KG + "russia"]["headOfStateName"]["value"] == "Vladimir Putin"
    assert rows[KG + "belarus"]["headOfState"]["value"] == WD + "Q2866"
    assert "headOfState" not in rows[KG + "armenia"]  # the fixture gives none: listed without
    assert all(b["endpoint"]["value"] == wikidata for b in rows.values())
    assert KG + "uzbekistan" not in rows


# reconcile --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(wikidata, build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("report") / "report.json"
    result = CliRunner().invoke(
        main, ["reconcile", "--endpoint", wikidata, "-o", str(out), "--data", str(ROOT), "--build-dir", str(build_dir)]
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def facts(report: dict, fact: str, entity: str | None = None, external: str | None = None) -> list[dict]:
    return [
        f
        for f in report["facts"]
        if f["fact"] == fact and (entity is None or f["entity"] == KG + entity) and (external is None or f["external"] == WD + external)
    ]


def one(report: dict, fact: str, entity: str) -> dict:
    found = facts(report, fact, entity)
    assert len(found) == 1, found
    return found[0]


def texts(values: list[dict]) -> list[str]:
    return [v["text"] for v in values]


def test_report_has_sources_and_a_summary(report, wikidata):
    assert report["there"] == wikidata and report["endpoint"] == wikidata
    assert report["retrieved"].endswith("Z")
    assert sum(report["summary"].values()) == len(report["facts"])
    assert set(report["summary"]) == {"agree", "disagree", "only-here", "only-there"}


def test_membership_suspended_here_but_open_there_disagrees(report):
    uzbekistan = facts(report, "membership", "uzbekistan")
    disagree = [f for f in uzbekistan if f["status"] == "disagree"]
    assert len(disagree) == 1
    assert texts(disagree[0]["there"]) == ["2006-08-16 to (no end)"]
    assert texts(disagree[0]["here"]) == ["2006-08-16 to 2012-12-19, then suspended"]
    assert "suspended" in disagree[0]["note"]
    only_here = [f for f in uzbekistan if f["status"] == "only-here"]
    assert len(only_here) == 1 and texts(only_here[0]["here"]) == ["1992-05-15 to 1999"]


def test_a_state_that_never_was_a_member_is_only_there(report):
    serbia = one(report, "membership", "serbia")
    assert serbia["status"] == "only-there" and serbia["note"] == "never a member here"
    assert texts(serbia["there"]) == ["2010 to (no end)"]  # a year stays a year


def test_dates_are_compared_at_their_precision(report):
    belarus = one(report, "membership", "belarus")
    assert belarus["status"] == "agree" and texts(belarus["there"]) == ["1993 to (no end)"]
    azerbaijan = one(report, "membership", "azerbaijan")
    assert azerbaijan["status"] == "agree" and "year precision" in azerbaijan["note"]
    georgia = one(report, "membership", "georgia")
    assert georgia["status"] == "agree"


def test_a_membership_from_the_organisations_founding_agrees(report):
    russia = one(report, "membership", "russia")
    assert russia["status"] == "agree" and "2002-10-07" in russia["note"]
    for state in ("armenia", "kazakhstan", "kyrgyzstan", "tajikistan"):
        assert one(report, "membership", state)["status"] == "agree", state


def test_population_values_are_shown_side_by_side(report):
    armenia = one(report, "population", "armenia")
    assert armenia["status"] == "disagree"
    assert [v["value"] for v in armenia["here"]] == ["3015400"]
    assert [v["value"] for v in armenia["there"]] == ["2990900"]
    assert texts(armenia["there"]) == ["2990900 (2021)"]
    assert one(report, "population", "belarus")["status"] == "agree"
    assert one(report, "population", "azerbaijan")["status"] == "only-there"


def test_area_exact_with_its_unit(report):
    assert one(report, "area (km²)", "armenia")["status"] == "agree"
    assert one(report, "area (km²)", "kyrgyzstan")["status"] == "disagree"
    russia = one(report, "area (km²)", "russia")
    assert russia["status"] == "disagree" and "not converted" in russia["note"]
    assert one(report, "area (km²)", "tajikistan")["status"] == "only-here"


def test_capitals(report):
    assert one(report, "capital", "kazakhstan")["status"] == "agree"
    ukraine = one(report, "capital", "ukraine")
    assert ukraine["status"] == "only-there" and texts(ukraine["there"]) == ["Kyiv (wd:Q1899)"]


def test_organisation_facts(report):
    assert one(report, "headquarters", "csto")["status"] == "agree"
    count = one(report, "member count", "csto")
    assert count["status"] == "disagree" and [v["value"] for v in count["there"]] == ["63"]
    assert [v["value"] for v in count["here"]] == ["6"]
    secretaries = facts(report, "secretary general", "csto")
    agree = [f for f in secretaries if f["status"] == "agree"]
    assert [v["iri"] for f in agree for v in f["there"]] == [WD + "Q1377525"]
    there = [f for f in secretaries if f["status"] == "only-there"]
    assert len(there) == 1 and "not matched by name" in there[0]["note"]
    here = {v["iri"] for f in secretaries if f["status"] == "only-here" for v in f["here"]}
    assert here == {KG + "nikolai-bordyuzha", KG + "stanislav-zas", KG + "taalatbek-masadykov"}


def test_labels_and_types(report):
    assert one(report, "label@en", "astana")["status"] == "disagree"
    union = one(report, "label@en", "union-state")
    assert union["status"] == "agree" and union["note"] == "matches an alternative label"
    assert one(report, "label@ru", "csto")["status"] == "agree"
    assert one(report, "type", "armenia")["status"] == "agree"
    assert one(report, "type", "unga")["status"] == "agree"  # an organ: compared as an organisation
    assert one(report, "type", "brics")["status"] == "disagree"


def test_every_linked_entity_is_compared_and_no_unlinked_one(report, store):
    from csto_kg.linking import link

    linked = link.wikidata_links(store)
    assert {f["entity"] for f in report["facts"] if f["fact"] == "label@en"} == set(linked)
    for name in ("nikolai-bordyuzha", "stanislav-zas", "taalatbek-masadykov", "andrey-serdyukov"):
        assert not [f for f in report["facts"] if f["entity"] == KG + name or f["external"] == KG + name]


def test_report_as_turtle_and_table(run, wikidata, report):
    turtle = run("reconcile", "--endpoint", wikidata, "--format", "turtle")
    assert turtle.exit_code == 0, turtle.output
    triples = list(ox.parse(turtle.stdout.encode(), format=ox.RdfFormat.TURTLE))
    outcome = "https://w3id.org/csto-kg/ontology#outcome"
    disagree = [t for t in triples if t.predicate.value == outcome and t.object.value.endswith("#Disagree")]
    assert len(disagree) == report["summary"]["disagree"]
    table = run("reconcile", "--endpoint", wikidata)
    assert table.exit_code == 0, table.output
    assert "disagree" in table.stdout and f"{len(report['facts'])} facts:" in table.stdout


def test_the_report_vocabulary_is_in_the_ontology(ask):
    for term in ("Reconciliation", "FactComparison", "Disagree", "OnlyThere", "outcome", "valueHere", "inReconciliation"):
        assert ask(f"ASK {{ csto:{term} rdfs:label ?en , ?ru . FILTER(lang(?en) = 'en' && lang(?ru) = 'ru') }}"), term


# enrich ---------------------------------------------------------------------------------


def test_enrich_adds_a_graph_of_its_own_and_removes_it(run, wikidata, build_dir: Path, tmp_path: Path):
    from csto_kg.core.built import open_store
    from csto_kg.core.paths import Layout

    build = _own_build(build_dir, tmp_path / "build")
    layout = Layout.resolve(ROOT, build)
    before_members = run("query", "members", "--format", "csv", build=build).stdout

    def graph_size(graph: str) -> int:
        store = open_store(layout)
        return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    article = graph_size("https://w3id.org/csto-kg/graph/article")
    result = run("enrich", "--endpoint", wikidata, build=build)
    assert result.exit_code == 0, result.output
    assert (build / "enrich" / "wikidata.nq").is_file()
    rows = run(
        "query",
        "-e",
        """SELECT ?state ?population ?when ?from ?at WHERE {
             GRAPH <https://w3id.org/csto-kg/graph/enrich-wikidata> {
               ?fact rdf:subject ?state ; rdf:predicate csto:population ; rdf:object ?population ;
                     prov:wasDerivedFrom ?from ; prov:generatedAtTime ?at .
               OPTIONAL { ?fact dcterms:date ?when } } } ORDER BY ?state""",
        "--format",
        "json",
        build=build,
    )
    bindings = json.loads(rows.stdout)["results"]["bindings"]
    armenia = next(b for b in bindings if b["state"]["value"] == KG + "armenia")
    assert armenia["population"]["value"] == "2990900" and armenia["when"]["value"] == "2021"
    assert all(b["from"]["value"] == wikidata for b in bindings)
    heads = run(
        "query",
        "-e",
        "SELECT ?head WHERE { ?f rdf:subject kg:russia ; rdf:predicate <http://www.wikidata.org/prop/direct/P35> ; rdf:object ?head }",
        "--format",
        "csv",
        build=build,
    )
    assert heads.stdout.splitlines()[1:] == [WD + "Q7747"]
    # Not mixed into the source graphs, not reasoned over, no change to the answers.
    assert graph_size("https://w3id.org/csto-kg/graph/article") == article
    assert run("query", "-e", "ASK { kg:armenia csto:population 2990900 }", build=build).stdout == "no\n"
    inferred = run(
        "query",
        "-e",
        'ASK { GRAPH <https://w3id.org/csto-kg/graph/inferred> { ?s ?p ?o FILTER(CONTAINS(STR(?s), "/enrich/")) } }',
        build=build,
    )
    assert inferred.stdout == "no\n"
    assert run("query", "members", "--format", "csv", build=build).stdout == before_members
    # Removed in one command.
    removed = run("enrich", "--remove", build=build)
    assert removed.exit_code == 0, removed.output
    assert not (build / "enrich" / "wikidata.nq").exists()
    assert graph_size("https://w3id.org/csto-kg/graph/enrich-wikidata") == 0
    again = run("enrich", "--remove", build=build)
    assert again.exit_code == 0 and "no enrichment" in again.stderr


def test_a_503_without_retry_after_is_a_query_given_up_on_not_retried():
    waits: list[float] = []
    with http_endpoint(lambda h: h.reply(503, b"the query ran past the time limit of 1 s")) as (url, requests):
        with pytest.raises(remote.RemoteError, match=r"HTTP 503.*time limit"):
            remote.run(remote.Endpoint(url, sleep=waits.append), "SELECT ?x WHERE { ?s ?p ?x }")
    assert waits == [] and len(requests) == 1


def test_a_503_with_retry_after_is_overload_and_retried():
    calls = []

    def answer(h: _Handler) -> None:
        calls.append(1)
        if len(calls) == 1:
            h.reply(503, b"busy", headers={"Retry-After": "2"})
        else:
            h.reply(200, SPARQL_JSON, "application/sparql-results+json")

    waits: list[float] = []
    with http_endpoint(answer) as (url, _):
        remote.run(remote.Endpoint(url, sleep=waits.append), "SELECT ?x WHERE { ?s ?p ?x }")
    assert waits == [2.0]


def test_query_graph_sends_default_graph_uri(run):
    import urllib.parse

    with http_endpoint(lambda h: h.reply(200, SPARQL_JSON, "application/sparql-results+json")) as (url, requests):
        result = run("query", "--endpoint", url, "--graph", "https://example.org/pushed", "-e", "SELECT ?x WHERE { ?s ?p ?x }")
    assert result.exit_code == 0, result.stderr
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(requests[0][1]).query)
    assert sent["default-graph-uri"] == ["https://example.org/pushed"]
