"""The command line's progress: click's progress bar on standard error, drawn only on a
terminal and never under --quiet or CSTO_KG_QUIET (csto_kg.core.progress.wanted)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

import click

from csto_kg.core.progress import Progress, Silent, wanted

# Steps done of the total and the stage at hand; no time estimate (stages are uneven).
_LOOK = {"show_eta": False, "show_percent": False, "show_pos": True, "width": 24}


class Bar:
    """A Progress drawn as click's bar: the steps done, the total, the stage at hand."""

    def __init__(self, bar: click._termui_impl.ProgressBar) -> None:
        self._bar = bar
        self._staged = False

    def stage(self, name: str) -> None:
        self._bar.update(1 if self._staged else 0, name)
        if not self._staged:
            self._bar.render_progress()  # the first stage is shown before any step is done
        self._staged = True

    def advance(self, n: int = 1, note: str | None = None) -> None:
        self._bar.update(n, note)


@contextlib.contextmanager
def drawn(label: str, total: int | None, stream: TextIO | None = None) -> Iterator[Progress]:
    """The reporter the command line installs (csto_kg.core.progress.set_reporter)."""
    stream = stream if stream is not None else sys.stderr
    if not wanted(stream):
        yield Silent()
        return
    with click.progressbar(length=total, label=label, file=stream, item_show_func=lambda note: note, **_LOOK) as bar:
        yield Bar(bar)
