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
import hashlib
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
from csto_kg.building.load import check_source
from csto_kg.core.built import MANIFEST, READERS_LOCK, fcntl, read_manifest
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


def _inputs(layout: Layout) -> dict[str, Path]:
    """Every file a build is made from, keyed as the manifest names it: each source (by
    its path under the data root), the named queries (their answers are kept) and the
    shapes (the build validates), the enrichment if any, and every file of the package:
    all of it, not a list of modules kept by hand, which missed a change to one left out."""
    found = {str(path.relative_to(layout.data_root)): path for path, _graph in layout.sources()}
    for folder, pattern in ((layout.queries_dir, "*.rq"), (layout.data_root / "shapes", "*.ttl")):
        found.update({str(path.relative_to(layout.data_root)): path for path in sorted(folder.rglob(pattern))})
    # Optional enrichment kept in the build folder (csto-kg enrich) is a source too.
    found.update({f"enrich/{path.name}": path for path in sorted((layout.build_dir / "enrich").glob("*.nq"))})
    package = Path(__file__).resolve().parents[1]  # csto_kg/, above build/
    found.update({f"csto_kg/{path.relative_to(package)}": path for path in sorted(package.rglob("*")) if _package_file(path)})
    return found


def _package_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")


def _digest(path: Path) -> str:
    check_source(path)  # never hashes a FIFO or a device (a LoadError, one line)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stat(path: Path) -> list[int]:
    # The change time too: no tool sets it back, where copies and archives keep the
    # modification time (cp -p, rsync -a, tar) and os.utime sets it at will.
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns]


Fingerprint = tuple[dict[str, str], dict[str, list[int] | None]]


def fingerprint(layout: Layout) -> Fingerprint:
    """The hash of each input, and its size, modification and change times when hashed. A
    build takes it before it reads the sources, so that a change made meanwhile shows as one."""
    now = time.time_ns()
    try:
        inputs = _inputs(layout)
        # Size and times first, so that a change made while hashing shows. A file written
        # in the last seconds could be written again within the same clock tick and keep
        # them ("racy git"): its times are not recorded, and it is hashed each time.
        stats = {key: stat if now - (stat := _stat(path))[1] > 2 * 10**9 else None for key, path in inputs.items()}
        return {key: _digest(path) for key, path in inputs.items()}, stats
    except OSError as err:
        raise CstoKgError(f"cannot read {err.filename or layout.data_root}: {err.strerror}") from None


def is_fresh(layout: Layout) -> bool:
    """True when a build exists and was made from the inputs as they are now: the same
    files, each with the hash it had (see fingerprint())."""
    manifest = read_manifest(layout)
    if not isinstance(manifest, dict) or manifest.get("version") != __version__:
        return False
    hashes, stats = manifest.get("sources"), manifest.get("stats") or {}
    if not isinstance(hashes, dict) or not isinstance(stats, dict):
        return False  # a manifest no build wrote: build again
    try:
        inputs = _inputs(layout)
        if set(inputs) != set(hashes):
            return False
        # A file of the size and times it had when hashed is taken as the same (as git
        # does); only the others are hashed again. At 10^6 triples of sources this saves
        # 0.2 s of every command.
        return all(stats.get(key) == _stat(path) or hashes[key] == _digest(path) for key, path in inputs.items())
    except OSError:
        return False


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
