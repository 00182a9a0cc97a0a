"""What each side says: this graph's facts about its linked entities (`read_local`),
and Wikidata's about the same entities (`read_remote`), read with one query per kind of fact.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from csto_kg.core.namespaces import CSTO, GRAPH_ARTICLE, GRAPH_ONTOLOGY, RDFS, SKOS, TIME
from csto_kg.linking import link, remote
from csto_kg.linking.findings import ORGANISATION, SECRETARY_GENERAL, TREATY_PARTY, TYPE_ROOTS, WD, WIKIDATA_PREFIXES, Span

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


def type_roots(local: Local, entity: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
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
    pairs = sorted({(qid, WD + root) for e, qid in local.wikidata.items() for _, roots in type_roots(local, e) for root, _ in roots})
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
