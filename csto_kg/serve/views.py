"""What the front answers at each path: the SPARQL endpoint, updates, the Graph Store,
entity IRIs, the dataset description, the home page and the site's pages.

Each view takes a Call (the request as the front has read and checked it) and returns an
Answer, or raises HttpError. Views block (they wait for the Oxigraph server), so the front
runs them in worker threads; the request body is read on demand, within its limits.
"""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from csto_kg.core.namespaces import BASE, GRAPH_ONTOLOGY, RDFS
from csto_kg.serve import pages
from csto_kg.serve.negotiation import _GRAPH_TYPES, _HTML, _RESULT_TYPES, _by_short_name, _content_type, _serialize_graph, negotiate
from csto_kg.serve.screen import _check_depth, check_outbound
from csto_kg.serve.settings import (
    _CONTROL,
    _LOCAL_PATH,
    _MAX_ENTITY_PATH,
    _SKOS_PREF,
    ANY,
    ENTITY_ROOTS,
    ONTOLOGY_PATH,
    HttpError,
    Settings,
)
from csto_kg.serve.upstream import Engine, Upstream
from csto_kg.site import accept_language

_YASGUI_FILES = ("/yasgui.min.js", "/yasgui.min.css")
# The site's pages run their own scripts and styles (and YASGUI's), and nothing from another host.
_SITE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'"
)
_TEXT = "text/plain; charset=utf-8"


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def text_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, (message.rstrip("\n") + "\n").encode("utf-8"), _TEXT, dict(headers or {}))


@dataclass
class Call:
    """One request, as the views see it."""

    method: str
    path: str  # the path of the request target, still percent-encoded
    query_string: str
    headers: dict[str, str]  # lower-case names; a repeated header's values joined by ", "
    engine: Engine
    read_body: Callable[[], bytes]  # the body, read within --max-body and --read-timeout
    params: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = form(self.query_string, "the query string")

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def form(data: str | bytes, what: str) -> dict[str, list[str]]:
    """A query string or form body, decoded strictly: bytes or escapes that are not UTF-8 get
    HTTP 400 (never a U+FFFD in the query the engine sees)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise HttpError(400, f"{what} is not UTF-8") from None


def clean(text: str) -> str:
    """A log-safe rendering: control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --------------------------------------------------------------------------- routing
def route(call: Call) -> Answer:
    """The answer to one request (other than a CORS preflight)."""
    path, method = call.path, call.method
    if method in ("GET", "HEAD") and (page := site_page(call)) is not None:
        return page
    if path in ("/query", "/sparql"):
        allow(call, ("GET", "HEAD", "POST"))
        return query(call)
    if path == "/update":
        allow(call, ("POST",))
        if not call.settings.writable:
            raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow updates)")
        check_origin(call)
        return update(call)
    if path == "/store":
        return store(call)
    if path == "/.well-known/void":
        allow(call, ("GET", "HEAD"))
        return void(call)
    if path in ("/", "/index.html"):
        allow(call, ("GET", "HEAD"))
        return home(call)
    local = path.lstrip("/")
    if local == ONTOLOGY_PATH or local.startswith(ENTITY_ROOTS):
        allow(call, ("GET", "HEAD"))
        return describe(call, local)
    raise HttpError(404, f"nothing at {path}; the SPARQL endpoint is /query, entities are under /id/")


def allow(call: Call, allowed: tuple[str, ...]) -> None:
    method = call.method
    if method not in allowed:
        if method in ("PUT", "POST", "DELETE", "PATCH") and not call.settings.writable:
            raise HttpError(405, f"{method} is not allowed here; this endpoint is read-only", {"Allow": ", ".join(allowed)})
        raise HttpError(405, f"{method} is not allowed here", {"Allow": ", ".join(allowed)})


def check_origin(call: Call) -> None:
    """A write sent by a page of another origin is refused unless --allow-origin names it:
    a form POST needs no preflight, so CORS alone would let any page empty the store."""
    allowed = call.settings.allow_origin
    origin = call.header("origin").strip()
    site = call.header("sec-fetch-site").strip().lower()
    if ANY in allowed or (not origin and site in ("", "same-origin", "none")):
        return
    if origin and origin in allowed:
        return
    host = call.header("host").strip().lower()
    if origin and urllib.parse.urlsplit(origin.lower()).netloc == host and site in ("", "same-origin", "none"):
        return
    raise HttpError(403, f"a write from the origin {clean(origin or site)!r} is refused (start with --allow-origin to allow one)")


