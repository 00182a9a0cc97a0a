"""HTML pages of the built graph for people: the home page, entity pages, the query page.

A server calls `Site.render(path, languages)` for a request that asks for text/html, and
gets a `Page` (status, html) or None where it has no page for the path (the server then
answers as it does today). `csto-kg site -o DIR` writes the same pages as files
(csto_kg.site.export). The pages read the store through pyoxigraph only (no rdflib).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csto_kg.building.ensure import ensure_built
from csto_kg.core.built import current_store_path, open_store
from csto_kg.core.namespaces import BASE, CSTO, ONTOLOGY_IRI
from csto_kg.core.paths import Layout
from csto_kg.site import home, pages
from csto_kg.site.data import Reader, entity_iri
from csto_kg.site.text import accept_language, pick_language

__all__ = ["Page", "Site", "accept_language", "open_site", "render"]


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    content_type: str = "text/html; charset=utf-8"

    @property
    def body(self) -> bytes:
        return self.html.encode("utf-8")


class Site:
    """The pages of one open store.

    `root`: the path the site starts at ("/" unless published under a folder);
    `static`: links and alternates as the files `csto-kg site` writes (`/id/x/`, `/id/x.ttl`)
    rather than as the server answers them (`/id/x`, `/id/x?format=turtle`), and a query
    page that says it needs the server; `downloads`: the files under `downloads/` to offer;
    `store_dir`: the build's folder (default: the current build of `layout`).
    """

    def __init__(
        self,
        store: ox.Store,
        layout: Layout | None = None,
        *,
        root: str = "/",
        static: bool = False,
        today: dt.date | None = None,
        downloads: frozenset[str] = frozenset(),
        store_dir: Path | None = None,
    ) -> None:
        self.reader = Reader(store)
        self.layout = layout
        self.root = root if root.endswith("/") else root + "/"
        self.static = static
        self.today = today or dt.date.today()
        self.downloads = downloads
        self._search_index: str | None = None
        self._query_pages: dict[str, str] = {}
        self._years: list[int] | None = None
        # The build's folder, for the tables it keeps beside the store (csto_kg.building.years).
        self.store_dir = store_dir or (current_store_path(layout) if layout else None)

    def href(self, iri: str) -> str | None:
        """Where the site shows `iri`, if it is one of the graph's own."""
        if iri.startswith(CSTO):
            return f"{self.root}ontology{'/' if self.static else ''}#{iri[len(CSTO) :]}"
        if iri == ONTOLOGY_IRI:
            return f"{self.root}ontology{'/' if self.static else ''}"
        if not iri.startswith(BASE) or "#" in iri or "?" in iri:
            return None
        return self.root + iri[len(BASE) :] + ("/" if self.static else "")

    def alternates(self, iri: str) -> tuple[tuple[str, str, str], ...]:
        local = self.root + iri[len(BASE) :]
        if self.static:
            return (("text/turtle", "Turtle", local + ".ttl"), ("application/ld+json", "JSON-LD", local + ".jsonld"))
        return (("text/turtle", "Turtle", local + "?format=turtle"), ("application/ld+json", "JSON-LD", local + "?format=json-ld"))

    def has_download(self, name: str) -> bool:
        return name in self.downloads

    def render(self, path: str, languages: list[str] | None = None) -> Page | None:
        """The page at `path` (a request path without its query string), labels in the
        first of `languages` the graph has (as `accept_language` lists a header's tags).
        None where the site has no page: the caller answers as it would without the site."""
        languages = [t.lower() for t in (languages or [])]
        lang = pick_language(languages)
        stripped = path.rstrip("/")
        if stripped in ("", "/index.html"):
            return Page(200, home.home(self, languages, lang))
        if stripped in ("/query", "/sparql"):
            if lang not in self._query_pages:  # the named queries do not change while a Site lives
                self._query_pages[lang] = home.query_page(self, lang)
            return Page(200, self._query_pages[lang])
        if stripped == "/" + home.PREFIXES_JSON:
            return Page(200, home.prefixes_json().decode("utf-8"), "application/json")
        if stripped == "/" + home.SEARCH_INDEX:
            if self._search_index is None:  # every label of the graph: made once per Site
                self._search_index = home.search_index(self).decode("utf-8")
            return Page(200, self._search_index, "application/json")
        if stripped.startswith("/year/") and stripped[6:].isdigit() and len(stripped) <= 11:
            text = home.year_page(self, int(stripped[6:]), languages, lang)
            return Page(200, text) if text else None
        if len(path) > 1024:
            return None
        iri = entity_iri(stripped)
        if iri is None or iri == ONTOLOGY_IRI:
            return None
        entity = self.reader.entity(iri)
        if entity is None:
            return None
        return Page(200, pages.render_entity(self, entity, languages, lang))


def open_site(layout: Layout | None = None, **options: object) -> Site:
    """A Site over the current build (built first if missing or stale)."""
    layout = layout or Layout.resolve(None, None)
    ensure_built(layout)
    return Site(open_store(layout), layout, **options)  # type: ignore[arg-type]


def render(path: str, languages: list[str] | None = None, *, site: Site | None = None, data_root: Path | str | None = None) -> Page | None:
    """The page at `path`: for one-off use; a server keeps one Site and calls its render."""
    site = site or open_site(Layout.resolve(data_root, None))
    return site.render(path, languages)
