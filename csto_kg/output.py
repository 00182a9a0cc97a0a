"""Writing results: `-` is standard output; a file is written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from csto_kg.errors import CstoKgError


@contextlib.contextmanager
def open_output(path: str | Path | None) -> Iterator[BinaryIO]:
    """A binary stream for `path`. A file is written to a temporary file in the same
    folder and renamed over the target only once everything was written, so a failure
    leaves the previous file as it was."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    import tempfile  # not needed on the way to standard output, the common one

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise CstoKgError(f"cannot write {target}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def copy_file(path: Path, stream: BinaryIO, unreadable: Callable[[Path, OSError], Exception]) -> None:
    """Copy the file at `path` to `stream`. An error reading the file is raised as
    `unreadable(path, error)`, the file's fault; an error writing is the caller's (a closed
    pipe, a full disk), raised as it is."""
    try:
        source = path.open("rb")
    except OSError as err:
        raise unreadable(path, err) from None
    with source:
        while True:
            try:
                chunk = source.read(1 << 20)
            except OSError as err:
                raise unreadable(path, err) from None
            if not chunk:
                return
            stream.write(chunk)
