"""Competency questions on the organisation's legal instruments, their articles and versions.

Each question is a function whose docstring is the question; the expected answer was read
by hand on the page named in the comment (all read on 2026-12-05) and is not taken from the
graph. Wordings are compared through the instrument that introduced them.
"""

from __future__ import annotations

KG = "https://w3id.org/csto-kg/id/"
CSTO = "https://w3id.org/csto-kg/ontology#"


def article_rows(named, date: str, instrument: str = "collective-security-treaty") -> dict[int, set[str]]:
    """Article number -> the instruments that introduced its wordings in force on the date."""
    found: dict[int, set[str]] = {}
    for row in named("instrument", instrument=instrument, date=date):
        if row["kind"] == "article":
            found.setdefault(int(row["number"]), set()).add(row["introducedBy"].removeprefix(KG))
    return found


def instrument_facts(ask, instrument: str) -> dict[str, set[str]]:
    rows = ask(f"""SELECT ?p ?o WHERE {{ <{KG}{instrument}> ?p ?o
                  FILTER(?p IN (csto:signedOn, csto:signedAt, csto:amends, csto:prolongs,
                                csto:unRegistrationNumber, csto:correlatesOfWarAllianceId)) }}""")
    facts: dict[str, set[str]] = {}
    for row in rows:
        facts.setdefault(row["p"].removeprefix(CSTO), set()).add(str(row["o"]).removeprefix(KG))
    return facts


def test_article_4_in_2005_and_in_2015(named):
    """What did Article 4 of the Collective Security Treaty say in 2005, and what in 2015?"""
    # pavlodar.com/zakon/?dok=00542&uro=080004 (the 1992 wording); zakonpravo.kz ratification
    # of the 2010 protocol: new wording of Article 4, in force 19 December 2012.
    assert article_rows(named, "2005-06-01")[4] == {"collective-security-treaty"}
    assert article_rows(named, "2015-06-01")[4] == {"protocol-2010-amending"}


def test_articles_amended_by_the_2010_protocol(ask):
    """Which articles of the Treaty does the protocol of 10 December 2010 amend?"""
    # en.special.kremlin.ru/catalog/keywords/18/events/12507: Articles 2, 4, 6 and 3, 5, 11.
    rows = ask(f"SELECT ?n WHERE {{ <{KG}protocol-2010-amending> csto:amendsArticle ?a . ?a csto:articleNumber ?n }}")
    assert sorted({int(r["n"]) for r in rows}) == [2, 3, 4, 5, 6, 11]


def test_signing_of_the_2010_protocol(ask):
    """When and where was the protocol amending the Treaty signed, and what does it amend?"""
    # zakonpravo.kz, law of 28 November 2011 No. 501-IV: signed in Moscow on 10 December 2010.
    facts = instrument_facts(ask, "protocol-2010-amending")
    assert facts["signedOn"] == {"2010-12-10"}
    assert facts["signedAt"] == {"moscow"}
    assert facts["amends"] == {"collective-security-treaty"}


def test_day_the_amended_wording_applies_from(ask):
    """From which day does the 2010 wording of Article 4 apply?"""
    # zakonpravo.kz: the protocol entered into force on 19 December 2012.
    rows = ask(f"SELECT ?from ?certain WHERE {{ <{KG}cst-article-4-v2010> csto:possiblyFrom ?from ; csto:certainlyFrom ?certain }}")
    assert [(str(r["from"]), str(r["certain"])) for r in rows] == [("2012-12-19", "2012-12-19")]


def test_no_wording_before_the_treaty_took_effect(named):
    """Was any article of the Treaty in force in 1993, before the Treaty took effect?"""
    # pavlodar.com 1999 protocol and zakonpravo.kz: the Treaty took effect on 20 April 1994.
    assert article_rows(named, "1993-06-01") == {}
    assert 4 in article_rows(named, "1994-04-20")


def test_unchanged_articles(named):
    """Which of the articles read kept their 1992 wording through the 2010 amendment?"""
    # kremlin.ru 12507 lists the amended articles; zaki.ru (Articles 7, 8) and the official
    # site's amended text (Article 1, unchanged) give the rest.
    before, after = article_rows(named, "2000-01-01"), article_rows(named, "2020-01-01")
    unchanged = sorted(n for n in after if after[n] == before.get(n) == {"collective-security-treaty"})
    assert unchanged == [1, 7, 8]


def test_article_3_council_composition(named):
    """Who sat in the Collective Security Council under Article 3 before and after the 2010 amendment?"""

    # odkb.gov.ru/b/azbengl.htm: heads of state and the CIS commander-in-chief; zakonpravo.kz:
    # the 2010 protocol deletes the commander-in-chief.
    def summary(date: str) -> str:
        rows = named("instrument", instrument="collective-security-treaty", date=date)
        return next(r["summary"] for r in rows if r["kind"] == "article" and int(r["number"]) == 3)

    assert "commander-in-chief" in summary("2005-06-01") and "without" not in summary("2005-06-01")
    assert "without the commander-in-chief" in summary("2015-06-01")


def test_charter_signing(ask):
    """Where and when was the Charter of the organisation signed?"""
    # en.special.kremlin.ru/supplement/3506: signed by six presidents in Chisinau on 7 October 2002.
    facts = instrument_facts(ask, "csto-charter")
    assert facts["signedOn"] == {"2002-10-07"}
    assert facts["signedAt"] == {"chisinau"}


