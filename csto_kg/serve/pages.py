"""Entity pages for browsers, and the dataset description (VoID) of the endpoint."""

from __future__ import annotations

import contextlib
import html
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox

from csto_kg.building import void
from csto_kg.core.namespaces import BASE, PREFIXES, RDF, RDFS
from csto_kg.serve.settings import _SKOS_PREF, ONTOLOGY_PATH

# --------------------------------------------------------------------------- HTML
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{text-align:left;vertical-align:top;"
    "padding:.3em .6em;border-bottom:1px solid #ddd}th{width:30%;font-weight:normal;color:#555}"
    ".iri{color:#666;font-family:monospace;word-break:break-all}.tag{color:#888;font-size:.85em}"
    "section{margin-top:1.5em}h2{font-size:1.15em;margin-bottom:.3em}"
)


def _labels(triples: list[ox.Triple]) -> dict[str, str]:
    """An English label (else any label) for each IRI the triples label."""
    found: dict[str, tuple[int, str]] = {}
    for t in triples:
        if t.predicate.value in (RDFS + "label", _SKOS_PREF) and isinstance(t.object, ox.Literal):
            rank = 0 if t.object.language == "en" else (1 if not t.object.language else 2)
            key = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
            if key not in found or rank < found[key][0]:
                found[key] = (rank, t.object.value)
    return {k: v for k, (_r, v) in found.items()}


def _compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _href(iri: str) -> str | None:
    """Where a link to `iri` goes: the served path for the graph's own IRIs, else the IRI
    itself if it is http(s); None for any other scheme (never javascript: and the like)."""
    if iri.startswith(BASE):
        return "/" + iri[len(BASE) :]
    scheme = urllib.parse.urlsplit(iri).scheme.lower()
    return iri if scheme in ("http", "https") else None


def _term_html(term: Any, labels: dict[str, str], subjects: set[str]) -> str:
    esc = html.escape
    if isinstance(term, ox.NamedNode):
        text = labels.get(term.value) or _compact(term.value)
        href = _href(term.value)
        title = esc(term.value, quote=True)
        if href is None:
            return f'<span title="{title}">{esc(text)}</span>'
        return f'<a href="{esc(href, quote=True)}" title="{title}">{esc(text)}</a>'
    if isinstance(term, ox.BlankNode):
        key = f"_:{term.value}"
        text = labels.get(key) or "(anonymous)"
        if key in subjects:
            return f'<a href="#b-{esc(term.value, quote=True)}">{esc(text)}</a>'
        return esc(text)
    if isinstance(term, ox.Literal):
        tag = ""
        if term.language:
            tag = f' <span class="tag">@{esc(term.language)}</span>'
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            tag = f' <span class="tag">{esc(_compact(term.datatype.value))}</span>'
        return esc(term.value) + tag
    return esc(str(term))


