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
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg.core.dates import bounds
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import CSTO, GRAPH_ARTICLE, GRAPH_LINKS, GRAPH_ONTOLOGY, KG, PREFIXES, RDFS, TIME, XSD
from csto_kg.linking import link

STATUSES = ("agree", "disagree", "only-here", "only-there")
FORMATS = ("table", "json", "turtle")

WD = link.WIKIDATA
ORGANISATION = KG + "csto"
SECRETARY_GENERAL = KG + "secretary-general"
TREATY_PARTY = CSTO + "TreatyParty"
SQUARE_KILOMETRE = WD + "Q712226"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"

# The Wikidata class an entity of each csto: class must fall under (P31/P279*) to agree.
# Entities of a class not listed here are compared by the nearest listed superclass.
TYPE_ROOTS: dict[str, tuple[tuple[str, str], ...]] = {
    CSTO + "State": (("Q7275", "state"), ("Q6256", "country")),
    CSTO + "City": (("Q515", "city"),),
    CSTO + "Person": (("Q5", "human"),),
    CSTO + "MilitaryAlliance": (("Q1127126", "military alliance"),),
    CSTO + "InternationalOrganisation": (("Q484652", "international organization"),),
    CSTO + "Organisation": (("Q43229", "organization"),),
    CSTO + "Treaty": (("Q131569", "treaty"),),
}

