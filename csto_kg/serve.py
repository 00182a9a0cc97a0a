"""Serve the built graph: a SPARQL 1.1 Protocol endpoint and dereferenceable entity IRIs.

SPARQL is evaluated by the Oxigraph server (the `oxigraph` binary of the PyPI package
`oxigraph`), run on a private copy of the current build and bound to a free port on
127.0.0.1. In front of it a small HTTP server in Python (the standard library's
ThreadingHTTPServer) adds what the Oxigraph server does not offer:

- one log line per request (time, client, request, status, bytes, milliseconds);
- a cap on the size of a result: past `max_results` rows (or triples) the request fails
  with HTTP 413 and says so, the result is never cut silently;
- a firm time limit: a query that runs past `timeout` seconds fails with HTTP 503, even
  where the Oxigraph server would have started streaming an answer it later breaks off;
- read-only by default: updates and Graph Store writes get HTTP 403 unless `writable`;
- no SERVICE (nor, when writable, LOAD) to an address that is not on the allow-list
  (`allow_service`, empty by default): HTTP 403, so the endpoint is no proxy into the
  network it runs in;
- limits on the size of a request body (HTTP 413), on the requests worked on at once and
  waiting for their turn (past both, HTTP 503 with Retry-After), and on open connections;
- a supervisor that replaces the Oxigraph server when it goes on with a query past the
  time limit, holds more memory than `max_memory`, or dies (see Supervisor);
- CORS headers for browser clients, and answers to CORS preflight requests;
- content negotiation over every result format of csto_kg.formats (and the `format` or
  `output` parameter that SPARQLWrapper and Virtuoso clients send);
- entity IRIs under https://w3id.org/csto-kg/ answered at the same path of the served
  base (GET /id/armenia describes https://w3id.org/csto-kg/id/armenia) as Turtle,
  JSON-LD, N-Triples or RDF/XML, or as an HTML page for a browser;
- the dataset description (VoID) at /.well-known/void.

The front asks the Oxigraph server for SELECT/ASK results as TSV and for graphs as
N-Triples (one row or triple per line), counts them as they arrive, and writes them in
the format the client asked for. The front never evaluates SPARQL itself; the only
queries it writes are the CONSTRUCT queries that describe one entity, with IRIs it has
checked. It reads no file: the data it serves comes from the Oxigraph server. It sends
the Oxigraph server the public Host, so relative IRIs in a query resolve against this
endpoint's URL, not the private address.

The copy is made when the server starts: a later `csto-kg build` does not change what
is served until the server is restarted, and writes (with `writable`) go to the copy
only and are gone when the server stops.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from csto_kg.errors import CstoKgError, UsageError
from csto_kg.namespaces import BASE, GRAPH_ONTOLOGY, PREFIXES, RDF, RDFS
from csto_kg.paths import Layout

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESULTS = 100_000

# Paths of the served base that map onto entity IRIs under BASE.
ENTITY_ROOTS = ("id/", "fact/", "event/", "time/", "source/", "graph/")
ONTOLOGY_PATH = "ontology"

DEFAULT_MAX_BODY = 1 << 20  # bytes of a request body: a query, an update, a form, an upload
DEFAULT_MAX_CONCURRENT = 8  # requests worked on at once
DEFAULT_MAX_WAITING = 32  # requests that may wait for one of those places
DEFAULT_MAX_MEMORY = 1 << 30  # bytes the Oxigraph server may hold before it is replaced

_MAX_ANSWER_BYTES = 64 << 20  # bytes of one answer of the Oxigraph server, past which it is refused
_MAX_ENTITY_PATH = 1024  # characters of an entity path
_LINGER_BYTES = 16 << 20  # most of a refused body read off the connection before it is closed
_SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_LOCAL_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~%!$&'()*+,;=:@/-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# --------------------------------------------------------------------------- formats
# (media type, short names, engine format); the first entry is the default.
_RESULT_TYPES: tuple[tuple[str, tuple[str, ...], ox.QueryResultsFormat], ...] = (
    ("application/sparql-results+json", ("json", "srj"), ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ("xml", "srx"), ox.QueryResultsFormat.XML),
    ("text/csv", ("csv",), ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ("tsv",), ox.QueryResultsFormat.TSV),
    ("application/json", (), ox.QueryResultsFormat.JSON),
    ("application/xml", (), ox.QueryResultsFormat.XML),
    ("text/xml", (), ox.QueryResultsFormat.XML),
)
_GRAPH_TYPES: tuple[tuple[str, tuple[str, ...], ox.RdfFormat], ...] = (
    ("text/turtle", ("turtle", "ttl", "n3"), ox.RdfFormat.TURTLE),
    ("application/ld+json", ("json-ld", "jsonld", "json"), ox.RdfFormat.JSON_LD),
    ("application/n-triples", ("nt", "ntriples", "n-triples"), ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ("xml", "rdf", "rdfxml", "rdf+xml"), ox.RdfFormat.RDF_XML),
    ("application/n-quads", ("nq", "nquads"), ox.RdfFormat.N_QUADS),
    ("application/trig", ("trig",), ox.RdfFormat.TRIG),
    ("text/n3", (), ox.RdfFormat.TURTLE),
    ("application/x-turtle", (), ox.RdfFormat.TURTLE),
    ("application/json", (), ox.RdfFormat.JSON_LD),
    ("application/xml", (), ox.RdfFormat.RDF_XML),
    ("text/plain", (), ox.RdfFormat.N_TRIPLES),
)
_HTML = "text/html"
_TEXT_TYPES = (
    "text/",
    "application/sparql-results+",
    "application/ld+json",
    "application/n-",
    "application/trig",
    "application/rdf+xml",
    "application/json",
    "application/xml",
)


def _parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights (q=0 ranges dropped)."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media or "/" not in media:
            continue
        weight = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        ranges.append((media, weight))
    return ranges


def negotiate(accept: str | None, offered: Iterable[str]) -> str | None:
    """The offered media type the client prefers; ties go to the order of `offered`.

    No Accept header (or an empty one) takes the first offered type. None: nothing
    offered is acceptable (HTTP 406).
    """
    offered = list(offered)
    ranges = _parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int, int] | None = None
    choice = None
    for index, media in enumerate(offered):
        kind = media.split("/")[0]
        weight, specificity = -1.0, -1
        for candidate, q in ranges:
            if candidate == media:
                level = 2
            elif candidate == f"{kind}/*":
                level = 1
            elif candidate == "*/*":
                level = 0
            else:
                continue
            if level > specificity:
                weight, specificity = q, level
        if weight <= 0:
            continue
        key = (weight, specificity, -index)
        if best is None or key > best:
            best, choice = key, media
    return choice


def _by_short_name(name: str | None, table: Iterable[tuple[str, tuple[str, ...], Any]]) -> str | None:
    """The media type a `format=` value names (a short name or a media type), if any."""
    if not name:
        return None
    wanted = name.strip().lower()
    for media, shorts, _engine in table:
        if wanted == media or wanted in shorts:
            return media
    return None


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith(_TEXT_TYPES) else media


# --------------------------------------------------------------------------- errors
class HttpError(Exception):
    """An answer other than 200, with a one-line plain-text message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --------------------------------------------------------------------------- outbound requests