def render_html(iri: str, triples: list[ox.Triple]) -> str:
    """A readable page about `iri`: its properties, what refers to it, and, for a
    document such as the ontology, every resource it describes. Every label and value
    is HTML-escaped; links go only to http(s) IRIs or to the served paths."""
    esc = html.escape
    labels = _labels(triples)
    subjects_of: dict[str, list[ox.Triple]] = {}
    subject_keys: set[str] = set()
    incoming: list[ox.Triple] = []
    for t in triples:
        key = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        subject_keys.add(key)
        if isinstance(t.object, ox.NamedNode) and t.object.value == iri and key != iri:
            incoming.append(t)
            continue
        subjects_of.setdefault(key, []).append(t)
    document = iri.rstrip("/").endswith("/" + ONTOLOGY_PATH)
    title = labels.get(iri) or _compact(iri)
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} · csto-kg</title><style>{_STYLE}</style></head><body>",
        '<p><a href="/">csto-kg</a></p>',
        f'<h1>{esc(title)}</h1><p class="iri">{esc(iri)}</p>',
        '<p>Also as <a href="?format=turtle">Turtle</a>, <a href="?format=json-ld">JSON-LD</a>, '
        '<a href="?format=nt">N-Triples</a>, <a href="?format=xml">RDF/XML</a>.</p>',
    ]

    def table(rows: list[ox.Triple], key: str) -> str:
        by_predicate: dict[str, list[Any]] = {}
        for t in rows:
            by_predicate.setdefault(t.predicate.value, []).append(t.object)
        order = sorted(by_predicate, key=lambda p: (p != RDF + "type", p != RDFS + "label", labels.get(p) or _compact(p)))
        cells = []
        for predicate in order:
            values = sorted(by_predicate[predicate], key=lambda o: (labels.get(o.value) if isinstance(o, ox.NamedNode) else None) or str(o))
            rendered = "<br>".join(_term_html(v, labels, subject_keys) for v in values)
            cells.append(f"<tr><th>{_term_html(ox.NamedNode(predicate), labels, subject_keys)}</th><td>{rendered}</td></tr>")
        return "<table>" + "".join(cells) + "</table>"

    if iri in subjects_of:
        parts.append(table(subjects_of.pop(iri), iri))
    if incoming:
        parts.append("<section><h2>Referred to by</h2><table>")
        for t in sorted(incoming, key=lambda t: (labels.get(t.subject.value) or str(t.subject), t.predicate.value)):
            parts.append(
                f"<tr><th>{_term_html(t.predicate, labels, subject_keys)} of</th>"
                f"<td>{_term_html(t.subject, labels, subject_keys)}</td></tr>"
            )
        parts.append("</table></section>")
    if document:
        for key in sorted(subjects_of, key=lambda k: (k.startswith("_:"), labels.get(k) or k)):
            rows = subjects_of[key]
            if key.startswith("_:"):
                anchor, heading, sub = f"b-{key[2:]}", labels.get(key) or "(anonymous)", ""
            else:
                anchor = key.split("#", 1)[1] if key.startswith(iri + "#") else ""
                heading, sub = labels.get(key) or _compact(key), key
            ident = f' id="{esc(anchor, quote=True)}"' if anchor else ""
            parts.append(f"<section{ident}><h2>{esc(heading)}</h2>")
            if sub:
                parts.append(f'<p class="iri">{esc(sub)}</p>')
            parts.append(table(rows, key) + "</section>")
    parts.append("</body></html>")
    return "".join(parts)


def home_html(base: str, mode: str, example: str) -> str:
    """The page at / for a browser: what the endpoint offers, and a form to try a query."""
    esc = html.escape
    link = "/query?" + urllib.parse.urlencode({"query": example})
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>csto-kg</title></head><body>'
        f"<h1>csto-kg</h1><p>A {esc(mode)} SPARQL 1.1 endpoint over the CSTO knowledge graph.</p>"
        f"<ul><li>SPARQL: <code>{esc(base)}/query</code> (GET or POST; "
        f'<a href="{esc(link)}">an example</a>)</li>'
        '<li>Entities: <a href="/id/csto">/id/csto</a>, <a href="/id/armenia">/id/armenia</a>, '
        '<a href="/ontology">/ontology</a></li>'
        '<li>Dataset description: <a href="/.well-known/void">/.well-known/void</a></li></ul>'
        f'<form action="/query" method="get"><textarea name="query" rows="8" cols="100">{esc(example)}'
        "</textarea><br><button>Run</button></form></body></html>"
    )


class HtmlPages(Protocol):
    """What the front asks for when a browser (Accept: text/html) wants a page: the page
    of an entity IRI from the triples that describe it, and the home page at /. Every
    value shown must be HTML-escaped; the front sends a Content-Security-Policy of
    default-src 'none' with them."""

    def entity(self, iri: str, triples: list[ox.Triple]) -> str: ...

    def home(self, base: str, mode: str, example: str) -> str: ...


@dataclass(frozen=True)
class _BuiltIn:
    entity: Callable[[str, list[ox.Triple]], str] = render_html
    home: Callable[[str, str, str], str] = home_html


_PAGES: list[HtmlPages] = [_BuiltIn()]


def html_pages() -> HtmlPages:
    """The renderer of HTML pages in use: the built-in one unless use_html_pages() set another."""
    return _PAGES[0]


def use_html_pages(renderer: HtmlPages | None) -> None:
    """The hook for a site renderer: HTML pages for browsers come from `renderer` (None:
    the built-in pages again). Turtle, JSON-LD and the SPARQL endpoint are not affected."""
    _PAGES[0] = renderer if renderer is not None else _BuiltIn()


def _void_triples(store: ox.Store, endpoint: str) -> list[ox.Triple]:
    """The dataset description naming this endpoint (none if it cannot be made)."""
    with contextlib.suppress(Exception):  # a description is a bonus; never fail to serve for it
        return list(void.triples(store, endpoint))
    return []