WIKIDATA_PREFIXES = """\
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_WIKIDATA_PRECISION = {11: "day", 10: "month", 9: "year", 8: "decade", 7: "century", 6: "millennium"}


# Dates at their precision -----------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A date as precise as its source gives it: the first and last day it can mean."""

    first: dt.date
    last: dt.date
    text: str
    precision: str  # day, month, year, decade, century, millennium

    @classmethod
    def local(cls, term: ox.Literal) -> Span:
        first, last = bounds(term.value, term.datatype.value)
        precision = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}[term.datatype.value]
        return cls(first, last, term.value, precision)

    @classmethod
    def wikidata(cls, term: ox.Literal, precision: Any = None) -> Span | None:
        match = re.match(r"^\+?(-?\d{1,})-(\d{2})-(\d{2})", term.value)
        if not match:
            return None
        year, month, day = int(match[1]), max(1, int(match[2])), max(1, int(match[3]))
        if not 1 <= year <= 9999:
            return None
        try:
            level = int(precision.value) if precision is not None else 11
        except ValueError:
            level = 11
        if level >= 11:
            day_ = dt.date(year, month, day)
            return cls(day_, day_, day_.isoformat(), "day")
        if level == 10:
            first, last = bounds(f"{year:04d}-{month:02d}", XSD + "gYearMonth")
            return cls(first, last, f"{year:04d}-{month:02d}", "month")
        if level == 9:
            return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year:04d}", "year")
        size = {8: 10, 7: 100}.get(level, 1000)
        start = max(1, year // size * size)
        end = min(9999, year // size * size + size - 1)
        return cls(dt.date(start, 1, 1), dt.date(end, 12, 31), f"{year // size * size}s", _WIKIDATA_PRECISION.get(level, "millennium"))


def same_date(here: Span, there: Span) -> tuple[bool, str]:
    """(agree?, note). Equal dates agree; a coarser date that holds the finer one agrees
    at the coarser precision; anything else disagrees."""
    if here.first == there.first and here.last == there.last:
        return True, ""
    if here.first <= there.first and there.last <= here.last:
        return True, f"agrees at {here.precision} precision ({here.text} here, {there.text} there)"
    if there.first <= here.first and here.last <= there.last:
        return True, f"agrees at {there.precision} precision ({here.text} here, {there.text} there)"
    return False, ""


# The report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One value as shown, with the RDF term it stands for (None for composite values)."""

    text: str
    term: ox.NamedNode | ox.Literal | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if isinstance(self.term, ox.NamedNode):
            out["iri"] = self.term.value
        elif isinstance(self.term, ox.Literal):
            out["value"] = self.term.value
            if self.term.language:
                out["language"] = self.term.language
            else:
                out["datatype"] = self.term.datatype.value
        return out


@dataclass
class Comparison:
    """One fact: what this graph says, what the other graph says, and whether they agree."""

    entity: str | None  # the entity here (None when only the other graph has it)
    external: str | None  # its IRI there
    label: str
    fact: str
    status: str
    here: list[Value] = field(default_factory=list)
    there: list[Value] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "external": self.external,
            "label": self.label,
            "fact": self.fact,
            "status": self.status,
            "here": [v.as_json() for v in self.here],
            "there": [v.as_json() for v in self.there],
            "note": self.note,
        }


@dataclass
class Report:
    endpoint: str
    retrieved: str  # ISO 8601, UTC
    comparisons: list[Comparison] = field(default_factory=list)
    here_source: str = "csto-kg: the article graph, with the link set"

    def counts(self) -> dict[str, int]:
        found = {s: 0 for s in STATUSES}
        for c in self.comparisons:
            found[c.status] += 1
        return found

    def summary(self) -> str:
        return ", ".join(f"{n} {s.replace('-', ' ')}" for s, n in self.counts().items())

    def find(self, fact: str, entity: str | None = None, external: str | None = None) -> list[Comparison]:
        return [
            c
            for c in self.comparisons
            if c.fact == fact and (entity is None or c.entity == entity) and (external is None or c.external == external)
        ]

    def write(self, stream: BinaryIO, fmt: str | None = None) -> None:
        fmt = (fmt or "table").lower()
        if fmt in ("ttl", "turtle"):
            used = {p: PREFIXES[p] for p in ("csto", "kg", "prov", "rdfs", "xsd")}
            ox.serialize(self.triples(), stream, format=ox.RdfFormat.TURTLE, prefixes={**used, "wd": WD})
        elif fmt == "json":
            data = {
                "endpoint": self.endpoint,
                "retrieved": self.retrieved,
                "here": self.here_source,
                "there": self.endpoint,
                "summary": self.counts(),
                "facts": [c.as_json() for c in self.comparisons],
            }
            stream.write((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        elif fmt == "table":
            stream.write(self.table().encode("utf-8"))
        else:
            raise UsageError(f"unknown format {fmt!r} for the report; known: {', '.join(FORMATS)}")

    def table(self) -> str:
        out = io.StringIO()
        out.write(f"here:  {self.here_source}\nthere: {self.endpoint} (retrieved {self.retrieved})\n\n")
        header = ["entity", "fact", "status", "here", "there", "note"]
        rows = [
            [
                link.short(c.entity) if c.entity else (link.short(c.external) if c.external else ""),
                c.fact,
                c.status,
                "; ".join(v.text for v in c.here) or "-",
                "; ".join(v.text for v in c.there) or "-",
                c.note,
            ]
            for c in self.comparisons
        ]
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
        widths[-1] = 0  # the note runs to the end of the line
        out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
        out.write("  ".join("-" * max(w, 4) for w in widths) + "\n")
        for r in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
        out.write(f"\n{len(self.comparisons)} facts: {self.summary()}\n")
        return out.getvalue()

    def triples(self) -> list[ox.Triple]:
        """The report in RDF, with the report terms of the csto: ontology."""

        def n(iri: str) -> ox.NamedNode:
            return ox.NamedNode(iri)

        rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        outcome = {"agree": "Agree", "disagree": "Disagree", "only-here": "OnlyHere", "only-there": "OnlyThere"}
        report = ox.BlankNode()
        out = [
            ox.Triple(report, rdf_type, n(CSTO + "Reconciliation")),
            ox.Triple(report, n(PROV + "used"), n(self.endpoint)),
            ox.Triple(report, n(PROV + "used"), n(GRAPH_ARTICLE)),
            ox.Triple(report, n(PROV + "used"), n(GRAPH_LINKS)),
            ox.Triple(report, n(PROV + "startedAtTime"), ox.Literal(self.retrieved, datatype=n(XSD + "dateTime"))),
            ox.Triple(report, n(RDFS + "comment"), ox.Literal(f"{len(self.comparisons)} facts: {self.summary()}", language="en")),
        ]
        parts: list[ox.Triple] = []
        for c in self.comparisons:
            node = ox.BlankNode()
            parts.append(ox.Triple(node, rdf_type, n(CSTO + "FactComparison")))
            parts.append(ox.Triple(node, n(CSTO + "inReconciliation"), report))
            if c.entity:
                parts.append(ox.Triple(node, n(CSTO + "comparedEntity"), n(c.entity)))
            if c.external:
                parts.append(ox.Triple(node, n(CSTO + "externalEntity"), n(c.external)))
            parts.append(ox.Triple(node, n(RDFS + "label"), ox.Literal(f"{c.label}: {c.fact}", language="en")))
            parts.append(ox.Triple(node, n(CSTO + "comparedFact"), ox.Literal(c.fact)))
            parts.append(ox.Triple(node, n(CSTO + "outcome"), n(CSTO + outcome[c.status])))
            for prop, values in (("valueHere", c.here), ("valueThere", c.there)):
                for v in values:
                    parts.append(ox.Triple(node, n(CSTO + prop), v.term if v.term is not None else ox.Literal(v.text)))
            if c.note:
                parts.append(ox.Triple(node, n(RDFS + "comment"), ox.Literal(c.note, language="en")))
        return out + parts


# Reading this graph ----------------------------------------------------------------------


def _rows(store: ox.Store, text: str) -> list[dict[str, Any]]:
    solutions = link.select(store, text)
    names = [v.value for v in solutions.variables]
    return [{name: s[name] for name in names} for s in solutions]


@dataclass
class Segment:
    status: str
    status_label: str
    counts: bool
    begin: Span | None
    end: Span | None
    begin_key: tuple[str, str] | None
    end_key: tuple[str, str] | None


@dataclass
class Period:
    """Consecutive memberships in which a state counts as a member."""

    segments: list[Segment]
    after: str = ""  # the status that followed, when it does not count (e.g. suspended)

    @property
    def start(self) -> Span | None:
        return self.segments[0].begin

    @property
    def end(self) -> Span | None:
        return self.segments[-1].end

    def changes(self) -> list[Span]:
        """Days on which a party to the treaty became a member of the organisation."""
        return [b.begin for a, b in zip(self.segments, self.segments[1:], strict=False) if a.status == TREATY_PARTY and b.begin is not None]

    def text(self) -> str:
        start = self.start.text if self.start else "?"
        end = self.end.text if self.end else "(no end)"
        return f"{start} to {end}{', then ' + self.after if self.after else ''}"

    def day_range(self) -> tuple[dt.date, dt.date]:
        return (self.start.first if self.start else dt.date.min, self.end.last if self.end else dt.date.max)


def _key(term: Any) -> tuple[str, str] | None:
    return (term.value, term.datatype.value) if isinstance(term, ox.Literal) else None


def member_periods(store: ox.Store, organisation: str = ORGANISATION) -> dict[str, list[Period]]:
    """State -> its membership periods in the organisation, from the article graph."""
    text = f"""
        SELECT ?state ?status ?statusLabel ?counts ?begin ?end WHERE {{
          GRAPH <{GRAPH_ARTICLE}> {{
            ?m a <{CSTO}Membership> ; <{CSTO}member> ?state ; <{CSTO}organisation> <{organisation}> ;
               <{CSTO}status> ?status ; <{CSTO}during> ?interval .
          }}
          ?status <{CSTO}countsAsMember> ?counts .
          OPTIONAL {{ ?status <{RDFS}label> ?statusLabel . FILTER(LANG(?statusLabel) = "en") }}
          OPTIONAL {{ ?interval <{TIME}hasBeginning>/(<{TIME}inXSDDate>|<{TIME}inXSDgYearMonth>|<{TIME}inXSDgYear>) ?begin }}
          OPTIONAL {{ ?interval <{TIME}hasEnd>/(<{TIME}inXSDDate>|<{TIME}inXSDgYearMonth>|<{TIME}inXSDgYear>) ?end }}
        }}"""
    by_state: dict[str, list[Segment]] = defaultdict(list)
    for row in _rows(store, text):
        by_state[row["state"].value].append(
            Segment(
                status=row["status"].value,
                status_label=row["statusLabel"].value if row["statusLabel"] else link.short(row["status"].value),
                counts=row["counts"].value in ("true", "1"),
                begin=Span.local(row["begin"]) if row["begin"] else None,
                end=Span.local(row["end"]) if row["end"] else None,
                begin_key=_key(row["begin"]),
                end_key=_key(row["end"]),
            )
        )
    periods: dict[str, list[Period]] = {}
    for state, segments in by_state.items():
        segments.sort(key=lambda s: s.begin.first if s.begin else dt.date.min)
        found: list[Period] = []
        current: Period | None = None
        for seg in segments:
            meets = current is not None and current.segments[-1].end_key is not None and current.segments[-1].end_key == seg.begin_key
            if seg.counts:
                if current is not None and meets:
                    current.segments.append(seg)
                else:
                    current = Period([seg])
                    found.append(current)
            else:
                if current is not None and meets:
                    current.after = seg.status_label
                current = None
        periods[state] = found
    return periods


@dataclass
class Local:
    """What this graph says about the linked entities."""

    wikidata: dict[str, str]  # entity -> Wikidata IRI
    labels: dict[str, dict[str, list[str]]]  # entity -> language -> labels
    alt_labels: dict[str, dict[str, list[str]]]
    classes: dict[str, list[str]]  # entity -> its classes in the article graph
    superclasses: dict[str, list[str]]
    names: dict[str, str]  # any entity of the article graph -> English label
    states: list[str]
    capitals: dict[str, list[str]]
    populations: dict[str, list[ox.Literal]]
    areas: dict[str, list[ox.Literal]]
    headquarters: list[str]
    secretaries: list[str]  # holders of the Secretary General's post
    periods: dict[str, list[Period]]


def read_local(store: ox.Store) -> Local:
    wikidata = link.wikidata_links(store)
    labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    alt_labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for row in _rows(
        store, f"SELECT ?e ?p ?l WHERE {{ GRAPH <{GRAPH_ARTICLE}> {{ ?e ?p ?l VALUES ?p {{ <{RDFS}label> <{SKOS}altLabel> }} }} }}"
    ):
        lit = row["l"]
        if not isinstance(lit, ox.Literal) or not lit.language:
            continue
        target = labels if row["p"].value == RDFS + "label" else alt_labels
        target[row["e"].value][lit.language.lower()].append(lit.value)
        if row["p"].value == RDFS + "label" and lit.language.lower() == "en":
            names.setdefault(row["e"].value, lit.value)
    classes: dict[str, list[str]] = defaultdict(list)
    for row in _rows(store, f"SELECT ?e ?c WHERE {{ GRAPH <{GRAPH_ARTICLE}> {{ ?e a ?c }} }}"):
        classes[row["e"].value].append(row["c"].value)
    superclasses: dict[str, list[str]] = defaultdict(list)
    for row in _rows(store, f"SELECT ?c ?s WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?c <{RDFS}subClassOf> ?s }} }}"):
        if isinstance(row["s"], ox.NamedNode):
            superclasses[row["c"].value].append(row["s"].value)
    facts: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    text = f"""SELECT ?e ?p ?o WHERE {{ GRAPH <{GRAPH_ARTICLE}> {{ ?e ?p ?o
        VALUES ?p {{ <{CSTO}capital> <{CSTO}population> <{CSTO}areaKm2> <{CSTO}headquarters> }} }} }}"""
    for row in _rows(store, text):
        facts[row["p"].value][row["e"].value].append(row["o"])
    holders = _rows(
        store,
        f"""SELECT DISTINCT ?h WHERE {{ GRAPH <{GRAPH_ARTICLE}> {{
              ?t a <{CSTO}Tenure> ; <{CSTO}post> <{SECRETARY_GENERAL}> ; <{CSTO}holder> ?h }} }}""",
    )
    states = sorted(e for e, cs in classes.items() if CSTO + "State" in cs)
    return Local(
        wikidata=wikidata,
        labels=labels,
        alt_labels=alt_labels,
        classes=classes,
        superclasses=superclasses,
        names=names,
        states=states,
        capitals={e: [o.value for o in v] for e, v in facts[CSTO + "capital"].items()},
        populations=dict(facts[CSTO + "population"]),
        areas=dict(facts[CSTO + "areaKm2"]),
        headquarters=[o.value for o in facts[CSTO + "headquarters"].get(ORGANISATION, [])],
        secretaries=sorted(r["h"].value for r in holders),
        periods=member_periods(store),
    )


# Asking the other graph ------------------------------------------------------------------


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _lang_list(langs: set[str]) -> str:
    return ", ".join(json.dumps(lang) for lang in sorted(langs))


def _remote_rows(endpoint: Any, text: str) -> list[dict[str, Any]]:
    from csto_kg.linking import remote

    result = remote.run(endpoint, WIKIDATA_PREFIXES + text)
    return [dict(zip(result.variables, row, strict=True)) for row in result.rows]


@dataclass
class Remote:
    labels: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    aliases: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    types: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # item -> (class, label)
    roots: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # item -> roots reached
    facts: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    organisation: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, str] = field(default_factory=dict)  # Wikidata IRI -> English label


def _type_roots(local: Local, entity: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(local class, Wikidata roots) for each class of the entity, by its nearest mapped class."""
    found = []
    for cls in local.classes.get(entity, []):
        seen, queue = set(), [cls]
        while queue:
            current = queue.pop(0)
            if current in TYPE_ROOTS:
                found.append((cls, TYPE_ROOTS[current]))
                break
            if current not in seen:
                seen.add(current)
                queue.extend(local.superclasses.get(current, []))
    return found


def read_remote(endpoint: Any, local: Local) -> Remote:
    out = Remote()
    items = sorted(set(local.wikidata.values()))
    if not items:
        return out
    langs = {lang for e in local.wikidata for lang in local.labels.get(e, {})} or {"en"}
    text = f"""
SELECT ?item ?kind ?value ?valueLabel WHERE {{
  VALUES ?item {{ {_values(items)} }}
  {{ ?item rdfs:label ?value . BIND("label" AS ?kind) FILTER(LCASE(LANG(?value)) IN ({_lang_list(langs)})) }}
  UNION {{ ?item skos:altLabel ?value . BIND("alias" AS ?kind) FILTER(LCASE(LANG(?value)) IN ({_lang_list(langs)})) }}
  UNION {{ ?item wdt:P31 ?value . BIND("type" AS ?kind)
           OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }} }}
}}"""
    for row in _remote_rows(endpoint, text):
        item, kind, value = row["item"].value, row["kind"].value, row["value"]
        if kind == "type" and isinstance(value, ox.NamedNode):
            out.types[item].append((value.value, row["valueLabel"].value if row["valueLabel"] else ""))
        elif isinstance(value, ox.Literal) and value.language:
            target = out.labels if kind == "label" else out.aliases
            target[item][value.language.lower()].append(value.value)
            if kind == "label" and value.language.lower() == "en":
                out.names[item] = value.value
    pairs = sorted({(qid, WD + root) for e, qid in local.wikidata.items() for _, roots in _type_roots(local, e) for root, _ in roots})
    if pairs:
        text = f"""
SELECT ?item ?root WHERE {{
  VALUES (?item ?root) {{ {" ".join(f"(<{a}> <{b}>)" for a, b in pairs)} }}
  FILTER EXISTS {{ ?item wdt:P31/wdt:P279* ?root }}
}}"""
        for row in _remote_rows(endpoint, text):
            out.roots[row["item"].value].add(row["root"].value)
    states = sorted({local.wikidata[s] for s in local.states if s in local.wikidata})
    if states:
        text = f"""
SELECT ?item ?kind ?value ?valueLabel ?when ?whenPrecision ?unit WHERE {{
  VALUES ?item {{ {_values(states)} }}
  {{ ?item wdt:P36 ?value . BIND("capital" AS ?kind)
     OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }} }}
  UNION {{ ?item wdt:P1082 ?value . BIND("population" AS ?kind)
     OPTIONAL {{ ?item p:P1082 ?st . ?st ps:P1082 ?value ; pqv:P585 ?wv .
                ?wv wikibase:timeValue ?when ; wikibase:timePrecision ?whenPrecision }} }}
  UNION {{ ?item wdt:P2046 ?value . BIND("area" AS ?kind)
     OPTIONAL {{ ?item p:P2046 ?st2 . ?st2 ps:P2046 ?value ; psv:P2046 ?av . ?av wikibase:quantityUnit ?unit }} }}
}}"""
        for row in _remote_rows(endpoint, text):
            out.facts[row["item"].value][row["kind"].value].append(row)
            if row["valueLabel"] is not None:
                out.names[row["value"].value] = row["valueLabel"].value
    org = local.wikidata.get(ORGANISATION)
    if org:
        dated = """
     OPTIONAL { ?st pq:P580 ?start . OPTIONAL { ?st pqv:P580 ?sv . ?sv wikibase:timePrecision ?startPrecision } }
     OPTIONAL { ?st pq:P582 ?end . OPTIONAL { ?st pqv:P582 ?ev . ?ev wikibase:timePrecision ?endPrecision } }
     FILTER NOT EXISTS { ?st wikibase:rank wikibase:DeprecatedRank }"""
        text = f"""
