"""The built graph on disk: an embedded Oxigraph store, replaced atomically.

Layout of the build folder:

    build/
      current -> stores/20261130T081500-1234   (symlink, swapped with one rename)
      stores/<name>/                            (one Oxigraph store per build)
      stores/<name>/manifest.json               (version; hash, size and time of every input)
      stores/<name>/dumps/                      (Turtle and JSON-LD parts for export, csto_kg/building/dumps.py)
      stores/<name>/answers/                    (the named queries' answers, csto_kg/querying/answers.py)
      stores/<name>/years/                      (events by year for the site's year pages, csto_kg/building/years.py)

A build writes a new store beside the old one and only then points `current` at it, so
a failed or killed build leaves the previous one intact, and a reader always sees one
whole build.

Two locks (advisory `flock`, where the platform has it) keep concurrent processes apart:

- `build/.build.lock`: one build at a time writes, swaps and prunes; a second build waits.
  Under it, the leftovers of a killed build (a store without a manifest, a temporary
  link, a store half removed) are cleaned up.
- `stores/<name>/.readers.lock`: a process that opens a store holds it shared while it
  may read; pruning takes it exclusive without waiting and leaves a store in use for a
  later build to remove. A reader that finds its store gone opens the new `current`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil  # the build path only: a reader does not pay for it
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.building import dumps, years
from csto_kg.building.fresh import Fingerprint, fingerprint
from csto_kg.core.built import MANIFEST, READERS_LOCK, fcntl
from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout
from csto_kg.querying import answers
from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import query_text, run_on_store

BUILD_LOCK = ".build.lock"  # in the build folder: held by the build that writes and swaps
_TRASH = ".trash-"  # a store being removed is first renamed, so it is never seen half removed
# What a build makes is marked, and a build removes only what is marked: a folder of the
# user's own under stores/ is never taken for the debris of a killed build.
BUILD_MARK = ".csto-kg-build"  # in the build folder
STORE_MARK = ".csto-kg-store"  # in each store, written before anything else
# What a build folder may hold at its top: what builds made, and the enrichment.
_OURS = {"current", "stores", BUILD_LOCK, BUILD_MARK, "enrich"}
_STORE_NAME = re.compile(r"\d{8}T\d{6}-\d+-\d+")  # as _write_store names a store


def write_store(layout: Layout, quads: Sequence[ox.Quad], counts: dict[str, int], inputs: Fingerprint | None = None) -> Path:
    """Write a new store from `quads` and make it current in one atomic step; `inputs`,
    the fingerprint() of what `quads` were made from, taken now if not given."""
    stores = layout.build_dir / "stores"
    try:
        layout.build_dir.mkdir(parents=True, exist_ok=True)
        check_build_dir(layout.build_dir, stores=False)  # stores/ is read under the lock, where no build adds to it
        (layout.build_dir / BUILD_MARK).touch()
        stores.mkdir(exist_ok=True)
    except OSError as err:
        raise CstoKgError(f"cannot create build folder {layout.build_dir}: {err.strerror}") from None
    with _exclusive(layout.build_dir / BUILD_LOCK):
        check_build_dir(layout.build_dir)  # again, now that no other build changes it
        return _write_store(layout, stores, quads, counts, inputs or fingerprint(layout))


def _ours(path: Path) -> bool:
    """True for a store a build made: marked, or complete (a build before marks existed),
    or being removed."""
    if path.name.startswith(_TRASH) or path.name.startswith(".current-"):
        return True
    if _STORE_NAME.fullmatch(path.name) and path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
        return True  # made by a build killed before it could mark it
    return path.is_dir() and not path.is_symlink() and ((path / STORE_MARK).is_file() or (path / MANIFEST).is_file())


def check_build_dir(build_dir: Path, stores: bool = True) -> None:
    """Refuse (one line) a build folder that holds what builds did not make: a build
    replaces `current` and removes stores, and must not do so to the user's own files.
    `stores`: look inside stores/ too (only under the build lock)."""
    strangers = [p.name for p in build_dir.iterdir() if p.name not in _OURS and not p.name.startswith(".current-")]
    current = build_dir / "current"
    if current.exists() and not current.is_symlink():
        strangers.append("current (not the link a build makes)")
    folder = build_dir / "stores"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        strangers.append("stores (not the folder a build makes)")
    elif stores and folder.is_dir():
        strangers += [f"stores/{p.name}" for p in folder.iterdir() if not _ours(p)]
    if strangers:
        shown = ", ".join(sorted(strangers)[:5]) + (", ..." if len(strangers) > 5 else "")
        raise CstoKgError(
            f"the build folder {build_dir} holds what csto-kg did not make ({shown}): "
            "move it away, or give another folder with --build-dir or CSTO_KG_BUILD"
        )


def _write_store(layout: Layout, stores: Path, quads: Sequence[ox.Quad], counts: dict[str, int], inputs: Fingerprint) -> Path:
    name = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = stores / name
    try:
        target.mkdir()
        (target / STORE_MARK).touch()  # first: whatever a killed build leaves here is marked
        store = ox.Store(str(target))
        store.bulk_extend(quads)
        # Compacting what the bulk load wrote costs seconds once and makes every lookup
        # cheaper: at 10^6 triples the listing queries answer 2.5 times faster.
        store.optimize()
        # The named queries' answers, kept for the runs that ask the same again.
        write_answers(store, target, layout.queries_dir)
        years.write(target, layout.queries_dir)  # the year pages' table, split from the timeline's answer
        store.flush()
        del store
        dumps.write(target, quads)
        (target / READERS_LOCK).touch()
        hashes, stats = inputs
        manifest = {
            "version": __version__,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": hashes,
            "stats": stats,
            "triples": counts,
        }
        # Written whole and renamed: a store with a manifest is a complete store.
        (target / ".manifest.tmp").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(target / ".manifest.tmp", target / MANIFEST)
        link = layout.build_dir / "current"
        tmp_link = layout.build_dir / f".current-{name}"
        os.symlink(os.path.relpath(target, layout.build_dir), tmp_link)
        os.replace(tmp_link, link)
    except OSError as err:
        shutil.rmtree(target, ignore_errors=True)
        raise CstoKgError(f"cannot write the store in {layout.build_dir}: {err}") from None
    with contextlib.suppress(OSError):  # the new build is current; cleaning up can wait
        _prune(stores, keep={target.name})
    return target


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (created if needed); waits for it."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as err:
        raise CstoKgError(f"cannot lock the build folder {path.parent}: {err.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock; a killed process releases it too


def _prune(stores: Path, keep: set[str]) -> None:
    """Remove old stores, keeping the new one and the one before it, and any store a
    reader holds; and the leftovers of killed builds. Runs under the build lock."""
    build_dir = stores.parent
    for link in build_dir.glob(".current-*"):  # a temporary link a killed build left
        if link.is_symlink():
            with contextlib.suppress(OSError):
                link.unlink()
    current = os.path.realpath(build_dir / "current")
    complete: list[Path] = []
    for path in list(stores.iterdir()):
        if not _ours(path):  # never removed: check_build_dir() refuses the next build
            continue
        if path.name.startswith(_TRASH):  # a removal that was cut short
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_dir() and (path / MANIFEST).is_file():
            complete.append(path)
        elif path.is_dir() and path.name not in keep and os.path.realpath(path) != current:
            _remove(path)  # a store a killed build left unfinished (no manifest)
    complete.sort(key=lambda p: p.stat().st_mtime)
    survivors = set(keep) | {p.name for p in complete[-2:]}
    for path in complete:
        if path.name not in survivors and os.path.realpath(path) != current:
            _remove(path)


def _remove(path: Path) -> None:
    """Remove a store unless a reader holds it (it is then left for a later build)."""
    fd = None
    if fcntl is not None and (path / READERS_LOCK).exists():
        try:
            fd = os.open(path / READERS_LOCK, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a reader (or gone): not now
            if fd is not None:
                os.close(fd)
            return
    try:
        trash = path.with_name(_TRASH + path.name)
        os.rename(path, trash)
        shutil.rmtree(trash, ignore_errors=True)
    except OSError:
        pass
    finally:
        if fd is not None:
            os.close(fd)


def write_answers(store: ox.Store, store_dir: Path, queries_dir: Path) -> list[str]:
    """Run the keepable named queries of `queries_dir` on `store` (the build being made)
    and keep their answers under `store_dir`; the names of the queries kept.

    A query that fails here keeps no answer and fails again, with its message, when it
    is run: a broken query file does not stop a build.
    """
    folder = store_dir / answers.FOLDER
    folder.mkdir(exist_ok=True)
    try:
        known = catalogue(queries_dir) if queries_dir.is_dir() else {}
    except CstoKgError:
        known = {}
    index = {}
    for name, named in known.items():
        if not answers.keepable(named):
            continue
        text = query_text(named, {})
        target = folder / (answers.key(text, False) + answers.SUFFIX)
        try:
            result = run_on_store(store, named)
            with open(target, "wb") as stream:
                result.write(stream, "tsv")
        except CstoKgError:
            target.unlink(missing_ok=True)
            continue
        index[target.stem] = {"query": name, "variables": result.variables, "bytes": target.stat().st_size}
    partial = folder / (answers.INDEX + ".tmp")
    partial.write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, folder / answers.INDEX)
    return sorted(entry["query"] for entry in index.values())
