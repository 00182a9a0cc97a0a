"""The pages for people (csto_kg.site) and the static site `csto-kg site -o DIR` writes."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from csto_kg.site import Site, accept_language
from csto_kg.site.export import MARKER, write_site
from csto_kg.site.text import literal_date, span_text

TODAY = dt.date(2026, 12, 5)


@pytest.fixture(scope="module")
def site(store, layout) -> Site:
    return Site(store, layout, today=TODAY)


@pytest.fixture(scope="module")
def static_dir(store, layout, tmp_path_factory) -> Path:
    from csto_kg.building.store import current_store_path

    out = tmp_path_factory.mktemp("static") / "site"
    write_site(store, layout, current_store_path(layout), out)
    return out


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(found[name] or "")


def _target(root: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file a link of `page` points at inside `root`, or None for another host."""
    parts = urllib.parse.urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = urllib.parse.unquote(parts.path)
    if not path:
        return page, parts.fragment
    base = root if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def test_every_internal_link_resolves_inside_the_site(static_dir: Path):
    pages = sorted(static_dir.rglob("*.html"))
    assert len(pages) > 400
    parsed = {}
    for page in pages:
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        parsed[page.resolve()] = links
    broken = []
    for page, links in parsed.items():
        for link in links.links:
            found = _target(static_dir, page, link)
            if found is None:
                continue
            target, fragment = found
            if not target.is_relative_to(static_dir.resolve()) or not target.is_file():
                broken.append(f"{page.relative_to(static_dir.resolve())}: {link}")
            elif fragment and target.suffix == ".html" and fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(static_dir.resolve())}: {link} (no #{fragment})")
    assert broken == []


def test_static_site_holds_pages_descriptions_docs_and_downloads(static_dir: Path):
    assert (static_dir / "id" / "armenia" / "index.html").is_file()
    graph = ox.parse(path=static_dir / "id" / "armenia.ttl", format=ox.RdfFormat.TURTLE)
    assert ox.NamedNode("https://w3id.org/csto-kg/id/armenia") in {t.subject for t in graph}
    data = json.loads((static_dir / "id" / "armenia.jsonld").read_text(encoding="utf-8"))
    assert "@context" in data
    index = json.loads((static_dir / "search-index.json").read_text(encoding="utf-8"))
    assert any("Armenia" in item["l"] and item["p"] == "id/armenia" for item in index)
    for name in ("csto-kg.ttl", "csto-kg.jsonld", "csto-kg.nq", "void.ttl", "charts/membership.svg"):
        assert (static_dir / "downloads" / name).stat().st_size > 0
    assert (static_dir / "ontology" / "index.html").is_file()
    assert (static_dir / MARKER).is_file()
    # Nothing is loaded from another host: no script, style or image with an address.
    for page in (static_dir / "index.html", static_dir / "query" / "index.html", static_dir / "id" / "armenia" / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert 'src="http' not in text and 'rel="stylesheet" href="http' not in text


def test_state_page_shows_standing_membership_bar_events_and_links(site: Site):
    page = site.render("/id/armenia", ["en"])
    assert page is not None and page.status == 200
    text = page.html
    assert 'id="standing"' in text and "announced" in text.split('id="standing"')[1].split("</p>")[0].lower()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="membership-chart"' in text
    assert text.count('class="membership"') == 4  # its four periods, no more
    assert "http://www.wikidata.org/entity/Q399" in text and "dbpedia.org/resource/Armenia" in text and "geonames.org" in text
    events = text.split('id="events"')[1].split("</table>")[0]
    assert "May 1992" in events
    assert '<link rel="alternate" type="text/turtle"' in text
    ld = text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(ld)["@type"] == "Country"


def test_inferred_duplicates_are_collapsed(site: Site):
    text = site.render("/event/1992-05-15-treaty-signed", ["en"]).html  # type: ignore[union-attr]
    actors = text.split("Actors")[1].split("</tr>")[0]
    assert actors.count(">Armenia<") == 1
    assert "sem:hasActor" not in text  # the superproperty reasoning adds is not listed again
    assert "Signing" in text.split('class="kind"')[1].split("</div>")[0]


def test_dates_at_their_precision_and_uncertainty():
    assert literal_date("1993", "http://www.w3.org/2001/XMLSchema#gYear") == "1993"
    assert literal_date("2022-09", "http://www.w3.org/2001/XMLSchema#gYearMonth") == "September 2022"
    assert literal_date("1992-05-15", "http://www.w3.org/2001/XMLSchema#date") == "15 May 1992"
    assert span_text(dt.date(2010, 1, 1), dt.date(2010, 12, 31)) == "between 1 January 2010 and 31 December 2010"


def test_labels_and_words_follow_accept_language(site: Site):
    assert accept_language("ru-RU,ru;q=0.9,en;q=0.5") == ["ru-ru", "ru", "en"]
    ru = site.render("/id/csto", accept_language("ru;q=1, en;q=0.5")).html  # type: ignore[union-attr]
    en = site.render("/id/csto", ["en"]).html  # type: ignore[union-attr]
    assert '<html lang="ru">' in ru and '<html lang="en">' in en
    assert ru.split("<h1>")[1] != en.split("<h1>")[1]  # the organisation has a Russian label


def test_person_organ_and_source_pages(site: Site):
    person = site.render("/id/stanislav-zas", ["en"]).html  # type: ignore[union-attr]
    assert 'id="posts"' in person and "Secretary General" in person
    post = site.render("/id/secretary-general", ["en"]).html  # type: ignore[union-attr]
    assert "Stanislav Zas" in post and "Nikolai Bordyuzha" in post
    source = site.render("/source/wikipedia-2023-present", ["en"]).html  # type: ignore[union-attr]
    assert 'id="takes"' in source


def test_year_page_lists_the_events_of_the_year_in_order(site: Site):
    text = site.render("/year/2022", ["en"]).html  # type: ignore[union-attr]
    dates = [cell.split("</td>")[0] for cell in text.split('class="events"')[1].split("<tr><td>")[1:]]
    assert dates and all("2022" in d for d in dates)
    assert "January 2022" in dates
    assert site.render("/year/1800", ["en"]) is None


def test_unknown_paths_have_no_page_and_odd_ones_are_refused(site: Site):
    assert site.render("/id/no-such-thing", ["en"]) is None
    assert site.render("/id/<script>", ["en"]) is None
    assert site.render("/" + "a" * 5000, ["en"]) is None


def test_text_from_the_graph_is_escaped(tmp_path: Path):
    store = ox.Store()
    iri = ox.NamedNode("https://w3id.org/csto-kg/id/x")
    label = ox.Literal('<script>alert("x")</script> & </script>', language="en")
    store.add(
        ox.Quad(
            iri, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), label, ox.NamedNode("https://w3id.org/csto-kg/graph/article")
        )
    )
    text = Site(store).render("/id/x", ["en"]).html  # type: ignore[union-attr]
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text
    ld = text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(ld)["name"] == label.value


def test_query_page_offers_named_queries(site: Site, layout):
    page = site.render("/query", ["en"]).html  # type: ignore[union-attr]
    assert "/yasgui.min.js" in page and 'data-query="members"' in page
    static = Site(site.reader.store, layout, static=True).render("/query", ["en"]).html  # type: ignore[union-attr]
    assert "yasgui" not in static.lower().replace('id="yasgui"', "") or "csto-kg serve" in static
    assert "csto-kg serve" in static


def test_cli_site_bad_folder_is_one_line(tmp_path: Path, build_dir: Path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    for target in (busy, tmp_path / "missing" / "site", tmp_path / "busy" / "keep.txt"):
        run = subprocess.run(
            [sys.executable, "-m", "csto_kg", "site", "-o", str(target), "--data", str(ROOT), "--build-dir", str(build_dir)],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 1, run.stderr
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert (busy / "keep.txt").read_text() == "mine"
