"""Competency questions on exercises, operations and deployments.

Each question is a test whose docstring is the question and whose assertion is the answer
read on the page named in the comment (wire services and the organisation's own site).
"""

from __future__ import annotations

import datetime as dt

KG = "https://w3id.org/csto-kg/id/"
EV = "https://w3id.org/csto-kg/event/"
CSTO = "https://w3id.org/csto-kg/ontology#"
SIX = ["armenia", "belarus", "kazakhstan", "kyrgyzstan", "russia", "tajikistan"]


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _actors(ask, event: str) -> list[str]:
    rows = ask(f"SELECT ?a WHERE {{ <{EV}{event}> csto:actor ?a . ?a a csto:State }}")
    return sorted(_local(r["a"]) for r in rows)


def _quantity(ask, event: str, name: str) -> tuple:
    rows = ask(
        f"""SELECT ?value ?min ?how WHERE {{ <{EV}{event}> csto:quantity ?q . ?q schema:name ?n .
        FILTER(str(?n) = "{name}")
        OPTIONAL {{ ?q schema:value ?value }} OPTIONAL {{ ?q schema:minValue ?min }}
        OPTIONAL {{ ?q schema:description ?how }} }}"""
    )
    assert len(rows) == 1
    r = rows[0]
    return (r["value"] if r["value"] is not None else r["min"], str(r["how"]) if r["how"] is not None else "")


def _span(ask, event: str) -> tuple:
    rows = ask(f"SELECT ?date ?end WHERE {{ <{EV}{event}> csto:date ?date . OPTIONAL {{ <{EV}{event}> csto:endDate ?end }} }}")
    assert len(rows) == 1
    return rows[0]["date"], rows[0]["end"]


def _places(ask, event: str) -> list[str]:
    return sorted(_local(r["p"]) for r in ask(f"SELECT ?p WHERE {{ <{EV}{event}> csto:place ?p }}"))


def test_where_and_when_was_interaction_2019(ask):
    """Where and on which days was Interaction-2019 held?"""
    # TASS, tass.com/defense/1083457: the Mulino range, Nizhny Novgorod Region, 16-18 October.
    assert _span(ask, "2019-10-16-interaction-2019") == (dt.date(2019, 10, 16), dt.date(2019, 10, 18))
    assert _places(ask, "2019-10-16-interaction-2019") == ["russia"]


def test_how_many_troops_took_part_in_interaction_2019(ask):
    """How many troops took part in Interaction-2019, and which states sent them?"""
    # TASS, tass.com/defense/1083457: about 3,000 troops from all six members.
    assert _quantity(ask, "2019-10-16-interaction-2019", "troops taking part") == (3000, "about")
    assert _actors(ask, "2019-10-16-interaction-2019") == SIX


def test_when_did_the_last_csto_troops_leave_kazakhstan(named):
    """When did the last CSTO troops leave Kazakhstan in 2022?"""
    # Infosurhoy (Anadolu), 19 January 2022: the last units left Almaty; withdrawal complete.
    rows = named("timeline", type="csto:ForcesWithdrawal", to="2022-01-31", **{"from": "2022-01-01"})
    last = rows[-1]
    assert (last["event"], last["date"]) == (EV + "2022-01-19-last-peacekeepers-leave-kazakhstan", dt.date(2022, 1, 19))


def test_who_asked_for_the_kazakhstan_deployment_and_when(ask):
    """Which state appealed to the CSTO for troops in January 2022, and on what day?"""
    # CentralAsia.news: Tokayev told the counter-terrorism task force on 5 January of his appeal.
    rows = ask('SELECT ?a WHERE { ?e a csto:Appeal ; csto:actor ?a ; csto:date "2022-01-05"^^xsd:date ; csto:concerns kg:csto }')
    assert [_local(r["a"]) for r in rows] == ["kazakhstan"]


def test_which_states_sent_troops_to_kazakhstan(ask):
    """Which states sent troops to Kazakhstan in January 2022?"""
    # TVP World and Belsat, 6 and 13 January 2022: Russia, Armenia, Tajikistan, Kyrgyzstan, Belarus.
    assert _actors(ask, "2022-01-06-kazakhstan-troops-arrive") == ["armenia", "belarus", "kyrgyzstan", "russia", "tajikistan"]
    assert _quantity(ask, "2022-01-06-kazakhstan-troops-arrive", "Armenian troops") == (100, "")


def test_the_kazakhstan_deployment_day_by_day(named):
    """What happened day by day from the appeal to the last troops out of Kazakhstan?"""
    # Pages of CentralAsia.news, Trend, Xinhua, TVP, Sputnik, Kazinform, Armenpress, Qazaq TV,
    # Public Radio of Armenia and Infosurhoy, 5 to 19 January 2022.
    rows = named("timeline", to="2022-01-19", **{"from": "2022-01-05"}, actor="csto-peacekeeping-force")
    days = [r["date"] for r in rows if isinstance(r["date"], dt.date)]
    assert days[0] == dt.date(2022, 1, 6) and days[-1] == dt.date(2022, 1, 19)
    assert dt.date(2022, 1, 13) in days


