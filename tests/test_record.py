"""The full record: status over time, the timeline, the two sources and their conflicts."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import itertools
import re

import pytest
from conftest import ROOT, SHARED

KG = "https://w3id.org/csto-kg/id/"
EV = "https://w3id.org/csto-kg/event/"
CSTO = "https://w3id.org/csto-kg/ontology#"
OPEN = dt.date.max

# Membership spells (treaty party or member, any counting status) as the article gives
# them: (state, first day the entry can be, last day it can be, first day the exit can
# be, last day it can be). A spell certainly holds from the last possible entry day up to
# (excluding) the first possible exit day, and possibly from the first possible entry day
# up to (excluding) the last possible exit day.
ARTICLE_SPELLS = [
    *[(s, dt.date(1992, 5, 15), dt.date(1992, 5, 15), OPEN, OPEN) for s in ("Armenia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan")],
    ("Belarus", dt.date(1993, 1, 1), dt.date(1993, 12, 31), OPEN, OPEN),
    # The three that stayed out of the renewal of 2 April 1999 left that day or later in 1999.
    ("Azerbaijan", dt.date(1993, 9, 24), dt.date(1993, 9, 24), dt.date(1999, 4, 2), dt.date(1999, 12, 31)),
    ("Georgia", dt.date(1993, 9, 9), dt.date(1993, 9, 9), dt.date(1999, 4, 2), dt.date(1999, 12, 31)),
    ("Uzbekistan", dt.date(1992, 5, 15), dt.date(1992, 5, 15), dt.date(1999, 4, 2), dt.date(1999, 12, 31)),
    ("Uzbekistan", dt.date(2006, 8, 16), dt.date(2006, 8, 16), dt.date(2012, 12, 19), dt.date(2012, 12, 19)),
]


def _atop_spells() -> list[tuple]:
    """ATOP's rows; a membership it leaves open is certain only up to the last day its
    rows record (its coverage as far as the sources show it), possible after."""
    rows = []
    with (ROOT / "reference" / "atop-4220-members.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            begin = dt.date(int(row["yrent"]), int(row["moent"]), int(row["dayent"]))
            end = None if row["yrexit"] == "0" else dt.date(int(row["yrexit"]), int(row["moexit"]), int(row["dayexit"]))
            rows.append((row["state"], begin, end))
    covered = max(d for _, begin, end in rows for d in (begin, end) if d is not None)
    after = covered + dt.timedelta(days=1)
    return [(state, begin, begin, end or after, end or OPEN) for state, begin, end in rows]


def _expected(spells: list[tuple], day: dt.date) -> tuple[set[str], set[str]]:
    certain = {s for s, _, b_last, e_first, _ in spells if b_last <= day < e_first}
    possible = {s for s, b_first, _, _, e_last in spells if b_first <= day < e_last}
    return certain, possible


def _days(spells: list[tuple]) -> list[dt.date]:
    days = {dt.date(y, m, 1) for y in range(1992, 2027) for m in (1, 7)}
    for _, b_first, b_last, e_first, e_last in spells:
        for d in (b_first, b_last, e_first, e_last):
            if d != OPEN:
                days |= {d - dt.timedelta(days=1), d}
    return sorted(days)


# --- Status over time ------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, spells",
    [("article", ARTICLE_SPELLS), ("atop", _atop_spells())],
    ids=["article", "atop"],
)
def test_members_is_right_on_every_boundary_and_half_year(named, source, spells):
    for day in _days(spells):
        rows = named("members", date=day.isoformat(), source=source)
        listed = [r["name"] for r in rows]
        assert len(listed) == len(set(listed)), f"{source} {day}: a state listed twice: {listed}"
        certain, possible = _expected(spells, day)
        assert {r["name"] for r in rows if r["certain"]} == certain, f"{source} {day}"
        assert set(listed) == possible, f"{source} {day}"


@pytest.mark.parametrize(
    "state, date, source, expected",
    [
        ("armenia", "1992-05-15", "article", [("party to the treaty", dt.date(1992, 5, 15), True)]),
        ("armenia", "2002-10-06", "article", [("party to the treaty", dt.date(1992, 5, 15), True)]),
        ("armenia", "2002-10-07", "article", [("full member", dt.date(2002, 10, 7), True)]),
        ("armenia", "2024-02-22", "article", [("full member", dt.date(2002, 10, 7), True)]),
        ("armenia", "2024-02-23", "article", [("participation frozen", dt.date(2024, 2, 23), True)]),
        ("armenia", "2024-06-11", "article", [("participation frozen", dt.date(2024, 2, 23), True)]),
        ("armenia", "2024-06-12", "article", [("withdrawal announced", dt.date(2024, 6, 12), True)]),
        ("armenia", "2024-12-05", "article", [("withdrawal announced", dt.date(2024, 6, 12), True)]),
        ("armenia", "2010-12-05", "atop", [("full member", dt.date(2002, 10, 7), True)]),
        ("armenia", "2024-12-05", "atop", [("full member", dt.date(2002, 10, 7), False), ("not covered", None, False)]),
        ("uzbekistan", "2012-12-18", "article", [("full member", dt.date(2006, 8, 16), True)]),
        ("uzbekistan", "2012-12-19", "article", [("suspended", dt.date(2012, 12, 19), True)]),
        ("uzbekistan", "2012-06-28", "atop", [("not a member", dt.date(2012, 6, 28), True)]),
        ("uzbekistan", "2012-07-01", "atop", [("not covered", dt.date(2012, 6, 28), False)]),
        ("uzbekistan", "2006-08-16", "atop", [("not a member", dt.date(1999, 4, 20), True)]),
        ("uzbekistan", "2006-08-17", "atop", [("full member", dt.date(2006, 8, 17), True)]),
        ("uzbekistan", "2003-01-01", "article", [("not a member", "1999", True)]),
        ("georgia", "1993-09-08", "article", [("not a member", None, True)]),
        ("georgia", "1993-09-09", "article", [("party to the treaty", dt.date(1993, 9, 9), True)]),
        ("georgia", "1993-12-08", "atop", [("not a member", None, True)]),
        ("belarus", "1994-01-02", "atop", [("not a member", None, True)]),
        ("belarus", "1994-01-02", "article", [("party to the treaty", "1993", True)]),
        ("azerbaijan", "1999-06-01", "article", [("not a member", "1999", False), ("party to the treaty", dt.date(1993, 9, 24), False)]),
        ("azerbaijan", "2000-01-01", "article", [("not a member", "1999", True)]),
        ("iran", "2020-01-01", "article", [("not a member", None, True)]),
        ("serbia", "2020-01-01", "article", [("not a member", None, True)]),
    ],
)
def test_status_on_a_date(named, state, date, source, expected):
    rows = named("status", state=state, date=date, source=source)
    assert sorted((r["status"], r["since"], r["certain"]) for r in rows) == sorted(expected, key=str)
    assert {r["date"] for r in rows} == {dt.date.fromisoformat(date)}
    assert {r["state"] for r in rows} == {KG + state}


def test_status_defaults_to_today_and_the_article(named):
    rows = named("status", state="armenia")
    assert [(r["status"], r["source"], r["date"]) for r in rows] == [("withdrawal announced", "article", dt.date.today())]


def test_status_gives_the_end_of_a_finished_standing(named):
    rows = named("status", state="armenia", date="2024-03-01")
    assert [(r["since"], r["until"]) for r in rows] == [(dt.date(2024, 2, 23), dt.date(2024, 6, 12))]
    assert rows[0]["membership"] == "https://w3id.org/csto-kg/fact/membership-armenia-2024"


def test_armenia_statuses_meet_without_gaps_or_overlaps(ask):
    rows = ask("""
        SELECT DISTINCT ?status ?begin ?end WHERE {
          ?m a csto:Membership ; csto:member kg:armenia ; csto:status/rdfs:label ?status ;
             prov:wasDerivedFrom/dcterms:isPartOf src:wikipedia ; csto:during ?i .
          FILTER(lang(?status) = "en")
          ?i time:hasBeginning/time:inXSDDate ?begin .
          OPTIONAL { ?i time:hasEnd/time:inXSDDate ?end }
        } ORDER BY ?begin""")
    assert [r["status"] for r in rows] == ["party to the treaty", "full member", "participation frozen", "withdrawal announced"]
    for before, after in itertools.pairwise(rows):
        assert before["end"] == after["begin"]
    assert rows[-1]["end"] is None


# --- Timeline ---------------------------------------------------------------------------


def test_timeline_lists_every_event_once_in_order(named, ask):
    rows = named("timeline")
    events = [r["event"] for r in rows]
    assert len(events) == len(set(events))
    total = ask("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a csto:Event }")[0]["n"]
    assert len(events) == total >= 100
    # By the last day a date can mean, then the latest first day: a year after its days.
    order = [(r["latest"], -r["earliest"].toordinal()) for r in rows]
    assert order == sorted(order)
    assert events[0] == EV + "1992-02-14-united-armed-forces"
    assert events.index(EV + "2024-12-04-pashinyan-outside-csto") < events.index(EV + "2024-peskov-no-frozen-status")
    # The events known only to the year 2024 come after every day of 2024.
    last_day_2024 = max(i for i, r in enumerate(rows) if isinstance(r["date"], dt.date) and r["date"].year == 2024)
    assert next(r["date"] for r in rows[last_day_2024 + 1 :] if not isinstance(r["date"], dt.date)) == "2024"
    # The latest event is the Joint Staff's exercise plan for 2026 (TASS); the article's
    # own account still ends with an event known only to its year.
    assert rows[-1]["event"] == EV + "2026-02-12-exercise-plan-2026"
    assert named("timeline", source="article")[-1]["date"] == "2024"


def test_timeline_shows_dates_at_their_precision(named):
    by_event = {r["event"]: r["date"] for r in named("timeline")}
    assert by_event[EV + "1993-belarus-accedes"] == "1993"
    assert by_event[EV + "2009-10-belarus-signs-crrf-agreement"] == "2009-10"
    assert by_event[EV + "2009-06-14-crrf-plans-finalised"] == dt.date(2009, 6, 14)
    assert by_event[EV + "2023-10-pashinyan-no-advantage"] == "2023-10"  # "late October"
    assert by_event[EV + "2008-08-26-russia-recognises-abkhazia-south-ossetia"] == dt.date(2008, 8, 26)


def test_timeline_type_includes_subclasses(named):
    rows = named("timeline", type="csto:Meeting")
    classes = {r["class"].rsplit("#", 1)[-1] for r in rows}
    assert {"Meeting", "Summit", "SummitSession"} <= classes <= {"Meeting", "Summit", "Session", "SummitSession"}
    assert {r["type"] for r in rows} == {CSTO + "Meeting"}
    assert EV + "2022-10-28-extraordinary-session" in {r["event"] for r in rows}
    # The 2009 summit, the two leaders' sessions of 2022 (sessions and summits), a CIS summit,
    # and the six leaders' sessions the wire services and the official site report
    # (2018, 2019, 2021, 2023, 2024, 2025; graph/*/offices.ttl).
    assert len(named("timeline", type="csto:Summit")) == 10
    assert len(named("timeline", type="csto:SummitSession")) == 8


def test_timeline_dates_keep_events_that_may_fall_within(named):
    rows = named("timeline", **{"from": "2009-10-01", "to": "2009-10-31"})
    dates = {r["event"].rsplit("/", 1)[-1]: r["date"] for r in rows}
    assert dates["2009-10-belarus-signs-crrf-agreement"] == "2009-10"
    assert dates["2009-milk-war"] == "2009"  # a year may include October
    assert not any(isinstance(d, dt.date) for d in dates.values())
    assert all(r["from"] == dt.date(2009, 10, 1) and r["to"] == dt.date(2009, 10, 31) for r in rows)


def test_timeline_filters_combine(named):
    rows = named("timeline", type="csto:Statement", actor="nikol-pashinyan", **{"from": "2024-01-01"})
    assert [r["event"].rsplit("/", 1)[-1] for r in rows] == [
        "2024-02-23-armenia-freezes-participation",
        "2024-02-28-pashinyan-speech",
        "2024-03-12-pashinyan-territory-question",
        "2024-06-12-armenia-announces-withdrawal",
        "2024-12-04-pashinyan-outside-csto",
    ]
    assert named("timeline", actor="nancy-pelosi")[0]["date"] == dt.date(2022, 9, 17)
    assert named("timeline", actor="kg:no-such-agent") == []


def test_events_of_gives_roles(named):
    rows = named("events-of", actor="nikol-pashinyan")
    roles = {r["event"].rsplit("/", 1)[-1]: r["role"] for r in rows}
    assert roles["2022-10-28-extraordinary-session"] == "chair"
    assert roles["2024-06-12-armenia-announces-withdrawal"] == "actor"
    uzbekistan = {r["event"].rsplit("/", 1)[-1]: r["role"] for r in named("events-of", actor="uzbekistan")}
    assert uzbekistan["2012-12-19-uzbekistan-suspended"] == "concerned"
    assert uzbekistan["2012-06-28-uzbekistan-notifies-suspension"] == "actor"


def test_quantities_are_typed_values_with_units(ask):
    rows = ask("""
        SELECT ?e ?unit ?v ?code WHERE { ?e csto:quantity ?q . ?q a schema:QuantitativeValue ; schema:unitText ?unit .
          OPTIONAL { ?q schema:value ?v } OPTIONAL { ?q schema:minValue ?v } OPTIONAL { ?q schema:unitCode ?code } }""")
    assert all(r["v"] is not None for r in rows)
    percent = [r for r in rows if r["unit"] == "percent"]
    assert len(percent) == 2 and all(r["code"] == "P1" for r in percent)
    # The article's troop figures; the news sources add their own exercise by exercise.
    article = ask("""
        SELECT ?q ?v WHERE { ?e csto:quantity ?q . ?q schema:unitText "troops" .
          { ?q schema:value ?v } UNION { ?q schema:minValue ?v }
          FILTER EXISTS { ?e prov:wasDerivedFrom/dcterms:isPartOf/csto:key "article" } }""")
    assert sorted(r["v"] for r in article) == [2000, 3000, 10000, 10000]
    assert len([r for r in rows if r["unit"] == "troops"]) > 20


# --- People ------------------------------------------------------------------------------


def test_people_lists_everyone_the_article_names(named):
    people = {r["name"] for r in named("people")}
    assert people >= {
        "Kurmanbek Bakiyev",
        "Roza Otunbayeva",
        "Askar Akayev",
        "Alexander Lukashenko",
        "Dmitry Medvedev",
        "Vladimir Putin",
        "Sergei Prikhodko",
        "Dmitry Peskov",
        "Sergey Lavrov",
        "Nikol Pashinyan",
        "Armen Grigoryan",
        "Nancy Pelosi",
        "Stanislav Zas",
        "Anatoly Sidorov",
        "Nikolai Bordyuzha",
        "Imangali Tasmagambetov",
        "Abdrakhmanov",
        "Taalatbek Masadykov",
        "Andrey Serdyukov",
    }


def test_people_filter_and_attestations(named):
    rows = named("people", person="nikol-pashinyan")
    assert len(rows) == 1
    attested = sorted(rows[0]["attested"].split(", "))
    assert attested == ["2022-10-28", "2023-05", "2023-09-03", "2023-10", "2024-02-23", "2024-12-04"]
    assert rows[0]["postIn"] == "Armenia"


def test_state_offices_do_not_make_states_organisations(ask):
    assert ask("ASK { kg:russia a org:Organization }") is False
    assert ask("ASK { kg:president-of-russia csto:postOfState kg:russia }") is True


# --- The second source -------------------------------------------------------------------


def test_atop_graph_is_kept_apart_from_the_article(ask):
    assert (
        ask("""ASK { GRAPH <https://w3id.org/csto-kg/graph/article> { ?s ?p ?o }
                      FILTER(CONTAINS(STR(?s), "atop") || CONTAINS(STR(?o), "atop")) }""")
        is False
    )
    rows = ask("""
        SELECT ?m ?row WHERE { GRAPH <https://w3id.org/csto-kg/graph/atop> {
          ?m a csto:Membership ; prov:wasDerivedFrom ?row . ?row dcterms:isPartOf src:atop } }""")
    assert len(rows) == 16 == len({r["row"] for r in rows})
    # ATOP's instants are its own: no interval of an ATOP membership is described in the article's graph.
    assert (
        ask("""ASK { GRAPH <https://w3id.org/csto-kg/graph/atop> { ?m a csto:Membership ; csto:during ?i }
                      GRAPH <https://w3id.org/csto-kg/graph/article> { ?i ?p ?o } }""")
        is False
    )


