"""Whether the build is current: the fingerprint of everything a build is made from.

Every command asks this before it reads the build, so it is kept apart from the code
that writes a store (csto_kg/building/store.py), which a query never needs to load.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from csto_kg import __version__
from csto_kg.building.load import check_source
from csto_kg.core.built import read_manifest
from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout


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
    found.update(_package_files(Path(__file__).resolve().parents[1]))  # csto_kg/, above building/
    return found


def _package_files(package: Path) -> dict[str, Path]:
    """Every file of the package but compiled bytecode. os.walk, not Path.rglob: it leaves
    out the __pycache__ folders without listing them, 4 ms of every command's start."""
    found = {}
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        for name in files:
            if not name.endswith((".pyc", ".pyo")):
                path = Path(folder, name)
                found[f"csto_kg/{path.relative_to(package)}"] = path
    return found


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
