"""Competency questions on the legal instruments: who signed and ratified what, and when
each instrument entered into force. The answers were read by hand on the pages named in
the comments (Kazakh ratification laws, the Kremlin, Garant, TASS, Gibler, Adilet)."""

from __future__ import annotations

from collections.abc import Callable

EV = "https://w3id.org/csto-kg/event/"


def local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def rows_of(named: Callable, instrument: str, kind: str, **params: str) -> list[dict]:
    return [r for r in named("ratifications", instrument=instrument, **params) if local(r["class"]) == kind]


def dates(rows: list[dict]) -> list[str]:
    return sorted(str(r["date"]) for r in rows)


def test_charter_signed_where_and_by_whom(named):
    """Where and on what day was the CSTO Charter signed, and by which states?"""
    # en.special.kremlin.ru/supplement/3506: six presidents, 7 October 2002, Chisinau.
    (row,) = [r for r in rows_of(named, "kg:csto-charter", "Signing") if r["place"]]
    assert (str(row["date"]), row["place"]) == ("2002-10-07", "Chisinau")
    assert set(row["actors"].split(", ")) == {"Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"}
    assert "kremlin" in row["sources"].split(", ")


def test_charter_in_force(named):
    """When did the CSTO Charter enter into force?"""
    # zakonpravo.kz, Kazakh law No. 447 of 1 July 2003: in force 18 September 2003.
    assert dates(rows_of(named, "kg:csto-charter", "EntryIntoForce")) == ["2003-09-18"]


def test_kazakhstan_ratified_charter(named):
    """On what day did Kazakhstan ratify the CSTO Charter?"""
    # zakonpravo.kz, law No. 447: 1 July 2003.
    assert dates(rows_of(named, "kg:csto-charter", "Ratification", state="kazakhstan")) == ["2003-07-01"]


def test_treaty_in_force_day(named):
    """On what day did the Collective Security Treaty enter into force, by the legal texts?"""
    # zakonpravo.kz (law No. 501-IV), adilet.zan.kz (law No. 4-II), pavlodar.com: 20 April 1994.
    rows = rows_of(named, "kg:collective-security-treaty", "EntryIntoForce")
    (day,) = [r for r in rows if str(r["date"]) == "1994-04-20"]
    assert set(day["sources"].split(", ")) == {"zakonpravo", "adilet", "pavlodar"}
    assert EV + "1994-treaty-in-force" in day["sameAs"].split()


def test_treaty_signed_in_tashkent(named):
    """In which city was the Collective Security Treaty signed?"""
    # issuhub.com, Gibler entry 4.1442; zakonpravo.kz law No. 501-IV: Tashkent, 15 May 1992.
    places = {(str(r["date"]), r["place"]) for r in rows_of(named, "kg:collective-security-treaty", "Signing") if r["place"]}
    assert places == {("1992-05-15", "Tashkent")}


def test_treaty_un_number(ask):
    """Under what number is the Collective Security Treaty in the United Nations Treaty Series?"""
    # issuhub.com, Gibler entry 4.1442: United Nations Treaty no. 32307.
    rows = ask("SELECT ?n WHERE { kg:collective-security-treaty csto:unRegistrationNumber ?n }")
    assert [r["n"] for r in rows] == ["32307"]


def test_extension_protocol(named):
    """Where was the 1999 extension protocol signed, when did Kazakhstan ratify it and when did it enter into force?"""
    # zakonpravo.kz law No. 501-IV: signed in Moscow 2 April 1999, in force 22 March 2000;
    # adilet.zan.kz law No. 4-II of 30 December 1999 ratifies it.
    (signed,) = rows_of(named, "kg:protocol-1999-extension", "Signing")
    assert (str(signed["date"]), signed["place"]) == ("1999-04-02", "Moscow")
    assert dates(rows_of(named, "kg:protocol-1999-extension", "Ratification", state="kazakhstan")) == ["1999-12-30"]
    assert dates(rows_of(named, "kg:protocol-1999-extension", "EntryIntoForce")) == ["2000-03-22"]


def test_amending_protocol_2010(named):
    """When did Kazakhstan ratify the protocol of 10 December 2010 amending the Treaty, and when did it enter into force?"""
    # zakonpravo.kz, law No. 501-IV of 28 November 2011; in force 19 December 2012.
    assert dates(rows_of(named, "kg:protocol-2010-amending", "Ratification", state="kazakhstan")) == ["2011-11-28"]
    assert dates(rows_of(named, "kg:protocol-2010-amending", "EntryIntoForce")) == ["2012-12-19"]


def test_amending_protocol_submitted_in_russia(named):
    """When did the Russian president put the 2010 Treaty protocol before the State Duma?"""
    # en.special.kremlin.ru events/12507: 31 August 2011.
    assert dates(rows_of(named, "kg:protocol-2010-amending", "RatificationStep", state="russia")) == ["2011-08-31"]


