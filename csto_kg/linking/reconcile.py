"""Reconcile the graph with Wikidata: what each side says about the facts this graph holds.

For every entity the link set links to Wikidata, the report compares, fact by fact:

- its labels, in the languages this graph gives it one (rdfs:label; a Wikidata alias,
  skos:altLabel, or an alternative label here that matches counts as agreement);
- its type: the class this graph gives it against Wikidata's instance of (P31), followed
  up subclass of (P279) links to the Wikidata class that matches (see TYPE_ROOTS);
- for states: capital (P36), population (P1082) and area (P2046), exact values side by
  side, no tolerance; the point in time of the population and the unit of the area shown;
- for the organisation: its headquarters (P159), its Secretaries General (P3975,
  "secretary general", the property Wikidata uses for that office of an organisation;
  P488 "chairperson" is a different office), its member count (P2124), and its members,
  from the membership statements on the states (p:P463 / ps:P463 with the qualifiers
  start time P580 and end time P582, read with their precision).

Memberships are compared with this graph's time-aware data: consecutive periods in
which a state counts as a member are one period (a party to the treaty that became a
member of the organisation on its founding stays one period; a Wikidata date matching
that change of status agrees); a state shown by Wikidata as a member with no end time
while its membership here ended (Uzbekistan, suspended on 19 December 2012) disagrees;
a state Wikidata lists that was never a member here is only-there. Dates are compared
at their precision: a year stays a year, so "1993" agrees with "1993-09-24" at year
precision and never becomes 1 January.

Each fact is: agree, disagree (both values shown, with both sources), only-here or
only-there. Entities without a checked identifier are not compared: nothing is matched
by name (a note points out when a label there equals that of an unlinked entity here).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from csto_kg.building.ensure import ensure_built
from csto_kg.core.built import open_store
from csto_kg.core.namespaces import XSD
from csto_kg.core.paths import Layout
from csto_kg.linking import link, remote
from csto_kg.linking.findings import ORGANISATION, SQUARE_KILOMETRE, WD, Comparison, Report, Span, Value, same_date
from csto_kg.linking.sides import Local, Period, Remote, read_local, read_remote, type_roots

# Comparing -------------------------------------------------------------------------------


class _Builder:
    def __init__(self, local: Local, remote: Remote) -> None:
        self.local = local
        self.remote = remote
        self.by_qid = {q: e for e, q in local.wikidata.items()}
        self.out: list[Comparison] = []

    def add(
        self, entity: str | None, external: str | None, fact: str, status: str, here: list[Value], there: list[Value], note: str = ""
    ) -> None:
        if not here and not there:
            return  # neither graph has this fact
        label = self.local.names.get(entity or "", "") or self.remote.names.get(external or "", "") or link.short(entity or external or "")
        self.out.append(Comparison(entity, external, label, fact, status, here, there, note))

    # Values as shown
    def here_entity(self, iri: str) -> Value:
        name = self.local.names.get(iri, link.short(iri))
        qid = self.local.wikidata.get(iri)
        return Value(f"{name} ({link.short(qid)})" if qid else f"{name} ({link.short(iri)}, not linked)", ox.NamedNode(iri))

    def there_entity(self, iri: str) -> Value:
        name = self.remote.names.get(iri) or self.local.names.get(self.by_qid.get(iri, ""), "")
        return Value(f"{name} ({link.short(iri)})" if name else link.short(iri), ox.NamedNode(iri))

    @staticmethod
    def status(here: list[Any], there: list[Any], same: bool) -> str:
        if not there:
            return "only-here"
        if not here:
            return "only-there"
        return "agree" if same else "disagree"

    # Facts
    def labels(self, entity: str, qid: str) -> None:
        here_by_lang = self.local.labels.get(entity, {})
        for lang in sorted(here_by_lang):
            here = here_by_lang[lang]
            there = self.remote.labels.get(qid, {}).get(lang, [])
            aliases_there = self.remote.aliases.get(qid, {}).get(lang, [])
            alt_here = self.local.alt_labels.get(entity, {}).get(lang, [])
            note = ""
            same = bool(set(here) & set(there))
            if not same and there and (set(here) & set(aliases_there) or set(there) & set(alt_here)):
                same, note = True, "matches an alternative label"
            hv = [Value(t, ox.Literal(t, language=lang)) for t in here]
            tv = [Value(t, ox.Literal(t, language=lang)) for t in there]
            self.add(entity, qid, f"label@{lang}", self.status(hv, tv, same), hv, tv, note)

    def types(self, entity: str, qid: str) -> None:
        there = [
            Value(f"{label} ({link.short(cls)})" if label else link.short(cls), ox.NamedNode(cls))
            for cls, label in self.remote.types.get(qid, [])
        ]
        for cls, roots in type_roots(self.local, entity):
            reached = [name for root, name in roots if WD + root in self.remote.roots.get(qid, set())]
            wanted = " or ".join(f"{name} ({'wd:' + root})" for root, name in roots)
            here = [Value(link.short(cls), ox.NamedNode(cls))]
            if reached:
                note = f"an instance of {reached[0]} there"
            elif there:
                note = f"no class there falls under {wanted}"
            else:
                note = ""
            self.add(entity, qid, "type", self.status(here, there, bool(reached)), here, there, note)

    def linked_values(self, entity: str, qid: str, fact: str, here_iris: list[str], there_iris: list[str]) -> None:
        here = [self.here_entity(i) for i in here_iris]
        there = [self.there_entity(i) for i in there_iris]
        unlinked = [i for i in here_iris if i not in self.local.wikidata]
        mapped = {self.local.wikidata[i] for i in here_iris if i in self.local.wikidata}
        note = ""
        if unlinked and there:
            note = "not compared: " + ", ".join(link.short(i) for i in unlinked) + " has no checked Wikidata identifier"
            self.add(entity, qid, fact, "only-here", here, there, note)
            return
        same = bool(mapped) and mapped <= set(there_iris)
        self.add(entity, qid, fact, self.status(here, there, same), here, there, note)

    def quantity(self, entity: str, qid: str, fact: str, here_terms: list[ox.Literal], rows: list[dict[str, Any]]) -> None:
        here = [Value(t.value, t) for t in here_terms]
        there: list[Value] = []
        notes = []
        seen: dict[str, list[str]] = {}
        for row in rows:
            value = row["value"]
            if not isinstance(value, ox.Literal):
                continue
            when = Span.wikidata(row["when"], row.get("whenPrecision")) if row.get("when") is not None else None
            seen.setdefault(value.value, [])
            if when and when.text not in seen[value.value]:
                seen[value.value].append(when.text)
            unit = row.get("unit")
            if unit is not None and unit.value != SQUARE_KILOMETRE:
                notes.append(f"unit there {link.short(unit.value)}, not km²; not converted")
        for value, whens in seen.items():
            lit = next(r["value"] for r in rows if isinstance(r["value"], ox.Literal) and r["value"].value == value)
            there.append(Value(value + (f" ({', '.join(whens)})" if whens else ""), lit))
        same = not notes and any(
            _number(h.value) is not None and _number(h.value) == _number(t.term.value) for h in here_terms for t in there
        )
        self.add(entity, qid, fact, self.status(here, there, same), here, there, "; ".join(dict.fromkeys(notes)))

    def organisation(self, org_qid: str) -> None:
        org = ORGANISATION
        rows = self.remote.organisation
        self.linked_values(org, org_qid, "headquarters", self.local.headquarters, _iris(rows.get("headquarters", [])))
        self.secretaries(org, org_qid, rows.get("secretary general", []))
        here_count = sum(1 for periods in self.local.periods.values() if any(p.end is None for p in periods))
        count = ox.Literal(str(here_count), datatype=ox.NamedNode(XSD + "integer"))
        note = "here: the states whose membership has no end"
        before = len(self.out)
        self.quantity(org, org_qid, "member count", [count], rows.get("member count", []))
        if len(self.out) > before:
            self.out[before].note = "; ".join(x for x in (self.out[before].note, note) if x)
        self.members(org_qid, rows.get("member", []))

    def secretaries(self, org: str, org_qid: str, rows: list[dict[str, Any]]) -> None:
        by_holder: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            if isinstance(row["value"], ox.NamedNode):
                by_holder[row["value"].value].append(row)
        matched: set[str] = set()
        for qid_holder, statements in sorted(by_holder.items(), key=lambda kv: self.remote.names.get(kv[0], kv[0])):
            there = [Value(f"{self.there_entity(qid_holder).text}{_dates(r)}", ox.NamedNode(qid_holder)) for r in statements]
            entity = self.by_qid.get(qid_holder)
            if entity and entity in self.local.secretaries:
                matched.add(entity)
                self.add(org, org_qid, "secretary general", "agree", [self.here_entity(entity)], there)
                continue
            note = "not a Secretary General here" if entity else "not linked to an entity here"
            name = self.remote.names.get(qid_holder, "")
            namesakes = [e for e in self.local.secretaries if e not in self.local.wikidata and self.local.names.get(e) == name]
            if namesakes:
                note += (
                    f"; same label as {', '.join(link.short(e) for e in namesakes)}, which has no checked identifier (not matched by name)"
                )
            self.add(org, org_qid, "secretary general", "only-there", [], there, note)
        for holder in self.local.secretaries:
            if holder in matched:
                continue
            note = "" if holder in self.local.wikidata else "no checked Wikidata identifier here, so not compared"
            self.add(org, org_qid, "secretary general", "only-here", [self.here_entity(holder)], [], note)

    def members(self, org_qid: str, rows: list[dict[str, Any]]) -> None:
        statements: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            if isinstance(row["value"], ox.NamedNode):
                statements[row["value"].value].append(row)
        states = set(self.local.periods) | {self.by_qid[q] for q in statements if q in self.by_qid}
        order = sorted(states, key=lambda s: self.local.names.get(s, s).lower())
        for state in order:
            qid = self.local.wikidata.get(state)
            periods = [p for p in self.local.periods.get(state, [])]
            if qid is None:
                for period in periods:
                    self.add(state, None, "membership", "only-here", [Value(period.text())], [], "no Wikidata link here")
                continue
            self.membership(state, qid, periods, statements.pop(qid, []))
        for qid, rows_ in sorted(statements.items(), key=lambda kv: self.remote.names.get(kv[0], kv[0])):
            for row in rows_:
                self.add(None, qid, "membership", "only-there", [], [Value(_period_there(row))], "not linked to an entity here")

    def membership(self, state: str, qid: str, periods: list[Period], rows: list[dict[str, Any]]) -> None:
        assigned: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r["start"].value if r.get("start") is not None else ""):
            start = _span(row, "start")
            end = _span(row, "end")
            lo = start.first if start else dt.date.min
            hi = end.last if end else dt.date.max
            best, best_overlap = None, -1
            for i, period in enumerate(periods):
                p_lo, p_hi = period.day_range()
                if lo < p_hi and p_lo <= hi:
                    overlap = (min(hi, p_hi) - max(lo, p_lo)).days
                    if overlap > best_overlap:
                        best, best_overlap = i, overlap
            if best is None:
                there = [Value(_period_there(row))]
                if periods:
                    note = "no membership here overlaps it"
                else:
                    note = "never a member here"
                self.add(state, qid, "membership", "only-there", [Value(p.text()) for p in periods] if periods else [], there, note)
            else:
                assigned[best].append(row)
        for i, period in enumerate(periods):
            if i not in assigned:
                self.add(state, qid, "membership", "only-here", [Value(period.text())], [], "")
                continue
            for row in assigned[i]:
                self.add(state, qid, "membership", *_compare_period(period, row))

    def build(self) -> list[Comparison]:
        org_qid = self.local.wikidata.get(ORGANISATION)
        if org_qid:
            self.organisation(org_qid)
        for entity in sorted(self.local.wikidata, key=lambda e: (self.local.names.get(e, e).lower(), e)):
            qid = self.local.wikidata[entity]
            self.labels(entity, qid)
            self.types(entity, qid)
            if entity in self.local.states:
                facts = self.remote.facts.get(qid, {})
                self.linked_values(entity, qid, "capital", self.local.capitals.get(entity, []), _iris(facts.get("capital", [])))
                self.quantity(entity, qid, "population", self.local.populations.get(entity, []), facts.get("population", []))
                self.quantity(entity, qid, "area (km²)", self.local.areas.get(entity, []), facts.get("area", []))
        return self.out


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _iris(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["value"].value for r in rows if isinstance(r["value"], ox.NamedNode)))


def _span(row: dict[str, Any], name: str) -> Span | None:
    term = row.get(name)
    if not isinstance(term, ox.Literal):
        return None
    return Span.wikidata(term, row.get(f"{name}Precision"))


def _dates(row: dict[str, Any]) -> str:
    start, end = _span(row, "start"), _span(row, "end")
    if not start and not end:
        return ""
    return f", {start.text if start else '?'} to {end.text if end else '(no end)'}"


def _period_there(row: dict[str, Any]) -> str:
    start, end = _span(row, "start"), _span(row, "end")
    return f"{start.text if start else '(no start)'} to {end.text if end else '(no end)'}"


def _compare_period(period: Period, row: dict[str, Any]) -> tuple[str, list[Value], list[Value], str]:
    """Status, values and note for one Wikidata membership statement against one period here."""
    start, end = _span(row, "start"), _span(row, "end")
    changes = period.changes()
    problems: list[str] = []
    notes: list[str] = []

    def check(here: Span | None, there: Span, which: str) -> None:
        candidates = ([here] if here else []) + changes
        for i, candidate in enumerate(candidates):
            ok, note = same_date(candidate, there)
            if ok:
                if here is None or i > 0:
                    notes.append(f"{which} there is the day the party to the treaty became a member of the organisation ({candidate.text})")
                elif note:
                    notes.append(f"{which}: {note}")
                return
        problems.append(f"{which} differs ({here.text if here else 'none'} here, {there.text} there)")

    if start is None:
        notes.append("no start time there")
    else:
        check(period.start, start, "start")
    if end is None and period.end is not None:
        after = f", then {period.after}" if period.after else ""
        problems.append(f"still a member there (no end time); here it ended {period.end.text}{after}")
    elif end is not None and period.end is None:
        problems.append(f"ended {end.text} there; goes on here")
    elif end is not None:
        check(period.end, end, "end")
    status = "disagree" if problems else "agree"
    return status, [Value(period.text())], [Value(_period_there(row))], "; ".join(problems + notes)


def reconcile(store: ox.Store, endpoint: Any) -> Report:
    """Compare the built graph in `store` with the endpoint (a URL or a remote.Endpoint)."""
    if isinstance(endpoint, str):
        endpoint = remote.Endpoint(endpoint)
    retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    local = read_local(store)
    found = read_remote(endpoint, local)
    return Report(endpoint.url, retrieved, _Builder(local, found).build())


def run(
    endpoint: Any = None,
    *,
    data_root: Any = None,
    build_dir: Any = None,
) -> Report:
    """Build if needed, then reconcile the built graph with `endpoint` (default: Wikidata)."""
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    return reconcile(open_store(layout), endpoint or remote.DEFAULT_ENDPOINT)
