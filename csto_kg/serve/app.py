"""The front as an ASGI application on Starlette (see csto_kg.serve).

Starlette routes each request to its view (csto_kg.serve.views, run in a worker thread);
around them a middleware writes the log line, answers CORS preflights, refuses requests
over the limits before they take a place (a body over --max-body, a target over 64 KB,
chunked bodies, a front over --max-front-memory) and holds the concurrency gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import IO, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from csto_kg.serve import views
from csto_kg.serve.gate import Gate
from csto_kg.serve.memory import FrontMemory
from csto_kg.serve.settings import _LINGER_BYTES, HttpError, Settings
from csto_kg.serve.supervisor import Supervisor
from csto_kg.serve.upstream import Engine

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_MAX_TARGET = 1 << 16  # bytes of a request target, past which it is refused with 414
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"Content-Type, Content-Length, X-Result-Count, X-Result-Limit, Retry-After"),
]


@dataclass
class Front:
    """What every request shares: the settings, the Oxigraph server's supervisor, the
    gate, the memory watch and the log."""

    settings: Settings
    supervisor: Supervisor
    log: IO[str]
    stopping: bool = False
    memory: FrontMemory = field(init=False)
    gate: Gate = field(init=False)
    engine: Engine = field(init=False)
    _log_lock: threading.Lock = field(default_factory=threading.Lock)
    _limiter: anyio.CapacityLimiter | None = None

    def __post_init__(self) -> None:
        self.memory = FrontMemory(self.settings.max_front_memory, self.log_line)
        # A request waits for a place at most about as long as one in progress may run.
        self.gate = Gate(self.settings.max_concurrent, self.settings.max_waiting, self.settings.timeout + 1)
        self.engine = Engine(self.settings, self.supervisor, self.memory.check)

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """Worker threads for the views: one per place of the gate (site pages too)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.settings.max_concurrent + 4)
        return self._limiter

    def log_line(self, text: str) -> None:
        with self._log_lock:
            try:
                self.log.write(text + "\n")
                self.log.flush()
            except (OSError, ValueError):
                pass


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


# --------------------------------------------------------------------------- the views
def _headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found


async def _read_body(request: Request, front: Front) -> bytes:
    """The request body, within --max-body (413) and --read-timeout (408)."""
    settings = front.settings
    length_text = request.headers.get("content-length")
    if length_text is None:
        raise HttpError(411, "a Content-Length header is required", {"Connection": "close"})
    length = int(length_text)  # h11 has checked it: one value, digits only
    if length > settings.max_body:
        raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {settings.max_body} (--max-body)")
    chunks = bytearray()
    try:
        async with asyncio.timeout(settings.read_timeout):
            async for chunk in request.stream():
                chunks += chunk
    except TimeoutError:
        late = f"the request body did not arrive within {settings.read_timeout:g} s (--read-timeout)"
        raise HttpError(408, late, {"Connection": "close"}) from None
    except ClientDisconnect:
        raise HttpError(400, "the request body ended before its Content-Length", {"Connection": "close"}) from None
    return bytes(chunks)


def _answer(answer: views.Answer) -> Response:
    return Response(answer.body, answer.status, headers={**answer.headers, "Content-Type": answer.content_type})


async def endpoint(request: Request) -> Response:
    """Every route: the view runs in a worker thread and reads the body when it needs it."""
    front: Front = request.app.state.front
    scope = request.scope

    def run() -> views.Answer:
        call = views.Call(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=_headers(scope),
            engine=front.engine,
            read_body=lambda: anyio.from_thread.run(_read_body, request, front),
        )
        return views.route(call)

    try:
        answer = await anyio.to_thread.run_sync(run, limiter=front.limiter)
    except HttpError as err:
        answer = views.text_answer(err.status, err.message, err.headers)
    except Exception as err:  # one line to the client and the log, never a traceback
        answer = views.text_answer(500, f"internal error: {type(err).__name__}: {err}")
    return _answer(answer)


