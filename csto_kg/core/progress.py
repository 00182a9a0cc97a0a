"""A progress line on standard error for the steps that take a while.

It is drawn only on a terminal: when standard error is piped or redirected, under
`--quiet`, or with CSTO_KG_QUIET set, nothing is written. No dependency: one line,
redrawn in place with a carriage return, and cleared when the work is done.

    with Progress("build", total=4) as bar:
        bar.stage("load")
        ...
        bar.stage("reason")
        ...

    with Progress("reconcile", total=len(items)) as bar:
        for item in items:
            ...
            bar.advance(note=item.name)
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

_quiet = False


def set_quiet(quiet: bool = True) -> None:
    """Silence (or allow again) every progress line of this process; the CLI's --quiet."""
    global _quiet
    _quiet = bool(quiet)


def is_quiet() -> bool:
    """True under --quiet or when CSTO_KG_QUIET is set to anything but '' or '0'."""
    return _quiet or os.environ.get("CSTO_KG_QUIET", "") not in ("", "0")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def wanted(stream: TextIO | None = None) -> bool:
    """Whether a progress line would be shown now: a terminal, and not quiet."""
    return not is_quiet() and _is_terminal(stream if stream is not None else sys.stderr)


class Progress:
    """One progress line: a bar when the total is known, a counter otherwise.

    `enabled=None` decides by `wanted()`; True or False force it (tests, callers that
    know better). A disabled Progress accepts every call and writes nothing.
    """

    WIDTH = 24
    INTERVAL = 0.1  # seconds between redraws, so a fast loop does not flood the terminal

    def __init__(self, label: str, total: int | None = None, *, enabled: bool | None = None, stream: TextIO | None = None):
        self.label = label
        self.total = total
        self.done = 0
        self.note = ""
        self._stream = stream
        self.enabled = wanted(stream) if enabled is None else enabled
        self._started = time.monotonic()
        self._drawn = 0.0
        self._width = 0  # length of the last line drawn, to clear it

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stage(self, name: str) -> None:
        """Start the named stage: every stage started before it counts as done."""
        if self.note:
            self.done += 1
        self.note = name
        self._draw(force=True)

    def advance(self, n: int = 1, note: str | None = None) -> None:
        """Count `n` more items as done, optionally naming the one at hand."""
        self.done += n
        if note is not None:
            self.note = note
        self._draw(force=self.total is not None and self.done >= self.total)

    def line(self) -> str:
        """The text of the progress line, without the carriage return."""
        elapsed = time.monotonic() - self._started
        if self.total:
            share = min(max(self.done / self.total, 0.0), 1.0)
            filled = round(share * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            count = f"[{bar}] {min(self.done, self.total)}/{self.total}"
        else:
            count = f"{self.done}"
        note = f" {self.note}" if self.note else ""
        return f"{self.label} {count}{note} ({elapsed:.1f}s)"

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < self.INTERVAL:
            return
        self._drawn = now
        text = self.line()
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        columns = columns or 80  # a pseudo-terminal may report no size
        text = text[: max(columns - 1, 10)]
        pad = " " * max(self._width - len(text), 0)
        self._width = len(text)
        try:
            self.stream.write("\r" + text + pad)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def close(self) -> None:
        """Clear the line, so that what is printed next starts at the left margin."""
        if not self.enabled or not self._width:
            return
        try:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        except (OSError, ValueError):
            pass
        self._width = 0
        self.enabled = False
