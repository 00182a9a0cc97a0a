"""One registry of formats: name, file extensions, media type, and the engines' names.

RDF formats serve exports and CONSTRUCT/DESCRIBE results; result formats serve SELECT
and ASK. The format is guessed from an output path's extension when not given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from csto_kg.core.errors import UsageError, one_line


@dataclass(frozen=True)
class RdfFormat:
    name: str
    extensions: tuple[str, ...]
    media_type: str
    oxigraph: ox.RdfFormat
    rdflib: str
    datasets: bool = False  # keeps named graphs apart
    also_accepted: tuple[str, ...] = ()  # other media types clients ask for it by (HTTP Accept)
    web_names: tuple[str, ...] = ()  # other `format=` values HTTP clients send for it


@dataclass(frozen=True)
class ResultFormat:
    name: str
    extensions: tuple[str, ...]
    media_type: str
    oxigraph: ox.QueryResultsFormat | None  # None: rendered by csto-kg (the text table)
    also_accepted: tuple[str, ...] = ()  # other media types clients ask for it by (HTTP Accept)


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat(
        "turtle",
        (".ttl",),
        "text/turtle",
        ox.RdfFormat.TURTLE,
        "turtle",
        also_accepted=("text/n3", "application/x-turtle"),
        web_names=("n3",),
    ),
    RdfFormat(
        "json-ld",
        (".jsonld",),
        "application/ld+json",
        ox.RdfFormat.JSON_LD,
        "json-ld",
        also_accepted=("application/json",),
        web_names=("json",),
    ),
    RdfFormat("nt", (".nt",), "application/n-triples", ox.RdfFormat.N_TRIPLES, "nt", also_accepted=("text/plain",)),
    RdfFormat("nquads", (".nq",), "application/n-quads", ox.RdfFormat.N_QUADS, "nquads", datasets=True),
    RdfFormat(
        "xml",
        (".rdf", ".owl"),
        "application/rdf+xml",
        ox.RdfFormat.RDF_XML,
        "xml",
        also_accepted=("application/xml",),
        web_names=("rdf+xml",),
    ),
    RdfFormat("trig", (".trig",), "application/trig", ox.RdfFormat.TRIG, "trig", datasets=True),
)

RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("table", (".txt",), "text/plain", None),
    ResultFormat("csv", (".csv",), "text/csv", ox.QueryResultsFormat.CSV),
    ResultFormat("tsv", (".tsv",), "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ResultFormat("json", (".srj", ".json"), "application/sparql-results+json", ox.QueryResultsFormat.JSON, ("application/json",)),
    ResultFormat("xml", (".srx", ".xml"), "application/sparql-results+xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")),
)

# Short names people type for the same format.
_ALIASES = {"ttl": "turtle", "jsonld": "json-ld", "ntriples": "nt", "n-triples": "nt", "rdfxml": "xml", "rdf": "xml", "nq": "nquads"}


F = TypeVar("F", "RdfFormat", "ResultFormat")


def aliases(fmt: RdfFormat) -> tuple[str, ...]:
    """The short names that stand for an RDF format besides its name."""
    return tuple(alias for alias, name in _ALIASES.items() if name == fmt.name)


def _named(formats: tuple[F, ...], key: str, given: str, kind: str) -> F:
    for fmt in formats:
        if fmt.name == key:
            return fmt
    raise UsageError(f"unknown {kind} format {given!r}; known: {', '.join(f.name for f in formats)}")


def _suffix(path: str | Path | None) -> str | None:
    """The lower-case extension of an output path; None for none or standard output."""
    return Path(path).suffix.lower() if path and str(path) != "-" else None


def _by_extension(formats: tuple[F, ...], suffix: str) -> F | None:
    return next((fmt for fmt in formats if suffix in fmt.extensions), None)


def rdf_format(name: str | None = None, path: str | Path | None = None) -> RdfFormat:
    """The RDF format by name, else guessed from `path`, else Turtle."""
    if name:
        return _named(RDF_FORMATS, _ALIASES.get(name.lower(), name.lower()), name, "RDF")
    suffix = _suffix(path)
    if suffix is None:
        return RDF_FORMATS[0]
    found = _by_extension(RDF_FORMATS, ".jsonld" if suffix == ".json" else suffix)
    if found is None:
        raise UsageError(f"cannot tell the RDF format of {one_line(path)}: give --format")
    return found


def result_format(name: str | None = None, path: str | Path | None = None) -> ResultFormat:
    """The SELECT/ASK result format by name, else guessed from `path`, else the text table."""
    if name:
        return _named(RESULT_FORMATS, name.lower(), name, "result")
    suffix = _suffix(path)
    found = _by_extension(RESULT_FORMATS, suffix) if suffix else None
    if found is None and suffix:  # never a text table under a name that promises something else (x.ttl)
        known = ", ".join(e for f in RESULT_FORMATS for e in f.extensions)
        raise UsageError(f"cannot tell the result format of {one_line(path)}: name the file {known}, or give --format")
    return found or RESULT_FORMATS[0]


def names() -> list[str]:
    """Every format name the query command accepts."""
    seen = [f.name for f in RESULT_FORMATS] + [f.name for f in RDF_FORMATS]
    return list(dict.fromkeys(seen))
