"""csto-kg serve: a SPARQL 1.1 endpoint on the Oxigraph server, with entity pages.

Every test talks HTTP to a real `csto-kg serve` process on 127.0.0.1 (a port picked
free at run time), as a client would: urllib and SPARQLWrapper. The servers are stopped
with SIGTERM or SIGINT at the end, and the tests check that nothing is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

KG = "https://w3id.org/csto-kg/"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows: never ends in time
MAX_RESULTS = 2000


def triples(data: bytes, fmt: ox.RdfFormat) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(data, format=fmt)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


@dataclass
class Served:
    """A running `csto-kg serve`: its process, URL, log file and Oxigraph child."""

    process: subprocess.Popen
    url: str  # http://127.0.0.1:PORT/
    port: int
    log: Path
    child: int  # pid of the oxigraph server it runs
    folder: Path  # the temporary folder holding the copy

    def request(
        self, path: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> Answer:
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as err:
            return Answer(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def query(self, text: str, accept: str | None = None, **extra: str) -> Answer:
        params = urllib.parse.urlencode({"query": text, **extra})
        return self.request(f"query?{params}", headers={"Accept": accept} if accept else {})

    def alive(self) -> bool:
        return self.query("ASK { ?s ?p ?o }").status == 200


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return True
    state = next((line for line in status.read_text().splitlines() if line.startswith("State:")), "")
    return "Z" in state  # a zombie has stopped; its parent's parent reaps it


def start_server(build_dir: Path, log: Path, *extra: str) -> Served:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log, "wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "csto_kg", "serve", "--port", str(port), "--data", str(ROOT), "--build-dir", str(build_dir), *extra],
            stdout=subprocess.PIPE,
            stderr=stream,
            env=env,
        )
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(120)
    line = lines[0] if lines else b""
    if not line:
        process.kill()
        process.wait()
        raise AssertionError(f"serve did not start: {log.read_text(errors='replace')}")
    endpoint = line.decode().strip()
    assert endpoint == f"http://127.0.0.1:{port}/query"
    children = _children(process.pid)
    assert len(children) == 1, children
    cmdline = Path(f"/proc/{children[0]}/cmdline").read_bytes().split(b"\0")
    location = Path(cmdline[cmdline.index(b"--location") + 1].decode())
    return Served(process, f"http://127.0.0.1:{port}/", port, log, children[0], location.parent)


def stop_server(served: Served, sig: int = signal.SIGTERM) -> None:
    if served.process.poll() is None:
        served.process.send_signal(sig)
        try:
            served.process.wait(30)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()
            raise
    served.process.stdout.close()


def assert_clean_stop(served: Served) -> None:
    assert served.process.returncode == 0, served.log.read_text(errors="replace")
    deadline = time.monotonic() + 5
    while not _gone(served.child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(served.child), "the oxigraph server outlived csto-kg serve"
    assert not served.folder.exists(), "the copy of the store was left behind"
    assert served.log.read_text().rstrip().endswith("stopped")


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    served = start_server(build_dir, log, "--timeout", "1", "--max-results", str(MAX_RESULTS))
    yield served
    stop_server(served, signal.SIGTERM)
    assert_clean_stop(served)


# ------------------------------------------------------------------ the SPARQL protocol
def test_select_by_get_with_json_by_default(server: Served):
    answer = server.query(
        "SELECT ?name WHERE { <https://w3id.org/csto-kg/id/armenia> rdfs:label ?name }".replace(
            "rdfs:label", "<http://www.w3.org/2000/01/rdf-schema#label>"
        )
    )
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/sparql-results+json")
    names = {b["name"]["value"] for b in answer.json()["results"]["bindings"]}
    assert "Armenia" in names


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_post_form_with_content_negotiation(server: Served, accept: str, media: str):
    body = urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s a <https://w3id.org/csto-kg/ontology#State> } LIMIT 3"}).encode()
    answer = server.request(
        "query", method="POST", data=body, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    )
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"].split(";")[0] == media
    assert answer.headers["vary"] == "Accept"
    if media == "text/csv":  # CSV cannot be parsed back to terms
        assert len(answer.body.splitlines()) == 4
        return
    results = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.from_media_type(media))
    assert len(list(results)) == 3


def test_post_sparql_query_body_and_ask(server: Served):
    answer = server.request(
        "query",
        method="POST",
        data=b"ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"},
    )
    assert answer.status == 200
    assert "<boolean>true</boolean>" in answer.text


def test_construct_in_rdf_formats(server: Served):
    text = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/csto-kg/id/armenia> AS ?s) ?s ?p ?o }"
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ):
        answer = server.query(text, accept)
        assert answer.status == 200, (accept, answer.body)
        found = triples(answer.body, fmt)
        assert any(t.object == ox.Literal("Armenia", language="en") for t in found), accept


def test_format_parameter_and_unacceptable_types(server: Served):
    assert server.query("ASK {}", format="csv").headers["content-type"].startswith("text/csv")
    refused = server.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png")
    assert refused.status == 406


def test_sparqlwrapper_select_ask_and_construct(server: Served):
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    client = SPARQLWrapper(server.url + "query")
    client.setQuery("PREFIX csto: <https://w3id.org/csto-kg/ontology#> SELECT ?s WHERE { ?s a csto:State } ORDER BY ?s")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert KG + "id/armenia" in {r["s"]["value"] for r in rows}

    client.setQuery("ASK { <https://w3id.org/csto-kg/id/armenia> ?p ?o }")
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"

    client.setQuery("CONSTRUCT WHERE { <https://w3id.org/csto-kg/id/armenia> ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph_text = client.query().convert()
    assert b"Armenia" in graph_text


def test_named_queries_answer_as_locally(server: Served, store):
    """Named queries sent to the endpoint give the local answers, term for term."""
    from csto_kg.core.paths import Layout
    from csto_kg.linking import remote
    from csto_kg.querying import catalogue, params
    from csto_kg.querying.sparql import run_on_store

    known = catalogue.catalogue(Layout.resolve(ROOT).queries_dir)
    for name in ("members", "organs", "observers"):
        if name not in known:
            continue
        local = run_on_store(store, known[name], {})
        text = remote.prepare(known[name].text, params.substitutions(known[name], {}))
        answer = server.query(text, "application/sparql-results+xml")
        assert answer.status == 200, answer.body
        results = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.XML)
        variables = [v.value for v in results.variables]
        assert variables == local.variables
        assert sorted(map(str, (tuple(s[v] for v in variables) for s in results))) == sorted(map(str, local.rows)), name


# ------------------------------------------------------------------ errors, and serving on
def test_a_query_past_the_timeout_gets_503_and_the_server_goes_on(server: Served):
    started = time.monotonic()
    answer = server.query(SLOW)
    assert answer.status == 503
    assert "time limit" in answer.text
    assert time.monotonic() - started < 10
    assert server.alive()


def test_writes_to_a_read_only_endpoint_are_refused(server: Served):
    update = server.request(
        "update",
        method="POST",
        data=b"update=INSERT+DATA+%7B%3Ca%3Ab%3E+%3Ca%3Ac%3E+%3Ca%3Ad%3E%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert update.status == 403
    assert "read-only" in update.text
    put = server.request(
        "store?graph=http%3A%2F%2Fexample.org%2Fg",
        method="PUT",
        data=b"<a:b> <a:c> <a:d> .",
        headers={"Content-Type": "application/n-triples"},
    )
    assert put.status == 403
    via_query = server.request(
        "query", method="POST", data=b"INSERT DATA { <a:b> <a:c> <a:d> }", headers={"Content-Type": "application/sparql-update"}
    )
    assert via_query.status == 403
    delete = server.request("id/armenia", method="DELETE")
    assert delete.status == 405
    assert server.query("ASK { <a:b> ?p ?o }").json()["boolean"] is False
    assert server.alive()


def test_a_kept_alive_connection_survives_refused_requests(server: Served):
    """A refused request's body is read off the connection, so the next request on it works."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for method, path, body, status in (
            ("POST", "/update", b"update=CLEAR+ALL", 403),
            ("PUT", "/store?default", b"<a:b> <a:c> <a:d> .", 403),
            ("POST", "/query", b"query=SELEC+nothing", 400),
            ("POST", "/query", b"query=ASK+%7B%7D", 200),
            ("GET", "/query?query=ASK%7B%7D", None, 200),
        ):
            conn.request(method, path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            assert response.status == status, (method, path)
    finally:
        conn.close()


def test_graph_store_reads_pass_through(server: Served):
    graph = urllib.parse.quote(KG + "graph/ontology", safe="")
    answer = server.request("store?graph=" + graph, headers={"Accept": "application/n-triples"})
    assert answer.status == 200
    assert len(answer.body.splitlines()) > 100


def test_a_malformed_query_gets_400(server: Served):
    answer = server.query("SELEC ?s WHERE { ?s ?p ?o }")
    assert answer.status == 400
    assert answer.text.strip()
    assert server.request("query").status == 400  # no query at all
    assert server.alive()


def test_an_oversized_result_is_refused_not_cut(server: Served):
    over = server.query("SELECT * WHERE { ?s ?p ?o }")
    assert over.status == 413
    assert str(MAX_RESULTS) in over.text and "LIMIT" in over.text
    assert over.headers["x-result-limit"] == str(MAX_RESULTS)
    graph = server.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.status == 413
    at_limit = server.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}", "text/tab-separated-values")
    assert at_limit.status == 200
    assert len(at_limit.body.splitlines()) == MAX_RESULTS + 1
    assert at_limit.headers["x-result-count"] == str(MAX_RESULTS)
    assert server.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS + 1}").status == 413
    assert server.alive()


