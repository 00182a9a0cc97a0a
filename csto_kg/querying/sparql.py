"""Run SPARQL over the built store: named queries, .rq files or text.

This path never imports rdflib or owlrl: it opens the store read-only with pyoxigraph,
binds parameters by writing them into the query as constants (csto_kg.querying.querytext), which
lets Oxigraph's planner start from them, and writes the results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg.core import formats
from csto_kg.core.built import damaged, open_build
from csto_kg.core.errors import QueryError, UsageError, one_line
from csto_kg.core.namespaces import GRAPH_DERIVED, PREFIXES, XSD, asserted_graphs
from csto_kg.core.namespaces import compact as compact_iri
from csto_kg.core.output import copy_file
from csto_kg.core.paths import Layout
from csto_kg.core.texttable import MEASURE, table_blocks
from csto_kg.querying import answers, catalogue, params
from csto_kg.querying.querytext import is_update, substitute

QUERY_TIMEOUT = 300.0  # seconds a command-line query may run, unless --timeout says otherwise

_SPARQL_START = ("select", "ask", "construct", "describe", "prefix", "base", "#", "with", "insert", "delete")


def resolve(target: str, layout: Layout) -> catalogue.NamedQuery:
    """A named query, a .rq file, or SPARQL text, in that order."""
    named = catalogue.named(layout.queries_dir, target)
    if named is not None:
        return named
    path = Path(target)
    if target.endswith(".rq") or (path.suffix and _is_file(path)):
        if not _is_file(path):
            raise UsageError(f"query file not found: {target}")
        return catalogue.load_query_file(path)
    if is_update(target):
        raise UsageError("updates (INSERT, DELETE, DROP, CLEAR, LOAD, ...) are refused: csto-kg query only reads the built graph")
    if target.lstrip().lower().startswith(_SPARQL_START) or "{" in target:
        return catalogue.from_text(target)
    known = catalogue.catalogue(layout.queries_dir)  # only to say which names there are
    raise UsageError(f"unknown query {_clipped(target)}; named queries: {', '.join(known) or 'none'}")


def _clipped(text: str, limit: int = 60) -> str:
    """The text quoted, cut where a longer one would hide the list of names after it."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # SPARQL text too long or too odd to be a file name
        return False


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
        return compact_iri(term.value) or term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


