"""Where the sources, the named queries and the built store live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from csto_kg.namespaces import GRAPH, GRAPH_ONTOLOGY

_PACKAGE = Path(__file__).resolve().parent


def default_data_root() -> Path:
    """The folder holding ontology/, graph/ and queries/.

    A wheel carries them inside the package (csto_kg/_data); a source checkout or an
    editable install has them beside the package.
    """
    env = os.environ.get("CSTO_KG_DATA")
    if env:
        return Path(env)
    bundled = _PACKAGE / "_data"
    return bundled if bundled.is_dir() else _PACKAGE.parent


@dataclass(frozen=True)
class Layout:
    """The files one build reads and the folder it writes."""

    data_root: Path
    build_dir: Path

    @classmethod
    def resolve(cls, data_root: Path | str | None = None, build_dir: Path | str | None = None) -> Layout:
        root = Path(data_root) if data_root else default_data_root()
        if build_dir:
            out = Path(build_dir)
        elif os.environ.get("CSTO_KG_BUILD"):
            out = Path(os.environ["CSTO_KG_BUILD"])
        else:
            out = root / "build"
        return cls(root, out)

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
