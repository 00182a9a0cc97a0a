"""What a reconciliation finds: dates at their precision, the values each side gives,
the comparison of one fact, and the report (text, JSON, Turtle).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg.core.dates import bounds
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import CSTO, GRAPH_ARTICLE, GRAPH_LINKS, KG, PREFIXES, PROV, RDFS, XSD
from csto_kg.core.texttable import text_table
from csto_kg.linking import link

STATUSES = ("agree", "disagree", "only-here", "only-there")
FORMATS = ("table", "json", "turtle")

WD = link.WIKIDATA
ORGANISATION = KG + "csto"
SECRETARY_GENERAL = KG + "secretary-general"
TREATY_PARTY = CSTO + "TreatyParty"
SQUARE_KILOMETRE = WD + "Q712226"

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
        out.write(text_table(header, rows, ragged_last=True))  # the note runs to the end of the line
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