def preflight(writable: bool, requested: str | None) -> dict[str, str]:
    """The headers of the answer to a CORS preflight request."""
    return {
        "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS" if writable else "GET, HEAD, POST, OPTIONS",
        "Access-Control-Allow-Headers": clean(requested) if requested else "Accept, Content-Type, Authorization",
        "Access-Control-Max-Age": "86400",
    }


# --------------------------------------------------------------------------- site pages
def site_page(call: Call) -> Answer | None:
    """The site's page for a browser (or its files); None where the site has none or the
    client is not a browser: the other routes then answer as before."""
    site = call.settings.site
    if site is None or "query" in call.params or "update" in call.params:
        return None
    if call.path in _YASGUI_FILES:
        passed = call.engine.forward(call.method, call.path, _passed_headers(call))
        return Answer(passed.status, passed.body, passed.headers.pop("Content-Type", "application/octet-stream"), passed.headers)
    if not call.path.endswith(".json") and not wants_html(call):
        return None
    page = site.render(call.path, accept_language(call.headers.get("accept-language")))
    if page is None:
        return None
    headers = {"Vary": "Accept, Accept-Language", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": _SITE_POLICY}
    return Answer(page.status, page.body, page.content_type, headers)


def wants_html(call: Call) -> bool:
    wanted = call.params.get("format", [None])[0]
    if wanted is not None:
        return wanted == "html"
    offered = ["text/plain"] + [m for m, _s, _f in _GRAPH_TYPES[:4]] + [_HTML]
    return negotiate(call.headers.get("accept"), offered) == _HTML


def _passed_headers(call: Call) -> dict[str, str]:
    names = {"content-type": "Content-Type", "accept": "Accept"}
    return {proper: value for name, proper in names.items() if (value := call.headers.get(name))}


# --------------------------------------------------------------------------- SPARQL
def _body_params(call: Call, key: str, media_type: str, refuse: Callable[[str], None]) -> dict[str, list[str]]:
    """The URL's parameters and the body's: a form, or the query or update text itself."""
    params = {k: list(v) for k, v in call.params.items()}
    media = call.header("content-type").split(";")[0].strip().lower()
    refuse(media)
    body = call.read_body()
    if media == "application/x-www-form-urlencoded":
        for name, values in form(body, "the form").items():
            params.setdefault(name, []).extend(values)
    elif media == media_type:
        if key in params:
            raise HttpError(400, f"give the {key} in the body or in the URL, not both")
        try:
            params[key] = [body.decode("utf-8")]
        except UnicodeDecodeError:
            raise HttpError(400, f"the {key} is not UTF-8") from None
    else:
        verb = "a query" if key == "query" else "an update"
        raise HttpError(415, f"POST {verb} as application/x-www-form-urlencoded or {media_type}")
    return params


def query(call: Call) -> Answer:
    writable = call.settings.writable

    def refuse(media: str) -> None:
        if media == "application/sparql-update":
            call.read_body()
            raise HttpError(403 if not writable else 400, "send updates to /update, not /query")

    params = _body_params(call, "query", "application/sparql-query", refuse) if call.method == "POST" else call.params
    queries = params.get("query", [])
    if "update" in params:
        raise HttpError(403 if not writable else 400, "send updates to /update, not /query")
    if len(queries) != 1 or not queries[0].strip():
        raise HttpError(400, "give exactly one SPARQL query in the `query` parameter")
    _check_depth(queries[0])
    check_outbound(queries[0], call.settings.allow_service)
    dataset = [(k, v) for k in ("default-graph-uri", "named-graph-uri") for v in params.get(k, [])]
    wanted = next((v for k in ("format", "output", "results") for v in params.get(k, []) if v), None)
    return results(call, call.engine.run_query(queries[0], dataset), wanted)


def results(call: Call, upstream: Upstream, wanted: str | None) -> Answer:
    """The answer in the format the client asked for."""
    accept = call.headers.get("accept")
    # Room for the answer as written, and for the buffer it is written in: JSON or XML
    # results take about twice the TSV, graphs a few hundred bytes a triple.
    call.engine.check_memory(4 * len(upstream.data) + 600 * len(upstream.triples))
    if upstream.kind == "graph":
        media = _by_short_name(wanted, _GRAPH_TYPES) or negotiate(accept, [m for m, _s, _f in _GRAPH_TYPES])
        if media is None:
            raise HttpError(406, "no acceptable format: a graph comes as " + ", ".join(m for m, _s, _f in _GRAPH_TYPES[:6]))
        body = _serialize_graph(upstream.triples, media)
    else:
        media = _by_short_name(wanted, _RESULT_TYPES) or negotiate(accept, [m for m, _s, _f in _RESULT_TYPES])
        if media is None:
            raise HttpError(406, "no acceptable format: results come as " + ", ".join(m for m, _s, _f in _RESULT_TYPES[:4]))
        engine = next(f for m, _s, f in _RESULT_TYPES if m == media)
        if engine == ox.QueryResultsFormat.TSV:
            body = upstream.data
        else:
            buffer = io.BytesIO()
            ox.parse_query_results(upstream.data, format=ox.QueryResultsFormat.TSV).serialize(buffer, format=engine)
            body = buffer.getvalue()
    return Answer(200, body, _content_type(media), {"Vary": "Accept", "X-Result-Count": str(upstream.count)})


def update(call: Call) -> Answer:
    """A SPARQL update: read, checked for LOAD and SERVICE, and passed on as read."""
    params = _body_params(call, "update", "application/sparql-update", lambda _media: None)
    updates = params.get("update", [])
    if len(updates) != 1 or not updates[0].strip():
        raise HttpError(400, "give exactly one SPARQL update in the `update` parameter")
    _check_depth(updates[0])
    check_outbound(updates[0], call.settings.allow_service, update=True)
    dataset = [(k, v) for k in ("using-graph-uri", "using-named-graph-uri") for v in params.get(k, [])]
    body = urllib.parse.urlencode([("update", updates[0]), *dataset]).encode("utf-8")
    passed = call.engine.forward("POST", "/update", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    return Answer(passed.status, passed.body, passed.headers.pop("Content-Type", _TEXT), passed.headers)


def store(call: Call) -> Answer:
    """The Graph Store: reads buffered and capped; writes (with --writable) passed on."""
    allow(call, ("GET", "HEAD", "PUT", "POST", "DELETE"))
    if call.method not in ("GET", "HEAD") and not call.settings.writable:
        raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow writes)")
    target = "/store" + (f"?{call.query_string}" if call.query_string else "")
    if call.method in ("GET", "HEAD"):
        passed = call.engine.read_store(target, call.headers.get("accept"))
    else:
        check_origin(call)
        body = call.read_body() if call.method in ("POST", "PUT") else None
        passed = call.engine.forward(call.method, target, _passed_headers(call), body)
    return Answer(passed.status, passed.body, passed.headers.pop("Content-Type", "application/octet-stream"), passed.headers)


# --------------------------------------------------------------------------- entities
def _entity_node(local: str) -> ox.NamedNode:
    """The IRI BASE + `local`, checked: a path names an IRI, never a file; even so, what it
    decodes to must not climb (no . or .. segment, no empty one) nor hold characters no
    IRI holds."""
    if len(local) > _MAX_ENTITY_PATH:
        raise HttpError(414, f"the path is longer than {_MAX_ENTITY_PATH} characters: no entity has such an IRI")
    if not _LOCAL_PATH.match(local):
        raise HttpError(404, "no such entity")
    try:
        decoded = urllib.parse.unquote(local, errors="strict")
    except UnicodeDecodeError:
        raise HttpError(404, "no such entity") from None
    segments = decoded.split("/")
    if "." in segments or ".." in segments or "" in segments[:-1] or _CONTROL.search(decoded) or any(c in decoded for c in '<>"{}|\\^` '):
        raise HttpError(404, "no such entity")
    try:
        return ox.NamedNode(BASE + decoded)
    except ValueError:
        raise HttpError(404, "no such entity") from None


def _describe_query(local: str, node: ox.NamedNode) -> str:
    if local == ONTOLOGY_PATH:
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}"
    # The entity's own triples, what refers to it, and the labels of both ends and of the
    # properties (for a readable page).
    labels = f"(<{RDFS}label>, <{_SKOS_PREF}>)"
    return (
        "CONSTRUCT { ?e ?p ?o . ?o ?lp ?ol . ?p ?pp ?pl . ?s ?ip ?e . ?s ?slp ?sl . ?ip ?ipp ?ipl } WHERE {"
        f" BIND({node} AS ?e)"
        " { ?e ?p ?o ."
        f"   OPTIONAL {{ ?o ?lp ?ol . FILTER(?lp IN {labels}) }}"
        f"   OPTIONAL {{ ?p ?pp ?pl . FILTER(?pp IN {labels}) }} }}"
        " UNION"
        " { ?s ?ip ?e ."
        f"   OPTIONAL {{ ?s ?slp ?sl . FILTER(?slp IN {labels}) }}"
        f"   OPTIONAL {{ ?ip ?ipp ?ipl . FILTER(?ipp IN {labels}) }} }}"
        " }"
    )