def test_when_did_the_council_meet_online_on_kazakhstan(ask):
    """When did the Collective Security Council meet online on Kazakhstan?"""
    # Kazinform, 10 January 2022: the heads of state meet by video link that day.
    rows = ask(f"SELECT ?d WHERE {{ <{EV}2022-01-10-kazakhstan-online-session> csto:date ?d ; csto:heldOnline true }}")
    assert [r["d"] for r in rows] == [dt.date(2022, 1, 10)]


def test_where_was_rubezh_2006_and_how_many_took_part(ask):
    """Where was Rubezh-2006 held, on which days, and with how many servicemen?"""
    # Asia-Plus, 21 August 2006: Kazakhstan's Caspian coast, 24-29 August, about 2,500.
    assert _span(ask, "2006-08-24-rubezh-2006") == (dt.date(2006, 8, 24), dt.date(2006, 8, 29))
    assert _places(ask, "2006-08-24-rubezh-2006") == ["kazakhstan"]
    assert _quantity(ask, "2006-08-24-rubezh-2006", "servicemen taking part") == (2500, "about")


def test_do_the_sources_agree_on_tajikistan_in_rubezh_2021(ask):
    """Did Tajikistan take part in Rubezh-2021? (The sources disagree.)"""
    # TASS 1334675 lists Tajikistan's contingent; 24.kg 206183 says it stays out.
    assert "tajikistan" in _actors(ask, "2021-09-07-rubezh-2021")
    rows = ask(f"ASK {{ <{EV}2021-09-07-rubezh-2021-24kg> csto:sameOccurrenceAs <{EV}2021-09-07-rubezh-2021> }}")
    assert rows is True
    assert "tajikistan" not in _actors(ask, "2021-09-07-rubezh-2021-24kg")


def test_what_did_channel_2011_seize(ask):
    """How many people took part in Channel-2011, and how much narcotics did it seize?"""
    # Asia-Plus, 13 December 2011: nearly 15,000 people, some 16,000 kg, 5-12 December.
    assert _span(ask, "2011-12-05-channel-2011") == (dt.date(2011, 12, 5), dt.date(2011, 12, 12))
    assert _quantity(ask, "2011-12-05-channel-2011", "narcotics seized") == (16000, "about")


def test_anti_drug_operations_are_operations_not_exercises(ask):
    """Which anti-drug operations of the Channel series does the graph hold, by year?"""
    # Asia-Plus (2007, 2011), TASS (2017), CARICC (2023), the CSTO site (2024), 24.kg (2025).
    rows = ask("SELECT ?d WHERE { ?e a csto:Operation ; csto:date ?d . FILTER NOT EXISTS { ?e a csto:Exercise } }")
    years = sorted({str(r["d"])[:4] for r in rows})
    assert years == ["2007", "2011", "2017", "2023", "2024", "2025"]


def test_the_2021_uzbek_exercises_are_not_csto_exercises(ask):
    """Were the 2021 exercises of Uzbekistan with Russia (and Tajikistan) CSTO exercises?"""
    # The article's potential-membership section: bilateral and trilateral, outside the CSTO.
    rows = ask("SELECT ?e WHERE { ?e a csto:ExerciseOutsideOrganisation ; csto:actor kg:uzbekistan }")
    assert len(rows) == 2
    assert not ask("SELECT ?e WHERE { ?e a csto:Exercise ; a csto:ExerciseOutsideOrganisation }")


def test_where_were_the_exercises_of_2023(named):
    """Where did the CSTO hold Combat Brotherhood-2023, and on which days?"""
    # TASS 1666189: Belarus, 1 to 6 September 2023.
    rows = named("timeline", type="csto:Exercise", to="2023-09-06", **{"from": "2023-09-01"}, source="tass")
    assert [(r["event"], r["places"]) for r in rows] == [(EV + "2023-09-01-combat-brotherhood-2023", "Belarus")]


def test_how_many_took_part_in_poisk_2018(ask):
    """Where did Poisk 2018 begin, and with how many military personnel?"""
    # Kazinform, 2 October 2018: at Gvardeisky, Kazakhstan, on 1 October, over 3,000.
    assert _span(ask, "2018-10-01-poisk-2018") == (dt.date(2018, 10, 1), None)
    assert _places(ask, "2018-10-01-poisk-2018") == ["kazakhstan"]
    assert _quantity(ask, "2018-10-01-poisk-2018", "military personnel taking part") == (3000, "more than")


def test_no_event_ends_before_it_begins(ask):
    """Does every event with an end day end on or after its first day?"""
    rows = ask("SELECT ?e WHERE { ?e csto:endDate ?end ; csto:earliest ?start . FILTER(?end < ?start) }")
    assert rows == []
    assert len(ask("SELECT ?e WHERE { ?e csto:endDate ?end }")) >= 20