# The Oxigraph server evaluates SERVICE by sending the inner query to whatever address the
# query names, and LOAD (an update) by fetching one: served as is, it would be a proxy into
# the network it runs in. The front reads every query and update before passing it on,
# finds each SERVICE and LOAD, and refuses those whose target is not on the allow-list.
#
# It does not parse SPARQL: it splits the text into the tokens the Oxigraph parser reads
# (strings, IRIs, comments, variables, names), with that parser's rules, and errs on the
# side of refusing. The parser matches keywords case-insensitively and without a word
# boundary (`?s ?p 1SERVICE<x>{}` runs a SERVICE), so every name token that holds
# "service" (or "load", in an update) outside a local part counts, and the text is read
# both as written and with its \u escapes decoded. A target passes only if it is an
# absolute IRI, written out or through a declared prefix, equal character for character to
# an allowed URL; a variable passes only with "any".
ANY = "any"
_PN_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_U = _PN_BASE + "_"
_PN = _PN_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = _PN_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_ECHAR = r"""\\[tbnrf"'\\]"""
_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<ws>[ \t\r\n]+)",
            r"(?P<comment>\#[^\r\n]*)",
            rf"(?P<string>'''(?:(?:''|')?(?:[^'\\]|{_ECHAR}))*+'''"
            rf"|\"\"\"(?:(?:\"\"|\")?(?:[^\"\\]|{_ECHAR}))*+\"\"\""
            rf"|'(?:[^'\\\r\n]|{_ECHAR})*+'"
            rf"|\"(?:[^\"\\\r\n]|{_ECHAR})*+\")",
            r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)",
            rf"(?P<var>[?$][{_PN_U}0-9][{_VARNAME}]*+)",
            rf"(?P<bnode>_:[{_PN_U}0-9](?:\.*+[{_PN}])*+)",
            r"(?P<lang>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)",
            # The Oxigraph parser ends a local name at its second run of dots (`ex:a.b.c` is
            # `ex:a.b` and `.c`): so does this, as the rest is then read as code.
            rf"(?P<name>(?:[{_PN_U}0-9](?:\.*+[{_PN}])*+)?:(?:(?:[{_PN_U}0-9:]|{_PLX})(?:[{_PN}:]|{_PLX})*+"
            rf"(?:\.++(?:[{_PN}:]|{_PLX})++)?)?"
            rf"|[{_PN_U}0-9](?:\.*+[{_PN}])*+)",
            rf"(?P<other>[^ \t\r\n#'\"<?$_@:{_PN_U}0-9]+|.)",
        )
    ),
    re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:[/?#]|$)")


def _decode_codepoints(text: str) -> str:
    """`\\uXXXX` and `\\UXXXXXXXX` replaced by the characters they stand for."""

    def one(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else match.group()

    return _CODEPOINT.sub(one, text)


def _tokens(text: str) -> list[tuple[str, str]]:
    """The tokens of a SPARQL text that matter here, as (kind, text): iri, var, name and
    other (punctuation); whitespace, comments, strings, blank nodes and language tags are
    left out. A quote that opens no complete string is read on as punctuation."""
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment", "string", "bnode", "lang")]  # type: ignore[misc]


@dataclass(frozen=True)
class Outbound:
    """One SERVICE or LOAD in a query or update: the keyword, the target as written, and
    the absolute IRI it stands for (None when the front cannot be sure of one: a
    variable, a relative IRI, an undeclared prefix, something else)."""

    keyword: str
    written: str
    target: str | None


def _iri_value(token: str) -> str | None:
    value = _decode_codepoints(token[1:-1])
    return value if _SCHEME.match(value) else None


def _scan(text: str, keywords: tuple[str, ...]) -> list[Outbound]:
    tokens = _tokens(text)
    prefixes: dict[str, str | None] = {}
    found: list[Outbound] = []

    def pname(written: str) -> str | None:
        prefix, _, local = written.partition(":")
        namespace = prefixes.get(prefix)
        return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)

    def targets(index: int, rest: str, keyword: str) -> list[Outbound]:
        """What the keyword may send to: `rest` follows it in the same name token, else
        the next token does (after an optional SILENT). Every reading is returned."""
        if rest:
            readings = [rest]
            if rest.lower().startswith("silent"):
                readings = ([rest[6:]] if rest[6:] else []) + ([rest] if ":" in rest else [])
                if not rest[6:]:
                    return targets(index, "", keyword) + [Outbound(keyword, r, pname(r)) for r in readings]
            return [Outbound(keyword, r, pname(r) if ":" in r else None) for r in readings]
        if index + 1 >= len(tokens):
            return [Outbound(keyword, "", None)]
        kind, value = tokens[index + 1]
        if kind == "iri":
            return [Outbound(keyword, value, _iri_value(value))]
        if kind == "var":
            return [Outbound(keyword, value, None)]
        if kind == "name" and value.lower().startswith("silent"):
            found_here = targets(index + 1, value[6:], keyword)
            if ":" in value:
                found_here.append(Outbound(keyword, value, pname(value)))
            return found_here
        if kind == "name" and ":" in value:
            return [Outbound(keyword, value, pname(value))]
        return [Outbound(keyword, value, None)]

    skip = -1
    for index, (kind, value) in enumerate(tokens):
        if kind != "name" or index == skip:
            continue
        head = value.partition(":")[0].lower()
        if head == "prefix" and ":" not in value and index + 2 < len(tokens):
            (k1, v1), (k2, v2) = tokens[index + 1], tokens[index + 2]
            if k1 == "name" and v1.endswith(":") and v1.count(":") == 1 and k2 == "iri":
                prefixes[v1[:-1]] = _iri_value(v2)
                skip = index + 1  # the prefix being declared is no keyword, whatever its name
            continue
        for keyword in keywords:
            start = head.find(keyword)
            while start >= 0:
                found.extend(targets(index, value[start + len(keyword) :], keyword.upper()))
                start = head.find(keyword, start + 1)
    return found


def outbound(text: str, *, update: bool = False) -> list[Outbound]:
    """Every SERVICE (and, in an update, every LOAD) the text may hold, with its target."""
    keywords = ("service", "load") if update else ("service",)
    lowered = text.lower()
    escaped = "\\u" in lowered
    if not escaped and not any(k in lowered for k in keywords):
        return []
    found = _scan(text, keywords)
    if escaped:
        found += [o for o in _scan(_decode_codepoints(text), keywords) if o not in found]
    return found


def check_outbound(text: str, allowed: frozenset[str], *, update: bool = False) -> None:
    """Raise HttpError 403 if the text would send a request to an address not allowed."""
    if ANY in allowed:
        return
    for item in outbound(text, update=update):
        shown = item.written or "(nothing)"
        if item.target is not None and item.target in allowed and not _DOT_SEGMENT.search(item.target):
            continue
        if item.written.startswith(("?", "$")):
            why = "its address is a variable, allowed only with --allow-service any"
        elif item.target is None:
            why = "its address must be an absolute IRI on the allow-list (--allow-service)"
        elif allowed:
            why = "it is not on this server's allow-list (--allow-service)"
        else:
            why = "this endpoint sends no requests to other addresses (start `csto-kg serve --allow-service URL` to allow one)"
        raise HttpError(403, f"{item.keyword} {shown} is refused: {why}")


# --------------------------------------------------------------------------- backend
def find_oxigraph() -> str:
    """The `oxigraph` server binary: $CSTO_KG_OXIGRAPH, beside this Python, or on PATH."""
    given = os.environ.get("CSTO_KG_OXIGRAPH")
    if given:
        return given
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise CstoKgError("the Oxigraph server is not installed: pip install oxigraph (or set CSTO_KG_OXIGRAPH to its binary)")


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: let the kernel stop the child if this process dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def copy_build(layout: Layout, folder: Path, binary: str) -> Path:
    """Load every graph of the current build into a new Oxigraph store in `folder`.

    The copy goes through an N-Quads dump and `oxigraph load`, so the store is written
    by the server's own version of Oxigraph whatever version pyoxigraph is.
    """
    from csto_kg.store import open_store

    dump = folder / "graph.nq"
    with open(dump, "wb") as stream:
        open_store(layout).dump(stream, format=ox.RdfFormat.N_QUADS)
    location = folder / "store"
    done = subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    dump.unlink()
    if done.returncode != 0:
        raise CstoKgError(f"cannot copy the build for the server: {done.stderr.strip() or done.stdout.strip()}")
    return location


class Backend:
    """An Oxigraph server on 127.0.0.1 over `location`, run as a child process."""

    def __init__(self, binary: str, location: Path, *, writable: bool, timeout: float, log: Path) -> None:
        self.binary = binary
        self.location = location
        self.writable = writable
        self.timeout = timeout
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self, wait: float = 20.0) -> None:
        for _attempt in range(3):
            self.port = free_port()
            command = [
                self.binary,
                "serve" if self.writable else "serve-read-only",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
                "--timeout-s",
                str(max(1, round(self.timeout))),
            ]
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                )
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                if self._answers():
                    return
                time.sleep(0.05)
            else:
                self.stop()
                raise CstoKgError(f"the Oxigraph server did not answer within {wait:.0f} s")
            # It exited: most likely the port was taken in between; try another.
        message = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise CstoKgError("the Oxigraph server did not start: " + " / ".join(message))

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection(*self.address, timeout=1)
            conn.request("GET", "/query?query=ASK%7B%7D")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def kill(self) -> None:
        """Stop it now, queries in progress and all (SIGKILL)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _memory(pid: int) -> int | None:
    """The resident memory of a process in bytes (Linux; None elsewhere or if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class Supervisor:
    """Keeps an Oxigraph server running within its limits, and replaces it when it is not.

    The Oxigraph server does not stop every query at its own time limit: a COUNT over a
    cross product runs on for many times the limit, and an ORDER BY over one never stops
    and takes memory at hundreds of MB a second. The front cannot cancel one query. So it
    hands each query it gives up on (past the time limit) to a reaper that reads the rest
    of the answer, and the supervisor replaces the server (a new one over the same copy,
    then the old one killed) when such a query still runs `grace` seconds later, when the
    server holds more than `max_memory` bytes (checked five times a second, Linux only),
    or when it has died. Queries in progress on a replaced server are sent once more to
    the new one (a query only reads), except the likely culprits: the queries already
    given up on, and, when memory ran over, the one that had run longest.
    """

    def __init__(
        self, binary: str, location: Path, *, writable: bool, timeout: float, log: Path, max_memory: int | None = DEFAULT_MAX_MEMORY
    ) -> None:
        self.binary = binary
        self.location = location
        self.writable = writable
        self.timeout = timeout
        self.log = log
        self.max_memory = max_memory
        self.grace = max(2.0, timeout)
        self.backend = self._new_backend()
        self.generation = 0
        self.replaced = 0
        self.stopping = False  # set when the server stops: no replacement for a stuck query then
        self.log_line: Callable[[str], None] = lambda _text: None
        self._lock = threading.Lock()
        self._running: dict[int, tuple[int, float]] = {}  # query -> (generation, started)
        self._abandoned: dict[int, tuple[int, float]] = {}  # query -> (generation, given up at)
        self._condemned: set[int] = set()
        self._next = 0
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    def _new_backend(self) -> Backend:
        return Backend(self.binary, self.location, writable=self.writable, timeout=self.timeout, log=self.log)

    @property
    def address(self) -> tuple[str, int]:
        return self.backend.address

    def start(self) -> None:
        self.backend.start()
        self._watch = threading.Thread(target=self._watch_loop, name="csto-kg-supervisor", daemon=True)
        self._watch.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join(10)
        with self._lock:
            self.backend.stop()

    # -- queries
    def begin(self) -> tuple[int, tuple[str, int], int]:
        """Register a query about to be sent: its id, the server's address and generation."""
        with self._lock:
            self._next += 1
            self._running[self._next] = (self.generation, time.monotonic())
            return self._next, self.backend.address, self.generation

    def resend(self, query: int) -> tuple[tuple[str, int], int] | None:
        """After the server broke off a query: the new server to send it to, or None if it
        was not replaced since (a real failure) or the query is a likely culprit."""
        with self._lock:
            generation, started = self._running.get(query, (self.generation, 0.0))
            if generation == self.generation or query in self._condemned:
                return None
            self._running[query] = (self.generation, started)
            return self.backend.address, self.generation

    def condemned(self, query: int) -> bool:
        with self._lock:
            return query in self._condemned

    def end(self, query: int) -> None:
        with self._lock:
            self._running.pop(query, None)
            self._condemned.discard(query)

    def abandon(self, query: int, conn: http.client.HTTPConnection, response: http.client.HTTPResponse | None) -> None:
        """The front gave up on this query: read the rest of its answer in the background,
        so that the supervisor sees whether the server goes on with it."""
        with self._lock:
            generation, _started = self._running.pop(query, (self.generation, 0.0))
            self._condemned.discard(query)
            self._abandoned[query] = (generation, time.monotonic())

        def reap() -> None:
            try:
                if conn.sock is not None:
                    conn.sock.settimeout(self.grace + self.timeout + 60)
                answer = response if response is not None else conn.getresponse()
                while answer.read(1 << 16):
                    pass
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
                with self._lock:
                    self._abandoned.pop(query, None)

        threading.Thread(target=reap, name="csto-kg-reaper", daemon=True).start()

    # -- watching
    def _watch_loop(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self._check()
            except Exception as err:  # the watch must go on
                self.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} supervisor: {type(err).__name__}: {err}")

    def _check(self) -> None:
        with self._lock:
            backend, generation = self.backend, self.generation
            stuck = [since for g, since in self._abandoned.values() if g == generation]
        process = backend.process
        if process is None or process.poll() is not None:
            self.replace("it stopped")
            return
        memory = _memory(process.pid) if self.max_memory else None
        if memory is not None and self.max_memory and memory > self.max_memory:
            self.replace(f"it held {memory >> 20} MB, over the limit of {self.max_memory >> 20} MB (--max-memory)", culprit=True)
        elif stuck and not self.stopping and time.monotonic() - min(stuck) > self.grace:
            self.replace(f"a query given up on at the time limit still ran {self.grace:g} s later")

    def replace(self, reason: str, *, culprit: bool = False) -> None:
        """Start a new Oxigraph server over the same copy, send new queries there, and kill
        the old one (for a writable store, which takes one writer, the old one first)."""
        if self._stop.is_set():
            return
        old = self.backend
        if self.writable:
            old.kill()
        new = self._new_backend()
        new.start()
        with self._lock:
            if culprit:
                oldest = min(
                    ((started, q) for q, (g, started) in self._running.items() if g == self.generation),
                    default=None,
                )
                if oldest is not None:
                    self._condemned.add(oldest[1])
            self.backend = new
            self.generation += 1
            self.replaced += 1
        old.kill()
        self.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} replaced the Oxigraph server: {reason}")