def test_charter_short_name(named):
    """Which instrument gave Article 1 of the Charter the short name CSTO, and since when?"""
    # en.odkb-csto.org Charter page: Article 1 as amended by the protocol of 10 December 2010;
    # zakonpravo.kz: that protocol in force 19 December 2012.
    assert article_rows(named, "2008-01-01", "csto-charter").get(1) == {"csto-charter"}
    assert article_rows(named, "2013-01-01", "csto-charter")[1] == {"protocol-2010-charter-amending"}


def test_extension_protocol(ask):
    """Which instrument extended the Treaty in 1999, where and when was it signed?"""
    # pavlodar.com/zakon dok=03122: protocol signed in Moscow on 2 April 1999, extending the Treaty.
    facts = instrument_facts(ask, "protocol-1999-extension")
    assert facts["prolongs"] == {"collective-security-treaty"}
    assert facts["signedOn"] == {"1999-04-02"} and facts["signedAt"] == {"moscow"}


def test_un_registration_number(ask):
    """Under which number did the UN register the Collective Security Treaty?"""
    # issuhub.com, Gibler, International Military Alliances, entry 4.1442: UN Treaty no. 32307.
    assert instrument_facts(ask, "collective-security-treaty")["unRegistrationNumber"] == {"32307"}


def test_peacekeeping_agreement_and_its_protocol(ask):
    """Where and when was the peacekeeping agreement signed, and which protocol amended it?"""
    # zakonpravo.kz: signed in Dushanbe on 6 October 2007; asiaplustj.info: the protocol on
    # the coordinating state, signed in Dushanbe on 16 September 2021.
    agreement = instrument_facts(ask, "agreement-2007-peacekeeping")
    assert agreement["signedOn"] == {"2007-10-06"} and agreement["signedAt"] == {"dushanbe"}
    protocol = instrument_facts(ask, "protocol-2021-peacekeeping")
    assert protocol["amends"] == {"agreement-2007-peacekeeping"}
    assert protocol["signedOn"] == {"2021-09-16"}


def test_bases_and_uzbekistan_protocols(ask):
    """When were the protocol on foreign military infrastructure and the protocol restoring Uzbekistan signed?"""
    # base.garant.ru/70257058: signed in Moscow on 20 December 2011; lenta.ru 2006-12-13:
    # signed in Sochi in August 2006 (the month only).
    assert instrument_facts(ask, "protocol-2011-bases")["signedOn"] == {"2011-12-20"}
    uzbekistan = instrument_facts(ask, "protocol-2006-uzbekistan")
    assert uzbekistan["signedOn"] == {"2006-08"} and uzbekistan["signedAt"] == {"sochi"}


def test_rapid_reaction_force_agreement_date(ask):
    """On which day was the agreement on the Collective Rapid Reaction Forces signed?"""
    # zakonpravo.kz, law of 17 February 2010 No. 251-IV: signed in Moscow on 14 June 2009
    # (4 February 2009 is the day of the Council's decision it rests on).
    facts = instrument_facts(ask, "crrf-agreement")
    assert facts["signedOn"] == {"2009-06-14"} and facts["signedAt"] == {"moscow"}


def test_obligations_in_text_and_in_atop(named):
    """Which kinds of obligation do both the Treaty's texts and ATOP's coding show?"""
    # reference/atop-4220-alliance.csv (defense 1, consul 1, nonagg 1, noothall 1, milcon 2,
    # organ1 3, ...); the articles as read on the pages above.
    rows = {r["type"].removeprefix(CSTO): r for r in named("instrument-obligations", instrument="collective-security-treaty")}
    assert "defense = 1" in rows["CollectiveDefence"]["atop"]
    assert "Article 4 of the Collective Security Treaty, wording of 1992" in rows["CollectiveDefence"]["inText"]
    assert "consul = 1" in rows["Consultation"]["atop"] and "nonagg = 1" in rows["NonAggression"]["atop"]
    assert "milcon = 2" in rows["MilitaryCooperation"]["atop"]
    assert all(rows[kind]["inText"] and rows[kind]["atop"] for kind in rows)


def test_correlates_of_war_alliance(ask):
    """Under which number does the Correlates of War alliance data set know the Treaty, by ATOP?"""
    # reference/atop-4220-alliance.csv: cow4id = 350.
    assert instrument_facts(ask, "collective-security-treaty")["correlatesOfWarAllianceId"] == {"350"}


def test_charter_wording_before_and_after_it_took_effect(named):
    """Was any article of the Charter in force in June 2003, and which wording of Article 1 was in force in 2005?"""
    # zakonpravo.kz, Kazakhstan's law of 1 July 2003 No. 447: the Charter entered into force
    # on 18 September 2003.
    assert article_rows(named, "2003-06-01", "csto-charter") == {}
    rows = [r for r in named("instrument", instrument="csto-charter", date="2005-06-01") if r["kind"] == "article"]
    assert {(int(r["number"]), r["introducedBy"].removeprefix(KG), r["certain"]) for r in rows} == {
        (1, "csto-charter", True),
        (2, "csto-charter", True),
    }
