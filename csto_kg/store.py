"""The built graph on disk: an embedded Oxigraph store, replaced atomically.

Layout of the build folder:

    build/
      current -> stores/20261130T081500-1234   (symlink, swapped with one rename)
      stores/<name>/                            (one Oxigraph store per build)
      stores/<name>/manifest.json               (version and hash of every source)

A build writes a new store beside the old one and only then points `current` at it, so
a failed or killed build leaves the previous one intact, and a reader always sees one
whole build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.errors import CstoKgError
from csto_kg.paths import Layout

MANIFEST = "manifest.json"


# The modules whose code shapes the built graph: a change to one of them makes the
# build stale just as a change to a source file does.
_PIPELINE = ("load.py", "reason.py", "rules.py", "timebounds.py", "void.py", "enrich.py", "pipeline.py")


def _fingerprint(layout: Layout) -> dict[str, str]:
    """Hash of every source file (keyed by its path under the data root), of the enrichment
    if any, and of each pipeline module."""
    prints = {}
    for path, _graph in layout.sources():
        prints[str(path.relative_to(layout.data_root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    # Optional enrichment kept in the build folder (csto-kg enrich) is a source too.
    for path in sorted((layout.build_dir / "enrich").glob("*.nq")):
        prints[f"enrich/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    package = Path(__file__).parent
    for name in _PIPELINE:
        module = package / name
        if module.is_file():
            prints[f"csto_kg/{name}"] = hashlib.sha256(module.read_bytes()).hexdigest()
    return prints


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


def is_fresh(layout: Layout) -> bool:
    """True when a build exists and was made from exactly the current sources."""
    manifest = read_manifest(layout)
    if manifest is None or manifest.get("version") != __version__:
        return False
    try:
        return manifest.get("sources") == _fingerprint(layout)
    except OSError:
        return False


def write_store(layout: Layout, quads: Iterable[ox.Quad], counts: dict[str, int]) -> Path:
    """Write a new store from `quads` and make it current in one atomic step."""
    stores = layout.build_dir / "stores"
    try:
        stores.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CstoKgError(f"cannot create build folder {layout.build_dir}: {err.strerror}") from None
    name = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = stores / name
    try:
        store = ox.Store(str(target))
        store.bulk_extend(quads)
        store.flush()
        del store
        manifest = {
            "version": __version__,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": _fingerprint(layout),
            "triples": counts,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        link = layout.build_dir / "current"
        tmp_link = layout.build_dir / f".current-{name}"
        os.symlink(os.path.relpath(target, layout.build_dir), tmp_link)
        os.replace(tmp_link, link)
    except OSError as err:
        shutil.rmtree(target, ignore_errors=True)
        raise CstoKgError(f"cannot write the store in {layout.build_dir}: {err}") from None
    _prune(stores, keep={target.name})
    return target


def _prune(stores: Path, keep: set[str]) -> None:
    """Remove old stores, keeping the new one and the one before it (a reader may hold it)."""
    existing = sorted((p for p in stores.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    survivors = set(keep) | {p.name for p in existing[-2:]}
    for path in existing:
        if path.name not in survivors:
            shutil.rmtree(path, ignore_errors=True)


def open_store(layout: Layout) -> ox.Store:
    """Open the current build read-only; several processes may do so at once."""
    path = current_store_path(layout)
    if path is None:
        raise CstoKgError(f"no build in {layout.build_dir}: run `csto-kg build`")
    try:
        return ox.Store.read_only(str(path))
    except OSError as err:
        raise CstoKgError(f"cannot open the store {path}: {err}") from None
