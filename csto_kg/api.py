"""The public API: build the graph, query it, export it.

    from csto_kg.api import build, export, query

`csto_kg` re-exports the three names, importing this module on first use, so that
`import csto_kg` stays cheap.
"""

from __future__ import annotations

from csto_kg.building.pipeline import build
from csto_kg.exporting.serialize import export
from csto_kg.querying.sparql import query

__all__ = ["build", "export", "query"]
