"""Named queries written for the planner answer as their plain formulations do.

`status` and `office-holders` were rewritten so that every pattern group starts from a
constant (docs/architecture.md); the plain formulations they replaced are kept in
tests/fixtures/reference-queries/. Both are run on many days: the bounds of every
membership and tenure, the day before and the day after, for every state and source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from csto_kg.querying.catalogue import catalogue, from_text
from csto_kg.querying.sparql import run_on_store

REFERENCE = Path(__file__).parent / "fixtures" / "reference-queries"


def _answers(store, named, given):
    return sorted(map(str, run_on_store(store, named, given).records()))


def _days(ask, of: str) -> list[str]:
    """Every bound of a `of` (csto:Membership or csto:Tenure), with the days around it."""
    found = ask(
        f"""SELECT DISTINCT ?day WHERE {{
          ?x a {of} .
          {{ ?x csto:possiblyFrom ?day }} UNION {{ ?x csto:certainlyFrom ?day }}
          UNION {{ ?x csto:certainlyUntil ?day }} UNION {{ ?x csto:possiblyUntil ?day }}
        }}"""
    )
    days = {r["day"] + dt.timedelta(days=shift) for r in found for shift in (-1, 0, 1)}
    return sorted(d.isoformat() for d in days)


@pytest.mark.parametrize("source", ["article", "atop"])
def test_status_answers_as_its_plain_formulation(store, layout, ask, source):
    fast = catalogue(layout.queries_dir)["status"]
    plain = from_text((REFERENCE / "status.rq").read_text(encoding="utf-8"), "status")
    states = [r["s"].rsplit("/", 1)[1] for r in ask("SELECT DISTINCT ?s WHERE { ?m a csto:Membership ; csto:member ?s }")]
    days = _days(ask, "csto:Membership")
    assert len(states) >= 9 and len(days) > 40
    compared = 0
    for state in states:
        for day in days:
            given = {"state": state, "date": day, "source": source}
            assert _answers(store, fast, given) == _answers(store, plain, given), given
            compared += 1
    assert compared == len(states) * len(days)


def test_office_holders_answers_as_its_plain_formulation(store, layout, ask):
    fast = catalogue(layout.queries_dir)["office-holders"]
    plain = from_text((REFERENCE / "office-holders.rq").read_text(encoding="utf-8"), "office-holders")
    days = _days(ask, "csto:Tenure")
    assert len(days) > 20
    holders = 0
    for day in days:
        answer = _answers(store, fast, {"date": day})
        assert answer == _answers(store, plain, {"date": day}), day
        holders += len(answer)
    assert holders > len(days)  # most days have someone in office
