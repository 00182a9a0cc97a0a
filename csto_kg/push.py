"""Upload the built graph to a triple store through the SPARQL 1.1 Graph Store HTTP Protocol.

One HTTP PUT carries the whole graph and replaces the target named graph as a whole: the
store either takes the new graph or answers with an error and keeps the old one, so a
failed upload never leaves half a graph behind (as far as the store makes a PUT atomic;
Oxigraph, Fuseki and Virtuoso apply it in one transaction).

What is uploaded is the union of the build's graphs, as one graph:

- by default what the sources assert (ontology, article, ATOP, links) with the date
  bounds the build derives (`graph/derived`), which the named queries need: the same
  triples `csto-kg query --asserted` sees;
- with `inferred`, also what OWL-RL entails (`graph/inferred`): the graph that
  `csto-kg query` sees, so the named queries give the same answers there.

The body is N-Triples sent as `text/turtle` (N-Triples is a subset of Turtle), which every
Graph Store implementation reads. HTTP basic and digest authentication are answered when
the store asks for them (a 401 challenge); the password is never sent unasked.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csto_kg.errors import CstoKgError, UsageError
from csto_kg.namespaces import ASSERTED_GRAPHS, BASE, GRAPH_DERIVED, GRAPH_INFERRED
from csto_kg.paths import Layout

DEFAULT_GRAPH = BASE  # https://w3id.org/csto-kg/
CONTENT_TYPE = "text/turtle; charset=utf-8"
_GRAPH_PARAMS = ("graph", "graph-uri")


@dataclass(frozen=True)
class PushResult:
    url: str  # the URL the graph was PUT to
    graph: str
    triples: int
    bytes: int
    status: int


def graph_names(store: ox.Store, inferred: bool) -> list[ox.NamedNode]:
    """The build's graphs that make up the upload, in a stable order."""
    wanted = [*ASSERTED_GRAPHS, GRAPH_DERIVED, *([GRAPH_INFERRED] if inferred else [])]
    present = {g.value for g in store.named_graphs()}
    return [ox.NamedNode(g) for g in wanted if g in present]


def payload(store: ox.Store, inferred: bool = False) -> tuple[bytes, int]:
    """The upload as N-Triples (each triple once) and the number of triples."""
    solutions = store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", default_graph=graph_names(store, inferred))
    triples = [ox.Triple(row[0], row[1], row[2]) for row in solutions]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)


def target_url(endpoint: str, graph: str | None) -> tuple[str, str]:
    """The URL to PUT to and the graph IRI it names.

    `endpoint` is the store's Graph Store endpoint (Oxigraph `/store`, Fuseki
    `/DATASET/data`, Virtuoso `/sparql-graph-crud-auth`). If it already names a graph
    (`?graph=` or Virtuoso's `?graph-uri=`), that graph is used; else `graph` (default
    https://w3id.org/csto-kg/) is added as `?graph=`.
    """
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid endpoint {endpoint!r}: give the store's Graph Store URL, e.g. http://127.0.0.1:7878/store")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    named = [value for key, value in query if key in _GRAPH_PARAMS]
    if named:
        if graph is not None and graph not in named:
            raise UsageError(f"the endpoint URL names graph {named[0]!r} and --graph names {graph!r}: give one")
        iri = named[0]
        url = endpoint
    else:
        iri = graph or DEFAULT_GRAPH
        query.append(("graph", iri))
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(query), ""))
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise UsageError(f"invalid graph IRI {iri!r}") from None
    if not urllib.parse.urlsplit(iri).scheme:
        raise UsageError(f"invalid graph IRI {iri!r}: give an absolute IRI")
    return url, iri


def _opener(url: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if user is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, user, password or "")
        handlers += [urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)]
    return urllib.request.build_opener(*handlers)


def put_graph(url: str, body: bytes, *, user: str | None = None, password: str | None = None, timeout: float = 600) -> int:
    """PUT `body` (Turtle) to `url`; the HTTP status on success, else CstoKgError."""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": CONTENT_TYPE})
    try:
        with _opener(url, user, password).open(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        detail = err.read(600).decode("utf-8", errors="replace").strip()
        detail = " ".join(detail.split())[:300]
        if err.code == 401:
            hint = "wrong user or password" if user is not None else "the store needs --user and --password"
            raise CstoKgError(f"the store at {url} refused the upload: HTTP 401 ({hint})") from None
        raise CstoKgError(f"the store at {url} refused the upload: HTTP {err.code} {err.reason}{': ' + detail if detail else ''}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise CstoKgError(f"cannot reach the store at {url}: {reason}") from None


def push(
    endpoint: str,
    graph: str | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
    inferred: bool = False,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    timeout: float = 600,
) -> PushResult:
    """Replace one named graph of the store at `endpoint` with the built graph."""
    from csto_kg.pipeline import ensure_built
    from csto_kg.store import open_store

    if (user is None) != (password is None):
        raise UsageError("give --user and --password together")
    url, iri = target_url(endpoint, graph)
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    body, count = payload(open_store(layout), inferred)
    status = put_graph(url, body, user=user, password=password, timeout=timeout)
    return PushResult(url, iri, count, len(body), status)
