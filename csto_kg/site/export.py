"""`csto-kg site -o DIR`: the pages as files, for any static host.

DIR/index.html, DIR/query/index.html, DIR/search-index.json; one folder per entity path
with index.html, and the entity's description beside it (`id/armenia.ttl`,
`id/armenia.jsonld`, what the server answers a machine client); DIR/ontology/ (the
ontology's documentation); DIR/downloads/ (Turtle, JSON-LD and N-Quads dumps, the VoID
description, the membership chart). The whole is written to a temporary folder beside
DIR and renamed into place, so DIR is either the old site or the new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from csto_kg.building import void
from csto_kg.building.ensure import ensure_built
from csto_kg.core import formats
from csto_kg.core.built import open_build
from csto_kg.core.errors import CstoKgError
from csto_kg.core.jsonld import compact_document
from csto_kg.core.namespaces import BASE, PREFIXES, RDFS
from csto_kg.core.paths import Layout
from csto_kg.exporting.serialize import write_export
from csto_kg.publish.ontodoc import write_docs
from csto_kg.site import Site, home, svg

MARKER = ".csto-kg-site"  # a folder with this file was written by `csto-kg site` and may be replaced
_SKOS_PREF = PREFIXES["skos"] + "prefLabel"


def describe_query(iri: str) -> str:
    """The entity's own triples, what refers to it, and the labels of both ends: the
    description the server gives a machine client for the entity's IRI."""
    labels = f"(<{RDFS}label>, <{_SKOS_PREF}>)"
    return (
        "CONSTRUCT { ?e ?p ?o . ?o ?lp ?ol . ?p ?pp ?pl . ?s ?ip ?e . ?s ?slp ?sl . ?ip ?ipp ?ipl } WHERE {"
        f" BIND(<{iri}> AS ?e)"
        f" {{ ?e ?p ?o . OPTIONAL {{ ?o ?lp ?ol . FILTER(?lp IN {labels}) }} OPTIONAL {{ ?p ?pp ?pl . FILTER(?pp IN {labels}) }} }}"
        f" UNION {{ ?s ?ip ?e . OPTIONAL {{ ?s ?slp ?sl . FILTER(?slp IN {labels}) }}"
        f" OPTIONAL {{ ?ip ?ipp ?ipl . FILTER(?ipp IN {labels}) }} }}"
        " }"
    )


def describe(store: ox.Store, iri: str) -> list[ox.Triple]:
    return list(store.query(describe_query(iri), use_default_graph_as_union=True))


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise CstoKgError(f"cannot write the site to {target}: it is a file")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise CstoKgError(f"cannot write the site to {target}: the folder is not empty and was not written by `csto-kg site`")
    if not target.parent.is_dir():
        raise CstoKgError(f"cannot write the site to {target}: {target.parent} does not exist")


def write_site(store: ox.Store, layout: Layout, store_dir: Path | None, out_dir: str | Path) -> int:
    """Write the static site into `out_dir` (replaced whole). Returns the number of pages."""
    target = Path(out_dir).absolute()
    _check_target(target)
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as err:
        raise CstoKgError(f"cannot write the site to {target}: {err.strerror}") from None
    try:
        count = _write_all(store, layout, store_dir, work)
        (work / MARKER).write_text("written by csto-kg site; the whole folder is replaced when it runs again\n", encoding="utf-8")
        os.chmod(work, 0o755)
        _swap(work, target)
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        raise CstoKgError(f"cannot write the site to {target}: {err.strerror or err}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return count


def _swap(work: Path, target: Path) -> None:
    if not target.exists():
        work.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _write_all(store: ox.Store, layout: Layout, store_dir: Path | None, work: Path) -> int:
    downloads = _write_downloads(store, store_dir, work / "downloads")
    site = Site(store, layout, static=True, downloads=downloads, store_dir=store_dir)
    _write(work / "index.html", site.render("/", ["en"]).html)  # type: ignore[union-attr]
    _write(work / "query" / "index.html", site.render("/query", ["en"]).html)  # type: ignore[union-attr]
    _write(work / home.SEARCH_INDEX, home.search_index(site))
    _write(work / home.PREFIXES_JSON, home.prefixes_json())
    write_docs(store, work / "ontology")
    count = 2
    for year in home.years(site):
        text = home.year_page(site, year, ["en"], "en")
        if text:
            _write(work / "year" / str(year) / "index.html", text)
            count += 1
    for local in home.entity_paths(site):
        page = site.render("/" + local, ["en"])
        if page is None:
            continue
        folder = work / local
        _write(folder / "index.html", page.html)
        triples = describe(store, BASE + local)
        _write(folder.with_name(folder.name + ".ttl"), ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
        _write(folder.with_name(folder.name + ".jsonld"), compact_document(ox.serialize(triples, format=ox.RdfFormat.JSON_LD)))
        count += 1
    return count


def _write_downloads(store: ox.Store, store_dir: Path | None, folder: Path) -> frozenset[str]:
    folder.mkdir(parents=True)
    for name, fmt in (("csto-kg.ttl", "turtle"), ("csto-kg.jsonld", "json-ld")):
        with (folder / name).open("wb") as stream:
            write_export(store, stream, formats.rdf_format(fmt), store_dir=store_dir)
    with (folder / "csto-kg.nq").open("wb") as stream:
        store.dump(stream, format=ox.RdfFormat.N_QUADS)
    _write(folder / "void.ttl", void.description(store))
    site = Site(store, static=True)
    rows = site.reader.memberships(None)
    names = site.reader.labels({row.state for row in rows}, ["en"])
    _write(
        folder / "charts" / "membership.svg",
        '<?xml version="1.0" encoding="utf-8"?>\n' + svg.membership_svg(rows, site.today, "en", labels=names),
    )
    return frozenset(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def site(out_dir: str | Path, *, data_root: Path | str | None = None, build_dir: Path | str | None = None) -> int:
    """Build if needed, then write the static site into `out_dir`. Returns the number of pages."""
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    store_dir, store = open_build(layout)
    return write_site(store, layout, store_dir, out_dir)
