"""The front's own memory: watched like the engine's, and kept under --max-front-memory.

The front holds at most one bounded answer per request in progress (64 MB of text, with
what parsing and writing it take), so its memory is bounded by construction; the watch
makes the bound a number the operator sets. A thread reads the front's resident memory
five times a second; a request that reads an answer looks at it too, every few thousand
lines, and before each step that copies the answer (joining, parsing, writing it in
another format) asks whether that copy still fits. Where it would not, the request fails
with HTTP 503 and lets go of what it holds (the largest answers are the ones that look
most often), new requests get 503 with Retry-After while the front is over the limit, and
freed memory is handed back to the system.

Why in the front's own process and not under a parent that restarts it: a restart drops
every connection and every request in progress, good ones included, for the fault of
one; and `csto-kg serve` keeps one child, the Oxigraph server, that the supervisor
replaces. Why not RLIMIT_AS: it bounds address space, not memory (each worker thread
reserves tens of MB it never uses), and its MemoryError can strike any thread, the event
loop's included.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import threading
import time
from collections.abc import Callable

from csto_kg.serve.settings import HttpError

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident() -> int | None:
    """This process's resident memory in bytes (Linux), or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as stream:
            return int(stream.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _trim() -> None:
    """Hand freed memory back to the system (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class FrontMemory:
    """The watch over the front's resident memory, against `limit` bytes (None: no limit)."""

    def __init__(self, limit: int | None, log_line: Callable[[str], None]) -> None:
        self.limit = limit
        self.log_line = log_line
        self.held = resident() or 0
        self.refused = 0  # requests stopped or turned away for memory
        self._stop = threading.Event()
        self._over = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.limit is None or resident() is None:
            return
        self._thread = threading.Thread(target=self._watch, name="csto-kg-front-memory", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def over(self) -> bool:
        return self.limit is not None and self.held > self.limit

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self.held = resident() or 0
            if self.over:
                _trim()
                self.held = resident() or 0
            if self.over != self._over:
                self._over = self.over
                state = "over" if self._over else "back under"
                self.log_line(
                    f"{time.strftime('%Y-%m-%dT%H:%M:%S')} the front holds {self.held >> 20} MB, "
                    f"{state} its limit of {(self.limit or 0) >> 20} MB (--max-front-memory)"
                )

    def check(self, need: int = 0) -> None:
        """Fail the calling request (503) if the front, with `need` bytes more (what the
        request is about to take), would hold more than its limit."""
        if self.limit is None:
            return
        self.held = resident() or self.held
        if self.held + need > self.limit:
            self.refused += 1
            raise self.refusal(need)

    def refusal(self, need: int = 0) -> HttpError:
        what = (
            f"this answer would take the server's front to {(self.held + need) >> 20} MB"
            if need
            else f"the server's front holds {self.held >> 20} MB"
        )
        return HttpError(
            503, f"{what}, over its limit of {(self.limit or 0) >> 20} MB (--max-front-memory); retry in a moment", {"Retry-After": "1"}
        )
