"""Starting and stopping the served copy: the Oxigraph server, its supervisor and the front."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from csto_kg.building.ensure import ensure_built
from csto_kg.core.built import open_store
from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout
from csto_kg.serve.engine import copy_build, find_oxigraph
from csto_kg.serve.pages import _void_triples
from csto_kg.serve.settings import Settings
from csto_kg.serve.supervisor import Supervisor
from csto_kg.site import Site

if TYPE_CHECKING:
    from csto_kg.serve.app import Front
    from csto_kg.serve.server import FrontServer


def _web_stack() -> None:
    """Starlette and uvicorn come with the `serve` extra: without them, say so in one line
    (they are imported only here, so that every other command works without them)."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as err:
        raise CstoKgError(f"the server's web stack is not installed ({err.name}): pip install 'csto-kg[serve]'") from None


# --------------------------------------------------------------------------- running
@dataclass
class Running:
    """A started server: its public URL, the front and its listening socket, what to stop."""

    url: str
    front: Front
    server: FrontServer
    sock: socket.socket
    backend: Supervisor
    folder: Path

    @property
    def endpoint(self) -> str:
        return self.url + "query"

    def serve_forever(self) -> None:
        """Serve until the server is told to stop (FrontServer.should_exit, or a signal)."""
        self.front.memory.start()
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        finally:
            self.front.memory.stop()

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            try:
                self.backend.stop()
            finally:
                shutil.rmtree(self.folder, ignore_errors=True)


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def start(
    settings: Settings | None = None,
    *,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    log: IO[str] | None = None,
) -> Running:
    """Copy the current build, start the Oxigraph server on it and bind the front.

    The caller runs `running.serve_forever()` and then `running.close()`; `serve()` does both.
    """
    _web_stack()
    from csto_kg.serve.app import Front
    from csto_kg.serve.server import listen, make_server

    settings = settings or Settings()
    host, port = settings.host, settings.port
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    binary = find_oxigraph()
    folder = Path(tempfile.mkdtemp(prefix="csto-kg-serve-"))
    backend = Supervisor(
        binary,
        folder / "store",
        writable=settings.writable,
        timeout=settings.timeout,
        log=folder / "oxigraph.log",
        max_memory=settings.max_memory,
    )
    sock: socket.socket | None = None
    try:
        location = copy_build(layout, folder, binary)
        backend.location = backend.backend.location = location
        backend.start()
        try:
            sock = listen(host, port)
        except OSError as err:
            raise CstoKgError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
        front = Front(settings, backend, log or sys.stderr)
        backend.log_line = front.log_line
        bound = sock.getsockname()[1]
        url = f"http://{_display_host(host)}:{bound}/"
        settings.public_host = f"{_display_host(host)}:{bound}"
        opened = open_store(layout)
        settings.void = _void_triples(opened, url + "query")
        settings.site = Site(opened, layout)
        server = make_server(front)
    except BaseException:
        if sock is not None:
            sock.close()
        backend.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Running(url, front, server, sock, backend, folder)


def serve(
    settings: Settings | None = None,
    *,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    on_ready: Callable[[Running], None] | None = None,
    log: IO[str] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; then finish the requests in progress and stop."""
    running = start(settings, data_root=data_root, build_dir=build_dir, log=log)
    try:
        if on_ready is not None:
            on_ready(running)
        running.serve_forever()
    finally:
        try:
            running.close()
        finally:
            running.front.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} stopped")
