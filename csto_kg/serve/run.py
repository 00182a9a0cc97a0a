"""Starting and stopping the served copy: the Oxigraph server, its supervisor and the front."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout
from csto_kg.serve.engine import copy_build, find_oxigraph
from csto_kg.serve.front import FrontServer
from csto_kg.serve.pages import _void_triples
from csto_kg.serve.settings import Settings
from csto_kg.serve.supervisor import Supervisor
from csto_kg.site import Site


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
    settings: Settings | None = None,
    *,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    log: IO[str] | None = None,
) -> Running:
    """Copy the current build, start the Oxigraph server on it and bind the front.

    The caller runs `running.front.serve_forever()` and then `running.close()`; `serve()`
    does both and handles signals.
    """
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_store

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
    try:
        location = copy_build(layout, folder, binary)
        backend.location = backend.backend.location = location
        backend.start()
        try:
            front = FrontServer((host, port), backend, settings, log or sys.stderr)
        except OSError as err:
            raise CstoKgError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
        backend.log_line = front.log_line
        bound = front.server_address[1]
        url = f"http://{_display_host(host)}:{bound}/"
        settings.public_host = f"{_display_host(host)}:{bound}"
        opened = open_store(layout)
        settings.void = _void_triples(opened, url + "query")
        settings.site = Site(opened, layout)
    except BaseException:
        backend.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Running(url, front, backend, folder)


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
    timeout = running.front.settings.timeout
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
