"""Progress of long work, reported through a callback: the library never prints.

Work that takes a while (the build's stages) reports to a `Progress`: any object with
`stage(name)` and `advance(n, note)`. Callers pass one, or the application installs a
`Reporter` once (`set_reporter`) that makes one for each piece of work; without either,
nobody is told. The command line installs one that draws click's progress bar on
standard error (csto_kg/cli/progress.py), and only when standard error is a terminal and
neither `--quiet` nor CSTO_KG_QUIET is set (`wanted()`). No dependency.

    with progress.report("build", total=6) as bar:
        bar.stage("load")
        ...
        bar.stage("reason")
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, TextIO


class Progress(Protocol):
    def stage(self, name: str) -> None:
        """Start the named stage: every stage started before it counts as done."""

    def advance(self, n: int = 1, note: str | None = None) -> None:
        """Count `n` more items as done, optionally naming the one at hand."""


class Silent:
    """Progress nobody watches."""

    def stage(self, name: str) -> None:
        pass

    def advance(self, n: int = 1, note: str | None = None) -> None:
        pass


# Makes the Progress of one piece of work, from its label and its number of steps.
Reporter = Callable[[str, int | None], AbstractContextManager[Progress]]


@contextlib.contextmanager
def _silent(_label: str, _total: int | None) -> Iterator[Progress]:
    yield Silent()


_reporter: list[Reporter] = [_silent]


def set_reporter(reporter: Reporter | None) -> None:
    """Install what reports the progress of this process's work (None: nothing does)."""
    _reporter[0] = reporter or _silent


def report(label: str, total: int | None = None) -> AbstractContextManager[Progress]:
    """The Progress of one piece of work, from the reporter installed (silent by default)."""
    return _reporter[0](label, total)


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
