"""Competency questions on the offices and the sessions of the councils.

Each question is a test whose docstring is the question and whose assertion is the answer
read on the source pages named in the comments (graph/<key>/offices.ttl registers them).
The Secretaries General come from several sources at once: `office-holders` reads each
source's account of one tenure together, so that a day the sources settle has one
certain holder.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import run_on_store

KG = "https://w3id.org/csto-kg/id/"


@pytest.fixture(scope="module")
def holders(store, layout):
    """The certain and the possible holders of a post on a day, by `office-holders`."""
    named = catalogue(layout.queries_dir)["office-holders"]

    def on(day: str, post: str = "secretary-general") -> dict[str, list[str]]:
        rows = [r for r in run_on_store(store, named, {"date": day}).records() if r["post"] == KG + post]
        return {
            "certain": sorted(r["name"] for r in rows if r["certain"]),
            "possible": sorted(r["name"] for r in rows if not r["certain"]),
            "acting": sorted(r["name"] for r in rows if r["acting"]),
        }

    return on


def test_secretary_general_on_1_january_2017(holders):
    """Who was Secretary General on 1 January 2017, and in what capacity?"""
    # tass.com/politics/923635: Bordyuzha's term ran out on 31 December 2016; his deputy
    # Semerikov took up the duties on Sunday 1 January 2017.
    assert holders("2016-12-31")["certain"] == ["Nikolai Bordyuzha"]
    answer = holders("2017-01-01")
    assert answer["certain"] == ["Valery Semerikov"]
    assert answer["acting"] == ["Valery Semerikov"]


def test_secretary_general_in_march_2017(holders):
    """Who headed the secretariat in March 2017, between Bordyuzha and Khachaturov?"""
    # TASS (from 1 January 2017) and vpk.name/news/179521 (RIA Novosti, 14 April 2017:
    # Semerikov, acting, announces that Khachaturov takes over on 2 May 2017).
    assert holders("2017-03-01")["certain"] == ["Valery Semerikov"]
    assert holders("2017-05-01")["certain"] == ["Valery Semerikov"]


def test_khachaturov_took_office_on_2_may_2017(holders):
    """On what day did Yuri Khachaturov take office?"""
    # armenpress.am/eng/news/953859: he assumed the post on 2 May 2017.
    assert holders("2017-05-02")["certain"] == ["Yuri Khachaturov"]
    assert holders("2018-11-01")["certain"] == ["Yuri Khachaturov"]


def test_khachaturov_relieved_on_2_november_2018(ask):
    """When did the Collective Security Council relieve Khachaturov, and who acted after him?"""
    # armenpress.am/eng/news/953859 and 958106: relieved on 2 November 2018; Semerikov acting.
    rows = ask("""SELECT ?day WHERE { ?e a csto:Decision ; csto:actor kg:yuri-khachaturov ; csto:date ?day }""")
    assert [str(r["day"]) for r in rows] == ["2018-11-02"]
    rows = ask("""SELECT DISTINCT ?name WHERE { ?t csto:succeeds/csto:holder kg:yuri-khachaturov ;
                   csto:holder/rdfs:label ?name ; csto:acting true .
                   FILTER(lang(?name) = "en") }""")
    assert [r["name"] for r in rows] == ["Valery Semerikov"]


def test_secretary_general_on_1_january_2019_was_acting(holders):
    """Who was Secretary General on 1 January 2019?"""
    # armenpress (13 December 2018) and Belsat (28 November 2019: Semerikov in charge from
    # November 2018 to January 2020): an acting holder, not an appointed one.
    answer = holders("2019-01-01")
    assert answer["certain"] == ["Valery Semerikov"]
    assert answer["acting"] == ["Valery Semerikov"]


def test_secretary_general_on_1_june_2020(holders):
    """Who was Secretary General on 1 June 2020?"""
    # en.kremlin.ru events/62969: Zas took over on 1 January 2020, approved on 28 November 2019.
    assert holders("2019-12-31")["certain"] == ["Valery Semerikov"]
    assert holders("2020-01-01")["certain"] == ["Stanislav Zas"]
    assert holders("2020-06-01")["certain"] == ["Stanislav Zas"]


def test_secretary_general_in_2024_and_2026(holders):
    """Who was Secretary General on 1 June 2024, and who on 1 June 2026?"""
    # tass.com/politics/2058773 and 24.kg 352168: Tasmagambetov to the end of 2025,
    # Masadykov from 1 January 2026.
    assert holders("2024-06-01")["certain"] == ["Imangali Tasmagambetov"]
    assert holders("2025-12-31")["certain"] == ["Imangali Tasmagambetov"]
    assert holders("2026-06-01")["certain"] == ["Taalatbek Masadykov"]


def test_one_certain_secretary_general_every_day_the_sources_settle(holders):
    """Is there, from 2004 to today, one certain Secretary General on every day?"""
    # TASS gives Bordyuzha from 2003 (the year only), so the sources settle every day from
    # 1 January 2004; the 1st and 15th of each month stand for the rest.
    days = [dt.date(year, month, d) for year in range(2004, 2027) for month in range(1, 13) for d in (1, 15)]
    seen = set()
    for day in days:
        certain = holders(day.isoformat())["certain"]
        assert len(certain) == 1, (day, certain)
        seen.add(certain[0])
    assert seen == {
        "Nikolai Bordyuzha",
        "Valery Semerikov",
        "Yuri Khachaturov",
        "Stanislav Zas",
        "Imangali Tasmagambetov",
        "Taalatbek Masadykov",
    }


def test_sources_disagree_on_when_khachaturov_began(ask, store, layout):
    """Do the sources agree on when Khachaturov's tenure began?"""
    # Belsat (28 November 2019) dates it to April 2017, the month of the decision;
    # Armenpress 953859 and VPK.name (RIA Novosti) to 2 May 2017, the day he took up the post.
    named = catalogue(layout.queries_dir)["conflicts"]
    rows = [r for r in run_on_store(store, named, {}).records() if "Khachaturov" in (r.get("name") or "")]
    begins = {(r["sourceA"], r["sourceB"]) for r in rows if r["bound"] == "begin"}
    assert begins == {("armenpress", "belsat"), ("belsat", "vpk")}