# --------------------------------------------------------------------------- front
@dataclass
class Settings:
    writable: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_results: int = DEFAULT_MAX_RESULTS
    max_body: int = DEFAULT_MAX_BODY
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_waiting: int = DEFAULT_MAX_WAITING
    allow_service: frozenset[str] = frozenset()  # URLs SERVICE and LOAD may reach; ANY: every one
    host: str = ""  # Host sent to the Oxigraph server: relative IRIs resolve against the public URL
    void: list[ox.Triple] = field(default_factory=list)

    @property
    def max_connections(self) -> int:
        """Open connections (kept-alive ones too) past which a new one is turned away."""
        return max(64, 4 * (self.max_concurrent + self.max_waiting))


class Gate:
    """At most `slots` requests in progress; up to `waiting` more wait their turn (first
    come, first served) for at most `patience` seconds; any other is turned away."""

    def __init__(self, slots: int, waiting: int, patience: float) -> None:
        self.slots = slots
        self.max_waiting = waiting
        self.patience = patience
        self.active = 0
        self.waiting = 0
        self._turns = threading.Condition()

    def enter(self) -> bool:
        with self._turns:
            if self.active < self.slots and self.waiting == 0:
                self.active += 1
                return True
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
            deadline = time.monotonic() + self.patience
            try:
                while self.active >= self.slots:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._turns.wait(left)
                self.active += 1
                return True
            finally:
                self.waiting -= 1

    def leave(self) -> None:
        with self._turns:
            self.active -= 1
            self._turns.notify()


