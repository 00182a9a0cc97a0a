"""The front's HTTP server: uvicorn with h11, bounded in connections and in the time a
request may take to arrive, stopped gracefully on SIGINT or SIGTERM.

h11 parses every request and refuses ambiguous framing (two Content-Length values, `+5`,
`5_0`, a transfer coding other than chunked) with 400 before the application sees it.
Two things uvicorn leaves open are added here, around its own protocol: a request head
that trickles in is cut off after --read-timeout (uvicorn times out idle connections only
once they have had an answer), and past the open-connection limit a new connection is
answered 503 (uvicorn's own limit also counts requests, and says nothing of why).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Generator
from typing import Any

import h11
import uvicorn
from starlette.responses import Response
from uvicorn.protocols.http.h11_impl import H11Protocol

from csto_kg.serve.app import Front, build_app, now

_IDLE = 60.0  # seconds a kept-alive connection may stay idle
_MAX_HEAD = 1 << 17  # bytes of a request head h11 buffers: room for a 64 KB target (414), then 400


def _turn_away(limit: int) -> Callable[..., Any]:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        response = Response(
            "too many open connections; retry in a moment\n",
            503,
            headers={"Retry-After": "1", "Connection": "close", "Access-Control-Allow-Origin": "*"},
            media_type="text/plain; charset=utf-8",
        )
        await response(scope, receive, send)

    return answer


def protocol_for(front: Front) -> type[H11Protocol]:
    """uvicorn's h11 protocol, with the read timeout and the connection limit of `front`."""
    settings = front.settings

    class FrontProtocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > settings.max_connections:
                # Read the request (h11 still bounds it) and answer 503: closing at once
                # would reset the connection before the client reads why.
                self.app = _turn_away(settings.max_connections)
                client = (self.client or ("-",))[0]
                front.log_line(f"{now()} {client} connection turned away: {settings.max_connections} open 503")
            # Idle from the start, not only after a first answer.
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

        def data_received(self, data: bytes) -> None:
            if self._head_timer is None and self.conn.their_state is h11.IDLE:
                self._head_timer = self.loop.call_later(settings.read_timeout, self._head_late)
            super().data_received(data)
            if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
                self._head_timer.cancel()
                self._head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
                self._head_timer.cancel()
                self._head_timer = None

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def _head_late(self) -> None:
            """The request head did not arrive within --read-timeout: answer 408 and close."""
            self._head_timer = None
            if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
                return
            body = f"the request did not arrive within {settings.read_timeout:g} s (--read-timeout)\n".encode()
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
                + body
            )
            self.transport.close()
            client = (self.client or ("-",))[0]
            front.log_line(f"{now()} {client} connection closed: request not read within {settings.read_timeout:g} s 408")

    return FrontProtocol


class FrontServer(uvicorn.Server):
    """uvicorn's server, with the front's own handling of SIGINT and SIGTERM: stop taking
    connections, let the requests in progress finish (within the query time limit), exit 0."""

    def __init__(self, config: uvicorn.Config, front: Front) -> None:
        super().__init__(config)
        self.front = front

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        def on_signal(signum: int, _frame: Any) -> None:
            if self.should_exit:
                return  # a second signal does not cut the cleanup short (it is bounded)
            self.front.stopping = True
            self.front.supervisor.stopping = True
            self.front.log_line(f"{now()} stopping ({signal.Signals(signum).name})")
            self.should_exit = True

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (OSError if the address is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # an answer's head and body, written apart, wait 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def make_server(front: Front) -> FrontServer:
    config = uvicorn.Config(
        build_app(front),
        http=protocol_for(front),
        lifespan="off",
        log_config=None,
        log_level="critical",  # the front writes its own log line per request
        access_log=False,
        server_header=False,
        timeout_keep_alive=int(_IDLE),
        timeout_graceful_shutdown=int(front.settings.timeout + 2),
        h11_max_incomplete_event_size=_MAX_HEAD,
        backlog=128,
    )
    return FrontServer(config, front)
