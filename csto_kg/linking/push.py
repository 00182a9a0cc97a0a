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
the store asks for them: a HEAD request draws the store's challenge, and the one PUT goes
out already authenticated. Basic credentials are sent only to a store that asks for them.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csto_kg.core.errors import CstoKgError, UsageError
from csto_kg.core.namespaces import BASE, GRAPH_DERIVED, GRAPH_INFERRED, asserted_graphs
from csto_kg.core.paths import Layout
from csto_kg.core.urls import checked, shown

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
    present = {g.value for g in store.named_graphs()}
    wanted = [*asserted_graphs(present), GRAPH_DERIVED, *([GRAPH_INFERRED] if inferred else [])]
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
    parts = checked(endpoint, "the store's Graph Store URL, e.g. http://127.0.0.1:7878/store")
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


def _challenges(header: str) -> dict[str, dict[str, str]]:
    """The schemes of a WWW-Authenticate header with their parameters (lower-case keys)."""
    found: dict[str, dict[str, str]] = {}
    for match in re.finditer(r'(?:^|,)\s*(Basic|Digest)\b((?:\s*,?\s*[\w-]+=(?:"[^"]*"|[^\s,]*))*)', header, re.I):
        params = {k.lower(): v.strip('"') for k, v in re.findall(r'([\w-]+)=("[^"]*"|[^\s,]*)', match.group(2))}
        found[match.group(1).lower()] = params
    return found


def _digest(challenge: dict[str, str], method: str, url: str, user: str, password: str) -> str:
    """An Authorization header answering an RFC 7616 digest challenge (MD5 or SHA-256)."""
    algorithm = challenge.get("algorithm", "MD5").upper()
    digest = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(algorithm.removesuffix("-SESS"))
    if digest is None:
        raise CstoKgError(f"the store asks for digest authentication with {algorithm}, which csto-kg does not speak")

    def h(text: str) -> str:
        return digest(text.encode("utf-8")).hexdigest()

    parts = urllib.parse.urlsplit(url)
    uri = parts.path + (f"?{parts.query}" if parts.query else "")
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    cnonce, count = secrets.token_hex(8), "00000001"
    ha1 = h(f"{user}:{realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"', f"algorithm={algorithm}"]
    if "auth" in qops:
        fields += [f'response="{h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")}"', "qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
    elif qops:
        raise CstoKgError(f"the store asks for digest authentication with qop={','.join(qops)}, which csto-kg does not speak")
    else:
        fields.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in challenge:
        fields.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(fields)


def _authorization(url: str, user: str, password: str, timeout: float) -> str | None:
    """The Authorization header for a PUT to `url`, from the challenge a HEAD request draws.

    Asking first with HEAD (which changes nothing and carries no body) means the graph is
    sent once, already authenticated: a store that answers 401 before it has read a
    large body would otherwise break the connection while the body is still being sent.
    None: the store asks for no authentication.
    """
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as err:
        header = ", ".join(err.headers.get_all("WWW-Authenticate") or []) if err.code == 401 else ""
        err.close()
        if not header:
            return None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise CstoKgError(f"cannot reach the store at {shown(url)}: {reason}") from None
    offered = _challenges(header)
    if "digest" in offered:
        return _digest(offered["digest"], "PUT", url, user, password)
    if "basic" in offered:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return f"Basic {token}"
    raise CstoKgError(f"the store at {shown(url)} asks for an authentication csto-kg does not speak: {header}")


def put_graph(url: str, body: bytes, *, user: str | None = None, password: str | None = None, timeout: float = 600) -> int:
    """PUT `body` (Turtle) to `url` in one request; the HTTP status on success, else CstoKgError."""
    headers = {"Content-Type": CONTENT_TYPE}
    opener = urllib.request.build_opener()
    if user is not None:
        authorization = _authorization(url, user, password or "", timeout)
        if authorization:
            headers["Authorization"] = authorization
        else:  # HEAD drew no challenge: answer one to the PUT itself (the body goes twice)
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, url, user, password or "")
            opener = urllib.request.build_opener(
                urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)
            )
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        detail = err.read(600).decode("utf-8", errors="replace").strip()
        err.close()
        detail = " ".join(detail.split())[:300]
        if err.code == 401:
            hint = "wrong user or password" if user is not None else "the store needs --user and --password"
            raise CstoKgError(f"the store at {shown(url)} refused the upload: HTTP 401 ({hint})") from None
        detail = f": {detail}" if detail else ""
        raise CstoKgError(f"the store at {shown(url)} refused the upload: HTTP {err.code} {err.reason}{detail}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise CstoKgError(f"cannot reach the store at {shown(url)}: {reason}") from None


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
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_store

    if (user is None) != (password is None):
        raise UsageError("give --user and --password together")
    url, iri = target_url(endpoint, graph)
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    body, count = payload(open_store(layout), inferred)
    status = put_graph(url, body, user=user, password=password, timeout=timeout)
    return PushResult(shown(url), iri, count, len(body), status)