def test_charter_protocol_2010_in_russia(named):
    """Through which steps did Russia ratify the 2010 protocol amending the Charter?"""
    # tass.com/archive/670924: Duma 15 February 2012, Federation Council 22 February 2012;
    # en.special.kremlin.ru events/14635: the law signed 1 March 2012.
    steps = rows_of(named, "kg:protocol-2010-charter-amending", "RatificationStep", state="russia")
    assert dates(steps) == ["2012-02-15", "2012-02-22"]
    (final,) = rows_of(named, "kg:protocol-2010-charter-amending", "Ratification", state="russia")
    assert str(final["date"]) == "2012-03-01"
    assert set(final["sources"].split(", ")) == {"kremlin", "tass"}


def test_bases_protocol_in_russia(named):
    """When was the protocol on foreign military bases signed, and when did Russia ratify it?"""
    # base.garant.ru/70257058: signed in Moscow 20 December 2011; Duma 19 October 2012,
    # Federation Council 31 October 2012, law No. 200-FZ of 12 November 2012.
    (signed,) = rows_of(named, "kg:protocol-2011-bases", "Signing")
    assert (str(signed["date"]), signed["place"]) == ("2011-12-20", "Moscow")
    assert dates(rows_of(named, "kg:protocol-2011-bases", "Ratification", state="russia")) == ["2012-11-12"]
    assert "2012-10-31" in dates(rows_of(named, "kg:protocol-2011-bases", "RatificationStep", state="russia"))


def test_bases_protocol_in_kazakhstan(named):
    """When did the Kazakh government put the bases protocol before parliament?"""
    # adilet.zan.kz/rus/docs/P1300001248: decree No. 1248 of 21 November 2013.
    assert dates(rows_of(named, "kg:protocol-2011-bases", "RatificationStep", state="kazakhstan")) == ["2013-11-21"]


def test_peacekeeping_agreement_and_protocol(named):
    """Where were the peacekeeping agreement and its 2021 protocol signed, and when did Kazakhstan ratify each?"""
    # zakonpravo.kz: law No. 73-IV of 24 October 2008 (agreement signed in Dushanbe 6 October 2007);
    # law No. 28-VIII of 26 September 2023 (protocol signed in Dushanbe 16 September 2021).
    (agreement,) = rows_of(named, "kg:agreement-2007-peacekeeping", "Signing")
    assert (str(agreement["date"]), agreement["place"]) == ("2007-10-06", "Dushanbe")
    assert dates(rows_of(named, "kg:agreement-2007-peacekeeping", "Ratification", state="kazakhstan")) == ["2008-10-24"]
    (protocol,) = rows_of(named, "kg:protocol-2021-peacekeeping", "Signing")
    assert (str(protocol["date"]), protocol["place"]) == ("2021-09-16", "Dushanbe")
    assert dates(rows_of(named, "kg:protocol-2021-peacekeeping", "Ratification", state="kazakhstan")) == ["2023-09-26"]


def test_crrf_agreement(named):
    """When and where was the rapid-reaction-force agreement signed, and when did it enter into force?"""
    # zakonpravo.kz, law No. 251-IV of 17 February 2010: signed in Moscow 14 June 2009, in force 10 September 2010.
    signed = [r for r in rows_of(named, "kg:crrf-agreement", "Signing") if r["place"]]
    assert [(str(r["date"]), r["place"]) for r in signed] == [("2009-06-14", "Moscow")]
    assert dates(rows_of(named, "kg:crrf-agreement", "Ratification", state="kazakhstan")) == ["2010-02-17"]
    assert dates(rows_of(named, "kg:crrf-agreement", "EntryIntoForce")) == ["2010-09-10"]


def test_uzbek_protocol_date(named):
    """On what day is the protocol restoring Uzbekistan's membership dated?"""
    # tass.com/archive/678014: a protocol of 16 August 2006.
    assert dates(rows_of(named, "kg:protocol-2006-uzbekistan", "Signing")) == ["2006-08-16"]


def test_sources_disagree_on_georgia_and_the_bases_protocol(named):
    """Which legal sources disagree with the article on a date, and how?"""
    # Gibler: Georgia joined 9 December 1993 (the article: 9 September 1993); Garant: the
    # bases protocol signed 20 December 2011 (the article: the veto on 21 December 2011).
    rows = [r for r in named("conflicts") if r["sourceA"] == "article" and r["sourceB"] in ("gibler", "garant")]
    clashes = {(r["sourceB"], str(r["valueA"]), str(r["valueB"])) for r in rows if not r["compatible"]}
    assert clashes == {("gibler", "1993-09-09", "1993-12-09"), ("garant", "2011-12-21", "2011-12-20")}


def test_state_filter_keeps_instrument_wide_events(named):
    """Which events of the 2010 Treaty protocol concern Kazakhstan, with the protocol's own signature and entry into force?"""
    # zakonpravo.kz law No. 501-IV; the Russian submission (kremlin events/12507) is left out.
    kinds = [local(r["class"]) for r in named("ratifications", instrument="kg:protocol-2010-amending", state="kazakhstan")]
    assert kinds == ["Signing", "Ratification", "EntryIntoForce"]


def test_extension_runs_from(named):
    """From what day did the 1999 protocol extend the Collective Security Treaty?"""
    # pavlodar.com/zakon dok=03122: from 21 April 1999, for five years and then by further five-year periods.
    assert dates(rows_of(named, "kg:protocol-1999-extension", "Renewal")) == ["1999-04-21"]
