"""Sources beyond the article: each in its own graph, typed by reliability, its pages
registered; disagreements between any two sources found by `conflicts`; a data set's
claims end where its coverage ends; figures without a date hold as of the day read."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TURTLE_PREFIXES, scratch_copy

from csto_kg.building.pipeline import build
from csto_kg.building.store import open_store
from csto_kg.core.paths import Layout
from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import run_on_store

RELIABILITY = {"official source", "legal database", "news agency", "research data set", "encyclopedia"}

# A news agency that reports an article event a day earlier, and agrees with another.
SECOND_SOURCE = (
    TURTLE_PREFIXES
    + """
src:zz-wire a csto:WireService ; rdfs:label "A wire service"@en ; csto:key "zz-wire" .
src:zz-wire-page a csto:Page ; dcterms:isPartOf src:zz-wire ;
    rdfs:label "A wire report of the November 2022 session"@en ;
    schema:url <https://example.org/news/1> ; dcterms:title "Leaders meet" ;
    dcterms:language "en" ; csto:readOn "2026-12-04"^^xsd:date .
ev:2022-11-22-collective-security-council-zz-wire a csto:SummitSession ;
    rdfs:label "The Collective Security Council meets (as the wire reports it)"@en ;
    csto:date "2022-11-22"^^xsd:date ;
    csto:actor kg:collective-security-council , kg:armenia ;
    csto:sameOccurrenceAs ev:2022-11-23-collective-security-council ;
    prov:wasDerivedFrom src:zz-wire-page .
ev:2022-10-28-extraordinary-session prov:wasDerivedFrom src:zz-wire-page .
"""
)


def _named(data: Path, build_dir: Path):
    store = open_store(Layout.resolve(data, build_dir))
    known = catalogue(data / "queries")
    return lambda name, **params: run_on_store(store, known[name], params).records()


@pytest.fixture(scope="module")
def with_second_source(tmp_path_factory):
    root = tmp_path_factory.mktemp("second-source")
    data = scratch_copy(root / "data")
    folder = data / "graph" / "zz-wire"
    folder.mkdir()
    (folder / "report.ttl").write_text(SECOND_SOURCE, encoding="utf-8")
    build(data, root / "build")  # validates: the page is registered and cited
    return _named(data, root / "build")


def test_every_source_has_one_reliability(named):
    rows = named("pages")
    keys = {r["key"] for r in rows}
    assert {"article", "atop", "identifiers", "csto-official", "tass"} <= keys
    assert {r["reliability"] for r in rows} <= RELIABILITY
    assert len({(r["key"], r["reliability"]) for r in rows}) == len(keys)


def test_a_disagreement_between_any_two_sources_is_a_conflict(with_second_source):
    def wire(r: dict) -> bool:
        return "zz-wire" in (r["sourceA"], r["sourceB"])

    # The fixture source's own disagreement (the graph's own sources have theirs: test_record,
    # test_competency_ratifications, test_competency_offices).
    rows = [r for r in with_second_source("conflicts") if r["what"] != "membership" and wire(r)]
    assert [
        (r["sourceA"], r["reliabilityA"], str(r["valueA"]), r["sourceB"], r["reliabilityB"], str(r["valueB"]), r["compatible"])
        for r in rows
    ] == [("article", "encyclopedia", "2022-11-23", "zz-wire", "news agency", "2022-11-22", False)]
    assert rows[0]["citedA"] == "src:wikipedia-2023-present" and rows[0]["citedB"] == "src:zz-wire-page"
    assert rows[0]["what"] == "leaders' session"
    # Armenia took part in the session: it is among its conflicts; Georgia, long gone, is not.
    assert any(wire(r) for r in with_second_source("conflicts", state="armenia"))
    assert not any(wire(r) for r in with_second_source("conflicts", state="georgia"))


def test_the_page_register_counts_what_cites_each_page(with_second_source):
    rows = with_second_source("pages", source="zz-wire")
    assert [(r["key"], r["reliability"], r["address"], r["language"], str(r["readOn"]), r["cited"]) for r in rows] == [
        ("zz-wire", "news agency", "https://example.org/news/1", "en", "2026-12-04", 2)
    ]


def test_a_data_set_says_nothing_certain_past_its_coverage(named):
    # ATOP's rows reach 28 June 2012: its open memberships are claims up to that day.
    inside = named("status", state="armenia", source="atop", date="2010-01-01")
    assert [(r["status"], r["certain"], r["covered"]) for r in inside] == [("full member", True, True)]
    past = named("status", state="armenia", source="atop", date="2015-01-01")
    # Its last claim, and that it no longer covers the day: one row for each, neither certain.
    assert sorted((r["status"], r["certain"], r["covered"]) for r in past) == [("full member", False, False), ("not covered", False, False)]
    gone = named("status", state="uzbekistan", source="atop", date="2015-01-01")
    assert [(r["status"], r["certain"], r["covered"]) for r in gone] == [("not covered", False, False)]
    members = named("members", source="atop", date="2015-01-01")
    assert members and not any(r["certain"] or r["covered"] for r in members)
    # The article has no coverage end.
    assert all(r["covered"] and r["certain"] for r in named("members", date="2015-01-01"))


def test_the_1999_exits_come_after_the_renewal(named):
    before = named("status", state="georgia", date="1999-04-01")
    assert [(r["status"], r["certain"]) for r in before] == [("party to the treaty", True)]
    after = {r["status"]: r["certain"] for r in named("status", state="georgia", date="1999-06-01")}
    assert after == {"party to the treaty": False, "not a member": False}


def test_member_figures_hold_as_of_the_day_read_and_gaps_are_named(named):
    rows = named("member-facts", date="2008-01-01")
    uzbekistan = next(r for r in rows if r["name"] == "Uzbekistan")
    assert uzbekistan["population"] is None and uzbekistan["note"] == "no population or area in the sources"
    total = rows[-1]
    assert total["name"] == "Total" and total["note"] == "leaves out Uzbekistan: no figures"
    assert str(total["asOf"]) == "2026-11-30"
    assert all(str(r["asOf"]) == "2026-11-30" for r in rows if r["population"] is not None)
    today = named("member-facts", date="2020-01-01")
    assert today[-1]["note"] == ""


def test_the_timeline_puts_a_year_after_its_dated_events(named):
    rows = named("timeline", source="article", **{"from": "1999-01-01", "to": "1999-12-31"})
    dates = [str(r["date"]) for r in rows]
    assert dates[0] == "1999-04-02" and set(dates[1:]) == {"1999"}
    # With every source, the year's events still come after all its days (the last, 30 December).
    every = [str(r["date"]) for r in named("timeline", **{"from": "1999-01-01", "to": "1999-12-31"})]
    first_year = every.index("1999")
    assert set(every[first_year:]) == {"1999"} and every[first_year - 1] == "1999-12-30"


def test_the_timeline_of_one_source(with_second_source):
    rows = with_second_source("timeline", source="zz-wire")
    assert [(str(r["date"]), r["event"].rsplit("/", 1)[-1]) for r in rows] == [
        ("2022-10-28", "2022-10-28-extraordinary-session"),
        ("2022-11-22", "2022-11-22-collective-security-council-zz-wire"),
    ]
    assert with_second_source("timeline", source="atop") == []
