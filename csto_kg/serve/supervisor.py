"""The supervisor that keeps the Oxigraph server within its time and memory limits."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from pathlib import Path

from csto_kg.serve.engine import Backend, _memory
from csto_kg.serve.settings import DEFAULT_MAX_MEMORY


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
