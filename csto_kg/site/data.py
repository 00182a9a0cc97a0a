"""What the pages read from the built store: small SPARQL queries, each bound to one IRI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from csto_kg.core.namespaces import BASE, CSTO, GRAPH_ARTICLE, GRAPH_DERIVED, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_VOID, PREFIXES, RDFS
from csto_kg.publish.chart import Membership, Row

SKOS = PREFIXES["skos"]
LABELS = (RDFS + "label", SKOS + "prefLabel")
_HIDDEN = {PREFIXES["rdf"] + "type", RDFS + "label", SKOS + "prefLabel", RDFS + "comment", PREFIXES["dcterms"] + "description"}
_PREAMBLE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def entity_iri(path: str) -> str | None:
    """The IRI a site path names (`/id/armenia` -> https://w3id.org/csto-kg/id/armenia)."""
    local = path.strip("/")
    if not local or any(c in local for c in '<>"{}|\\^` \n\r\t'):
        return None
    return BASE + local


@dataclass
class Statement:
    predicate: str
    value: ox.NamedNode | ox.Literal | ox.BlankNode
    asserted: bool


@dataclass
class Entity:
    iri: str
    classes: list[str] = field(default_factory=list)  # most specific first
    all_classes: list[str] = field(default_factory=list)
    out: list[Statement] = field(default_factory=list)
    into: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate), collapsed
    labels: list[ox.Literal] = field(default_factory=list)
    comments: list[ox.Literal] = field(default_factory=list)
    naming: list[Statement] = field(default_factory=list)  # its labels and comments, collapsed


