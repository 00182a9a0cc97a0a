"""The built stores as their readers see them: the current store, its manifest, opening it.

The build folder's layout and its locks are described in csto_kg/building/store.py, which
writes it; this module only reads, so that the query path and the core need nothing of
the build.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; open_store still retries
    fcntl = None  # type: ignore[assignment]

from csto_kg.core.errors import CstoKgError

if TYPE_CHECKING:  # pragma: no cover - paths imports this module
    from csto_kg.core.paths import Layout

MANIFEST = "manifest.json"
READERS_LOCK = ".readers.lock"  # in each store: held shared by readers, exclusive by pruning


def current_store_path(layout: Layout) -> Path | None:
    link = layout.build_dir / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / MANIFEST).is_file() else None


def read_manifest(layout: Layout) -> dict | None:
    path = current_store_path(layout)
    if path is None:
        return None
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# Reader locks this process holds, by store path (file descriptors), kept until it exits.
# A long-running process that reopens the store after each build keeps the locks of the
# last 16 stores it opened in a build folder, not of every store it ever opened.
_held: dict[str, int] = {}
_HELD_PER_FOLDER = 16


def _hold_for_reading(path: Path) -> None:
    """Take the shared reader lock of a store. Raises FileNotFoundError if the store was
    removed meanwhile (the caller then opens the new current store)."""
    if fcntl is None or str(path) in _held:  # pragma: no cover - Windows
        return
    try:
        fd = os.open(path / READERS_LOCK, os.O_RDONLY)
    except FileNotFoundError:
        if (path / MANIFEST).is_file():
            return  # a store written before reader locks existed
        raise
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a build removes this very store
    if not (path / MANIFEST).is_file():  # it was removed while this process waited
        os.close(fd)
        raise FileNotFoundError(f"{path} was removed")
    _held[str(path)] = fd
    same_folder = [p for p in _held if Path(p).parent == path.parent]
    for old in same_folder[:-_HELD_PER_FOLDER]:
        os.close(_held.pop(old))


def open_store(layout: Layout) -> ox.Store:
    """Open the current build read-only; several processes may do so at once.

    The store stays readable for as long as this process may use it, even if builds
    replace it meanwhile; if a build removes it between finding and opening it, the new
    current store is opened instead.
    """
    return open_build(layout)[1]


def open_build(layout: Layout) -> tuple[Path, ox.Store]:
    """The current build's folder, and its store opened as open_store() does."""
    last: OSError | None = None
    path: Path | None = None
    for _attempt in range(5):
        path = current_store_path(layout)
        if path is None:
            break
        try:
            _hold_for_reading(path)
            return path, ox.Store.read_only(str(path))
        except RuntimeError as err:  # what the storage engine raises for damaged files
            raise damaged(path, err) from None
        except OSError as err:
            last = err
            if current_store_path(layout) == path and (path / MANIFEST).is_file():
                break  # not a store replaced under our feet: a real error
    if path is None:
        raise CstoKgError(f"no build in {layout.build_dir}: run `csto-kg build`")
    raise CstoKgError(f"cannot open the store {path}: {' '.join(str(last).split())}") from None


def damaged(path: Path | None, err: BaseException) -> CstoKgError:
    """The one-line error for a build whose files are damaged (a disk error, a file cut or
    changed by hand): which build, and how to repair it."""
    detail = " ".join(str(err).split())[:200]
    where = f"the build in {path}" if path is not None else "the build"
    return CstoKgError(f"{where} is damaged ({detail}): run `csto-kg build` to make it again")