def test_cors_for_browser_clients(server: Served):
    answer = server.query("ASK {}")
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = server.request(
        "query",
        method="OPTIONS",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "PUT" not in preflight.headers["access-control-allow-methods"]


def test_one_log_line_per_request(server: Served):
    marker = f"marker{time.monotonic_ns()}"
    server.request(f"id/armenia?{marker}=1")
    server.request(f"nowhere?{marker}=2")
    time.sleep(0.1)
    lines = [line for line in server.log.read_text().splitlines() if marker in line]
    assert len(lines) == 2
    assert '"GET /id/armenia?' in lines[0] and " 200 " in lines[0] and lines[0].endswith("ms")
    assert " 404 " in lines[1]


# ------------------------------------------------------------------ entities
def test_entity_iri_dereferences_as_turtle_and_json_ld(server: Served):
    turtle = server.request("id/armenia", headers={"Accept": "text/turtle"})
    assert turtle.status == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    found = triples(turtle.body, ox.RdfFormat.TURTLE)
    armenia = ox.NamedNode(KG + "id/armenia")
    assert ox.Triple(armenia, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Armenia", language="en")) in found
    assert any(t.object == armenia for t in found)  # what refers to it, too
    jsonld = server.request("id/armenia", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert set(triples(jsonld.body, ox.RdfFormat.JSON_LD)) == set(found)
    assert server.request("id/armenia").headers["content-type"].startswith("text/turtle")  # no Accept: Turtle


def test_entity_page_for_a_browser(server: Served):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = server.request("id/armenia", headers={"Accept": browser})
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<h1>Armenia</h1>" in page.text
    assert 'href="/id/yerevan"' in page.text or 'href="/id/csto"' in page.text


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_a_browser_gets_the_site(server: Served):
    home = server.request("", headers={"Accept": BROWSER, "Accept-Language": "en-GB,en;q=0.9"})
    assert home.status == 200 and home.headers["content-type"].startswith("text/html")
    assert 'id="search"' in home.text and 'href="/query"' in home.text
    assert "default-src 'none'" in home.headers["content-security-policy"]
    assert "Accept-Language" in home.headers["vary"]
    state = server.request("id/armenia", headers={"Accept": BROWSER})
    assert state.status == 200 and state.headers["x-content-type-options"] == "nosniff"
    assert 'class="membership-chart"' in state.text
    assert '<script type="application/ld+json">' in state.text
    assert '<link rel="alternate" type="text/turtle"' in state.text and 'href="/id/armenia?format=turtle"' in state.text
    russian = server.request("id/armenia", headers={"Accept": BROWSER, "Accept-Language": "ru"})
    assert '<html lang="ru">' in russian.text and "Членство во времени" in russian.text
    index = server.request("search-index.json")
    assert index.status == 200 and "Armenia" in json.dumps(index.json(), ensure_ascii=False)


@pytest.mark.parametrize("accept", [None, "text/plain", "text/turtle"])
def test_machine_clients_get_what_they_got_before(server: Served, accept: str | None):
    headers = {"Accept": accept} if accept else {}
    home = server.request("", headers=headers)
    assert home.status == 200 and home.headers["content-type"].startswith("text/plain")
    assert home.text.startswith("csto-kg: a read-only SPARQL 1.1 endpoint")
    entity = server.request("id/armenia", headers=headers)
    assert not entity.headers["content-type"].startswith("text/html")
    if accept != "text/plain":
        assert entity.headers["content-type"].startswith("text/turtle")
        label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        armenia = ox.Triple(ox.NamedNode(KG + "id/armenia"), label, ox.Literal("Armenia", language="en"))
        assert armenia in triples(entity.body, ox.RdfFormat.TURTLE)
    assert server.query("ASK { ?s ?p ?o }", accept=BROWSER).headers["content-type"] != "text/html"


def test_the_query_page_and_its_editor_for_a_browser(server: Served):
    page = server.request("query", headers={"Accept": BROWSER})
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/yasgui.min.js"></script>' in page.text and "data-query=" in page.text
    script = server.request("yasgui.min.js")
    assert script.status == 200 and "javascript" in script.headers["content-type"]
    assert b"Yasgui" in script.body
    assert server.request("yasgui.min.css").status == 200
    # A query by GET still answers with results, whatever the Accept.
    rows = server.query("SELECT (1 AS ?one) {}", accept="application/sparql-results+json")
    assert rows.json()["results"]["bindings"][0]["one"]["value"] == "1"


def test_fact_event_and_ontology_paths(server: Served, ask):
    first = "SELECT ?x WHERE {{ ?x a ?type FILTER(STRSTARTS(STR(?x), '{}')) }} ORDER BY ?x LIMIT 1"
    fact = ask(first.format(KG + "fact/"))[0]["x"]
    event = ask(first.format(KG + "event/"))[0]["x"]
    for iri in (fact, event):
        answer = server.request(iri[len(KG) :], headers={"Accept": "application/n-triples"})
        assert answer.status == 200, iri
        assert any(t.subject == ox.NamedNode(iri) for t in triples(answer.body, ox.RdfFormat.N_TRIPLES))
    ontology = server.request("ontology", headers={"Accept": "text/html"})
    assert ontology.status == 200
    assert 'id="Membership"' in ontology.text  # /ontology#Membership lands on its section
    terms = triples(server.request("ontology", headers={"Accept": "text/turtle"}).body, ox.RdfFormat.TURTLE)
    assert any(t.subject == ox.NamedNode(KG + "ontology#Membership") for t in terms)


@pytest.mark.parametrize(
    "path",
    ["id/no-such-state", "id/..%2F..%2Fetc%2Fpasswd", "id/%3Cscript%3E", "etc/passwd", "id/a%20b", "id/", "fact//x"],
)
def test_unknown_or_malformed_entity_paths_get_404(server: Served, path: str):
    assert server.request(path).status == 404


def test_a_path_that_climbs_out_gets_404(server: Served):
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /id/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = sock.recv(200)
    assert head.startswith(b"HTTP/1.1 404")


def test_dataset_description_names_the_endpoint(server: Served):
    pytest.importorskip("csto_kg.building.void", reason="csto_kg.building.void is not in this version")
    answer = server.request(".well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status == 200
    assert any(t.object == ox.NamedNode(server.url + "query") for t in triples(answer.body, ox.RdfFormat.TURTLE))


# ------------------------------------------------------------------ writable, and stopping
def test_writable_server_takes_updates_and_escapes_what_it_shows(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--writable")
    try:
        hostile = "<script>alert('x')</script> & \"quoted\""
        update = (
            "INSERT DATA { <https://w3id.org/csto-kg/id/test-entity> <http://www.w3.org/2000/01/rdf-schema#label> "
            + json.dumps(hostile)
            + "@en ; <http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:alert(1)> , <https://example.org/ok> . }"
        )
        answer = served.request(
            "update",
            method="POST",
            data=urllib.parse.urlencode({"update": update}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status in (200, 204), answer.body
        page = served.request("id/test-entity", headers={"Accept": "text/html"}).text
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;" in page
        assert 'href="javascript:' not in page
        assert 'href="https://example.org/ok"' in page
        put = served.request(
            "store?graph=" + urllib.parse.quote("http://example.org/g", safe=""),
            method="PUT",
            data=b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
            headers={"Content-Type": "application/n-triples"},
        )
        assert put.status in (201, 204)
        assert served.query("ASK { <http://example.org/a> ?p ?o }").json()["boolean"] is True
        preflight = served.request("store", method="OPTIONS")
        assert "PUT" in preflight.headers["access-control-allow-methods"]
    finally:
        stop_server(served, signal.SIGINT)
    assert_clean_stop(served)


def test_sigterm_lets_the_request_in_progress_finish(build_dir: Path, tmp_path: Path):
    served = start_server(build_dir, tmp_path / "serve.log", "--timeout", "2")
    answers: list[Answer | BaseException] = []

    def slow() -> None:
        try:
            answers.append(served.query(SLOW))
        except BaseException as err:
            answers.append(err)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    served.process.send_signal(signal.SIGTERM)
    thread.join(30)
    stop_server(served)
    assert len(answers) == 1 and isinstance(answers[0], Answer), answers
    assert answers[0].status == 503  # a whole answer, not a dropped connection
    assert_clean_stop(served)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=1).close()


def test_serve_refuses_a_port_in_use(build_dir: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "csto_kg", "serve", "--port", str(port), "--data", str(ROOT), "--build-dir", str(build_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "cannot listen" in done.stderr
