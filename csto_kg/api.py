"""The public API: build the graph, query it, export it.

    from csto_kg.api import build, export, query

`csto_kg` re-exports the three names, importing this module on first use, so that
`import csto_kg` stays cheap. Each builds first when the build is missing or stale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from csto_kg.building.ensure import build, ready_query
from csto_kg.core.paths import Layout
from csto_kg.exporting.serialize import export
from csto_kg.querying.sparql import QueryResult, run_built

__all__ = ["build", "export", "query"]


def query(
    target: str,
    given: dict[str, str] | None = None,
    *,
    asserted: bool = False,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    screen: Callable[[str], None] | None = None,
    **kwargs: str,
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text over the built graph.

    Parameters come as a dict or as keyword arguments:
    `query("members", date="2000-01-01")`. Builds first if the build is missing or stale.
    The answer is read when first used (`rows`, `records()`, `write()`), and an error in
    running the query is raised then. `screen` is called with the text that would run,
    parameters bound, and may raise to refuse it (the command line's SERVICE allow-list).
    """
    layout = Layout.resolve(data_root, build_dir)
    named = ready_query(target, layout)
    return run_built(named, layout, given, asserted=asserted, screen=screen, **kwargs)