class Reader:
    """Queries over one open store (its default graph read as the union of all graphs)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def select(self, text: str) -> list[dict[str, Any]]:
        result = self.store.query(_PREAMBLE + text, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names} for s in result]

    # -- the thing itself --------------------------------------------------------------

    def entity(self, iri: str, incoming: int = 400) -> Entity | None:
        node = f"<{iri}>"
        rows = self.select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }}")
        if not rows:
            return None
        found = Entity(iri)
        by_value: dict[Any, list[Statement]] = {}
        naming: dict[Any, list[Statement]] = {}
        for r in rows:
            p, o, g = r["p"].value, r["o"], r["g"].value
            if p == PREFIXES["rdf"] + "type":
                if o.value not in found.all_classes:
                    found.all_classes.append(o.value)
                continue
            if p in LABELS and isinstance(o, ox.Literal) and o not in found.labels:
                found.labels.append(o)
            if p in (RDFS + "comment", PREFIXES["dcterms"] + "description") and o not in found.comments:
                found.comments.append(o)
            asserted = g not in (GRAPH_INFERRED, GRAPH_DERIVED)
            if p in _HIDDEN:
                naming.setdefault(o, []).append(Statement(p, o, asserted))
                continue
            if g == GRAPH_VOID and iri != BASE + "dataset":
                continue
            by_value.setdefault(o, []).append(Statement(p, o, asserted))
        found.out = _collapse(by_value)
        found.naming = _collapse(naming)
        found.classes = self.specific_classes(iri) or found.all_classes[:1]
        found.into = self._incoming(node, incoming)
        return found

    def specific_classes(self, iri: str) -> list[str]:
        rows = self.select(
            f"SELECT DISTINCT ?c WHERE {{ <{iri}> a ?c . FILTER(isIRI(?c)) "
            f"FILTER NOT EXISTS {{ <{iri}> a ?d . ?d rdfs:subClassOf+ ?c . FILTER(?d != ?c) }} }}"
        )
        return sorted(r["c"].value for r in rows)

    def _incoming(self, node: str, limit: int) -> list[tuple[str, str]]:
        rows = self.select(
            f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {node} }} FILTER(isIRI(?s) && ?p != rdf:type) "
            f"FILTER(?g != <{GRAPH_VOID}> && ?g != <{GRAPH_ONTOLOGY}>) }} LIMIT {limit}"
        )
        best: dict[str, tuple[bool, str]] = {}
        for r in rows:
            s, p, asserted = r["s"].value, r["p"].value, r["g"].value not in (GRAPH_INFERRED, GRAPH_DERIVED)
            if (
                s not in best
                or (asserted and not best[s][0])
                or (asserted == best[s][0] and p.startswith(CSTO) and not best[s][1].startswith(CSTO))
            ):
                best[s] = (asserted, p)
        return [(s, p) for s, (_a, p) in best.items()]

    def labels(self, iris: Iterable[str], languages: list[str]) -> dict[str, str]:
        """One label per IRI, in the first of `languages` it has, else English, else any."""
        wanted = sorted({i for i in iris if i})
        if not wanted:
            return {}
        values = " ".join(f"<{i}>" for i in wanted)
        rows = self.select(f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s rdfs:label|skos:prefLabel ?l }}")
        order = [*languages, "en", ""]
        chosen: dict[str, tuple[int, str]] = {}
        for r in rows:
            lang = (r["l"].language or "").lower()
            rank = next((n for n, want in enumerate(order) if lang == want or (want and lang.split("-")[0] == want)), len(order))
            if r["s"].value not in chosen or (rank, r["l"].value) < chosen[r["s"].value]:
                chosen[r["s"].value] = (rank, r["l"].value)
        return {s: label for s, (_rank, label) in chosen.items()}

    def pages(self, iris: Iterable[str]) -> set[str]:
        """Those of `iris` that have a page of their own (the graph says something of them)."""
        wanted = sorted({i for i in iris if i.startswith(BASE)})
        if not wanted:
            return set()
        values = " ".join(f"<{i}>" for i in wanted)
        return {r["s"].value for r in self.select(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")}

    # -- what pages of one kind show -----------------------------------------------------

    def memberships(self, state: str | None, org: str = BASE + "id/csto", cls: str = "Membership") -> list[Row]:
        bind = f"VALUES ?state {{ <{state}> }}" if state else ""
        # Memberships as the article gives them, as `chart membership` draws them.
        graph = f"GRAPH <{GRAPH_ARTICLE}>" if cls == "Membership" else ""
        rows = self.select(f"""
            SELECT ?m ?state ?org ?status ?statusLabel ?counts ?pf ?cf ?cu ?pu WHERE {{
              {bind} {graph} {{ ?m a csto:{cls} ; csto:member ?state ; csto:organisation ?org ; csto:status ?status . }}
              {f"FILTER(?org = <{org}>)" if cls == "Membership" else ""}
              OPTIONAL {{ ?status rdfs:label ?statusLabel . FILTER(lang(?statusLabel) = "en") }}
              OPTIONAL {{ ?status csto:countsAsMember ?counts }}
              OPTIONAL {{ ?m csto:possiblyFrom ?pf }} OPTIONAL {{ ?m csto:certainlyFrom ?cf }}
              OPTIONAL {{ ?m csto:certainlyUntil ?cu }} OPTIONAL {{ ?m csto:possiblyUntil ?pu }}
            }}""")
        out: dict[str, Row] = {}
        for r in rows:
            row = out.setdefault(r["state"].value, Row(r["state"].value, r["state"].value.rsplit("/", 1)[-1]))
            if any(m.iri == r["m"].value for m in row.memberships):
                continue
            row.memberships.append(
                Membership(
                    r["m"].value,
                    r["state"].value,
                    r["status"].value,
                    r["statusLabel"].value if r["statusLabel"] else r["status"].value.rsplit("#", 1)[-1],
                    r["counts"] is None or r["counts"].value in ("true", "1"),
                    *(_day(r[k]) for k in ("pf", "cf", "cu", "pu")),
                )
            )
        for row in out.values():
            row.memberships.sort(key=lambda m: (m.possibly_from or m.certainly_from or dt.date.min, m.iri))
        return sorted(out.values(), key=lambda row: (row.memberships[0].possibly_from or dt.date.min, row.state))

    def events_of(self, iri: str, limit: int = 300) -> list[dict[str, Any]]:
        """The events `iri` took part in, is concerned by or is the place of, in date order.
        Two queries: the events first from the IRI (what an index answers at once), then
        their dates, so the plan never starts from all the graph's events."""
        found = self.select(f"SELECT DISTINCT ?e WHERE {{ ?e csto:actor|csto:concerns|csto:place <{iri}> }} LIMIT {limit * 4}")
        if not found:
            return []
        values = " ".join(f"<{r['e'].value}>" for r in found if isinstance(r["e"], ox.NamedNode))
        rows = self.select(f"""
            SELECT ?e (MIN(?a) AS ?earliest) (MAX(?b) AS ?latest) (SAMPLE(?d) AS ?date) WHERE {{
              VALUES ?e {{ {values} }} ?e a csto:Event .
              OPTIONAL {{ ?e csto:earliest ?a }} OPTIONAL {{ ?e csto:latest ?b }} OPTIONAL {{ ?e csto:date ?d }}
            }} GROUP BY ?e""")
        rows.sort(key=lambda r: (_day(r["earliest"]) or dt.date.max, r["e"].value))
        return rows[:limit]

    def tenures(self, iri: str) -> list[dict[str, Any]]:
        """Terms held by `iri`, of the post `iri`, or of the posts of the organ `iri`: the
        tenures found from the IRI first, then described (never from all tenures)."""
        found = self.select(
            f"SELECT DISTINCT ?t WHERE {{ {{ ?t csto:holder <{iri}> }} UNION {{ ?t csto:post <{iri}> }} "
            f"UNION {{ ?p0 csto:postIn <{iri}> . ?t csto:post ?p0 }} }} LIMIT 300"
        )
        if not found:
            return []
        values = " ".join(f"<{r['t'].value}>" for r in found if isinstance(r["t"], ox.NamedNode))
        return self.select(f"""
            SELECT DISTINCT ?t ?post ?holder ?pf ?cf ?cu ?pu WHERE {{
              VALUES ?t {{ {values} }} ?t a csto:Tenure ; csto:post ?post ; csto:holder ?holder .
              OPTIONAL {{ ?t csto:possiblyFrom ?pf }} OPTIONAL {{ ?t csto:certainlyFrom ?cf }}
              OPTIONAL {{ ?t csto:certainlyUntil ?cu }} OPTIONAL {{ ?t csto:possiblyUntil ?pu }}
            }} ORDER BY ?post ?pf ?cf ?t""")

    def derived_from(self, source: str, limit: int = 300) -> list[dict[str, Any]]:
        return self.select(f"""
            SELECT DISTINCT ?s WHERE {{
              {{ ?s prov:wasDerivedFrom <{source}> }} UNION {{ ?part dcterms:isPartOf <{source}> . ?s prov:wasDerivedFrom ?part }}
            }} ORDER BY ?s LIMIT {limit}""")

    def quantities(self, iri: str) -> list[dict[str, Any]]:
        return self.select(f"""
            SELECT ?q ?value ?min ?max ?unit ?name WHERE {{ <{iri}> csto:quantity ?q .
              OPTIONAL {{ ?q schema:value ?value }} OPTIONAL {{ ?q schema:minValue ?min }} OPTIONAL {{ ?q schema:maxValue ?max }}
              OPTIONAL {{ ?q schema:unitText ?unit }} OPTIONAL {{ ?q schema:name ?name }} }}""")


def _collapse(by_value: dict[Any, list[Statement]]) -> list[Statement]:
    """One statement per value: the asserted one where there is one (an actor is listed once,
    not once per superproperty reasoning added), else the project's own property."""
    kept: list[Statement] = []
    for statements in by_value.values():
        asserted = [s for s in statements if s.asserted]
        if asserted:
            kept.extend({s.predicate: s for s in asserted}.values())
        else:
            kept.append(sorted(statements, key=lambda s: (not s.predicate.startswith(CSTO), s.predicate))[0])
    return kept


def _day(term: Any) -> dt.date | None:
    if term is None:
        return None
    try:
        return dt.date.fromisoformat(term.value[:10])
    except ValueError:
        return None