class QueryResult:
    """The answer to one query: rows for SELECT, a boolean for ASK, triples otherwise.

    A SELECT answer is read when it is first needed, and only as far as it is needed:
    written in a SPARQL results format, Oxigraph serialises the solutions itself; Python
    rows (`rows`, `records()`) are made only when asked for. Read a second way, the query
    runs again, or the build's kept answer it came from (`stored`) is read again.
    """

    def __init__(
        self,
        kind: str,
        variables: list[str] | None = None,
        rows: list[tuple[Any, ...]] | None = None,
        boolean: bool | None = None,
        triples: list[ox.Triple] | None = None,
        *,
        solutions: Callable[[], Any] | None = None,
        pending: Any = None,
        stored: Path | None = None,
        name: str = "query",
    ) -> None:
        self.kind = kind  # "select", "ask" or "graph"
        self.variables = list(variables or [])
        self.boolean = boolean
        self._triples = list(triples or [])
        self._have_triples = triples is not None or kind != "graph" or (pending is None and solutions is None)
        self.stored = stored  # the build's kept answer (csto_kg.querying.answers) this one is read from
        self._rows = None if rows is None else list(rows)
        self._solutions = solutions  # gives the solutions (again)
        self._pending = pending  # solutions obtained and not read yet
        self._name = name
        self._store_dir: Path | None = None  # the build it comes from, named if it is found damaged
        self.written: int | None = None  # rows (or answers) the last text table held

    def __repr__(self) -> str:  # says what is known without reading the answer
        what = {"select": f"variables={self.variables}", "ask": f"boolean={self.boolean}"}.get(self.kind, f"{len(self.triples)} triples")
        return f"<QueryResult {self.kind} {what}>"

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE answer (read now if still pending)."""
        if not self._have_triples:
            pending = self._take()
            with self._reading():
                self._triples = list(pending)
            self._have_triples = True
        return self._triples

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows, as tuples of pyoxigraph terms (None where a variable is unbound)."""
        if self._rows is None:
            if self.kind != "select" or (self._pending is None and self._solutions is None):
                return []
            solutions = self._take()
            with self._reading():
                self._rows = [tuple(s[v] for v in self.variables) for s in solutions]
        return self._rows

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
            if self._have_triples:
                ox.serialize(self._triples, stream, format=fmt.oxigraph, prefixes=PREFIXES)
                return
            pending = self._take()  # the answer once more if it was streamed already
            self._serialize(lambda sink: ox.serialize(pending, sink, format=fmt.oxigraph, prefixes=PREFIXES), stream)
            return
        fmt = formats.result_format(fmt_name)
        if fmt.oxigraph is None:
            self._write_table(stream)
            return
        if self.stored is not None and fmt.oxigraph == answers.FORMAT:
            self._take()  # checks the answer is whole, as the build wrote it
            copy_file(self.stored, stream, self._unreadable)
            return
        # Streamed to its destination, not built in memory: a file is written whole or not
        # at all (csto_kg.core.output), and a query that fails half-way exits non-zero.
        solutions = self._take()
        self._serialize(lambda sink: solutions.serialize(sink, format=fmt.oxigraph), stream)

    def _serialize(self, write: Callable[[_Sink], None], stream: BinaryIO) -> None:
        """Stream the answer to `stream`; a failing destination (a closed pipe, a full disk)
        is raised as its own error, a failing answer as the query's."""
        sink = _Sink(stream)
        try:
            with self._reading():
                write(sink)
        except QueryError:
            if sink.error is not None:
                raise sink.error from None
            raise

    def table(self) -> str:
        """The answer as a text table (see `_write_table`)."""
        buffer = io.BytesIO()
        self._write_table(buffer)
        return buffer.getvalue().decode("utf-8")

    def _write_table(self, stream: BinaryIO) -> None:
        """Write the text table row by row: the column widths come from the first
        TABLE_CHUNK rows, held while they are measured, and the rest are streamed; a later
        cell wider than its column pushes the cells after it to the right, on its line only.
        An answer of up to TABLE_CHUNK rows is laid out exactly as a whole table would be."""
        if self.kind == "ask":
            stream.write(b"yes\n" if self.boolean else b"no\n")
            self.written = 1
            return
        rows: Iterator[tuple[Any, ...]] = iter(self._rows) if self._rows is not None else self._row_stream()

        def write(sink: _Sink) -> None:
            self.written = _table(self.variables, rows, sink)

        self._serialize(write, stream)

    def _row_stream(self) -> Iterator[tuple[Any, ...]]:
        if self.kind != "select" or (self._pending is None and self._solutions is None):
            return iter(())
        solutions = self._take()
        variables = self.variables
        return (tuple(s[v] for v in variables) for s in solutions)

    def _take(self) -> Any:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        if self._solutions is None:
            raise QueryError("this result can no longer be serialised")
        with self._reading():
            return self._solutions()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except (OSError, RuntimeError, SyntaxError, ValueError) as err:
            if self.stored is not None:
                raise self._unreadable(self.stored, err) from None
            if _is_damage(err):
                raise damaged(self._store_dir, err) from None
            raise QueryError(f"{self._name} failed: {one_line(err)}") from None

    @staticmethod
    def _unreadable(path: Path, err: Exception) -> QueryError:
        return QueryError(f"the kept answer {path} cannot be read ({one_line(err)}): run `csto-kg build` again")


TABLE_CHUNK = MEASURE  # rows of a text table held in memory to measure its columns


def _table(variables: list[str], rows: Iterator[tuple[Any, ...]], sink: _Sink) -> int:
    """Write the text table of `rows` to `sink`; return how many rows it has."""
    count = 0
    for block, held in table_blocks(variables, ([compact(t) for t in row] for row in rows), measure=TABLE_CHUNK):
        sink.write(block.encode("utf-8"))
        count += held
    return count


