"""Run SPARQL over the built store: named queries, .rq files or text.

This path never imports rdflib or owlrl: it opens the store read-only with pyoxigraph,
binds parameters by writing them into the query as constants (csto_kg.querytext), which
lets Oxigraph's planner start from them, and writes the results.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg import catalogue, formats, params
from csto_kg.errors import QueryError, UsageError, one_line
from csto_kg.namespaces import GRAPH_DERIVED, PREFIXES, XSD, asserted_graphs
from csto_kg.paths import Layout
from csto_kg.querytext import substitute

_SPARQL_START = ("select", "ask", "construct", "describe", "prefix", "base", "#", "with", "insert", "delete")


def resolve(target: str, layout: Layout) -> catalogue.NamedQuery:
    """A named query, a .rq file, or SPARQL text, in that order."""
    known = catalogue.catalogue(layout.queries_dir)
    if target in known:
        return known[target]
    path = Path(target)
    if target.endswith(".rq") or (path.suffix and path.is_file()):
        if not path.is_file():
            raise UsageError(f"query file not found: {target}")
        return catalogue.load_query_file(path)
    if target.lstrip().lower().startswith(_SPARQL_START) or "{" in target:
        return catalogue.from_text(target)
    raise UsageError(f"unknown query {target!r}; named queries: {', '.join(known) or 'none'}")


def _python(term: Any) -> Any:
    """A plain Python value for an RDF term: numbers, dates and booleans typed."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        try:
            if dtype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(term.value)
            if dtype == XSD + "decimal":
                return Decimal(term.value)
            if dtype in (XSD + "double", XSD + "float"):
                return float(term.value)
            if dtype == XSD + "boolean":
                return term.value in ("true", "1")
            if dtype == XSD + "date":
                return dt.date.fromisoformat(term.value)
        except ValueError:
            return term.value
        return term.value
    return term.value


def compact(term: Any) -> str:
    """A short human-readable form of a term, for the text table."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


@dataclass
class QueryResult:
    """The answer to one query: rows for SELECT, a boolean for ASK, triples otherwise."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # pyoxigraph terms (None if unbound)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    _rerun: Callable[[], Any] | None = field(default=None, repr=False)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of plain Python values (int, Decimal, date, bool, str)."""
        return [{v: _python(t) for v, t in zip(self.variables, row, strict=True)} for row in self.rows]

    def dataframe(self):
        """Rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("pandas is not installed: pip install pandas") from None
        return pd.DataFrame(self.records(), columns=self.variables)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)

    def write(self, stream: BinaryIO, fmt_name: str | None = None) -> None:
        """Serialise in a SPARQL result format (SELECT/ASK) or an RDF format (graphs)."""
        if self.kind == "graph":
            name = {"json": "json-ld", "table": "turtle"}.get(fmt_name or "turtle", fmt_name)
            fmt = formats.rdf_format(name)
            ox.serialize(self.triples, stream, format=fmt.oxigraph, prefixes=PREFIXES)
            return
        fmt = formats.result_format(fmt_name)
        if fmt.oxigraph is None:
            stream.write(self.table().encode("utf-8"))
            return
        if self._rerun is None:
            raise QueryError("this result can no longer be serialised")
        self._rerun().serialize(stream, format=fmt.oxigraph)

    def table(self) -> str:
        if self.kind == "ask":
            return ("yes" if self.boolean else "no") + "\n"
        cells = [[compact(t) for t in row] for row in self.rows]
        widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(self.variables)]
        lines = ["  ".join(v.ljust(w) for v, w in zip(self.variables, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)
        return "\n".join(lines) + "\n"


def run_on_store(
    store: ox.Store,
    named: catalogue.NamedQuery,
    given: dict[str, str] | None = None,
    asserted: bool = False,
) -> QueryResult:
    """Run one query on an open store."""
    # Written in as constants, not passed as the engine's substitutions: Oxigraph plans a
    # query before it sees substitutions, so a bound parameter could not lead the plan.
    text = substitute(named.text, params.substitutions(named, dict(given or {})))
    options: dict[str, Any] = {"prefixes": PREFIXES}
    if asserted:
        present = {g.value for g in store.named_graphs()}
        wanted = [*asserted_graphs(present), *([GRAPH_DERIVED] if GRAPH_DERIVED in present else [])]
        options["default_graph"] = [ox.NamedNode(g) for g in wanted]
    else:
        options["use_default_graph_as_union"] = True

    def execute() -> Any:
        try:
            return store.query(text, **options)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error in {named.name}: {one_line(err)}") from None
        except (OSError, ValueError, RuntimeError) as err:
            raise QueryError(f"query {named.name} failed: {one_line(err)}") from None

    result = execute()
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        try:
            rows = [tuple(s[v] for v in variables) for s in result]
        except (OSError, RuntimeError) as err:
            raise QueryError(f"query {named.name} failed: {one_line(err)}") from None
        return QueryResult("select", variables, rows, _rerun=execute)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result), _rerun=execute)
    return QueryResult("graph", triples=list(result))


def query(
    target: str,
    given: dict[str, str] | None = None,
    *,
    asserted: bool = False,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    **kwargs: str,
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text over the built graph.

    Parameters come as a dict or as keyword arguments:
    `query("members", date="2000-01-01")`. Builds first if the build is missing or stale.
    """
    from csto_kg.pipeline import ensure_built
    from csto_kg.store import open_store

    layout = Layout.resolve(data_root, build_dir)
    named = resolve(target, layout)
    ensure_built(layout)
    merged = {**(given or {}), **{k.replace("_", "-") if named.param(k.replace("_", "-")) else k: v for k, v in kwargs.items()}}
    return run_on_store(open_store(layout), named, merged, asserted)


def query_endpoint(
    target: str,
    given: dict[str, str] | None = None,
    *,
    endpoint: str,
    timeout: float | None = None,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text on a remote SPARQL endpoint.

    Needs no build. Parameters are checked against the query's header as for the local
    store and substituted as escaped terms (csto_kg.querytext.substitute); the project's
    prefixes the query uses are declared for it.
    """
    from csto_kg import remote

    layout = Layout.resolve(data_root, build_dir)
    named = resolve(target, layout)
    bound = params.substitutions(named, dict(given or {}))
    where = remote.Endpoint(endpoint, timeout=timeout or remote.DEFAULT_TIMEOUT)
    return remote.run(where, remote.prepare(named.text, bound))


def render(result: QueryResult, fmt_name: str | None = None) -> bytes:
    buffer = io.BytesIO()
    result.write(buffer, fmt_name)
    return buffer.getvalue()