class _Broken(Exception):
    """The Oxigraph server broke off a connection (it may have been replaced meanwhile)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Upstream:
    """What the Oxigraph server answered to one query, counted and parsed."""

    kind: str  # "solutions", "boolean" or "graph"
    data: bytes = b""  # the TSV answer (solutions, boolean)
    triples: list[ox.Triple] = field(default_factory=list)
    count: int = 0


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog (the standard library's 5 resets connections when a burst of
    # clients connects at once).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], supervisor: Supervisor, settings: Settings, log: IO[str]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, FrontHandler)
        self.supervisor = supervisor
        self.settings = settings
        self.log_stream = log
        self.log_lock = threading.Lock()
        self.stopping = False
        self._active = 0
        self._idle = threading.Condition()
        # A request waits for a place at most about as long as one in progress may run.
        self.gate = Gate(settings.max_concurrent, settings.max_waiting, settings.timeout + 1)
        self._connections = 0
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Start a thread for the connection, unless too many are open: then answer 503
        at once, from this thread, and close it."""
        with self._connections_lock:
            full = self._connections >= self.settings.max_connections
            if not full:
                self._connections += 1
        if full:
            self._turn_away(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            with self._connections_lock:
                self._connections -= 1
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections -= 1

    def _turn_away(self, request: socket.socket, client_address: Any) -> None:
        body = b"too many open connections; retry in a moment\n"
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nAccess-Control-Allow-Origin: *\r\n"
            "Connection: close\r\n\r\n"
        )

        def answer() -> None:
            # In a short-lived thread: the request is read off (a little, briefly) so that
            # closing does not reset the connection before the client has the answer.
            with contextlib.suppress(OSError):
                request.settimeout(1)
                request.sendall(head.encode("ascii") + body)
                request.shutdown(socket.SHUT_WR)
                left = 1 << 16
                while left > 0 and (chunk := request.recv(left)):
                    left -= len(chunk)
            self.shutdown_request(request)

        threading.Thread(target=answer, name="csto-kg-turn-away", daemon=True).start()
        self.log_line(
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {client_address[0]} connection turned away: {self.settings.max_connections} open 503"
        )

    def begin(self) -> None:
        with self._idle:
            self._active += 1

    def end(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def wait_idle(self, seconds: float) -> bool:
        """Wait until no request is in progress; False if some still run after `seconds`."""
        deadline = time.monotonic() + seconds
        with self._idle:
            while self._active > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line for a connection that failed outside a request, not a traceback."""
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, TimeoutError)):
            return  # the client went away or stayed idle too long: nothing to report
        self.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {client_address[0]} connection error: {type(err).__name__}: {err}")

    def log_line(self, text: str) -> None:
        with self.log_lock:
            try:
                self.log_stream.write(text + "\n")
                self.log_stream.flush()
            except (OSError, ValueError):
                pass


class FrontHandler(BaseHTTPRequestHandler):
    server: FrontServer
    protocol_version = "HTTP/1.1"
    _linger = False  # set when the connection closes with a request body left unread
    timeout = 60  # seconds a kept-alive connection may stay idle
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

    def version_string(self) -> str:
        return "csto-kg"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The standard library's answers to requests it cannot read (a request line over
        # 64 KB, malformed headers) close the connection with the rest of the request unread.
        self._linger = True
        super().send_error(code, message, explain)

    # ---------------------------------------------------------------- plumbing
    def handle_one_request(self) -> None:
        # One handler serves every request of a kept-alive connection: reset per request.
        self._started = time.monotonic()
        self._status = 0
        self._sent = 0
        self._body_left: int | None = None
        self._params: dict[str, list[str]] = {}
        self._logged = False
        self.server.begin()
        try:
            super().handle_one_request()
        finally:
            self.server.end()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._status = int(code) if str(code).isdigit() else 0

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle kept-alive connection closed: not a request
        super().log_error(format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        # Errors the base class reports (malformed request lines, timeouts).
        self.server.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {self.client_address[0]} {_clean(format % args)}")

    def _log(self) -> None:
        if self._logged:
            return
        self._logged = True
        request = _clean(getattr(self, "requestline", "") or "-")
        if len(request) > 300:
            request = request[:297] + "..."
        elapsed = (time.monotonic() - self._started) * 1000
        self.server.log_line(
            f'{time.strftime("%Y-%m-%dT%H:%M:%S")} {self.client_address[0]} "{request}" {self._status} {self._sent} {elapsed:.1f}ms'
        )

    def _dispatch(self, method: str) -> None:
        gate = self.server.gate
        entered = False
        try:
            # A body over the limit is refused before the request takes a place.
            length = self._content_length(required=False)
            limit = self.server.settings.max_body
            if length is not None and length > limit:
                raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {limit} (--max-body)")
            if method != "OPTIONS":
                if not gate.enter():
                    raise HttpError(
                        503,
                        f"the server is busy: {gate.slots} requests in progress and {gate.max_waiting} waiting "
                        "(--max-concurrent, --max-waiting); retry in a moment",
                        {"Retry-After": "1"},
                    )
                entered = True
            self._route(method)
        except HttpError as err:
            self._send_text(err.status, err.message, err.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self._status = self._status or 499
        except Exception as err:
            self._send_text(500, f"internal error: {type(err).__name__}: {err}")
        finally:
            if entered:
                gate.leave()
            if self.server.stopping:
                self.close_connection = True
            self._log()

    def handle_expect_100(self) -> bool:
        """Invite the body (100 Continue) only if it will be read: a client that waits for
        the invitation gets the 413 without sending a body over the limit."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > self.server.settings.max_body:
            return True
        return super().handle_expect_100()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._linger:
                self._discard_input()

    def _discard_input(self) -> None:
        """Before closing a connection whose request body was not read: stop writing, then
        read (a bounded amount, for a bounded time) what the client still sends, so that the
        close does not reset the connection before the client has read the answer."""
        sock = self.connection
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 2
            left = _LINGER_BYTES
            while left > 0:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    break
                sock.settimeout(wait)
                chunk = sock.recv(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Type, Content-Length, X-Result-Count, X-Result-Limit, Retry-After")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self._drain()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._cors()
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection or self.server.stopping:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        # The log line goes out before the body: a client that has the whole answer finds
        # it in the log (and lines come in the order the answers were completed).
        self._sent = len(body) if self.command != "HEAD" else 0
        self._log()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, (message.rstrip("\n") + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def _drain(self) -> None:
        """Read what is left of the request body before answering, so that the client,
        still sending it, gets the answer (closing on unread data resets the connection).
        A body over the limit is read (and thrown away) up to 16 MB and for 5 s at most,
        and the connection closed; past that it is closed with the body left unread,
        after a last bounded read (see finish)."""
        left = self._body_left
        if left is None:
            try:
                left = self._content_length(required=False) or 0
            except HttpError:
                left = 0
        self._body_left = 0
        if left > self.server.settings.max_body:
            self.close_connection = True
            if left > _LINGER_BYTES or self.headers.get("Expect", "").lower() == "100-continue":
                self._linger = True  # a client that waits for 100 Continue sends nothing more
                return
        deadline = time.monotonic() + 5
        with contextlib.suppress(OSError):
            while left > 0 and time.monotonic() < deadline:
                self.connection.settimeout(5)
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
            self.connection.settimeout(self.timeout)
        if left > 0:
            self.close_connection = self._linger = True

    def _content_length(self, required: bool = True) -> int | None:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = self._linger = True
            raise HttpError(411, "send the request body with a Content-Length, not chunked")
        value = self.headers.get("Content-Length")
        if value is None:
            if required:
                self.close_connection = True
                raise HttpError(411, "a Content-Length header is required")
            return None
        try:
            length = int(value)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "invalid Content-Length") from None
        if length < 0:
            self.close_connection = True
            raise HttpError(400, "invalid Content-Length")
        return length

    def _read_body(self) -> bytes:
        length = self._content_length() or 0
        limit = self.server.settings.max_body
        if length > limit:
            raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {limit} (--max-body)")
        body = self.rfile.read(length) if length else b""
        self._body_left = 0
        return body

    # ---------------------------------------------------------------- routing
    def _route(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        self._params = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if method == "OPTIONS":
            self._preflight()
            return
        if path in ("/query", "/sparql"):
            self._allow(method, ("GET", "HEAD", "POST"))
            self._query(method)
        elif path == "/update":
            self._allow(method, ("POST",))
            if not self.server.settings.writable:
                raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow updates)")
            self._update()
        elif path == "/store":
            self._allow(method, ("GET", "HEAD", "PUT", "POST", "DELETE"))
            if method not in ("GET", "HEAD") and not self.server.settings.writable:
                raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow writes)")
            self._forward(method, "/store" + (f"?{parts.query}" if parts.query else ""))
        elif path == "/.well-known/void":
            self._allow(method, ("GET", "HEAD"))
            self._void()
        elif path in ("/", "/index.html"):
            self._allow(method, ("GET", "HEAD"))
            self._home()
        else:
            local = path.lstrip("/")
            if local == ONTOLOGY_PATH or local.startswith(ENTITY_ROOTS):
                self._allow(method, ("GET", "HEAD"))
                self._describe(local)
            else:
                raise HttpError(404, f"nothing at {path}; the SPARQL endpoint is /query, entities are under /id/")

    def _allow(self, method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            if method in ("PUT", "POST", "DELETE", "PATCH") and not self.server.settings.writable:
                raise HttpError(405, f"{method} is not allowed here; this endpoint is read-only", {"Allow": ", ".join(allowed)})
            raise HttpError(405, f"{method} is not allowed here", {"Allow": ", ".join(allowed)})

    def _preflight(self) -> None:
        self.send_response(204)
        self._cors()
        methods = "GET, HEAD, POST, PUT, DELETE, OPTIONS" if self.server.settings.writable else "GET, HEAD, POST, OPTIONS"
        self.send_header("Access-Control-Allow-Methods", methods)
        requested = self.headers.get("Access-Control-Request-Headers")
        self.send_header("Access-Control-Allow-Headers", _clean(requested) if requested else "Accept, Content-Type, Authorization")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # ---------------------------------------------------------------- SPARQL queries
    def _query(self, method: str) -> None:
        params = {k: list(v) for k, v in self._params.items()}
        if method == "POST":
            media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = self._read_body()
            if media == "application/x-www-form-urlencoded":
                try:
                    form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
                except UnicodeDecodeError:
                    raise HttpError(400, "the form is not UTF-8") from None
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif media == "application/sparql-query":
                if "query" in params:
                    raise HttpError(400, "give the query in the body or in the URL, not both")
                try:
                    params["query"] = [body.decode("utf-8")]
                except UnicodeDecodeError:
                    raise HttpError(400, "the query is not UTF-8") from None
            elif media == "application/sparql-update":
                raise HttpError(403 if not self.server.settings.writable else 400, "send updates to /update, not /query")
            else:
                raise HttpError(415, "POST a query as application/x-www-form-urlencoded or application/sparql-query")
        queries = params.get("query", [])
        if "update" in params:
            raise HttpError(403 if not self.server.settings.writable else 400, "send updates to /update, not /query")
        if len(queries) != 1 or not queries[0].strip():
            raise HttpError(400, "give exactly one SPARQL query in the `query` parameter")
        check_outbound(queries[0], self.server.settings.allow_service)
        dataset = [(k, v) for k in ("default-graph-uri", "named-graph-uri") for v in params.get(k, [])]
        wanted = next((v for k in ("format", "output", "results") for v in params.get(k, []) if v), None)
        upstream = self._run_upstream(queries[0], dataset)
        self._answer(upstream, wanted)

    def _run_upstream(self, query: str, dataset: list[tuple[str, str]]) -> _Upstream:
        """Run the query on the Oxigraph server; read and count its answer within the limits.

        If the supervisor replaced the server while it ran, the query is sent once more to
        the new one, within the same time limit."""
        settings = self.server.settings
        supervisor = self.server.supervisor
        deadline = time.monotonic() + settings.timeout + 0.5
        body = urllib.parse.urlencode([("query", query), *dataset]).encode("utf-8")
        ticket, address, _generation = supervisor.begin()
        try:
            while True:
                try:
                    lines, kind, count = self._ask_upstream(body, address, deadline, ticket)
                    break
                except _Broken as broken:
                    again = supervisor.resend(ticket)
                    if again is None or time.monotonic() >= deadline:
                        if supervisor.condemned(ticket):
                            raise HttpError(
                                503, "the query took more memory than this server allows (--max-memory); the SPARQL engine was restarted"
                            ) from None
                        raise HttpError(502, broken.message) from None
                    address = again[0]
        finally:
            supervisor.end(ticket)
        data = b"".join(lines)
        limit_text = f"the query ran past the time limit of {settings.timeout:g} s"
        try:
            if kind == "graph":
                return _Upstream("graph", triples=list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)), count=count)
            results = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
            if isinstance(results, ox.QueryBoolean):
                return _Upstream("boolean", data=data, count=1)
            # Read every row now, so that a broken answer fails here and not while writing.
            rows = sum(1 for _row in results)
            return _Upstream("solutions", data=data, count=rows)
        except (SyntaxError, ValueError, OSError) as err:
            tail = lines[-1].decode("utf-8", errors="replace").strip() if lines else ""
            if "cancel" in tail.lower():
                raise HttpError(503, limit_text) from None
            raise HttpError(500, f"the SPARQL engine broke off its answer: {tail or err}") from None

    def _ask_upstream(self, body: bytes, address: tuple[str, int], deadline: float, ticket: int) -> tuple[list[bytes], str, int]:
        """One attempt: the lines of the answer, its kind and its count of rows or triples.
        Past the deadline the query is handed to the supervisor (503); a connection the
        server breaks off raises _Broken."""
        settings = self.server.settings
        limit_text = f"the query ran past the time limit of {settings.timeout:g} s"
        conn = http.client.HTTPConnection(*address, timeout=max(0.01, deadline - time.monotonic()))
        response: http.client.HTTPResponse | None = None
        handed_over = False

        def give_up() -> HttpError:
            nonlocal handed_over
            handed_over = True
            self.server.supervisor.abandon(ticket, conn, response)
            return HttpError(503, limit_text)

        try:
            try:
                conn.request(
                    "POST",
                    "/query",
                    body=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "text/tab-separated-values, application/n-triples;q=0.9",
                        **self._upstream_host(),
                    },
                )
                response = conn.getresponse()
            except TimeoutError:
                raise give_up() from None
            except (OSError, http.client.HTTPException) as err:
                raise _Broken(f"the SPARQL engine did not answer: {err}") from None
            if response.status != 200:
                try:
                    text = response.read(64 * 1024).decode("utf-8", errors="replace").strip()
                except (OSError, http.client.HTTPException) as err:
                    raise _Broken(f"the SPARQL engine broke off its answer: {err}") from None
                status = 400 if response.status == 400 else (503 if "cancel" in text.lower() else 500)
                if status == 503:
                    text = limit_text
                raise HttpError(status, text or f"the SPARQL engine answered HTTP {response.status}")
            media = response.getheader("Content-Type", "").split(";")[0].strip()
            kind = "graph" if media == "application/n-triples" else "solutions"
            cap = settings.max_results
            lines: list[bytes] = []
            count = 0
            size = 0
            header_seen = kind == "graph"
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise give_up()
                if conn.sock is not None:
                    conn.sock.settimeout(left)
                try:
                    line = response.readline(_MAX_ANSWER_BYTES - size + 1)
                except TimeoutError:
                    raise give_up() from None
                except (OSError, http.client.HTTPException) as err:
                    raise _Broken(f"the SPARQL engine broke off its answer: {err}") from None
                if not line:
                    break
                size += len(line)
                if size > _MAX_ANSWER_BYTES:
                    raise HttpError(
                        413,
                        f"the result is larger than {_MAX_ANSWER_BYTES >> 20} MB, this server's limit; nothing was sent: "
                        "narrow the query or page through it with LIMIT and OFFSET",
                        {"X-Result-Limit": f"{_MAX_ANSWER_BYTES} bytes"},
                    )
                lines.append(line)
                if not header_seen:
                    header_seen = True
                    continue
                count += 1
                if count > cap:
                    noun = "triples" if kind == "graph" else "rows"
                    raise HttpError(
                        413,
                        f"the result has more than {cap} {noun}, this server's limit (--max-results); "
                        "nothing was sent: narrow the query or page through it with LIMIT and OFFSET",
                        {"X-Result-Limit": str(cap)},
                    )
            if response.length not in (None, 0) or (response.chunked and response.chunk_left not in (None, 0)):
                raise _Broken("the SPARQL engine broke off its answer")
            return lines, kind, count
        finally:
            if not handed_over:
                conn.close()

    def _answer(self, upstream: _Upstream, wanted: str | None) -> None:
        accept = self.headers.get("Accept")
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
        self._send(200, body, _content_type(media), {"Vary": "Accept", "X-Result-Count": str(upstream.count)})

    def _upstream_host(self) -> dict[str, str]:
        """The Host header for the Oxigraph server, which takes the base IRI of a query from
        it: relative IRIs then resolve against this endpoint, not the private address."""
        host = self.server.settings.host
        return {"Host": host} if host else {}

    # ---------------------------------------------------------------- updates (writable)
    def _update(self) -> None:
        """A SPARQL update: read, checked for LOAD and SERVICE, and passed on as read."""
        params = {k: list(v) for k, v in self._params.items()}
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        body = self._read_body()
        if media == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise HttpError(400, "the form is not UTF-8") from None
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif media == "application/sparql-update":
            if "update" in params:
                raise HttpError(400, "give the update in the body or in the URL, not both")
            try:
                params["update"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                raise HttpError(400, "the update is not UTF-8") from None
        else:
            raise HttpError(415, "POST an update as application/x-www-form-urlencoded or application/sparql-update")
        updates = params.get("update", [])
        if len(updates) != 1 or not updates[0].strip():
            raise HttpError(400, "give exactly one SPARQL update in the `update` parameter")
        check_outbound(updates[0], self.server.settings.allow_service, update=True)
        dataset = [(k, v) for k in ("using-graph-uri", "using-named-graph-uri") for v in params.get(k, [])]
        form_body = urllib.parse.urlencode([("update", updates[0]), *dataset]).encode("utf-8")
        self._forward("POST", "/update", form_body, "application/x-www-form-urlencoded")

    # ---------------------------------------------------------------- pass-through
    def _forward(self, method: str, target: str, content: bytes | None = None, content_type: str | None = None) -> None:
        """Pass a request to the Oxigraph server: a Graph Store request as it is (its body
        streamed), or an update with the body the front has read and checked."""
        headers = {k: v for k in ("Content-Type", "Accept") if (v := self.headers.get(k))}
        headers.update(self._upstream_host())
        body: Any = None
        if content is not None:
            body = content
            headers["Content-Type"] = content_type or "application/octet-stream"
            headers["Content-Length"] = str(len(content))
        elif method in ("POST", "PUT"):
            length = self._content_length() or 0
            limit = self.server.settings.max_body
            if length > limit:
                raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {limit} (--max-body)")
            body = _BoundedReader(self.rfile, length)
            headers["Content-Length"] = str(length)
            self._body_left = 0
        conn = http.client.HTTPConnection(*self.server.supervisor.address, timeout=max(self.server.settings.timeout, 60))
        try:
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
            except OSError as err:
                self.close_connection = True
                raise HttpError(502, f"the store did not answer: {err}") from None
            self.send_response(response.status)
            for key in ("Content-Type", "Location"):
                if value := response.getheader(key):
                    self.send_header(key, value)
            self._cors()
            self.send_header("Connection", "close")
            self.close_connection = True
            length = response.getheader("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            if method == "HEAD":
                return
            while chunk := response.read(1 << 16):
                self.wfile.write(chunk)
                self._sent += len(chunk)
        finally:
            conn.close()

    # ---------------------------------------------------------------- entities
    def _describe(self, local: str) -> None:
        """The description of the entity IRI BASE + `local`, in the format asked for."""
        if len(local) > _MAX_ENTITY_PATH:
            raise HttpError(414, f"the path is longer than {_MAX_ENTITY_PATH} characters: no entity has such an IRI")
        if not _LOCAL_PATH.match(local):
            raise HttpError(404, "no such entity")
        # The path names an IRI, never a file; even so, what it decodes to must not climb
        # (no . or .. segment, no empty one) nor hold characters no IRI holds.
        try:
            decoded = urllib.parse.unquote(local, errors="strict")
        except UnicodeDecodeError:
            raise HttpError(404, "no such entity") from None
        segments = decoded.split("/")
        if (
            "." in segments
            or ".." in segments
            or "" in segments[:-1]
            or _CONTROL.search(decoded)
            or any(c in decoded for c in '<>"{}|\\^` ')
        ):
            raise HttpError(404, "no such entity")
        iri = BASE + decoded
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            raise HttpError(404, "no such entity") from None
        if local == ONTOLOGY_PATH:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}"
        else:
            # The entity's own triples, what refers to it, and the labels of both ends
            # and of the properties (for a readable page).
            labels = f"(<{RDFS}label>, <{_SKOS_PREF}>)"
            query = (
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
        upstream = self._run_upstream(query, [])
        if not upstream.triples:
            raise HttpError(404, f"nothing is known about {iri}")
        # The entity's own triples first, then the rest, each group in a stable order.
        upstream.triples.sort(key=lambda t: (t.subject != node, str(t.subject), str(t.predicate), str(t.object)))
        formats_offered = [m for m, _s, _f in _GRAPH_TYPES[:4]] + [_HTML]
        wanted = self._params.get("format", [None])[0]
        media = (_HTML if wanted == "html" else _by_short_name(wanted, _GRAPH_TYPES)) or negotiate(
            self.headers.get("Accept"), formats_offered
        )
        if media is None:
            raise HttpError(406, "no acceptable format: an entity comes as " + ", ".join(formats_offered))
        if media == _HTML:
            body = render_html(iri, upstream.triples).encode("utf-8")
            headers = {
                "Vary": "Accept",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
            }
            self._send(200, body, "text/html; charset=utf-8", headers)
            return
        self._send(200, _serialize_graph(upstream.triples, media), _content_type(media), {"Vary": "Accept"})

    def _void(self) -> None:
        triples = self.server.settings.void
        if not triples:
            raise HttpError(404, "no dataset description in this build")
        media = _by_short_name(self._params.get("format", [None])[0], _GRAPH_TYPES) or negotiate(
            self.headers.get("Accept"), [m for m, _s, _f in _GRAPH_TYPES]
        )
        if media is None:
            raise HttpError(406, "no acceptable format")
        self._send(200, _serialize_graph(triples, media), _content_type(media), {"Vary": "Accept"})

    def _home(self) -> None:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        base = f"http://{host}"
        mode = "read-write" if self.server.settings.writable else "read-only"
        example = "SELECT ?state ?name WHERE { ?state a <" + BASE + "ontology#State> ; <" + RDFS + "label> ?name } LIMIT 20"
        if negotiate(self.headers.get("Accept"), ["text/plain", _HTML]) == _HTML:
            esc = html.escape
            link = "/query?" + urllib.parse.urlencode({"query": example})
            page = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>csto-kg</title></head><body>'
                f"<h1>csto-kg</h1><p>A {esc(mode)} SPARQL 1.1 endpoint over the CSTO knowledge graph.</p>"
                f"<ul><li>SPARQL: <code>{esc(base)}/query</code> (GET or POST; "
                f'<a href="{esc(link)}">an example</a>)</li>'
                '<li>Entities: <a href="/id/csto">/id/csto</a>, <a href="/id/armenia">/id/armenia</a>, '
                '<a href="/ontology">/ontology</a></li>'
                '<li>Dataset description: <a href="/.well-known/void">/.well-known/void</a></li></ul>'
                f'<form action="/query" method="get"><textarea name="query" rows="8" cols="100">{esc(example)}'
                "</textarea><br><button>Run</button></form></body></html>"
            )
            self._send(
                200,
                page.encode("utf-8"),
                "text/html; charset=utf-8",
                {"Vary": "Accept", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"},
            )
            return
        text = (
            f"csto-kg: a {mode} SPARQL 1.1 endpoint over the CSTO knowledge graph\n"
            f"SPARQL:    {base}/query   (GET ?query=... or POST)\n"
            f"entities:  {base}/id/armenia, {base}/ontology  (Turtle, JSON-LD, N-Triples, RDF/XML or HTML)\n"
            f"dataset:   {base}/.well-known/void\n"
        )
        self._send(200, text.encode("utf-8"), "text/plain; charset=utf-8", {"Vary": "Accept"})


class _BoundedReader:
    """The next `length` bytes of a stream, read in blocks (a request body passed on)."""

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self.stream = stream
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.read(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data


def _clean(text: str) -> str:
    """A log-safe rendering: control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --------------------------------------------------------------------------- writing
def _serialize_graph(triples: list[ox.Triple], media: str) -> bytes:
    engine = next(f for m, _s, f in _GRAPH_TYPES if m == media)
    if engine == ox.RdfFormat.JSON_LD:
        from csto_kg.jsonld import compact_document

        return compact_document(ox.serialize(triples, format=engine))
    if engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return ox.serialize(triples, format=engine, prefixes=PREFIXES)
    if engine == ox.RdfFormat.N_QUADS:
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=engine)
    return ox.serialize(triples, format=engine)


# --------------------------------------------------------------------------- HTML
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{text-align:left;vertical-align:top;"
    "padding:.3em .6em;border-bottom:1px solid #ddd}th{width:30%;font-weight:normal;color:#555}"
    ".iri{color:#666;font-family:monospace;word-break:break-all}.tag{color:#888;font-size:.85em}"
    "section{margin-top:1.5em}h2{font-size:1.15em;margin-bottom:.3em}"
)


def _labels(triples: list[ox.Triple]) -> dict[str, str]:
    """An English label (else any label) for each IRI the triples label."""
    found: dict[str, tuple[int, str]] = {}
    for t in triples:
        if t.predicate.value in (RDFS + "label", _SKOS_PREF) and isinstance(t.object, ox.Literal):
            rank = 0 if t.object.language == "en" else (1 if not t.object.language else 2)
            key = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
            if key not in found or rank < found[key][0]:
                found[key] = (rank, t.object.value)
    return {k: v for k, (_r, v) in found.items()}


def _compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _href(iri: str) -> str | None:
    """Where a link to `iri` goes: the served path for the graph's own IRIs, else the IRI
    itself if it is http(s); None for any other scheme (never javascript: and the like)."""
    if iri.startswith(BASE):
        return "/" + iri[len(BASE) :]
    scheme = urllib.parse.urlsplit(iri).scheme.lower()
    return iri if scheme in ("http", "https") else None


def _term_html(term: Any, labels: dict[str, str], subjects: set[str]) -> str:
    esc = html.escape
    if isinstance(term, ox.NamedNode):
        text = labels.get(term.value) or _compact(term.value)
        href = _href(term.value)
        title = esc(term.value, quote=True)
        if href is None:
            return f'<span title="{title}">{esc(text)}</span>'
        return f'<a href="{esc(href, quote=True)}" title="{title}">{esc(text)}</a>'
    if isinstance(term, ox.BlankNode):
        key = f"_:{term.value}"
        text = labels.get(key) or "(anonymous)"
        if key in subjects:
            return f'<a href="#b-{esc(term.value, quote=True)}">{esc(text)}</a>'
        return esc(text)
    if isinstance(term, ox.Literal):
        tag = ""
        if term.language:
            tag = f' <span class="tag">@{esc(term.language)}</span>'
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            tag = f' <span class="tag">{esc(_compact(term.datatype.value))}</span>'
        return esc(term.value) + tag
    return esc(str(term))


def render_html(iri: str, triples: list[ox.Triple]) -> str:
    """A readable page about `iri`: its properties, what refers to it, and, for a
    document such as the ontology, every resource it describes. Every label and value
    is HTML-escaped; links go only to http(s) IRIs or to the served paths."""
    esc = html.escape
    labels = _labels(triples)
    subjects_of: dict[str, list[ox.Triple]] = {}
    subject_keys: set[str] = set()
    incoming: list[ox.Triple] = []
    for t in triples:
        key = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        subject_keys.add(key)
        if isinstance(t.object, ox.NamedNode) and t.object.value == iri and key != iri:
            incoming.append(t)
            continue
        subjects_of.setdefault(key, []).append(t)
    document = iri.rstrip("/").endswith("/" + ONTOLOGY_PATH)
    title = labels.get(iri) or _compact(iri)
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} · csto-kg</title><style>{_STYLE}</style></head><body>",
        '<p><a href="/">csto-kg</a></p>',
        f'<h1>{esc(title)}</h1><p class="iri">{esc(iri)}</p>',
        '<p>Also as <a href="?format=turtle">Turtle</a>, <a href="?format=json-ld">JSON-LD</a>, '
        '<a href="?format=nt">N-Triples</a>, <a href="?format=xml">RDF/XML</a>.</p>',
    ]

    def table(rows: list[ox.Triple], key: str) -> str:
        by_predicate: dict[str, list[Any]] = {}
        for t in rows:
            by_predicate.setdefault(t.predicate.value, []).append(t.object)
        order = sorted(by_predicate, key=lambda p: (p != RDF + "type", p != RDFS + "label", labels.get(p) or _compact(p)))
        cells = []
        for predicate in order:
            values = sorted(by_predicate[predicate], key=lambda o: (labels.get(o.value) if isinstance(o, ox.NamedNode) else None) or str(o))
            rendered = "<br>".join(_term_html(v, labels, subject_keys) for v in values)
            cells.append(f"<tr><th>{_term_html(ox.NamedNode(predicate), labels, subject_keys)}</th><td>{rendered}</td></tr>")
        return "<table>" + "".join(cells) + "</table>"

    if iri in subjects_of:
        parts.append(table(subjects_of.pop(iri), iri))
    if incoming:
        parts.append("<section><h2>Referred to by</h2><table>")
        for t in sorted(incoming, key=lambda t: (labels.get(t.subject.value) or str(t.subject), t.predicate.value)):
            parts.append(
                f"<tr><th>{_term_html(t.predicate, labels, subject_keys)} of</th>"
                f"<td>{_term_html(t.subject, labels, subject_keys)}</td></tr>"
            )
        parts.append("</table></section>")
    if document:
        for key in sorted(subjects_of, key=lambda k: (k.startswith("_:"), labels.get(k) or k)):
            rows = subjects_of[key]
            if key.startswith("_:"):
                anchor, heading, sub = f"b-{key[2:]}", labels.get(key) or "(anonymous)", ""
            else:
                anchor = key.split("#", 1)[1] if key.startswith(iri + "#") else ""
                heading, sub = labels.get(key) or _compact(key), key
            ident = f' id="{esc(anchor, quote=True)}"' if anchor else ""
            parts.append(f"<section{ident}><h2>{esc(heading)}</h2>")
            if sub:
                parts.append(f'<p class="iri">{esc(sub)}</p>')
            parts.append(table(rows, key) + "</section>")
    parts.append("</body></html>")
    return "".join(parts)


# --------------------------------------------------------------------------- running
@dataclass
class Running:
    """A started server: its public URL and what to stop."""

    url: str
    front: FrontServer
    backend: Supervisor
    folder: Path

    @property
    def endpoint(self) -> str:
        return self.url + "query"

    def close(self) -> None:
        try:
            self.front.server_close()
        finally:
            try:
                self.backend.stop()
            finally:
                shutil.rmtree(self.folder, ignore_errors=True)


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def start(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    writable: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_results: int = DEFAULT_MAX_RESULTS,
    max_body: int = DEFAULT_MAX_BODY,
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    max_waiting: int = DEFAULT_MAX_WAITING,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    allow_service: Iterable[str] = (),
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    log: IO[str] | None = None,
) -> Running:
    """Copy the current build, start the Oxigraph server on it and bind the front.

    `allow_service`: the URLs a SERVICE (or, with `writable`, a LOAD) may reach, each
    matched character for character; "any" allows every address. By default none.
    `max_memory`: bytes the Oxigraph server may hold before it is replaced (None: no limit).
    The caller runs `running.front.serve_forever()` and then `running.close()`; `serve()`
    does both and handles signals.
    """
    from csto_kg.pipeline import ensure_built
    from csto_kg.store import open_store

    if timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    if max_results < 1:
        raise UsageError("--max-results must be at least 1")
    if max_body < 1:
        raise UsageError("--max-body must be at least 1 byte")
    if max_concurrent < 1:
        raise UsageError("--max-concurrent must be at least 1")
    if max_waiting < 0:
        raise UsageError("--max-waiting must be 0 or more")
    if max_memory is not None and max_memory < 64 << 20:
        raise UsageError("--max-memory must be at least 64 MB")
    allowed = allowed_services(allow_service)
    if not 0 <= port <= 65535:
        raise UsageError(f"invalid port {port}")
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    binary = find_oxigraph()
    folder = Path(tempfile.mkdtemp(prefix="csto-kg-serve-"))
    backend = Supervisor(binary, folder / "store", writable=writable, timeout=timeout, log=folder / "oxigraph.log", max_memory=max_memory)
    try:
        location = copy_build(layout, folder, binary)
        backend.location = backend.backend.location = location
        backend.start()
        settings = Settings(
            writable=writable,
            timeout=timeout,
            max_results=max_results,
            max_body=max_body,
            max_concurrent=max_concurrent,
            max_waiting=max_waiting,
            allow_service=allowed,
        )
        try:
            front = FrontServer((host, port), backend, settings, log or sys.stderr)
        except OSError as err:
            raise CstoKgError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
        backend.log_line = front.log_line
        bound = front.server_address[1]
        url = f"http://{_display_host(host)}:{bound}/"
        settings.host = f"{_display_host(host)}:{bound}"
        settings.void = _void_triples(open_store(layout), url + "query")
    except BaseException:
        backend.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Running(url, front, backend, folder)


def allowed_services(urls: Iterable[str]) -> frozenset[str]:
    """The allow-list of SERVICE and LOAD targets: absolute http(s) URLs, or "any"."""
    allowed = set()
    for url in urls:
        url = url.strip()
        if url.lower() == ANY:
            allowed.add(ANY)
            continue
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or _CONTROL.search(url) or " " in url or _DOT_SEGMENT.search(url):
            raise UsageError(f"--allow-service wants an absolute http(s) URL (or `any`), not {url!r}")
        allowed.add(url)
    return frozenset(allowed)


def _void_triples(store: ox.Store, endpoint: str) -> list[ox.Triple]:
    """The dataset description naming this endpoint, if this version of csto-kg has one."""
    try:
        from csto_kg import void
    except ImportError:
        return []
    with contextlib.suppress(Exception):  # a description is a bonus; never fail to serve for it
        return list(void.triples(store, endpoint))
    return []


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    writable: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_results: int = DEFAULT_MAX_RESULTS,
    max_body: int = DEFAULT_MAX_BODY,
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    max_waiting: int = DEFAULT_MAX_WAITING,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    allow_service: Iterable[str] = (),
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    on_ready: Callable[[Running], None] | None = None,
    log: IO[str] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; then finish the requests in progress and stop."""
    running = start(
        host,
        port,
        writable=writable,
        timeout=timeout,
        max_results=max_results,
        max_body=max_body,
        max_concurrent=max_concurrent,
        max_waiting=max_waiting,
        max_memory=max_memory,
        allow_service=allow_service,
        data_root=data_root,
        build_dir=build_dir,
        log=log,
    )
    front = running.front
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stop_requested.is_set():
            return
        stop_requested.set()
        front.stopping = True
        running.backend.stopping = True
        front.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} stopping ({signal.Signals(signum).name})")
        threading.Thread(target=front.shutdown, daemon=True).start()

    # The handlers stay until everything is cleaned up: a second signal while stopping
    # does not cut the cleanup short (it is bounded by the query timeout).
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if on_ready is not None:
            on_ready(running)
        front.serve_forever(poll_interval=0.2)
        front.wait_idle(timeout + 2)
    finally:
        try:
            running.close()
            front.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} stopped")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


__all__ = ["Running", "allowed_services", "check_outbound", "negotiate", "outbound", "render_html", "serve", "start"]