def describe(call: Call, local: str) -> Answer:
    """The description of the entity IRI BASE + `local`, in the format asked for."""
    node = _entity_node(local)
    upstream = call.engine.run_query(_describe_query(local, node), [])
    if not upstream.triples:
        raise HttpError(404, f"nothing is known about {node.value}")
    # The entity's own triples first, then the rest, each group in a stable order.
    upstream.triples.sort(key=lambda t: (t.subject != node, str(t.subject), str(t.predicate), str(t.object)))
    offered = [m for m, _s, _f in _GRAPH_TYPES[:4]] + [_HTML]
    wanted = call.params.get("format", [None])[0]
    media = (_HTML if wanted == "html" else _by_short_name(wanted, _GRAPH_TYPES)) or negotiate(call.headers.get("accept"), offered)
    if media is None:
        raise HttpError(406, "no acceptable format: an entity comes as " + ", ".join(offered))
    if media == _HTML:
        body = pages.html_pages().entity(node.value, upstream.triples).encode("utf-8")
        headers = {
            "Vary": "Accept",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        }
        return Answer(200, body, "text/html; charset=utf-8", headers)
    return Answer(200, _serialize_graph(upstream.triples, media), _content_type(media), {"Vary": "Accept"})


def void(call: Call) -> Answer:
    triples = call.settings.void
    if not triples:
        raise HttpError(404, "no dataset description in this build")
    wanted = call.params.get("format", [None])[0]
    media = _by_short_name(wanted, _GRAPH_TYPES) or negotiate(call.headers.get("accept"), [m for m, _s, _f in _GRAPH_TYPES])
    if media is None:
        raise HttpError(406, "no acceptable format")
    return Answer(200, _serialize_graph(triples, media), _content_type(media), {"Vary": "Accept"})


def home(call: Call) -> Answer:
    host = call.header("host") or call.settings.public_host
    base = f"http://{host}"
    mode = "read-write" if call.settings.writable else "read-only"
    example = "SELECT ?state ?name WHERE { ?state a <" + BASE + "ontology#State> ; <" + RDFS + "label> ?name } LIMIT 20"
    if negotiate(call.headers.get("accept"), ["text/plain", _HTML]) == _HTML:
        page = pages.html_pages().home(base, mode, example)
        policy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
        return Answer(200, page.encode("utf-8"), "text/html; charset=utf-8", {"Vary": "Accept", "Content-Security-Policy": policy})
    text = (
        f"csto-kg: a {mode} SPARQL 1.1 endpoint over the CSTO knowledge graph\n"
        f"SPARQL:    {base}/query   (GET ?query=... or POST)\n"
        f"entities:  {base}/id/armenia, {base}/ontology  (Turtle, JSON-LD, N-Triples, RDF/XML or HTML)\n"
        f"dataset:   {base}/.well-known/void\n"
    )
    return Answer(200, text.encode("utf-8"), _TEXT, {"Vary": "Accept"})
