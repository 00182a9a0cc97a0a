"""Answers to the named queries, kept with the build that gave them.

A build never changes once it is current, so what one query text answers over it never
changes either. Before a build is made current, it runs every named SELECT query that
needs no parameter and keeps the answer in `stores/<name>/answers/`, as SPARQL 1.1 TSV
results: lossless (each term in N-Triples syntax), in the answer's order, and the quickest
of the results formats to read back. A later run of the same text on the same build reads
that file instead of joining again; asked for as TSV, it is copied out as it is. The build
writes them (csto_kg/building/store.py, write_answers); this module finds them.

An answer is found by a hash of all that decides it besides the store: the query text with
its parameters written in, the graph it runs over, the prefixes and the Oxigraph version
(the code that runs it is part of the build's fingerprint, csto_kg/building/fresh.py). An edited
query file, another parameter or another engine finds none, and the query runs. Not kept:
queries that call a remote SERVICE or read the clock or chance, and queries whose default
is the current day (an answer that would serve only one day).

`answers/index.json`, written last, lists each kept answer with its query, its variables
and its size in bytes; an answer that does not match its entry is damaged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox

from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import PREFIXES
from csto_kg.querying.catalogue import NamedQuery
from csto_kg.querying.querytext import keywords, query_form

FOLDER = "answers"
INDEX = "index.json"
FORMAT = ox.QueryResultsFormat.TSV
SUFFIX = ".tsv"

# Words that make two runs of one text differ on one store: the network, the clock, chance.
_UNSTABLE = {"SERVICE", "NOW", "RAND", "UUID", "STRUUID", "BNODE"}


class Kept:
    """One kept answer: its file, and what the build recorded of it."""

    # A plain class: a dataclass would cost a millisecond of every command's start.
    __slots__ = ("path", "size", "variables")

    def __init__(self, path: Path, variables: list[str], size: int) -> None:
        self.path, self.variables, self.size = path, variables, size


def key(text: str, asserted: bool) -> str:
    """The name under which the answer to `text` (parameters written in) is kept."""
    digest = hashlib.sha256()
    parts = (ox.__version__, "asserted" if asserted else "union", *(f"{p} {ns}" for p, ns in sorted(PREFIXES.items())), text)
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def find(store_dir: Path, text: str, asserted: bool) -> Kept | None:
    """The build's kept answer to `text`, if it has one. An index that cannot be read
    counts as none: the query then runs on the store."""
    name = key(text, asserted)
    try:
        entry = json.loads((store_dir / FOLDER / INDEX).read_bytes())[name]
        return Kept(store_dir / FOLDER / (name + SUFFIX), list(entry["variables"]), int(entry["bytes"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keepable(named: NamedQuery) -> bool:
    """Whether the answer the query gives without parameters holds for as long as the build."""
    try:
        if query_form(named.text) != "select" or keywords(named.text) & _UNSTABLE:
            return False
    except UsageError:
        return False
    return not any(p.required or (p.default or "").strip().lower() == "today" for p in named.params)