def test_bordyuzha_succeeded_by_semerikov_not_zas(ask):
    """Whose tenure followed Bordyuzha's, by the sources that say so?"""
    # tass.com/politics/923635: Semerikov took over the duties; the article never names
    # Zas as Bordyuzha's successor.
    rows = ask("""SELECT DISTINCT ?name WHERE { ?t csto:succeeds/csto:holder kg:nikolai-bordyuzha ;
                   csto:holder/rdfs:label ?name . FILTER(lang(?name) = "en") }""")
    assert [r["name"] for r in rows] == ["Valery Semerikov"]


def test_where_the_2019_council_session_was_held(ask):
    """Where and when did the Collective Security Council meet in 2019, and who chaired it?"""
    # 24.kg 136301 (28 November 2019): session in Bishkek opened by Sooronbai Jeenbekov.
    rows = ask("""SELECT ?day ?place ?chair WHERE { ?s a csto:SummitSession ; csto:actor kg:collective-security-council ;
                   csto:date ?day ; csto:place/rdfs:label ?place ; csto:chairedBy/rdfs:label ?chair .
                   FILTER(STRSTARTS(STR(?day), "2019")) }""")
    assert [(str(r["day"]), r["place"], r["chair"]) for r in rows] == [("2019-11-28", "Bishkek", "Sooronbai Jeenbekov")]


def test_chairmanship_from_2024_and_in_2026(ask):
    """Which state chaired the organisation from 1 January 2024, and which in 2026?"""
    # en.odkb-csto.org, 23 November 2023: from Belarus to Kazakhstan from 1 January 2024.
    # 24.kg 352483 and tass.com/politics/2064889: Russia from 1 January 2026, in 2026.
    rows = ask("""SELECT ?state WHERE { ?c a csto:Chairmanship ; org:role csto:Chair ; org:member/rdfs:label ?state ;
                   org:memberDuring/time:hasBeginning/time:inXSDDate "2024-01-01"^^xsd:date }""")
    assert [r["state"] for r in rows] == ["Kazakhstan"]
    rows = ask("""SELECT DISTINCT ?state WHERE { ?c a csto:Chairmanship ; org:member/rdfs:label ?state ; org:memberDuring ?i .
                   { ?i time:hasBeginning/time:inXSDDate "2026-01-01"^^xsd:date }
                   UNION { ?i time:hasDateTimeDescription/time:year "2026"^^xsd:gYear } }""")
    assert [r["state"] for r in rows] == ["Russia"]


