"""Writing results: `-` is standard output; a regular file is written whole or not at all.

What `-o PATH` does depends on what is at PATH:

- nothing, or a regular file: a temporary file in the same folder is written and renamed
  over it once complete, so a failure leaves the previous file as it was; an existing
  file keeps its mode and owner;
- a symbolic link: followed; its target is written as above;
- a device, a FIFO, a socket, `/dev/stdout` and the like, or a file with other hard
  links or that this process could not give back to its owner: written in place, as a
  shell's `>` does (renaming over it would replace the device or break the link);
- a folder, or an empty name: a usage error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from csto_kg.core.errors import CstoKgError, UsageError, one_line

# Paths under these are written in place even when they lead to a regular file:
# /dev/stdout and /proc/self/fd/N name a stream this process already holds open.
_SPECIAL = ("/dev/", "/proc/")

# Temporary files being written, removed by discard_partial() when the process is stopped
# without unwinding (csto_kg.querying.watchdog).
_partial: set[str] = set()


def discard_partial() -> None:
    """Remove the temporary files of outputs not yet complete."""
    for path in list(_partial):
        with contextlib.suppress(OSError):
            os.unlink(path)


@contextlib.contextmanager
def open_output(path: str | Path | None) -> Iterator[BinaryIO]:
    """A binary stream for `path` (see the module's docstring for what each kind of path
    gets). A write error (a full disk) is raised as a one-line CstoKgError."""
    if path is None or str(path) == "-":
        with _writing("standard output"):
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        return
    if not str(path):
        raise UsageError("-o needs a file name, or - for standard output")
    given = str(path)
    try:
        info = os.stat(given)  # what a symbolic link leads to
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise CstoKgError(f"cannot write {one_line(given)}: {one_line(err.strerror or err)}") from None
    if (info is not None and stat.S_ISDIR(info.st_mode)) or given.endswith(os.sep):
        raise UsageError(f"-o {one_line(given)} names a folder: give a file name")
    with _writing(one_line(given)):
        if info is not None and _in_place(given, info):
            with open(given, "wb") as stream:
                yield stream
            return
        # A symbolic link is followed: its target is replaced, and the link stays.
        with _atomic(Path(os.path.realpath(given)), info) as stream:
            yield stream


def _in_place(given: str, info: os.stat_result) -> bool:
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        return True
    if os.path.abspath(given).startswith(_SPECIAL):
        return True
    # A file of another owner or group is written in place unless this process may give
    # the new file back to them (root may; an ordinary user only to their own groups).
    if os.geteuid() == 0:
        return False
    return info.st_uid != os.geteuid() or info.st_gid not in {os.getegid(), *os.getgroups()}


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """Turn an error writing to `what` into one line; a closed pipe stays what it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as err:
        raise CstoKgError(f"cannot write {what}: {one_line(err.strerror or err)}") from None


@contextlib.contextmanager
def _atomic(target: Path, info: os.stat_result | None) -> Iterator[BinaryIO]:
    import tempfile  # not needed on the way to standard output, the common one

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    _partial.add(tmp)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
        if info is None:
            # mkstemp creates the file private (0600); give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        else:  # the file it replaces keeps its mode and owner
            os.chmod(tmp, stat.S_IMODE(info.st_mode))
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                os.chown(tmp, info.st_uid, info.st_gid)
                os.chmod(tmp, stat.S_IMODE(info.st_mode))  # chown clears set-id bits
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        _partial.discard(tmp)


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
