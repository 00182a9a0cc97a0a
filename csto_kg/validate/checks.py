"""Quality checks: SPARQL queries in queries/checks/ named *-violation.rq that must
return no rows over the reasoned graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from csto_kg.querying.catalogue import NamedQuery, load_query_file
from csto_kg.querying.sparql import QueryResult, run_on_store


def violation_queries(queries_dir: Path) -> list[NamedQuery]:
    return [load_query_file(p) for p in sorted((queries_dir / "checks").glob("*-violation.rq"))]


def run_checks(store: ox.Store, queries_dir: Path) -> dict[str, QueryResult]:
    """Each check's result, by check name; a check passes when its result has no rows."""
    return {q.name: run_on_store(store, q) for q in violation_queries(queries_dir)}