def test_defence_ministers_special_session_january_2022(ask):
    """Who chaired the defence ministers' special session of 13 January 2022, and how was it held?"""
    # armenpress.am/eng/news/1072905: by video, chaired by Suren Papikyan; they decided to
    # bring the peacekeepers back from Kazakhstan.
    rows = ask("""SELECT ?chair ?online ?about WHERE { ?s a csto:Session ; csto:actor kg:council-of-defence-ministers ;
                   csto:date "2022-01-13"^^xsd:date ; csto:chairedBy/rdfs:label ?chair ; csto:heldOnline ?online ;
                   csto:concerns/rdfs:label ?about }""")
    assert [(r["chair"], r["online"], r["about"]) for r in rows] == [("Suren Papikyan", True, "Kazakhstan")]


def test_chief_of_joint_staff_in_2022_and_2024(holders):
    """Who was Chief of the Joint Staff on 1 June 2022, and who on 1 June 2024?"""
    # jscsto.odkb-csto.org (28 April 2022, 28 April 2023): Anatoly Sidorov; en.odkb-csto.org
    # (23 November 2023): Andrey Serdyukov confirmed in the post.
    assert holders("2022-06-01", "chief-of-joint-staff")["certain"] == ["Anatoly Sidorov"]
    assert holders("2024-06-01", "chief-of-joint-staff")["certain"] == ["Andrey Serdyukov"]


def test_foreign_ministers_in_belgrade_2015(ask):
    """Where did the foreign ministers meet on 3 December 2015, and who chaired?"""
    # en.armradio.am, 3 December 2015: in Belgrade, chaired by Edward Nalbandian.
    rows = ask("""SELECT ?place ?chair WHERE { ?s csto:actor kg:council-of-foreign-ministers ; csto:date "2015-12-03"^^xsd:date ;
                   csto:place/rdfs:label ?place ; csto:chairedBy/rdfs:label ?chair }""")
    assert [(r["place"], r["chair"]) for r in rows] == [("Belgrade", "Edward Nalbandian")]


def test_extraordinary_session_on_afghanistan(ask):
    """When did the Collective Security Council meet by video on Afghanistan, and who chaired?"""
    # asiaplustj.info, 24 August 2021: the extraordinary session of 23 August, chaired by Rahmon.
    rows = ask("""SELECT ?day ?chair WHERE { ?s a csto:SummitSession ; csto:heldOnline true ; csto:concerns kg:afghanistan ;
                   csto:date ?day ; csto:chairedBy/rdfs:label ?chair }""")
    assert [(str(r["day"]), r["chair"]) for r in rows] == [("2021-08-23", "Emomali Rahmon")]


def test_masadykov_appointed_at_the_bishkek_session(ask):
    """At which session was Masadykov appointed, and from what day does his tenure run?"""
    # 24.kg 352168 and 352555: appointed at the Bishkek session of 27 November 2025, in the
    # post from 1 January 2026.
    rows = ask("""SELECT ?place ?day WHERE { ?a a csto:Appointment ; csto:actor kg:taalatbek-masadykov ;
                   csto:partOfEvent ?s . ?s csto:place/rdfs:label ?place ; csto:date ?day }""")
    assert [(r["place"], str(r["day"])) for r in rows] == [("Bishkek", "2025-11-27")]
    rows = ask("""SELECT DISTINCT ?begin WHERE { ?t csto:holder kg:taalatbek-masadykov ; csto:post kg:secretary-general ;
                   csto:heldDuring/time:hasBeginning/time:inXSDDate ?begin }""")
    assert [str(r["begin"]) for r in rows] == ["2026-01-01"]
