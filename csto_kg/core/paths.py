"""Where the sources, the named queries and the built store live."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from csto_kg import __version__
from csto_kg.core.namespaces import GRAPH, GRAPH_ONTOLOGY

_PACKAGE = Path(__file__).resolve().parents[1]  # csto_kg/, above core/
_BUNDLED = _PACKAGE / "_data"
APP_NAME = "csto-kg"  # the folder of the user's cache that installed packages build in


def default_data_root() -> Path:
    """The folder holding ontology/, graph/ and queries/.

    A wheel carries them inside the package (csto_kg/_data); a source checkout or an
    editable install has them beside the package.
    """
    env = os.environ.get("CSTO_KG_DATA")
    if env:
        return Path(env)
    return _BUNDLED if _BUNDLED.is_dir() else _PACKAGE.parent


def is_bundled(data_root: Path) -> bool:
    """True for the copy of the data installed with the package (csto_kg/_data)."""
    try:
        return data_root.resolve() == _BUNDLED
    except OSError:
        return False


def cache_root() -> Path:
    """The user's cache folder for csto-kg (e.g. ~/.cache/csto-kg): one build per version."""
    from platformdirs import user_cache_dir  # only an installed package builds there

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def _build_dir(root: Path, build_dir: Path | str | None) -> tuple[Path, str]:
    """The build folder for a data root, and why it is that one."""
    if build_dir:
        return Path(build_dir), "from --build-dir or CSTO_KG_BUILD"
    if os.environ.get("CSTO_KG_BUILD"):
        return Path(os.environ["CSTO_KG_BUILD"]), "from CSTO_KG_BUILD"
    if is_bundled(root):
        # An installed package may live where nothing can be written (a system-wide or
        # read-only environment); each version builds in a folder of its own.
        return cache_root() / __version__, f"the user's cache, one folder per version of {APP_NAME}"
    return root / "build", "beside the sources"


@dataclass(frozen=True)
class Layout:
    """The files one build reads and the folder it writes."""

    data_root: Path
    build_dir: Path

    @classmethod
    def resolve(cls, data_root: Path | str | None = None, build_dir: Path | str | None = None) -> Layout:
        root = Path(data_root) if data_root else default_data_root()
        return cls(root, _build_dir(root, build_dir)[0])

    @property
    def queries_dir(self) -> Path:
        return self.data_root / "queries"

    def sources(self) -> list[tuple[Path, str]]:
        """Every source file with the named graph it loads into, in a stable order.

        ontology/*.ttl go to the ontology graph; graph/NAME/*.ttl to the graph NAME.
        """
        found: list[tuple[Path, str]] = []
        for path in sorted((self.data_root / "ontology").glob("*.ttl")):
            found.append((path, GRAPH_ONTOLOGY))
        graph_root = self.data_root / "graph"
        if graph_root.is_dir():
            for folder in sorted(p for p in graph_root.iterdir() if p.is_dir()):
                for path in sorted(folder.glob("*.ttl")):
                    found.append((path, GRAPH + folder.name))
        return found


def where(data_root: Path | str | None = None, build_dir: Path | str | None = None) -> list[tuple[str, Path, str]]:
    """The data and build folders a command would use, each with why: (what, folder, why)."""
    if data_root:
        root, why = Path(data_root), "from --data or CSTO_KG_DATA"
    elif os.environ.get("CSTO_KG_DATA"):
        root, why = Path(os.environ["CSTO_KG_DATA"]), "from CSTO_KG_DATA"
    elif is_bundled(default_data_root()):
        root, why = _BUNDLED, "the copy installed with the package"
    else:
        root, why = default_data_root(), "the source checkout"
    out, out_why = _build_dir(root, build_dir)
    return [("data", root, why), ("build", out, out_why)]


_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def _release(version: str) -> tuple[int, ...] | None:
    found = _RELEASE.match(version)
    return tuple(int(n) for n in found.group().split(".")) if found else None


def older_builds(layout: Layout) -> list[Path]:
    """The builds older versions of csto-kg left in the user's cache, beside this one.

    Only folders it recognises as such: named by a plain version older than this one,
    whose current build's manifest names that version. Empty unless `layout` builds in
    this version's folder of the cache.
    """
    from csto_kg.building.store import read_manifest

    this = _release(__version__)
    if this is None or layout.build_dir != cache_root() / __version__:
        return []
    root = layout.build_dir.parent
    found = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        version = _release(path.name) if _RELEASE.fullmatch(path.name) else None
        if version is None or version >= this or path.is_symlink() or not path.is_dir():
            continue
        manifest = read_manifest(Layout(layout.data_root, path))
        if isinstance(manifest, dict) and manifest.get("version") == path.name:
            found.append(path)
    return found


def prune_older_builds(layout: Layout) -> list[Path]:
    """Remove what older_builds() finds (each first renamed, so never seen half removed);
    returns the folders removed. A folder that cannot be removed is left as it is."""
    import shutil

    removed = []
    if layout.build_dir == cache_root() / __version__:  # what an interrupted removal left
        for left in layout.build_dir.parent.glob(".trash-*"):
            shutil.rmtree(left, ignore_errors=True)
    for path in older_builds(layout):
        trash = path.with_name(f".trash-{path.name}-{os.getpid()}")
        try:
            os.rename(path, trash)
        except OSError:
            continue
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(path)
    return removed
