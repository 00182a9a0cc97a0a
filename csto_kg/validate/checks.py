"""Quality checks: SPARQL queries in queries/checks/ named *-violation.rq that must
return no rows over the reasoned graph."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from csto_kg.querying.catalogue import NamedQuery, load_query_file
from csto_kg.querying.sparql import QueryResult, run_on_store
from csto_kg.querying.sparql import compact as compact_term
from csto_kg.validate.report import CHECK, Problem


def violation_queries(queries_dir: Path) -> list[NamedQuery]:
    return [load_query_file(p) for p in sorted((queries_dir / "checks").glob("*-violation.rq"))]


def run_checks(store: ox.Store, queries_dir: Path) -> dict[str, QueryResult]:
    """Each check's result, by check name; a check passes when its result has no rows."""
    return {q.name: run_on_store(store, q) for q in violation_queries(queries_dir)}


# -- violation queries ---------------------------------------------------------------------

_HEADER = re.compile(r"^#\+\s*([\w-]+)\s*:\s*(.*)$")


def _header_field(text: str, key: str) -> str:
    """A `#+ key:` header value of a query, with its continuation lines."""
    value: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if value is not None and line.startswith("#+   "):
            value.append(line[2:].strip())
            continue
        if value is not None:
            break
        match = _HEADER.match(line)
        if match and match.group(1) == key:
            value = [match.group(2).strip()]
    return " ".join(value or [])


def run_violation_queries(store: ox.Store, queries_dir: Path) -> tuple[list[Problem], int]:
    problems = []
    queries = violation_queries(queries_dir)
    for named in queries:
        result = run_on_store(store, named)
        if result.kind != "select" or not result.rows:
            continue
        fix = _header_field(named.text, "fix")
        focus_var = _header_field(named.text, "focus")
        for row in result.rows:
            values = dict(zip(result.variables, row, strict=True))
            focus = values.get(focus_var) if focus_var else None
            if focus is None:
                focus = next((t for t in row if isinstance(t, ox.NamedNode | ox.BlankNode)), None)
            details = "; ".join(f"{v}: {compact_term(t)}" for v, t in values.items() if t is not None and t != focus)
            message = named.summary or named.name
            problems.append(
                Problem(
                    kind="check",
                    rule=CHECK + named.name,
                    message=f"{message} ({details})" if details else message,
                    fix=fix,
                    node=(f"_:{focus.value}" if isinstance(focus, ox.BlankNode) else focus.value) if focus is not None else None,
                )
            )
    return problems, len(queries)
