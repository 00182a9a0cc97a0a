"""Content negotiation over the media types the endpoint offers, and writing graphs in them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from csto_kg.core import formats
from csto_kg.core.jsonld import compact_document
from csto_kg.core.namespaces import PREFIXES

# --------------------------------------------------------------------------- formats
# (media type, short names, engine format), derived from the one registry of formats
# (csto_kg.core.formats). The order is the endpoint's preference: the first entry is the default.
_SERVED_RESULTS = ("json", "xml", "csv", "tsv")
_SERVED_GRAPHS = ("turtle", "json-ld", "nt", "xml", "nquads", "trig")


def _names(name: str, extensions: tuple[str, ...], *more: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((name, *(n for group in more for n in group), *(e.lstrip(".") for e in extensions))))


def _result_types() -> tuple[tuple[str, tuple[str, ...], Any], ...]:
    served = [formats.result_format(name) for name in _SERVED_RESULTS]
    primary = [(f.media_type, _names(f.name, f.extensions), f.oxigraph) for f in served]
    return (*primary, *((media, (), f.oxigraph) for f in served for media in f.also_accepted))


def _graph_types() -> tuple[tuple[str, tuple[str, ...], Any], ...]:
    served = [formats.rdf_format(name) for name in _SERVED_GRAPHS]
    primary = [(f.media_type, _names(f.name, f.extensions, formats.aliases(f), f.web_names), f.oxigraph) for f in served]
    return (*primary, *((media, (), f.oxigraph) for f in served for media in f.also_accepted))


_RESULT_TYPES = _result_types()
_GRAPH_TYPES = _graph_types()
_HTML = "text/html"
_TEXT_TYPES = (
    "text/",
    "application/sparql-results+",
    "application/ld+json",
    "application/n-",
    "application/trig",
    "application/rdf+xml",
    "application/json",
    "application/xml",
)


def _parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights (q=0 ranges dropped)."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media or "/" not in media:
            continue
        weight = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        ranges.append((media, weight))
    return ranges


def negotiate(accept: str | None, offered: Iterable[str]) -> str | None:
    """The offered media type the client prefers; ties go to the order of `offered`.

    No Accept header (or an empty one) takes the first offered type. None: nothing
    offered is acceptable (HTTP 406).
    """
    offered = list(offered)
    ranges = _parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int, int] | None = None
    choice = None
    for index, media in enumerate(offered):
        kind = media.split("/")[0]
        weight, specificity = -1.0, -1
        for candidate, q in ranges:
            if candidate == media:
                level = 2
            elif candidate == f"{kind}/*":
                level = 1
            elif candidate == "*/*":
                level = 0
            else:
                continue
            if level > specificity:
                weight, specificity = q, level
        if weight <= 0:
            continue
        key = (weight, specificity, -index)
        if best is None or key > best:
            best, choice = key, media
    return choice


def _by_short_name(name: str | None, table: Iterable[tuple[str, tuple[str, ...], Any]]) -> str | None:
    """The media type a `format=` value names (a short name or a media type), if any."""
    if not name:
        return None
    wanted = name.strip().lower()
    for media, shorts, _engine in table:
        if wanted == media or wanted in shorts:
            return media
    return None


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith(_TEXT_TYPES) else media


# --------------------------------------------------------------------------- writing
def _serialize_graph(triples: list[ox.Triple], media: str) -> bytes:
    engine = next(f for m, _s, f in _GRAPH_TYPES if m == media)
    if engine == ox.RdfFormat.JSON_LD:
        return compact_document(ox.serialize(triples, format=engine))
    if engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return ox.serialize(triples, format=engine, prefixes=PREFIXES)
    if engine == ox.RdfFormat.N_QUADS:
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=engine)
    return ox.serialize(triples, format=engine)