# --------------------------------------------------------------------------- around them
class FrontMiddleware:
    """Log line, CORS, early refusals and the concurrency gate, around every request."""

    def __init__(self, app: Any, front: Front) -> None:
        self.app = app
        self.front = front

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        target = _target(scope)
        body = _Body(scope, receive)
        sent = _Sent(self.front, scope, started, target, send, body)
        try:
            await self._handle(scope, body, sent)
        except HttpError as err:
            await _text(err.status, err.message, err.headers)(scope, receive, sent)
        finally:
            sent.log()

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        front = self.front
        if len(scope["raw_path"]) + len(scope["query_string"]) > _MAX_TARGET:
            raise HttpError(414, f"the request target is longer than {_MAX_TARGET} bytes", {"Connection": "close"})
        _normalize(scope)
        headers = _headers(scope)
        if scope["method"] == "OPTIONS":
            extra = views.preflight(front.settings.writable, headers.get("access-control-request-headers"))
            await Response(status_code=204, headers=extra)(scope, receive, send)
            return
        _check_framing(headers, front.settings.max_body)
        if front.memory.over:
            raise front.memory.refusal()
        gate = front.gate
        if not await gate.enter():
            raise HttpError(
                503,
                f"the server is busy: {gate.slots} requests in progress and {gate.max_waiting} waiting "
                "(--max-concurrent, --max-waiting); retry in a moment",
                {"Retry-After": "1"},
            )
        try:
            await self.app(scope, receive, send)
        finally:
            await gate.leave()


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _answer(views.text_answer(status, message, headers))


def _target(scope: Scope) -> str:
    raw = scope["raw_path"].decode("latin-1")
    query = scope["query_string"].decode("latin-1")
    return raw + (f"?{query}" if query else "")


def _normalize(scope: Scope) -> None:
    """Route on the path as sent (percent-encoded), and on the path only of an absolute
    URL given as the request target: it names a path of this server, never another one."""
    raw = scope["raw_path"].decode("latin-1")
    if not raw.startswith("/"):
        raw = urllib.parse.urlsplit(raw).path or "/"
    scope["path"] = raw
    scope["raw_path"] = raw.encode("latin-1")


def _check_framing(headers: dict[str, str], max_body: int) -> None:
    """h11 has refused ambiguous framing (two lengths, `+5`, codings other than chunked);
    a chunked body is refused here, and a body over the limit before it takes a place."""
    if "transfer-encoding" in headers:
        raise HttpError(411, "send the request body with a Content-Length, not chunked", {"Connection": "close"})
    length = headers.get("content-length")
    if length is not None and int(length) > max_body:
        # A client that waits for 100 Continue is not invited to send the body: close.
        close = {"Connection": "close"} if headers.get("expect", "").lower() == "100-continue" else {}
        raise HttpError(413, f"the request body has {length} bytes, more than this server's limit of {max_body} (--max-body)", close)


class _Body:
    """The `receive` of one request, which knows whether the body has been read, and reads
    off what is left of it before an answer that refuses it."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.receive = receive
        headers = dict(scope["headers"])
        self.expected = int(headers.get(b"content-length", b"0") or 0)
        self.invited = headers.get(b"expect", b"").lower() != b"100-continue"
        self.done = self.expected == 0

    async def __call__(self) -> dict[str, Any]:
        message = await self.receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.done = True
        return message

    async def drain(self) -> bool:
        """Read (and throw away) the rest of the body, so that the client, still sending it,
        gets the answer (closing on unread data resets the connection): at most 16 MB for
        5 s, and never from a client that waits for 100 Continue. False if some is left."""
        if self.done:
            return True
        if not self.invited or self.expected > _LINGER_BYTES:
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                while not self.done:
                    await self()
        return self.done


@dataclass(eq=False)
class _Sent:
    """The `send` of one request: adds the CORS headers, notes the status and size, and
    writes the log line when the answer starts (before its body: a client that has the
    whole answer finds it in the log)."""

    front: Front
    scope: Scope
    started: float
    target: str
    send: Send
    body: _Body
    status: int = 0
    size: int = 0
    logged: bool = False

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), *_CORS]
            if not await self.body.drain() or self.front.stopping:
                headers.append((b"connection", b"close"))
            message = {**message, "headers": headers}
            self.status = message["status"]
            length = next((v for k, v in headers if k.lower() == b"content-length"), b"0")
            self.size = 0 if self.scope["method"] == "HEAD" else int(length)
            self.log()
        await self.send(message)

    def log(self) -> None:
        if self.logged:
            return
        self.logged = True
        scope = self.scope
        request = views.clean(f"{scope['method']} {self.target} HTTP/{scope['http_version']}")
        if len(request) > 300:
            request = request[:297] + "..."
        client = (scope.get("client") or ("-",))[0]
        elapsed = (time.monotonic() - self.started) * 1000
        status = self.status or 499  # the client went away before the answer
        self.front.log_line(f'{now()} {client} "{request}" {status} {self.size} {elapsed:.1f}ms')


def build_app(front: Front) -> Starlette:
    """The ASGI application of the front."""
    # One route: the views route on the path as sent (see views.route), which Starlette's
    # routing (on the decoded path) cannot.
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
    app.state.front = front
    app.add_middleware(FrontMiddleware, front=front)
    return app
