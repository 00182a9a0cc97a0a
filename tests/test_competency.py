"""Competency questions: what a political scientist would ask of the graph.

Each case is a plain-English question, the SPARQL (or named query with parameters) that
answers it over the reasoned graph, and the answer read off the sources: the English
Wikipedia article and, where a question names it, the ATOP 4.01 data set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

KG = "https://w3id.org/csto-kg/id/"
CSTO = "https://w3id.org/csto-kg/ontology#"
SRC = "https://w3id.org/csto-kg/source/"


def local(iri: str | None) -> str | None:
    """The local name of an IRI of the graph (kg:, csto:, src:, ...)."""
    if iri is None:
        return None
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def names(rows: list[dict], key: str = "name") -> list[str]:
    return sorted({r[key] for r in rows})


def locals_(rows: list[dict], key: str) -> list[str]:
    return sorted({local(r[key]) for r in rows})


@dataclass(frozen=True)
class Question:
    question: str
    query: str  # SPARQL text, or "named:NAME" for a named query
    answer: Callable[[list[dict]], Any]  # the answer extracted from the rows
    expected: Any
    params: dict[str, str] = field(default_factory=dict)


def members_on(date: str, source: str = "article", certain_only: bool = True) -> Callable[[list[dict]], list[str]]:
    def answer(rows: list[dict]) -> list[str]:
        return sorted(r["name"] for r in rows if r["certain"] or not certain_only)

    return answer


QUESTIONS = [
    # --- Membership over time ---------------------------------------------------------
    Question(
        "Which states were certainly parties to the treaty on 1 June 1993, by the article?",
        "named:members",
        members_on("1993-06-01"),
        ["Armenia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"],
        {"date": "1993-06-01"},
    ),
    Question(
        "Might Belarus already have been a party on 1 June 1993? (The article gives only the year of accession.)",
        "named:members",
        lambda rows: [(r["name"], r["certain"], r["since"]) for r in rows if r["name"] == "Belarus"],
        [("Belarus", False, "1993")],
        {"date": "1993-06-01"},
    ),
    Question(
        "Which states were parties to the treaty on 1 January 2000?",
        "named:members",
        members_on("2000-01-01"),
        ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"],
        {"date": "2000-01-01"},
    ),
    Question(
        "Which states were members of the organisation on 1 January 2010?",
        "named:members",
        members_on("2010-01-01"),
        ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"],
        {"date": "2010-01-01"},
    ),
    Question(
        "Which states were members on 1 June 2013, after Uzbekistan's suspension?",
        "named:members",
        members_on("2013-06-01"),
        ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"],
        {"date": "2013-06-01"},
    ),
    Question(
        "What was Armenia's standing on 1 March 2024, and since when?",
        "named:status",
        lambda rows: [(r["status"], r["since"], r["until"], r["certain"]) for r in rows],
        [("participation frozen", dt.date(2024, 2, 23), dt.date(2024, 6, 12), True)],
        {"state": "armenia", "date": "2024-03-01"},
    ),
    Question(
        "What was Armenia's standing on 1 January 2025?",
        "named:status",
        lambda rows: [(r["status"], r["since"], r["until"]) for r in rows],
        [("withdrawal announced", dt.date(2024, 6, 12), None)],
        {"state": "armenia", "date": "2025-01-01"},
    ),
    Question(
        "What was Uzbekistan's standing on 1 January 2013 by the article?",
        "named:status",
        lambda rows: [(r["status"], r["since"]) for r in rows],
        [("suspended", dt.date(2012, 12, 19))],
        {"state": "uzbekistan", "date": "2013-01-01"},
    ),
    Question(
        "What was Uzbekistan's standing on 1 January 2003, between its two memberships?",
        "named:status",
        lambda rows: [(r["status"], r["since"], r["certain"]) for r in rows],
        [("not a member", "1999", True)],
        {"state": "uzbekistan", "date": "2003-01-01"},
    ),
    Question(
        "Was Georgia a party to the treaty on 1 October 1993? (The article says yes, ATOP says no.)",
        "named:status",
        lambda rows: [r["status"] for r in rows],
        ["party to the treaty"],
        {"state": "georgia", "date": "1993-10-01"},
    ),
    Question(
        "Was Georgia a party to the treaty on 1 October 1993 according to ATOP?",
        "named:status",
        lambda rows: [r["status"] for r in rows],
        ["not a member"],
        {"state": "georgia", "date": "1993-10-01", "source": "atop"},
    ),
    Question(
        "Which states does ATOP count as members on 1 August 2012, when the article still counts Uzbekistan?",
        "named:members",
        # Its last claim: past 28 June 2012, the last day its rows record, ATOP no longer covers.
        members_on("2012-08-01", certain_only=False),
        ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"],
        {"date": "2012-08-01", "source": "atop"},
    ),
    Question(
        "Which states dropped out of the treaty in 1999?",
        """SELECT ?name WHERE { ?e a csto:Withdrawal ; csto:date "1999"^^xsd:gYear ; csto:concerns kg:collective-security-treaty ;
               csto:actor/rdfs:label ?name . FILTER(lang(?name) = "en") }""",
        names,
        ["Azerbaijan", "Georgia", "Uzbekistan"],
    ),
    Question(
        "Which states have ever been parties or members and are not members today, by the article?",
        """SELECT DISTINCT ?name WHERE {
             ?m a csto:Membership ; csto:member ?s ; csto:organisation kg:csto ; prov:wasDerivedFrom/dcterms:isPartOf src:wikipedia .
             ?s rdfs:label ?name . FILTER(lang(?name) = "en")
             FILTER NOT EXISTS { ?now a csto:Membership ; csto:member ?s ; csto:status/csto:countsAsMember true ;
                                 csto:during ?i . FILTER NOT EXISTS { ?i time:hasEnd ?e } } }""",
        names,
        ["Azerbaijan", "Georgia", "Uzbekistan"],
    ),
    # --- Founding documents and who signed what -----------------------------------------
    Question(
        "Who signed the Collective Security Treaty on 15 May 1992?",
        """SELECT ?name WHERE { ?e a csto:Signing ; csto:date "1992-05-15"^^xsd:date ; csto:concerns kg:collective-security-treaty ;
               csto:actor ?state . ?state a csto:State ; rdfs:label ?name . FILTER(lang(?name) = "en") }""",
        names,
        ["Armenia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"],
    ),
    Question(
        "When did the treaty take effect?",
        "SELECT ?date WHERE { ?e a csto:EntryIntoForce ; csto:concerns kg:collective-security-treaty ; csto:date ?date }",
        # The article's year, and the day the Kazakh ratification laws give (zakonpravo, adilet).
        lambda rows: sorted(str(r["date"]) for r in rows),
        ["1994", "1994-04-20"],
    ),
    Question(
        "On what day did the treaty parties found the organisation, and who were they?",
        """SELECT ?date ?name WHERE { ?e a csto:Founding ; csto:concerns kg:csto ; csto:date ?date ; csto:actor/rdfs:label ?name .
               FILTER(lang(?name) = "en") FILTER(DATATYPE(?date) = xsd:date && ?date > "2000-01-01"^^xsd:date) }""",
        lambda rows: (sorted({r["date"] for r in rows}), names(rows)),
        ([dt.date(2002, 10, 7)], ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"]),
    ),
    Question(
        "When did the Uzbek parliament ratify Uzbekistan's membership?",
        "SELECT ?date WHERE { ?e a csto:Ratification ; csto:actor kg:parliament-of-uzbekistan ; csto:date ?date }",
        lambda rows: [r["date"] for r in rows],
        [dt.date(2008, 3, 28)],
    ),
    Question(
        "Which members reached the rapid-reaction-force agreement of 4 February 2009, and how many were they?",
        """SELECT ?name ?n WHERE { ev:2009-02-04-crrf-agreement csto:actor/rdfs:label ?name ;
               csto:quantity/schema:value ?n . FILTER(lang(?name) = "en") }""",
        lambda rows: (names(rows), {r["n"] for r in rows}),
        (["Armenia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"], {5}),
    ),
    Question(
        'When did Belarus sign the rapid-reaction-force agreement? ("the following October")',
        "SELECT ?date WHERE { ?e a csto:Signing ; csto:actor kg:belarus ; csto:concerns kg:crrf-agreement ; csto:date ?date }",
        lambda rows: [r["date"] for r in rows],
        ["2009-10"],
    ),
    Question(
        "Which state never signed the rapid-reaction-force agreement?",
        "SELECT ?s WHERE { kg:crrf-agreement csto:notSignedBy ?s }",
        lambda rows: locals_(rows, "s"),
        ["uzbekistan"],
    ),
    Question(
        "Since when may the treaty parties veto new foreign military bases?",
        "SELECT ?date WHERE { ev:2011-12-21-foreign-bases-veto a csto:Decision ; csto:date ?date }",
        lambda rows: [r["date"] for r in rows],
        [dt.date(2011, 12, 21)],
    ),
    Question(
        "Where and when did the CSTO sign its agreement with the Shanghai Cooperation Organisation?",
        """SELECT ?date ?place WHERE { ?e a csto:Agreement ; csto:actor kg:sco , kg:csto ; csto:date ?date ;
               csto:place/rdfs:label ?place }""",
        lambda rows: [(r["date"], r["place"]) for r in rows],
        [("2007-10", "Dushanbe")],
    ),
    # --- Uzbekistan's exits -----------------------------------------------------------
    Question(
        "When did Uzbekistan ask to suspend its membership, and when did the Collective Security Council decide?",
        """SELECT ?asked ?decided WHERE { ?d a csto:Suspension ; csto:actor kg:collective-security-council ; csto:date ?decided ;
               csto:respondsTo ?n . ?n a csto:Notification ; csto:actor kg:uzbekistan ; csto:date ?asked }""",
        lambda rows: [(r["asked"], r["decided"]) for r in rows],
        [(dt.date(2012, 6, 28), dt.date(2012, 12, 19))],
    ),
    Question(
        "When did Uzbekistan join and leave GUAM?",
        """SELECT ?class ?date WHERE { ?e csto:actor kg:uzbekistan ; csto:concerns kg:guam ; a ?class ; csto:date ?date .
               FILTER(?class IN (csto:Accession, csto:Withdrawal)) }""",
        lambda rows: sorted((local(r["class"]), r["date"]) for r in rows),
        [("Accession", "1999"), ("Withdrawal", "2005")],
    ),
    # --- Forces, exercises and deployments ----------------------------------------------
    Question(
        "How many troops and aircraft took part in the largest exercise, and in which year?",
        """SELECT ?date ?unit ?min ?value WHERE { ev:2011-largest-exercise csto:date ?date ; csto:quantity ?q .
               ?q schema:unitText ?unit . OPTIONAL { ?q schema:minValue ?min } OPTIONAL { ?q schema:value ?value } }""",
        lambda rows: sorted((r["date"], r["unit"], r["min"], r["value"]) for r in rows),
        [("2011", "combat aircraft", None, 70), ("2011", "troops", 10000, None)],
    ),
    Question(
        "How many soldiers from how many member states trained in Kazakhstan in August 2014?",
        """SELECT ?n (COUNT(DISTINCT ?s) AS ?states) WHERE { ?e a csto:Exercise ; csto:date "2014-08"^^xsd:gYearMonth ;
               csto:place kg:kazakhstan ; csto:quantity/schema:value ?n ; csto:actor ?s . ?s a csto:State } GROUP BY ?n""",
        lambda rows: [(r["n"], r["states"]) for r in rows],
        [(3000, 6)],
    ),
    Question(
        "How many peacekeepers did the CSTO send to Kazakhstan in January 2022, and when did they start to leave?",
        """SELECT ?n ?left WHERE { ?d a csto:Deployment ; csto:place kg:kazakhstan ; csto:quantity/schema:value ?n .
               ?w a csto:ForcesWithdrawal ; csto:follows ?d ; csto:date ?left }""",
        lambda rows: [(r["n"], r["left"]) for r in rows],
        [(2000, dt.date(2022, 1, 11))],
    ),
    Question(
        "Which deployments has the CSTO made, and when, by the article?",
        "named:timeline",
        lambda rows: [(r["date"], local(r["event"])) for r in rows],
        [("2022-01", "2022-01-kazakhstan-deployment"), (dt.date(2022, 9, 15), "2022-09-15-csto-mission")],
        {"type": "csto:Deployment", "source": "article"},
    ),
    Question(
        "About how many Russian troops were stationed in Gyumri in October 2023?",
        """SELECT ?n ?how WHERE { ?e a csto:TroopPresence ; csto:place kg:gyumri ; csto:date "2023-10"^^xsd:gYearMonth ;
               csto:quantity [ schema:value ?n ; schema:description ?how ] }""",
        lambda rows: [(r["n"], r["how"]) for r in rows],
        [(10000, "approximately")],
    ),
    # --- Armenia and the alliance, 2021 to 2024 -----------------------------------------
    Question(
        "Which treaty article did Armenia invoke in September 2022, and what did it respond to?",
        """SELECT ?number ?date ?cause WHERE { ?e a csto:ArticleInvocation ; csto:actor kg:armenia ; csto:date ?date ;
               csto:concerns/csto:articleNumber ?number ; csto:respondsTo/csto:date ?cause }""",
        lambda rows: [(r["number"], r["date"], r["cause"]) for r in rows],
        [(4, "2022-09", dt.date(2022, 9, 13))],
    ),
    Question(
        "Who went on the CSTO mission sent on 15 September 2022?",
        """SELECT ?name WHERE { ?e a csto:Deployment ; csto:date "2022-09-15"^^xsd:date ; csto:actor ?p .
               ?p a csto:Person ; rdfs:label ?name }""",
        names,
        ["Anatoly Sidorov", "Stanislav Zas"],
    ),
    Question(
        "Who chaired the extraordinary session of 28 October 2022, and was it held online?",
        """SELECT ?chair ?online WHERE { ?e a csto:Session ; csto:date "2022-10-28"^^xsd:date ;
               csto:chairedBy/rdfs:label ?chair ; csto:heldOnline ?online }""",
        lambda rows: [(r["chair"], r["online"]) for r in rows],
        [("Nikol Pashinyan", True)],
    ),
    Question(
        "Where did the Collective Security Council meet on 23 November 2022, and who refused to sign its declaration?",
        """SELECT ?place ?who WHERE { ?m a csto:Session ; csto:date "2022-11-23"^^xsd:date ; csto:place/rdfs:label ?place .
               ?r a csto:Refusal ; csto:partOfEvent ?m ; csto:actor ?p . ?p a csto:Person ; rdfs:label ?who }""",
        lambda rows: [(r["place"], r["who"]) for r in rows],
        [("Yerevan", "Nikol Pashinyan")],
    ),
    Question(
        "What steps did Armenia take towards leaving the CSTO in 2024, in order?",
        "named:timeline",
        lambda rows: [(r["date"], local(r["class"])) for r in rows],
        [
            (dt.date(2024, 2, 23), "Announcement"),
            (dt.date(2024, 2, 28), "Speech"),
            (dt.date(2024, 3, 12), "Statement"),
            (dt.date(2024, 5, 8), "Announcement"),
            (dt.date(2024, 6, 12), "Announcement"),
            (dt.date(2024, 12, 4), "Statement"),
        ],
        {"actor": "armenia", "from": "2024-01-01", "to": "2024-12-31"},
    ),
    Question(
        "What came of those steps: which statuses did Armenia pass through, with their dates?",
        """SELECT DISTINCT ?status ?since WHERE { ?m a csto:Membership ; csto:member kg:armenia ;
               prov:wasDerivedFrom/dcterms:isPartOf src:wikipedia ;
               csto:status/rdfs:label ?status ; csto:during/time:hasBeginning/time:inXSDDate ?since .
               FILTER(lang(?status) = "en") }""",
        lambda rows: sorted((r["since"], r["status"]) for r in rows),
        [
            (dt.date(1992, 5, 15), "party to the treaty"),
            (dt.date(2002, 10, 7), "full member"),
            (dt.date(2024, 2, 23), "participation frozen"),
            (dt.date(2024, 6, 12), "withdrawal announced"),
        ],
    ),
    Question(
        "What did the July 2024 Gallup poll find about NATO and CSTO membership for Armenia?",
        """SELECT ?what ?value ?unit WHERE { ?e a csto:Poll ; csto:date "2024-07"^^xsd:gYearMonth ; csto:actor kg:gallup ;
               csto:quantity [ schema:name ?what ; schema:value ?value ; schema:unitText ?unit ] }""",
        lambda rows: sorted((r["value"], r["unit"]) for r in rows),
        [
            (Decimal("-10.0"), "percentage points"),
            (Decimal("7.0"), "percentage points"),
            (Decimal("16.9"), "percent"),
            (Decimal("29.0"), "percent"),
        ],
    ),
    Question(
        "How did the CSTO states react to Ukraine's incursion into Kursk Oblast, as reported?",
        """SELECT ?incursion ?report WHERE { ?i a csto:ArmedConflict ; csto:place kg:kursk-oblast ; csto:date ?incursion .
               ?r a csto:Publication ; csto:concerns ?i ; csto:date ?report }""",
        lambda rows: [(r["incursion"], r["report"]) for r in rows],
        [(dt.date(2024, 8, 6), dt.date(2024, 8, 17))],
    ),
    # --- Crises of 2008 to 2010 -------------------------------------------------------
    Question(
        "When did Russia recognise Abkhazia and South Ossetia, and when did it say it would seek CSTO recognition?",
        """SELECT ?recognised ?sought WHERE { ?a a csto:Announcement ; csto:actor kg:russia ; csto:concerns kg:abkhazia ;
               csto:date ?sought ; csto:follows ?r . ?r a csto:Recognition ; csto:date ?recognised }""",
        lambda rows: [(r["recognised"], r["sought"]) for r in rows],
        [(dt.date(2008, 8, 26), dt.date(2008, 8, 29))],
    ),
    Question(
        "What did Belarus boycott in 2009, and why?",
        """SELECT ?what ?why WHERE { ?b a csto:Boycott ; csto:actor kg:belarus ; csto:date "2009"^^xsd:gYear ;
               csto:concerns/a ?what ; csto:respondsTo/rdfs:label ?why . FILTER(?what = csto:Summit) }""",
        lambda rows: [(local(r["what"]), r["why"]) for r in rows],
        [("Summit", "Belarus and Russia quarrel over trade in the Milk War")],
    ),
    Question(
        "Who called on the CSTO to intervene in the June 2010 clashes in southern Kyrgyzstan, and whom did the interim president ask?",
        """SELECT ?name ?addressee WHERE { ?a a csto:Appeal ; csto:date "2010-06"^^xsd:gYearMonth ; csto:actor ?p ;
               csto:concerns/rdfs:label ?addressee . ?p a csto:Person ; rdfs:label ?name }""",
        lambda rows: sorted(
            (r["name"], r["addressee"]) for r in rows if r["addressee"] in ("Russia", "Collective Security Treaty Organization")
        ),
        [
            ("Askar Akayev", "Collective Security Treaty Organization"),
            ("Kurmanbek Bakiyev", "Collective Security Treaty Organization"),
            ("Roza Otunbayeva", "Russia"),
        ],
    ),
    # --- People and posts -------------------------------------------------------------
    Question(
        "Who was Secretary General when Iran's membership was floated in May 2007, and in March 2015?",
        """SELECT ?when ?name WHERE { ?t csto:post kg:secretary-general ; csto:holder/rdfs:label ?name ;
               csto:attestedOn/time:inXSDgYearMonth|csto:attestedOn/time:inXSDDate ?when .
               FILTER(STR(?when) IN ("2007-05", "2015-03-19")) }""",
        lambda rows: sorted((str(r["when"]), r["name"]) for r in rows),
        [("2007-05", "Nikolai Bordyuzha"), ("2015-03-19", "Nikolai Bordyuzha")],
    ),
    Question(
        "Who held the Kyrgyz presidency as the article tells it, and when did each one's tenure end or show?",
        "named:people",
        lambda rows: sorted(
            (r["name"], r["until"], r["attested"] and sorted(r["attested"].split(", ")))
            for r in rows
            if r["post"] == KG + "president-of-kyrgyzstan"
        ),
        [
            ("Askar Akayev", "2005", None),
            ("Kurmanbek Bakiyev", "2010-04", None),
            ("Roza Otunbayeva", None, ["2010-06", "2010-07-21"]),
        ],
    ),
    Question(
        "Who was Russia's president in 2010 according to the article, and what does it say of Putin then?",
        "named:people",
        lambda rows: sorted((r["name"], r["until"]) for r in rows if r["post"] == KG + "president-of-russia"),
        [("Dmitry Medvedev", None), ("Vladimir Putin", "not after 2010-12-31")],
    ),
    Question(
        "What post had Imangali Tasmagambetov held before he became Secretary General, and when did he take office?",
        """SELECT ?post ?took WHERE { ?pm csto:holder kg:imangali-tasmagambetov ; csto:post/rdfs:label ?post .
               FILTER NOT EXISTS { ?pm csto:post kg:secretary-general }
               ?sg csto:holder kg:imangali-tasmagambetov ; csto:post kg:secretary-general ; csto:startedBy/csto:date ?took }""",
        lambda rows: [(r["post"], r["took"]) for r in rows],
        [("Prime Minister of Kazakhstan", dt.date(2023, 1, 1))],
    ),
    Question(
        # Anatoly Sidorov, whom the article names without a post, holds one in the
        # official site's and Armenpress's accounts (graph/*/offices.ttl).
        "Which people do the sources name without giving them any post?",
        "named:people",
        lambda rows: sorted(r["name"] for r in rows if r["post"] is None),
        ["Abdrakhmanov", "Edward Nalbandian", "Emomali Rahmon", "Sadyr Japarov", "Sergey Lavrov", "Sooronbai Jeenbekov", "Suren Papikyan"],
    ),
    # --- The two sources --------------------------------------------------------------
    Question(
        "On which membership dates do the article and ATOP conflict outright?",
        "named:conflicts",
        lambda rows: sorted(
            (r["name"], r["bound"], str(r["valueA"]), str(r["valueB"]))
            for r in rows
            if not r["compatible"] and (r["what"], r["sourceB"]) == ("membership", "atop")
        ),
        [
            ("Belarus", "begin", "1993", "1994-01-03"),
            ("Georgia", "begin", "1993-09-09", "1993-12-09"),
            ("Uzbekistan", "begin", "2006-08-16", "2006-08-17"),
            ("Uzbekistan", "end", "2012-12-19", "2012-06-28"),
        ],
    ),
    Question(
        "Where does ATOP only make the article's year more precise?",
        "named:conflicts",
        lambda rows: sorted(
            (r["name"], r["bound"], str(r["valueA"]), str(r["valueB"]))
            for r in rows
            if r["compatible"] and (r["what"], r["sourceB"]) == ("membership", "atop")
        ),
        [
            ("Azerbaijan", "end", "1999", "1999-04-20"),
            ("Georgia", "end", "1999", "1999-04-20"),
            ("Uzbekistan", "end", "1999", "1999-04-20"),
        ],
    ),
    Question(
        "What obligations does ATOP code for the treaty, and does its length agree with the article's five-year term?",
        """SELECT ?p ?v ?months ?years WHERE { GRAPH <https://w3id.org/csto-kg/graph/atop> {
                 kg:collective-security-treaty ?p ?v ; csto:lengthMonths ?months }
               ?p rdfs:subPropertyOf csto:obligation . FILTER(?p != csto:obligation)
               GRAPH <https://w3id.org/csto-kg/graph/article> { kg:collective-security-treaty csto:termYears ?years } }""",
        lambda rows: (sorted(local(r["p"]) for r in rows if r["v"]), {(r["months"], r["years"] * 12) for r in rows}),
        (["consultationObligation", "defenceObligation", "nonAggressionObligation", "otherAlliancesBarred"], {(60, 60)}),
    ),
    # --- Observers --------------------------------------------------------------------
    Question(
        "Which parliamentary bodies were observers in the CSTO Parliamentary Assembly in 2015, and which in 2022?",
        """SELECT ?year ?name WHERE { VALUES ?year { "2015-06-01"^^xsd:date "2022-06-01"^^xsd:date }
               ?o a csto:ObserverStatus ; csto:organisation kg:csto-parliamentary-assembly ; csto:member/rdfs:label ?name ;
                  csto:certainlyFrom ?from . OPTIONAL { ?o csto:possiblyUntil ?until }
               FILTER(?from <= ?year && (!BOUND(?until) || ?year < ?until)) }""",
        lambda rows: sorted((r["year"].year, r["name"]) for r in rows),
        [
            (2015, "National Assembly of the Republic of Serbia"),
            (2015, "Parliamentary Assembly of the Union of Belarus and Russia"),
            (2015, "Wolesi Jirga of the National Assembly of the Islamic Republic of Afghanistan"),
            (2022, "National Assembly of the Republic of Serbia"),
            (2022, "Parliamentary Assembly of the Union of Belarus and Russia"),
        ],
    ),
    Question(
        "When did the CSTO become an observer in the UN General Assembly, and Uzbekistan one in the Eurasian Economic Union?",
        """SELECT ?who ?date WHERE { ?o a csto:ObserverStatus ; csto:member ?who ; csto:startedBy/csto:date ?date .
               FILTER(?who IN (kg:csto, kg:uzbekistan)) }""",
        lambda rows: sorted((local(r["who"]), str(r["date"])) for r in rows),
        [("csto", "2004"), ("uzbekistan", "2020-12-11")],
    ),
]


@pytest.mark.parametrize("case", QUESTIONS, ids=[q.question for q in QUESTIONS])
def test_competency_question(case: Question, ask, named):
    if case.query.startswith("named:"):
        rows = named(case.query[len("named:") :], **case.params)
    else:
        rows = ask(case.query, **case.params)
    assert case.answer(rows) == case.expected, case.question


def test_there_are_at_least_forty_questions():
    assert len(QUESTIONS) >= 40
    assert len({q.question for q in QUESTIONS}) == len(QUESTIONS)