def _is_damage(err: BaseException) -> bool:
    """An error of the storage engine about its own files, not about the query."""
    return isinstance(err, RuntimeError) and str(err).startswith(("Corruption", "IO error"))


class _Sink:
    """A stream that remembers its own write error, so that it is told from a read error."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.error: OSError | None = None

    def write(self, data: bytes) -> int | None:
        try:
            return self.stream.write(data)
        except OSError as err:
            self.error = err
            raise

    def flush(self) -> None:
        with contextlib.suppress(AttributeError):
            self.stream.flush()


def query_text(named: catalogue.NamedQuery, given: dict[str, str] | None = None) -> str:
    """The text that runs: the query with its parameters (given or default) written in."""
    # Written in as constants, not passed as the engine's substitutions: Oxigraph plans a
    # query before it sees substitutions, so a bound parameter could not lead the plan.
    return substitute(named.text, params.substitutions(named, dict(given or {})))


def run_on_store(
    store: ox.Store,
    named: catalogue.NamedQuery,
    given: dict[str, str] | None = None,
    asserted: bool = False,
    store_dir: Path | None = None,
    screen: Callable[[str], None] | None = None,
) -> QueryResult:
    """Run one query on an open store; `store_dir`, the build's folder, lets a run the
    build already answered read the answer it kept (csto_kg.querying.answers). `screen`,
    given the text that would run, raises to refuse it (the command line's SERVICE allow-list)."""
    text = query_text(named, given)
    if screen is not None:
        screen(text)
    label = f"query {named.name}"
    if store_dir is not None and (kept := answers.find(store_dir, text, asserted)) is not None:
        return _from_kept(kept, label)
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
            if _is_damage(err):
                raise damaged(store_dir, err) from None
            raise QueryError(f"{label} failed: {one_line(err)}") from None

    result = execute()
    if isinstance(result, ox.QuerySolutions):
        answer = QueryResult("select", [v.value for v in result.variables], solutions=execute, pending=result, name=label)
        answer._store_dir = store_dir
        return answer
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result), solutions=execute, name=label)
    # Streamed when written (QueryResult.write), read whole only when asked for (`triples`).
    answer = QueryResult("graph", pending=result, solutions=execute, name=label)
    answer._store_dir = store_dir
    return answer


def _from_kept(kept: answers.Kept, label: str) -> QueryResult:
    def read() -> Any:
        size = kept.path.stat().st_size
        if size != kept.size:
            raise ValueError(f"{size} bytes where the build wrote {kept.size}")
        return ox.parse_query_results(path=kept.path, format=answers.FORMAT)

    result = QueryResult("select", kept.variables, stored=kept.path, solutions=read, name=label)
    solutions = result._take()
    if not isinstance(solutions, ox.QuerySolutions) or [v.value for v in solutions.variables] != kept.variables:
        raise QueryError(f"the kept answer {kept.path} does not hold the columns the build wrote: run `csto-kg build` again")
    result._pending = solutions
    return result


def run_built(
    named: catalogue.NamedQuery,
    layout: Layout,
    given: dict[str, str] | None = None,
    *,
    asserted: bool = False,
    screen: Callable[[str], None] | None = None,
    **kwargs: str,
) -> QueryResult:
    """Run `named` over the current build of `layout` (csto_kg.api.query builds it first).

    Parameters come as a dict or as keyword arguments, a keyword's `_` standing for `-`.
    `screen` is called with the text that would run, parameters bound, and may raise to refuse it.
    """
    merged = {**(given or {}), **{k.replace("_", "-") if named.param(k.replace("_", "-")) else k: v for k, v in kwargs.items()}}
    store_dir, store = open_build(layout)
    return run_on_store(store, named, merged, asserted, store_dir, screen)


def render(result: QueryResult, fmt_name: str | None = None) -> bytes:
    buffer = io.BytesIO()
    result.write(buffer, fmt_name)
    return buffer.getvalue()
