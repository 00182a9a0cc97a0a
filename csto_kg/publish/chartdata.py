"""What the charts show, read from the built store: the memberships of each state with
their bounds, the key events and milestones, the members on a day, and the events per year.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from csto_kg.core.errors import CstoKgError
from csto_kg.core.namespaces import CSTO, GRAPH_ARTICLE, GRAPH_INFERRED, KG, PREFIXES
from csto_kg.core.paths import Layout
from csto_kg.querying.catalogue import catalogue, from_text
from csto_kg.querying.sparql import run_on_store

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox

START = dt.date(1992, 5, 15)  # the treaty's signature: where the membership chart begins
EV = PREFIXES["ev"]
FORMATS = ("svg", "png", "pdf")

# How each status is drawn (Okabe-Ito colours, distinguishable with colour blindness).
STATUS_STYLE = {
    CSTO + "TreatyParty": "#56B4E9",
    CSTO + "FullMember": "#0072B2",
    CSTO + "ParticipationFrozen": "#E69F00",
    CSTO + "WithdrawalAnnounced": "#CC79A7",
    CSTO + "Suspended": "#D55E00",
}
OTHER_STATUS = "#999999"

# Key events drawn as markers on the rows of the states they involve; first match wins.
# class -> (marker, colour, size, scoped): a scoped class counts only when the event
# involves the CSTO, one of its organs or the treaty (not, say, leaving another alliance).
KEY_EVENTS = {
    CSTO + "ArticleInvocation": ("*", "#C00000", 11, False),
    CSTO + "Deployment": ("^", "#006D2C", 8, True),
    CSTO + "ForcesWithdrawal": ("v", "#006D2C", 8, True),
    CSTO + "Suspension": ("X", "#000000", 8, True),
    CSTO + "Withdrawal": ("x", "#000000", 7, True),
}
# Events of the treaty or the organisation as a whole, drawn as lines across all rows.
MILESTONES = {
    CSTO + "Founding": (KG + "csto", "CSTO founded"),
    CSTO + "Signing": (KG + "collective-security-treaty", "treaty signed"),
    CSTO + "EntryIntoForce": (KG + "collective-security-treaty", "treaty in force"),
    CSTO + "Renewal": (KG + "collective-security-treaty", "treaty renewed"),
}


def slug(iri: str) -> str:
    """The last segment of an IRI, usable in an id: kg:armenia -> armenia."""
    local = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", local).strip("-") or "x"


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


@dataclass
class Membership:
    iri: str
    state: str
    status: str
    status_label: str
    counts: bool  # whether the status counts the state as a member
    possibly_from: dt.date | None
    certainly_from: dt.date | None
    certainly_until: dt.date | None  # exclusive
    possibly_until: dt.date | None  # exclusive; None while it goes on


@dataclass
class Row:
    state: str
    name: str
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class KeyEvent:
    iri: str
    kind: str  # class IRI
    kind_label: str
    label: str
    earliest: dt.date
    latest: dt.date
    states: set[str] = field(default_factory=set)


def _rows(store: ox.Store, text: str, **params: str) -> list[dict[str, Any]]:
    return run_on_store(store, from_text(text), params).records()


_MEMBERSHIPS = f"""
SELECT ?m ?state ?name ?status ?statusLabel ?counts ?pf ?cf ?cu ?pu
WHERE {{
  GRAPH <{GRAPH_ARTICLE}> {{
    ?m a csto:Membership ; csto:member ?state ; csto:organisation kg:csto ; csto:status ?status .
  }}
  OPTIONAL {{ ?status rdfs:label ?statusLabel . FILTER(lang(?statusLabel) = "en") }}
  OPTIONAL {{ ?status csto:countsAsMember ?counts }}
  OPTIONAL {{ ?m csto:possiblyFrom ?pf }}
  OPTIONAL {{ ?m csto:certainlyFrom ?cf }}
  OPTIONAL {{ ?m csto:certainlyUntil ?cu }}
  OPTIONAL {{ ?m csto:possiblyUntil ?pu }}
  OPTIONAL {{ ?state rdfs:label ?name . FILTER(lang(?name) = "en") }}
}}
"""


def memberships(store: ox.Store) -> list[Row]:
    """One row per state that was ever a party or member (article graph), memberships in order."""
    rows: dict[str, Row] = {}
    for r in _rows(store, _MEMBERSHIPS):
        row = rows.setdefault(r["state"], Row(r["state"], r["name"] or slug(r["state"])))
        if any(m.iri == r["m"] for m in row.memberships):
            continue
        row.memberships.append(
            Membership(
                iri=r["m"],
                state=r["state"],
                status=r["status"],
                status_label=r["statusLabel"] or slug(r["status"]),
                counts=r["counts"] is not False,
                possibly_from=r["pf"],
                certainly_from=r["cf"],
                certainly_until=r["cu"],
                possibly_until=r["pu"],
            )
        )

    def begin(m: Membership) -> dt.date:
        return m.possibly_from or m.certainly_from or dt.date.min

    for row in rows.values():
        row.memberships.sort(key=lambda m: (begin(m), m.iri))
    return sorted(rows.values(), key=lambda row: (begin(row.memberships[0]), row.name))


_KEY_EVENTS = """
SELECT ?event ?class ?classLabel ?label ?earliest ?latest ?state
WHERE {
  VALUES (?class ?scoped) { %s }
  ?event a ?class ; csto:earliest ?earliest ; csto:latest ?latest .
  FILTER(!?scoped || EXISTS {
    ?event csto:actor|csto:concerns ?about .
    FILTER(?about IN (kg:csto, kg:collective-security-treaty) || EXISTS { ?about csto:organOf kg:csto })
  })
  OPTIONAL { ?class rdfs:label ?classLabel . FILTER(lang(?classLabel) = "en") }
  OPTIONAL { ?event rdfs:label ?label . FILTER(lang(?label) = "en") }
  OPTIONAL {
    { ?event csto:actor ?state } UNION { ?event csto:concerns ?state } UNION { ?event csto:place ?state }
    UNION { ?event csto:place/csto:locatedIn+ ?state }
    ?state a csto:State .
  }
}
"""


def key_events(store: ox.Store, classes: dict[str, Any] | None = None) -> list[KeyEvent]:
    """Events of the key classes (queried by class, so new events appear by themselves)."""
    classes = KEY_EVENTS if classes is None else classes
    values = " ".join(f"(<{c}> {'true' if spec[3] else 'false'})" for c, spec in classes.items())
    found: dict[str, KeyEvent] = {}
    rank = {c: i for i, c in enumerate(classes)}
    for r in _rows(store, _KEY_EVENTS % values):
        event = found.get(r["event"])
        if event is None or rank[r["class"]] < rank[event.kind]:
            states = event.states if event else set()
            kind_label = r["classLabel"] or slug(r["class"])
            event = KeyEvent(r["event"], r["class"], kind_label, r["label"] or slug(r["event"]), r["earliest"], r["latest"], states)
            found[r["event"]] = event
        if r["state"]:
            event.states.add(r["state"])
    return sorted(found.values(), key=lambda e: (e.earliest, e.iri))


_MILESTONES = """
SELECT DISTINCT ?event ?class ?earliest ?latest
WHERE {
  VALUES (?class ?about) { %s }
  ?event a ?class ; csto:concerns ?about ; csto:earliest ?earliest ; csto:latest ?latest .
}
"""


def milestones(store: ox.Store) -> list[KeyEvent]:
    """Founding of the CSTO; signing, entry into force and renewal of the treaty."""
    values = " ".join(f"(<{c}> <{about}>)" for c, (about, _label) in MILESTONES.items())
    found: dict[str, KeyEvent] = {}
    for r in _rows(store, _MILESTONES % values):
        found.setdefault(r["event"], KeyEvent(r["event"], r["class"], MILESTONES[r["class"]][1], "", r["earliest"], r["latest"]))
    return sorted(found.values(), key=lambda e: (e.earliest, e.iri))


def members_on(store: ox.Store, layout: Layout, date: str) -> list[dict[str, Any]]:
    """The `members` named query on a date: name, status and whether it is certain."""
    known = catalogue(layout.queries_dir)
    if "members" not in known:
        raise CstoKgError(f"the named query `members` is missing from {layout.queries_dir}")
    return run_on_store(store, known["members"], {"date": date}).records()


_TIMELINE = f"""
SELECT ?event ?class ?earliest ?latest
WHERE {{
  ?event a csto:Event .
  GRAPH ?g {{ ?event a ?class }}
  FILTER(?g != <{GRAPH_INFERRED}>)
  OPTIONAL {{ ?event csto:earliest ?earliest }}
  OPTIONAL {{ ?event csto:latest ?latest }}
}}
"""

_SUPERCLASSES = f"""
SELECT ?class ?super ?label
WHERE {{
  ?class rdfs:subClassOf csto:Event , ?super .
  ?super rdfs:subClassOf csto:Event .
  OPTIONAL {{ ?class rdfs:label ?label . FILTER(lang(?label) = "en") }}
  FILTER(STRSTARTS(STR(?class), "{CSTO}"))
}}
"""


@dataclass
class Timeline:
    years: list[int]
    counts: dict[str, list[int]]  # class label -> events per year (same order as years)
    classes: dict[str, str]  # class label -> class IRI ("" for the grouped "other")
    undated: int

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())


def timeline_data(store: ox.Store, top: int = 15) -> Timeline:
    """Events per year by their most specific asserted class; the rarest classes grouped as "other"."""
    supers: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for r in _rows(store, _SUPERCLASSES):
        supers[r["class"]].add(r["super"])
        if r["label"]:
            labels[r["class"]] = r["label"]
    classes_of: dict[str, set[str]] = defaultdict(set)
    when: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for r in _rows(store, _TIMELINE):
        if r["class"] in supers or r["class"] == CSTO + "Event":
            classes_of[r["event"]].add(r["class"])
        when[r["event"]] = (r["earliest"], r["latest"])
    per_class: Counter[tuple[int, str]] = Counter()
    undated = 0
    for event, classes in classes_of.items():
        earliest, _latest = when.get(event, (None, None))
        if earliest is None:
            undated += 1
            continue
        # The most specific class: one that no other of the event's classes is below.
        specific = sorted(c for c in classes if not any(c != o and c in supers.get(o, ()) for o in classes))
        per_class[(earliest.year, specific[0] if specific else CSTO + "Event")] += 1
    if not per_class:
        return Timeline([], {}, {}, undated)
    totals: Counter[str] = Counter()
    for (_year, cls), n in per_class.items():
        totals[cls] += n
    ranked = [cls for cls, _n in sorted(totals.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0])))]
    kept = ranked if len(ranked) <= top + 1 else ranked[:top]
    years = list(range(min(y for y, _c in per_class), max(y for y, _c in per_class) + 1))
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for cls in kept:
        label = labels.get(cls, slug(cls))
        names[label] = cls
        counts[label] = [per_class.get((y, cls), 0) for y in years]
    if len(kept) < len(ranked):
        rest = set(ranked) - set(kept)
        other = f"other ({len(rest)} classes)"
        names[other] = ""
        counts[other] = [sum(per_class.get((y, cls), 0) for cls in rest) for y in years]
    return Timeline(years, counts, names, undated)
