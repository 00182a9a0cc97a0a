"""The HTTP front: the request handler in front of the Oxigraph server (see csto_kg.serve)."""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

import pyoxigraph as ox

from csto_kg.core.namespaces import BASE, GRAPH_ONTOLOGY, RDFS
from csto_kg.serve import pages
from csto_kg.serve.gate import Gate
from csto_kg.serve.negotiation import _GRAPH_TYPES, _HTML, _RESULT_TYPES, _by_short_name, _content_type, _serialize_graph, negotiate
from csto_kg.serve.screen import _check_depth, check_outbound
from csto_kg.serve.settings import (
    _CONTROL,
    _LINGER_BYTES,
    _LOCAL_PATH,
    _MAX_ANSWER_BYTES,
    _MAX_ENTITY_PATH,
    _SKOS_PREF,
    ANY,
    ENTITY_ROOTS,
    ONTOLOGY_PATH,
    HttpError,
    Settings,
)
from csto_kg.serve.supervisor import Supervisor
from csto_kg.site import accept_language

_YASGUI_FILES = ("/yasgui.min.js", "/yasgui.min.css")
# The site's pages run their own scripts and styles (and YASGUI's), and nothing from another host.
_SITE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'"
)


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
        self._reading: dict[socket.socket, float] = {}  # connections reading a request head -> since
        threading.Thread(target=self._watch_reads, name="csto-kg-read-timeout", daemon=True).start()

    def reading(self, sock: socket.socket, since: float) -> None:
        with self._connections_lock:
            self._reading[sock] = since

    def read_done(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._reading.pop(sock, None)

    def _watch_reads(self) -> None:
        """Close connections whose request head (or body, see _read_body) takes longer than
        --read-timeout to arrive: a client that trickles bytes holds no place for long."""
        limit = self.settings.read_timeout
        while True:
            time.sleep(min(0.25, limit / 4))
            now = time.monotonic()
            with self._connections_lock:
                late = [sock for sock, since in self._reading.items() if now - since > limit]
                for sock in late:
                    del self._reading[sock]
            for sock in late:
                with contextlib.suppress(OSError):
                    body = f"the request did not arrive within {limit:g} s (--read-timeout)\n".encode()
                    sock.sendall(
                        b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                self.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} connection closed: request not read within {limit:g} s 408")

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
        # Wait (idle, at most `timeout`) for the first byte of the next request; from there
        # its head must arrive within --read-timeout, however slowly it trickles in.
        try:
            if not self.rfile.peek(1):
                self.close_connection = True
                return
        except (OSError, ValueError):
            self.close_connection = True
            return
        # One handler serves every request of a kept-alive connection: reset per request.
        self._started = time.monotonic()
        self._status = 0
        self._sent = 0
        self._body_left: int | None = None
        self._params: dict[str, list[str]] = {}
        self._logged = False
        self.server.begin()
        self.server.reading(self.connection, self._started)
        try:
            super().handle_one_request()
        finally:
            self.server.read_done(self.connection)
            self.server.end()

    def parse_request(self) -> bool:
        done = super().parse_request()
        self.server.read_done(self.connection)
        return done

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
            length = self._content_length(required=False) or 0
        except HttpError:
            return True  # refused when dispatched, without inviting the body
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
        """The length of the request body, read strictly: framing that two servers could read
        two ways (two lengths, `+5`, `5_0`, a length beside a transfer coding, a coding
        list) is refused with 400 and the connection closed, so no request hides in a body."""
        codings = [v.strip().lower() for v in self.headers.get_all("Transfer-Encoding") or []]
        lengths = [v.strip() for v in self.headers.get_all("Content-Length") or []]
        if len(codings) > 1 or any("," in c for c in codings) or (codings and lengths) or len(lengths) > 1:
            self.close_connection = self._linger = True
            raise HttpError(400, "ambiguous request framing: give one Content-Length and no Transfer-Encoding")
        if codings and codings[0] != "identity":
            self.close_connection = self._linger = True
            if codings[0] == "chunked":
                raise HttpError(411, "send the request body with a Content-Length, not chunked")
            raise HttpError(400, f"unknown Transfer-Encoding {_clean(codings[0])!r}")
        if not lengths:
            if required:
                self.close_connection = True
                raise HttpError(411, "a Content-Length header is required")
            return None
        if not lengths[0].isascii() or not lengths[0].isdigit():
            self.close_connection = self._linger = True
            raise HttpError(400, "invalid Content-Length")
        return int(lengths[0])

    def _read_body(self) -> bytes:
        length = self._content_length() or 0
        limit = self.server.settings.max_body
        if length > limit:
            raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {limit} (--max-body)")
        self.server.reading(self.connection, self._started)
        try:
            body = self.rfile.read(length) if length else b""
        finally:
            self.server.read_done(self.connection)
        if len(body) < length:
            self.close_connection = True
            raise HttpError(400, "the request body ended before its Content-Length")
        self._body_left = 0
        return body

    # ---------------------------------------------------------------- routing
    def _route(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        self._params = _form(parts.query, "the query string")
        if method == "OPTIONS":
            self._preflight()
            return
        if method in ("GET", "HEAD") and self._site_page(path):
            return
        if path in ("/query", "/sparql"):
            self._allow(method, ("GET", "HEAD", "POST"))
            self._query(method)
        elif path == "/update":
            self._allow(method, ("POST",))
            if not self.server.settings.writable:
                raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow updates)")
            self._check_origin()
            self._update()
        elif path == "/store":
            self._allow(method, ("GET", "HEAD", "PUT", "POST", "DELETE"))
            if method not in ("GET", "HEAD") and not self.server.settings.writable:
                raise HttpError(403, "this endpoint is read-only (start `csto-kg serve --writable` to allow writes)")
            target = "/store" + (f"?{parts.query}" if parts.query else "")
            if method in ("GET", "HEAD"):
                self._read_store(target)
            else:
                self._check_origin()
                self._forward(method, target)
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

    def _site_page(self, path: str) -> bool:
        """Answer with the site's page for a browser (or its files); False where the site has
        none or the client is not a browser: the other routes then answer as before."""
        site = self.server.settings.site
        if site is None or "query" in self._params or "update" in self._params:
            return False
        if path in _YASGUI_FILES:
            self._forward(self.command, path)
            return True
        if not path.endswith(".json") and not self._wants_html():
            return False
        page = site.render(path, accept_language(self.headers.get("Accept-Language")))
        if page is None:
            return False
        headers = {"Vary": "Accept, Accept-Language", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": _SITE_POLICY}
        self._send(page.status, page.body, page.content_type, headers)
        return True

    def _wants_html(self) -> bool:
        wanted = self._params.get("format", [None])[0]
        if wanted is not None:
            return wanted == "html"
        offered = ["text/plain"] + [m for m, _s, _f in _GRAPH_TYPES[:4]] + [_HTML]
        return negotiate(self.headers.get("Accept"), offered) == _HTML

    def _allow(self, method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            if method in ("PUT", "POST", "DELETE", "PATCH") and not self.server.settings.writable:
                raise HttpError(405, f"{method} is not allowed here; this endpoint is read-only", {"Allow": ", ".join(allowed)})
            raise HttpError(405, f"{method} is not allowed here", {"Allow": ", ".join(allowed)})

    def _check_origin(self) -> None:
        """A write sent by a page of another origin is refused unless --allow-origin names it:
        a form POST needs no preflight, so CORS alone would let any page empty the store."""
        allowed = self.server.settings.allow_origin
        origin = (self.headers.get("Origin") or "").strip()
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        if ANY in allowed or (not origin and site in ("", "same-origin", "none")):
            return
        if origin and origin in allowed:
            return
        host = (self.headers.get("Host") or "").strip().lower()
        if origin and urllib.parse.urlsplit(origin.lower()).netloc == host and site in ("", "same-origin", "none"):
            return
        raise HttpError(403, f"a write from the origin {_clean(origin or site)!r} is refused (start with --allow-origin to allow one)")

    def _read_store(self, target: str) -> None:
        """A Graph Store read: the whole answer read and counted before anything is sent, so
        a broken answer is a 503 (never a 200 with a cut body) and --max-results holds."""
        settings = self.server.settings
        headers = {"Accept": self.headers.get("Accept") or "application/n-triples", **self._upstream_host()}
        conn = http.client.HTTPConnection(*self.server.supervisor.address, timeout=settings.timeout)
        try:
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            body = response.read(_MAX_ANSWER_BYTES + 1)
            cut = response.length not in (None, 0) or (response.chunked and response.chunk_left not in (None, 0))
        except (OSError, http.client.HTTPException) as err:
            raise HttpError(503, f"the store broke off its answer: {err}; retry in a moment", {"Retry-After": "1"}) from None
        finally:
            conn.close()
        media = response.getheader("Content-Type", "application/octet-stream")
        if response.status != 200:
            self._send(response.status, body, media)
            return
        if len(body) > _MAX_ANSWER_BYTES:
            raise HttpError(413, f"the graph is larger than {_MAX_ANSWER_BYTES >> 20} MB, this server's limit; query it in pages")
        if cut:
            raise HttpError(503, "the store broke off its answer; retry in a moment", {"Retry-After": "1"})
        count = _count_statements(body, media)
        if count > settings.max_results:
            raise HttpError(
                413,
                f"the graph has {count} triples, more than this server's limit of {settings.max_results} (--max-results); "
                "nothing was sent: query it with LIMIT and OFFSET",
                {"X-Result-Limit": str(settings.max_results)},
            )
        self._send(200, body, media, {"Vary": "Accept", "X-Result-Count": str(count)})

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
                for key, values in _form(body, "the form").items():
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
        _check_depth(queries[0])
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
                        raise HttpError(503, broken.message + "; retry in a moment", {"Retry-After": "1"}) from None
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
        host = self.server.settings.public_host
        return {"Host": host} if host else {}

    # ---------------------------------------------------------------- updates (writable)
    def _update(self) -> None:
        """A SPARQL update: read, checked for LOAD and SERVICE, and passed on as read."""
        params = {k: list(v) for k, v in self._params.items()}
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        body = self._read_body()
        if media == "application/x-www-form-urlencoded":
            for key, values in _form(body, "the form").items():
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
        _check_depth(updates[0])
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
                raise HttpError(503, f"the store did not answer: {err}; retry in a moment", {"Retry-After": "1"}) from None
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
            body = pages.html_pages().entity(iri, upstream.triples).encode("utf-8")
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
            page = pages.html_pages().home(base, mode, example)
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


def _count_statements(body: bytes, media: str) -> int:
    """The triples (or quads) of a Graph Store answer; 503 if it does not parse (cut short)."""
    try:
        fmt = ox.RdfFormat.from_media_type(media.split(";")[0].strip())
        if fmt is None:
            raise ValueError(f"unknown media type {media}")
        return sum(1 for _quad in ox.parse(body, format=fmt))
    except (SyntaxError, ValueError) as err:
        raise HttpError(503, f"the store sent an answer that does not parse ({err}); retry in a moment", {"Retry-After": "1"}) from None


def _form(data: str | bytes, what: str) -> dict[str, list[str]]:
    """A query string or form body, decoded strictly: bytes or escapes that are not UTF-8 get
    HTTP 400 (never a U+FFFD in the query the engine sees)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise HttpError(400, f"{what} is not UTF-8") from None


def _clean(text: str) -> str:
    """A log-safe rendering: control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