def test_atop_source_and_treaty_flags(ask):
    rows = ask("""SELECT ?key ?version ?url WHERE { src:atop a csto:Source ; csto:key ?key ; schema:version ?version ; schema:url ?url }""")
    assert rows == [{"key": "atop", "version": "4.01", "url": "http://www.atopdata.org/"}]
    flags = ask("""SELECT ?p ?v WHERE { GRAPH <https://w3id.org/csto-kg/graph/atop> { kg:collective-security-treaty ?p ?v } }""")
    values = {r["p"].rsplit("#", 1)[-1]: r["v"] for r in flags}
    assert values == {
        "atopId": 4220,
        "defenceObligation": True,
        "offenceObligation": False,
        "neutralityObligation": False,
        "nonAggressionObligation": True,
        "consultationObligation": True,
        "otherAlliancesBarred": True,
        "lengthSpecified": True,
        "lengthMonths": 60,
        # The alliance-level row: the Correlates of War alliance (cow4id) and its citation.
        "correlatesOfWarAllianceId": 350,
        "wasDerivedFrom": "https://w3id.org/csto-kg/source/atop-4220-alliance-row",
    }
    assert ask("SELECT ?c WHERE { kg:georgia csto:cowCode ?c }") == [{"c": 372}]


def test_atop_file_is_the_script_output():
    spec = importlib.util.spec_from_file_location("make_atop", ROOT / "scripts" / "make_atop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with (ROOT / "reference" / "atop-4220-members.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (ROOT / "reference" / "atop-4220-alliance.csv").open(encoding="utf-8", newline="") as handle:
        alliance = list(csv.DictReader(handle))
    generated = module.render(rows) + module.render_alliance(alliance, "4220")
    assert generated == (ROOT / "graph" / "atop" / "atop.ttl").read_text(encoding="utf-8")
    with pytest.raises(module.TableError):
        module.render_alliance([dict(alliance[0], milcon="two")], "4220")
    broken = [dict(rows[0], state="Atlantis")]
    with pytest.raises(module.TableError):
        module.render(broken)


def test_members_follows_the_chosen_source(named):
    def names(date: str, source: str) -> set[str]:
        return {r["name"] for r in named("members", date=date, source=source)}

    assert "Georgia" in names("1993-10-01", "article") and "Georgia" not in names("1993-10-01", "atop")
    assert "Belarus" not in names("1994-01-02", "atop") and "Belarus" in names("1994-01-03", "atop")
    assert "Uzbekistan" in names("2006-08-16", "article") and "Uzbekistan" not in names("2006-08-16", "atop")
    assert {r["source"] for r in named("members", date="2000-01-01", source="atop")} == {"atop"}


# --- Conflicts ---------------------------------------------------------------------------


def test_conflicts_lists_every_disagreement(named):
    every = named("conflicts")
    # Occurrences that a news source dates otherwise than the article (the Kazakhstan
    # pages of January 2022): the Council's decision to the day, the withdrawal two days later.
    others = [r for r in every if r["what"] in ("deployment", "withdrawal of forces")]
    assert sorted((r["what"], str(r["valueA"]), r["sourceB"], str(r["valueB"]), r["compatible"]) for r in others) == [
        ("deployment", "2022-01", "trend", "2022-01-06", True),
        ("withdrawal of forces", "2022-01-11", "qazaqtv", "2022-01-13", False),
    ]
    # The article against ATOP; the pairs with the legal sources are in test_competency_ratifications.
    rows = [r for r in every if (r["sourceA"], r["sourceB"]) == ("article", "atop")]
    got = sorted(
        (r["name"], r["bound"], str(r["valueA"]), str(r["valueB"]), r["compatible"], r["citedB"].removeprefix("src:")) for r in rows
    )
    assert {(r["what"], r["sourceA"], r["reliabilityA"], r["sourceB"], r["reliabilityB"]) for r in rows} == {
        ("membership", "article", "encyclopedia", "atop", "research data set")
    }
    assert got == [
        ("Azerbaijan", "end", "1999", "1999-04-20", True, "atop-4220-row-07"),
        ("Belarus", "begin", "1993", "1994-01-03", False, "atop-4220-row-09"),
        ("Georgia", "begin", "1993-09-09", "1993-12-09", False, "atop-4220-row-08"),
        ("Georgia", "end", "1999", "1999-04-20", True, "atop-4220-row-08"),
        ("Uzbekistan", "begin", "2006-08-16", "2006-08-17", False, "atop-4220-row-16"),
        ("Uzbekistan", "end", "1999", "1999-04-20", True, "atop-4220-row-05"),
        ("Uzbekistan", "end", "2012-12-19", "2012-06-28", False, "atop-4220-row-16"),
    ]
    georgia = next(r for r in rows if r["name"] == "Georgia" and r["bound"] == "begin")
    assert "src:wikipedia-former-member-states" in georgia["citedA"].split(", ")


def test_conflicts_for_one_state(named):
    rows = named("conflicts", state="belarus")
    # ATOP's 3 January 1994 against the article's 1993 is the one clash; the legal sources'
    # days (Gibler's accession, the treaty in force on 20 April 1994) fit the article's years.
    assert [(r["sourceB"], r["bound"]) for r in rows if not r["compatible"]] == [("atop", "begin")]
    assert {r["sourceB"] for r in rows if r["compatible"]} >= {"gibler", "zakonpravo"}
    # Russia: no clash, only the treaty's day in force that fits the article's year.
    assert not [r for r in named("conflicts", state="russia") if not r["compatible"]]


# --- Coverage of the source's dates --------------------------------------------------------

MONTHS = "January February March April May June July August September October November December".split()
_DAY = re.compile(rf"\b(\d{{1,2}}) ({'|'.join(MONTHS)})(?: (\d{{4}}))?\b")
_MONTH = re.compile(rf"\b({'|'.join(MONTHS)}) (\d{{4}})\b")
_YEAR = re.compile(r"\b(19[89]\d|20[0-2]\d)\b")
# Days the article gives without a year, with the year its context gives.
YEARLESS = {"14 June": 2009, "26 August": 2008, "11 January": 2022, "12 March": 2024}


def test_every_date_in_the_article_is_in_the_graph(ask):
    source = SHARED / "sources" / "000_c7e6577159bb64cf.txt"
    if not source.is_file():
        pytest.skip("the shared source text is not present")
    # Section headings ("2003 to 2012") name periods, not dated statements.
    text = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("="))
    values = ask("""SELECT DISTINCT ?v WHERE { ?x csto:date|time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?v }""")
    days = {r["v"] for r in values if isinstance(r["v"], dt.date)}
    months = {r["v"] for r in values if isinstance(r["v"], str) and len(r["v"]) == 7} | {d.strftime("%Y-%m") for d in days}
    years = {str(r["v"])[:4] for r in values}

    missing = []
    yearless = set()
    for match in _DAY.finditer(text):
        day, month, year = match.groups()
        if year is None:
            yearless.add(f"{day} {month}")
            year = YEARLESS.get(f"{day} {month}")
            if year is None:
                missing.append(match.group(0) + " (no year)")
                continue
        if dt.date(int(year), MONTHS.index(month) + 1, int(day)) not in days:
            missing.append(match.group(0))
    rest = _DAY.sub(" ", text)
    for match in _MONTH.finditer(rest):
        month, year = match.groups()
        if f"{year}-{MONTHS.index(month) + 1:02d}" not in months:
            missing.append(match.group(0))
    for match in _YEAR.finditer(_MONTH.sub(" ", rest)):
        if match.group(1) not in years:
            missing.append(match.group(1))
    assert missing == []
    assert yearless == set(YEARLESS)
