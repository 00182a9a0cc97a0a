"""Answers to the named queries, kept with the build that gave them.

A build never changes once it is current, so what one query text answers over it never
changes either. Before a build is made current, it runs every named query that needs no
parameter and keeps the answer in `stores/<name>/answers/`, as SPARQL 1.1 TSV results:
lossless (each term in N-Triples syntax), in the answer's order, and the quickest of the
results formats to read back. A later run of the same text on the same build reads that
file instead of joining again; written as TSV it is copied out unread.

An answer is found by a hash of all that decides it besides the store: the query text with
its parameters written in, the graph it runs over, the prefixes and the Oxigraph version.
An edited query file, another parameter or another engine finds none, and the query runs.
Not kept: queries that call a remote SERVICE or read the clock or a random number, and
queries whose default is the current day (an answer that would serve only one day).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph as ox

from csto_kg.catalogue import NamedQuery
from csto_kg.namespaces import PREFIXES

FOLDER = "answers"
FORMAT = ox.QueryResultsFormat.TSV
SUFFIX = ".tsv"

# What makes two runs of one text differ on one store: the network, the clock, chance.
_UNSTABLE = re.compile(r"\b(SERVICE|NOW|RAND|UUID|STRUUID|BNODE)\b", re.IGNORECASE)


def key(text: str, asserted: bool) -> str:
    """The name under which the answer to `text` (parameters written in) is kept."""
    digest = hashlib.sha256()
    parts = (ox.__version__, "asserted" if asserted else "union", *(f"{p} {ns}" for p, ns in sorted(PREFIXES.items())), text)
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def find(store_dir: Path, text: str, asserted: bool) -> Path | None:
    """The build's kept answer to `text`, if it has one."""
    path = store_dir / FOLDER / (key(text, asserted) + SUFFIX)
    return path if path.is_file() else None


def keepable(named: NamedQuery) -> bool:
    """Whether the answer the query gives without parameters holds for as long as the build."""
    if _UNSTABLE.search(_without_comments(named.text)):
        return False
    return not any(p.required or (p.default or "").strip().lower() == "today" for p in named.params)


def write(store: ox.Store, store_dir: Path, queries_dir: Path) -> list[str]:
    """Run the keepable named queries of `queries_dir` on `store` (the build being made)
    and keep their answers under `store_dir`; the names of the queries kept.

    A query that fails here keeps no answer and fails again, with its message, when it
    is run: a broken query file does not stop a build.
    """
    from csto_kg.catalogue import catalogue
    from csto_kg.errors import CstoKgError
    from csto_kg.sparql import query_text, run_on_store

    folder = store_dir / FOLDER
    folder.mkdir(exist_ok=True)
    try:
        known = catalogue(queries_dir) if queries_dir.is_dir() else {}
    except CstoKgError:
        return []
    kept = []
    for name, named in known.items():
        if not keepable(named):
            continue
        try:
            result = run_on_store(store, named)
            if result.kind != "select":
                continue
            target = folder / (key(query_text(named, {}), False) + SUFFIX)
            partial = target.with_suffix(".part")
            try:
                with open(partial, "wb") as stream:
                    result.write(stream, "tsv")
            except CstoKgError:
                partial.unlink()
                raise
            partial.replace(target)  # only a whole answer is ever found
        except CstoKgError:
            continue
        kept.append(name)
    return kept


def _without_comments(text: str) -> str:
    # Whole comment lines only (the header, notes): a word in a comment after a pattern
    # still counts, which at worst makes a query look unstable, and it then simply runs.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
