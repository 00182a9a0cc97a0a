"""A client for remote SPARQL endpoints (Wikidata, or any SPARQL 1.1 protocol server).

Every request says who is asking (a descriptive User-Agent, as the Wikidata Query
Service asks of its users), gives up after a timeout, and waits and tries again when the
endpoint answers HTTP 429 (Too Many Requests), or 503 with a Retry-After header, honouring
that header and otherwise backing off exponentially; a 503 without one (a query the
endpoint gave up on at its time limit) and a timeout are not tried again. Every failure becomes one `RemoteError` line
that says what went wrong and where: a refused connection, no answer in time, an HTTP
error status, or a body that is not SPARQL results.

Answers are parsed with pyoxigraph into the same `QueryResult` as local queries, so the
command line prints and serialises them the same way.

Parameters of named queries are bound without pasting user text into the query: SPARQL
substitution is not part of the protocol, so each bound term is written in its escaped
N-Triples form, as on the local path (`csto_kg.querying.querytext.substitute`).
"""

from __future__ import annotations

import ast
import email.utils
import http.client
import socket
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.core.errors import CstoKgError, UsageError, one_line
from csto_kg.core.paths import Layout
from csto_kg.core.urls import checked, shown
from csto_kg.querying import params
from csto_kg.querying.querytext import check_nesting, query_form, substitute, with_prefixes
from csto_kg.querying.sparql import QueryResult, resolve

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
DEFAULT_TIMEOUT = 60.0  # seconds, for connecting and for each read
DEFAULT_RETRIES = 5  # further tries after an HTTP 429 or 503
BACKOFF = 1.0  # first wait without a Retry-After header; doubles on every retry
MAX_WAIT = 300.0  # a Retry-After longer than this is not waited for

USER_AGENT = f"csto-kg/{__version__} (https://w3id.org/csto-kg; linked-data research tool)"

_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_GET_LIMIT = 1500  # longer queries are sent by POST


class RemoteError(CstoKgError):
    """A remote endpoint could not be reached or did not answer with SPARQL results."""


@dataclass(frozen=True)
class Endpoint:
    """Where to send queries and how patiently."""

    url: str = DEFAULT_ENDPOINT
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = BACKOFF
    sleep: Callable[[float], None] = time.sleep
    default_graph: str | None = None  # sent as default-graph-uri

    def __post_init__(self) -> None:
        checked(self.url, "an http:// or https:// URL")
        if self.default_graph is not None:
            try:
                ox.NamedNode(self.default_graph)
            except ValueError:
                raise UsageError(f"invalid graph IRI {one_line(self.default_graph)!r}") from None
        if self.timeout <= 0:
            raise UsageError(f"invalid timeout {self.timeout}: give a number of seconds above 0")

    @property
    def shown(self) -> str:
        """The URL as messages show it: without its password, on one line."""
        return shown(self.url)


# Talking to the endpoint -----------------------------------------------------------------


def _one_line(value: Any, limit: int = 160) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _response_of(err: Exception) -> str:
    """The body of the endpoint's error answer, which SPARQLWrapper keeps only in its message."""
    text = str(err)
    if "Response:\n" not in text:
        return ""
    shown = text.split("Response:\n", 1)[1].strip()
    try:
        body = ast.literal_eval(shown)
    except (ValueError, SyntaxError):
        body = shown
    return _one_line(body)


def _retry_after(header: str | None, fallback: float) -> float:
    """Seconds to wait, from a Retry-After header (seconds or an HTTP date) or the fallback."""
    if not header:
        return fallback
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return fallback
    return max(0.0, when.timestamp() - time.time())


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _reason_message(endpoint: Endpoint, reason: Any) -> str:
    url = endpoint.shown
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer from {url} within {endpoint.timeout:g} s (timeout)"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused by {_host(url)}: is the endpoint {url} running?"
    if isinstance(reason, socket.gaierror):
        return f"cannot find the host of {url}: {_one_line(reason.strerror or reason)}"
    if isinstance(reason, ConnectionResetError):
        return f"{url} closed the connection without an answer"
    return f"cannot reach {url}: {_one_line(getattr(reason, 'strerror', None) or reason)}"


