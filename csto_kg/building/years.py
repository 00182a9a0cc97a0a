"""Events by year, kept with the build: what a year page lists, read without a query.

The store has no index over the days of a date: a filter on `csto:earliest` reads every
event (seconds at 10^6 triples). So the build, once it has kept the answer of the
`timeline` named query over all events (csto_kg.querying.answers), splits that answer by year:
`stores/<name>/years/<YYYY>.tsv` lists, in the timeline's own order, each event whose
days may fall in that year (its first day on or before 31 December, its last on or after
1 January), which is what `timeline -p from YYYY-01-01 -p to YYYY-12-31` answers. A
year page then reads one small file. A build without the table (no `timeline` query)
leaves the pages to run the query instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from csto_kg.core.errors import CstoKgError
from csto_kg.querying import answers
from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import query_text

FOLDER = "years"
COLUMNS = ("event", "date", "earliest", "latest")
TIMELINE = "timeline"


def write(store_dir: Path, queries_dir: Path) -> list[int]:
    """Split the kept answer of `timeline` by year under `store_dir`; the years written
    (none where the build kept no such answer)."""
    try:
        named = catalogue(queries_dir).get(TIMELINE) if queries_dir.is_dir() else None
    except CstoKgError:
        return []
    kept = answers.find(store_dir, query_text(named), False) if named is not None else None
    if kept is None or not set(COLUMNS) <= set(kept.variables):
        return []
    by_year: dict[int, list[str]] = {}
    for row in ox.parse_query_results(path=kept.path, format=ox.QueryResultsFormat.TSV):
        first, last = (_year(row[k]) for k in ("earliest", "latest"))
        if first is None or last is None:
            continue
        line = "\t".join(str(row[k]) if row[k] is not None else "" for k in COLUMNS)
        for year in range(first, last + 1):
            by_year.setdefault(year, []).append(line)
    folder = store_dir / FOLDER
    folder.mkdir(exist_ok=True)
    header = "\t".join("?" + c for c in COLUMNS)
    for year, lines in by_year.items():
        partial = folder / f".{year:04d}.tmp"
        partial.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        os.replace(partial, folder / f"{year:04d}.tsv")
    return sorted(by_year)


def kept_years(store_dir: Path | None) -> list[int] | None:
    """The years the build's table lists, or None where the build has no table."""
    folder = store_dir / FOLDER if store_dir is not None else None
    if folder is None or not folder.is_dir():
        return None
    return sorted(int(p.stem) for p in folder.glob("*.tsv") if p.stem.isdigit())


def events(store_dir: Path | None, year: int) -> list[dict[str, Any]] | None:
    """The events of `year` in the timeline's order (each a row of COLUMNS), [] for a year
    without events, None where the build has no table."""
    known = kept_years(store_dir)
    if known is None or store_dir is None:
        return None
    if year not in known:
        return []
    path = store_dir / FOLDER / f"{year:04d}.tsv"
    return [{k: row[k] for k in COLUMNS} for row in ox.parse_query_results(path=path, format=ox.QueryResultsFormat.TSV)]


def _year(term: Any) -> int | None:
    try:
        return int(term.value[:4])
    except (AttributeError, ValueError):
        return None
