"""Day bounds for every date, so that queries compare dates of any precision.

The build writes, into a named graph of its own (the source graphs stay as written):
- csto:earliest / csto:latest (xsd:date) on each time:Instant with an xsd date value and
  each event with a csto:date: "1993" gets 1993-01-01 and 1993-12-31. An instant of
  unknown date with csto:notBefore / csto:notAfter gets those.
- csto:possiblyFrom / csto:certainlyFrom / csto:certainlyUntil / csto:possiblyUntil on
  each membership, tenure and article version (csto:validDuring): the days between which it was possibly or certainly in
  force (the two `until` bounds are exclusive). A tenure without a known beginning starts
  no later than the first date a source shows it in office; without a known end it ends
  when its successor begins, or goes on if it has none. One that a data set leaves open
  (a source with csto:coveredUntil) is certain only to the last day the data set covers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from csto_kg.core.dates import bounds
from csto_kg.core.errors import ConsistencyError
from csto_kg.core.namespaces import CSTO, DCTERMS, GRAPH_DERIVED, PROV, TIME, XSD

_DATE_PROPERTIES = {TIME + "inXSDDate", TIME + "inXSDgYearMonth", TIME + "inXSDgYear", CSTO + "date"}
_XSD_DATE = ox.NamedNode(XSD + "date")
_GRAPH = ox.NamedNode(GRAPH_DERIVED)

Bounds = tuple[dt.date | None, dt.date | None]


def _date(value: dt.date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=_XSD_DATE)


def _literal_date(subject: object, predicate: str, term: object) -> dt.date:
    """The day of an xsd:date literal (csto:notBefore / csto:notAfter)."""
    if isinstance(term, ox.Literal) and term.datatype == _XSD_DATE:
        try:
            return bounds(term.value, XSD + "date")[0]
        except ValueError:
            pass
    raise ConsistencyError(f"{subject}: {predicate} must be an xsd:date literal, not {term}")


def _covered_until(by_predicate: dict[str, list[tuple]]) -> dict[object, dt.date]:
    """The last day covered by the source of each fact derived from a source with a
    csto:coveredUntil (through the part it cites)."""
    until = {source: _literal_date(source, "csto:coveredUntil", day) for source, day in by_predicate[CSTO + "coveredUntil"]}
    if not until:
        return {}
    source_of = {part: source for part, source in by_predicate[DCTERMS + "isPartOf"] if source in until}
    source_of.update({source: source for source in until})
    found: dict[object, dt.date] = {}
    for fact, cited in by_predicate[PROV + "wasDerivedFrom"]:
        if cited in source_of:
            day = until[source_of[cited]]
            found[fact] = min(day, found.get(fact, day))
    return found


def derive(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    by_predicate: dict[str, list[tuple]] = defaultdict(list)
    for q in quads:
        by_predicate[q.predicate.value].append((q.subject, q.object))

    instant: dict[object, list[dt.date | None]] = defaultdict(lambda: [None, None])
    out: set[ox.Quad] = set()
    for predicate in _DATE_PROPERTIES:
        for subject, obj in by_predicate[predicate]:
            if not isinstance(obj, ox.Literal):
                raise ConsistencyError(f"{subject}: {predicate} must be a date literal, not {obj}")
            try:
                first, last = bounds(obj.value, obj.datatype.value)
            except ValueError as err:
                raise ConsistencyError(f"{subject}: {err}") from None
            instant[subject] = [first, last]
    for subject, obj in by_predicate[CSTO + "notBefore"]:
        instant[subject][0] = _literal_date(subject, "csto:notBefore", obj)
    for subject, obj in by_predicate[CSTO + "notAfter"]:
        instant[subject][1] = _literal_date(subject, "csto:notAfter", obj)
    for subject, (first, last) in instant.items():
        if first is not None:
            out.add(ox.Quad(subject, ox.NamedNode(CSTO + "earliest"), _date(first), _GRAPH))
        if last is not None:
            out.add(ox.Quad(subject, ox.NamedNode(CSTO + "latest"), _date(last), _GRAPH))

    begins = dict(by_predicate[TIME + "hasBeginning"])
    ends = dict(by_predicate[TIME + "hasEnd"])

    def instant_bounds(node: object | None) -> Bounds | None:
        if node is None:
            return None
        first, last = instant.get(node, (None, None))
        return (first, last)

    facts: dict[object, dict[str, Bounds | None]] = {}
    for prop in (CSTO + "during", CSTO + "heldDuring", CSTO + "validDuring"):
        for fact, interval in by_predicate[prop]:
            facts[fact] = {"begin": instant_bounds(begins.get(interval)), "end": instant_bounds(ends.get(interval))}

    # Tenures: attestations and succession fill in unknown bounds.
    attested: dict[object, list[Bounds]] = defaultdict(list)
    for tenure, node in by_predicate[CSTO + "attestedOn"]:
        attested[tenure].append(tuple(instant.get(node, (None, None))))  # type: ignore[arg-type]
    successor = {before: after for after, before in by_predicate[CSTO + "succeeds"]}
    for tenure, _post in by_predicate[CSTO + "post"]:
        facts.setdefault(tenure, {"begin": None, "end": None})

    predecessor = {after: before for after, before in by_predicate[CSTO + "succeeds"]}
    covered_until = _covered_until(by_predicate)

    def begin_of(fact: object) -> Bounds:
        info = facts.get(fact, {"begin": None, "end": None})
        lo, hi = info["begin"] or (None, None)
        if lo is None and fact in predecessor:
            # Not before the day after the predecessor was last shown in office.
            before = [b[0] for b in attested.get(predecessor[fact], []) if b[0] is not None]
            if before:
                lo = max(before) + dt.timedelta(days=1)
        seen = [b for b in attested.get(fact, []) if b[1] is not None]
        if seen:
            first_seen = min(b[1] for b in seen)  # type: ignore[type-var]
            hi = first_seen if hi is None else min(hi, first_seen)
        return lo, hi

    for fact, info in facts.items():
        begin_lo, begin_hi = begin_of(fact)
        if info["end"] is not None:
            end_lo, end_hi = info["end"]
        elif fact in successor:
            end_lo, end_hi = begin_of(successor[fact])
            # Not before the last day the source shows the holder in office.
            seen = [b[0] for b in attested.get(fact, []) if b[0] is not None]
            if seen:
                end_lo = max([d for d in (end_lo, max(seen) + dt.timedelta(days=1)) if d is not None])
        elif fact in covered_until:
            # Left open by a data set: its claim runs to the last day it covers, no further.
            end_lo, end_hi = covered_until[fact] + dt.timedelta(days=1), None
        else:
            end_lo = end_hi = None  # goes on
        if end_hi is not None and end_lo is None:
            end_lo = begin_hi  # it may have ended as soon as it certainly began
        values = {
            "possiblyFrom": begin_lo,
            "certainlyFrom": begin_hi,
            "certainlyUntil": end_lo,
            "possiblyUntil": end_hi,
        }
        for name, value in values.items():
            if value is not None:
                out.add(ox.Quad(fact, ox.NamedNode(CSTO + name), _date(value), _GRAPH))
    return sorted(out, key=str)