def _send(endpoint: Endpoint, text: str, form: str, accept: str) -> tuple[bytes, str]:
    """POST or GET the query; return the body and its media type. Retries on 429/503."""
    from SPARQLWrapper import GET, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint.url, agent=USER_AGENT)
    client.setOnlyConneg(True)  # content negotiation only, no format=json parameters
    client.setQuery(text)
    client.queryType = form.upper()  # as read by query_form(), so it is never taken for an update
    client.setMethod(POST if len(text) > _GET_LIMIT else GET)
    if endpoint.default_graph is not None:
        client.addDefaultGraph(endpoint.default_graph)
    client.addCustomHttpHeader("Accept", accept)
    # setTimeout() rounds to whole seconds; urlopen takes a float.
    client.timeout = endpoint.timeout  # type: ignore[assignment]
    url = endpoint.shown
    attempt = 0
    while True:
        try:
            response = client.query().response
            body = response.read()
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return body, media
        except urllib.error.HTTPError as err:
            retry_after = err.headers.get("Retry-After") if err.headers else None
            # A 503 without Retry-After is how endpoints (csto-kg serve among them) say they
            # gave up on this query at their time limit: sent again, it runs out again.
            if err.code == 429 or (err.code == 503 and retry_after):
                if attempt < endpoint.retries:
                    wait = _retry_after(retry_after, endpoint.backoff * 2**attempt)
                    if wait > MAX_WAIT:
                        raise RemoteError(f"{url} answered HTTP {err.code} and asks to wait {wait:.0f} s; try again later") from None
                    endpoint.sleep(wait)
                    attempt += 1
                    continue
                what = "Too Many Requests" if err.code == 429 else "Service Unavailable"
                raise RemoteError(f"{url} answered HTTP {err.code} ({what}) {attempt + 1} times; try again later") from None
            detail = _one_line(err.read(300) if err.fp else b"", 160)
            raise RemoteError(f"{url} answered HTTP {err.code} ({_one_line(err.reason)}){': ' + detail if detail else ''}") from None
        except SPARQLWrapperException as err:
            status = {
                "EndPointInternalError": "500 (internal server error)",
                "QueryBadFormed": "400 (the endpoint rejected the query)",
                "EndPointNotFound": "404 (no SPARQL endpoint at this address)",
                "Unauthorized": "401 (unauthorised)",
                "URITooLong": "414 (query too long)",
            }.get(type(err).__name__, type(err).__name__)
            detail = _response_of(err)
            raise RemoteError(f"{url} answered HTTP {status}{': ' + detail if detail else ''}") from None
        except urllib.error.URLError as err:
            raise RemoteError(_reason_message(endpoint, err.reason)) from None
        except TimeoutError as err:
            raise RemoteError(_reason_message(endpoint, err)) from None
        except (OSError, ValueError, http.client.HTTPException) as err:
            if isinstance(err, http.client.RemoteDisconnected):
                raise RemoteError(f"{url} closed the connection without an answer") from None
            raise RemoteError(f"connection to {url} failed: {_one_line(err)}") from None


def _not_results(endpoint: Endpoint, media: str, body: bytes, what: str) -> RemoteError:
    shown = media or "no media type"
    return RemoteError(f"{endpoint.shown} did not answer with {what} (got {shown}: {_one_line(body, 60)!r}); is it a SPARQL endpoint?")


def run(endpoint: Endpoint | str, text: str):
    """Send one query and return its answer as a `csto_kg.querying.sparql.QueryResult`."""
    if isinstance(endpoint, str):
        endpoint = Endpoint(endpoint)
    form = query_form(text)
    if form in ("select", "ask"):
        body, media = _send(endpoint, text, form, _RESULTS_ACCEPT)
        fmt = ox.QueryResultsFormat.from_media_type(media) if media else None
        if fmt is None:
            raise _not_results(endpoint, media, body, "SPARQL results")
        try:
            parsed = ox.parse_query_results(body, format=fmt)
            if isinstance(parsed, ox.QueryBoolean):
                if form != "ask":
                    raise SyntaxError("a yes/no answer to a SELECT query")
                return QueryResult("ask", boolean=bool(parsed), solutions=lambda: ox.parse_query_results(body, format=fmt))
            variables = [v.value for v in parsed.variables]
            rows = [tuple(s[v] for v in variables) for s in parsed]
        except (SyntaxError, ValueError, OSError) as err:
            raise RemoteError(f"{endpoint.shown} answered with a body that is not valid SPARQL results: {_one_line(err)}") from None
        return QueryResult("select", variables, rows, solutions=lambda: ox.parse_query_results(body, format=fmt))
    body, media = _send(endpoint, text, form, _GRAPH_ACCEPT)
    rdf = ox.RdfFormat.from_media_type(media) if media else None
    if rdf is None:
        raise _not_results(endpoint, media, body, "RDF")
    try:
        triples = [q.triple for q in ox.parse(body, format=rdf)]
    except (SyntaxError, ValueError, OSError) as err:
        raise RemoteError(f"{endpoint.shown} answered with a body that is not valid RDF: {_one_line(err)}") from None
    return QueryResult("graph", triples=triples)


def prepare(text: str, bound: dict[ox.Variable, Any] | None = None) -> str:
    """The text to send: project prefixes declared, parameters substituted."""
    return with_prefixes(substitute(text, bound or {}))


def query_endpoint(
    target: str,
    given: dict[str, str] | None = None,
    *,
    endpoint: str,
    graph: str | None = None,
    timeout: float | None = None,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    screen: Callable[[str], None] | None = None,
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on a remote SPARQL endpoint.

    Needs no build. Parameters are checked against the query's header as for the local
    store and substituted as escaped terms (csto_kg.querying.querytext.substitute); the project's
    prefixes the query uses are declared for it. `graph`, a named graph (the one `csto-kg
    push` wrote), is sent as the default graph (default-graph-uri), so the query sees the
    pushed data on any store, not only on those whose default graph is the union.
    `screen` is called with the text that would be sent, and may raise to refuse it.
    """
    layout = Layout.resolve(data_root, build_dir)
    named = resolve(target, layout)
    check_nesting(named.text)
    bound = params.substitutions(named, dict(given or {}))
    where = Endpoint(endpoint, timeout=timeout or DEFAULT_TIMEOUT, default_graph=graph)
    text = prepare(named.text, bound)
    if screen is not None:
        screen(text)
    return run(where, text)
