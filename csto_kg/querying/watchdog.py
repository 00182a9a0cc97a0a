"""Stopping a running query: at its time limit, or at Ctrl-C.

A query runs inside Oxigraph, which does not return to Python until it is done, so a
Python signal handler would only run once the query had finished (one ran on and wrote
18.5 GB). Oxigraph releases the interpreter while it works, so a thread can watch instead:
the C signal handler writes each signal's number to a pipe at once (signal.set_wakeup_fd),
and the watching thread wakes on it, or at the time limit. The partial output file
(csto_kg.core.output) is removed, and `stop(reason, exit_code)` ends the process.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Callable, Iterator
from typing import NoReturn

from csto_kg.core import output

Stop = Callable[[str, int], NoReturn]


@contextlib.contextmanager
def guard(seconds: float | None, stop: Stop) -> Iterator[None]:
    """Run the body under a time limit of `seconds` (None: none), stopped by SIGINT too.
    Only the main thread can install this (as it can signal handlers)."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    done = threading.Event()
    previous_fd = signal.set_wakeup_fd(write_end)
    previous_handler = signal.signal(signal.SIGINT, lambda *_: None)  # the watcher acts on it
    watcher = threading.Thread(target=_watch, args=(read_end, seconds, done, stop), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        os.close(write_end)  # the watcher reads the end of the pipe and returns
        watcher.join()


def _watch(read_end: int, seconds: float | None, done: threading.Event, stop: Stop) -> None:
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], seconds)
            if done.is_set():
                return
            if not ready:
                output.discard_partial()
                stop(f"the query ran past the time limit of {seconds:g} s (--timeout)", 1)
            received = os.read(read_end, 64)
            if done.is_set() or not received:
                return
            if signal.SIGINT in received:
                output.discard_partial()
                stop("interrupted", 130)
    finally:
        os.close(read_end)