SELECT ?kind ?st ?value ?valueLabel ?start ?startPrecision ?end ?endPrecision ?when ?whenPrecision WHERE {{
  {{ ?value p:P463 ?st . ?st ps:P463 <{org}> . BIND("member" AS ?kind) {dated} }}
  UNION {{ <{org}> p:P3975 ?st . ?st ps:P3975 ?value . BIND("secretary general" AS ?kind) {dated} }}
  UNION {{ <{org}> wdt:P159 ?value . BIND("headquarters" AS ?kind) }}
  UNION {{ <{org}> wdt:P2124 ?value . BIND("member count" AS ?kind)
     OPTIONAL {{ <{org}> p:P2124 ?st . ?st ps:P2124 ?value ; pqv:P585 ?wv .
                ?wv wikibase:timeValue ?when ; wikibase:timePrecision ?whenPrecision }} }}
  OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }}
}}"""
        for row in _remote_rows(endpoint, text):
            out.organisation[row["kind"].value].append(row)
            if row["valueLabel"] is not None and isinstance(row["value"], ox.NamedNode):
                out.names[row["value"].value] = row["valueLabel"].value
    return out


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
        for cls, roots in _type_roots(self.local, entity):
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
    from csto_kg.linking import remote

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
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_store
    from csto_kg.core.paths import Layout
    from csto_kg.linking import remote

    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    return reconcile(open_store(layout), endpoint or remote.DEFAULT_ENDPOINT)
