"""Enrichment: selected Wikidata facts, in a named graph of their own, only when asked for.

`csto-kg enrich` fetches, for every state the link set links to Wikidata, its population
(P1082, best rank, with its point in time P585) and its head of state (P35, best rank,
with the start time P580), and keeps them as N-Quads in the build folder
(build/enrich/wikidata.nq, written whole or not at all). The build loads that file into
the graph https://w3id.org/csto-kg/graph/enrich-wikidata, after reasoning (so nothing
is inferred from it) and never into a source graph; `csto-kg enrich --remove` deletes
the file and rebuilds. Without the file the graph is absent: enrichment is off unless
asked for.

Each fact is a statement node (rdf:Statement) that describes, without asserting it,
what Wikidata says, e.g. that kg:armenia has csto:population 2990900, with the date it
refers to, the Wikidata statement it comes from (dcterms:source), the endpoint it was
fetched from (prov:wasDerivedFrom) and the time it was fetched (prov:generatedAtTime).
So a query over the union of graphs never mistakes a Wikidata figure for the article's:

    SELECT ?state ?population ?when WHERE {
      ?fact rdf:subject ?state ; rdf:predicate csto:population ; rdf:object ?population .
      OPTIONAL { ?fact dcterms:date ?when }
    }
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from csto_kg.core.errors import CstoKgError
from csto_kg.core.namespaces import BASE, CSTO, GRAPH_ENRICH, RDF, RDFS, XSD
from csto_kg.core.paths import Layout

NODES = BASE + "enrich/wikidata/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
WDT = "http://www.wikidata.org/prop/direct/"


def enrichment_path(layout: Layout) -> Path:
    """The file the enrichment is kept in: build/enrich/wikidata.nq."""
    return layout.build_dir / "enrich" / "wikidata.nq"


def extra_quads(layout: Layout) -> list[ox.Quad]:
    """The enrichment's quads for the build, all in GRAPH_ENRICH; none when it is off."""
    path = enrichment_path(layout)
    if not path.is_file():
        return []
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, OSError, ValueError) as err:
        raise CstoKgError(f"cannot read the enrichment {path}: {err}; remove it with `csto-kg enrich --remove`") from None
    graph = ox.NamedNode(GRAPH_ENRICH)
    # Whatever graph a line names, it goes to the enrichment graph: never into a source graph.
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


@dataclass(frozen=True)
class EnrichResult:
    path: Path
    facts: int  # statement nodes written
    quads: int
    endpoint: str


def _date_literal(span: Any) -> ox.Literal | None:
    datatype = {"day": "date", "month": "gYearMonth", "year": "gYear"}.get(span.precision)
    return ox.Literal(span.text, datatype=ox.NamedNode(XSD + datatype)) if datatype else None


def _number(term: ox.Literal) -> ox.Literal:
    """Wikidata's xsd:decimal counts as xsd:integer, the range of csto:population."""
    text = term.value.lstrip("+")
    if text.isdigit():
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    return term


def fetch(store: ox.Store, endpoint: Any) -> list[ox.Quad]:
    """What Wikidata says of the linked states' population and heads of state, as quads."""
    from csto_kg.linking import reconcile, remote

    if isinstance(endpoint, str):
        endpoint = remote.Endpoint(endpoint)
    local = reconcile.read_local(store)
    states = {local.wikidata[s]: s for s in local.states if s in local.wikidata}
    if not states:
        return []
    text = (
        reconcile.WIKIDATA_PREFIXES
        + f"""
SELECT ?item ?kind ?st ?value ?valueLabel ?when ?whenPrecision WHERE {{
  VALUES ?item {{ {" ".join(f"<{q}>" for q in sorted(states))} }}
  {{ ?item wdt:P1082 ?value ; p:P1082 ?st . ?st ps:P1082 ?value . BIND("population" AS ?kind)
     OPTIONAL {{ ?st pqv:P585 ?wv . ?wv wikibase:timeValue ?when ; wikibase:timePrecision ?whenPrecision }} }}
  UNION {{ ?item wdt:P35 ?value ; p:P35 ?st . ?st ps:P35 ?value . BIND("head-of-state" AS ?kind)
     OPTIONAL {{ ?st pqv:P580 ?wv . ?wv wikibase:timeValue ?when ; wikibase:timePrecision ?whenPrecision }}
     OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }} }}
  FILTER NOT EXISTS {{ ?st wikibase:rank wikibase:DeprecatedRank }}
}}"""
    )
    result = remote.run(endpoint, text)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    graph = ox.NamedNode(GRAPH_ENRICH)

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    quads: list[ox.Quad] = []
    seen: set[str] = set()
    for row in (dict(zip(result.variables, r, strict=True)) for r in result.rows):
        state = states.get(row["item"].value)
        kind, value, statement = row["kind"].value, row["value"], row["st"]
        if state is None or value is None or not isinstance(statement, ox.NamedNode):
            continue
        local_name = state.rsplit("/", 1)[-1]
        node_iri = NODES + f"{local_name}/{kind}/{quote(statement.value.rsplit('/', 1)[-1], safe='-_.')}"
        if node_iri in seen:
            continue
        seen.add(node_iri)
        node = n(node_iri)
        name = local.names.get(state, local_name)
        when = reconcile.Span.wikidata(row["when"], row["whenPrecision"]) if isinstance(row["when"], ox.Literal) else None
        date = _date_literal(when) if when else None
        triples = [
            (n(RDF + "type"), n(RDF + "Statement")),
            (n(RDF + "type"), n(PROV + "Entity")),
            (n(RDF + "subject"), n(state)),
            (n(DCTERMS + "source"), statement),
            (n(PROV + "wasDerivedFrom"), n(endpoint.url)),
            (n(PROV + "generatedAtTime"), ox.Literal(now, datatype=n(XSD + "dateTime"))),
        ]
        if kind == "population" and isinstance(value, ox.Literal):
            triples += [
                (n(RDFS + "label"), ox.Literal(f"Population of {name}, according to Wikidata", language="en")),
                (n(RDF + "predicate"), n(CSTO + "population")),
                (n(RDF + "object"), _number(value)),
            ]
            if date is not None:
                triples.append((n(DCTERMS + "date"), date))
        elif kind == "head-of-state" and isinstance(value, ox.NamedNode):
            triples += [
                (n(RDFS + "label"), ox.Literal(f"Head of state of {name}, according to Wikidata", language="en")),
                (n(RDF + "predicate"), n(WDT + "P35")),
                (n(RDF + "object"), value),
            ]
            if date is not None:
                triples.append((n(SCHEMA + "startDate"), date))
            if row["valueLabel"] is not None:
                quads.append(ox.Quad(value, n(RDFS + "label"), row["valueLabel"], graph))
        else:
            continue
        quads.extend(ox.Quad(node, p, o, graph) for p, o in triples)
    return list(dict.fromkeys(quads))


def enrich(
    endpoint: Any = None,
    *,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
) -> EnrichResult:
    """Fetch the enrichment, keep it in the build folder and rebuild the store with it.

    If the rebuild fails, the previous enrichment (or none) is put back."""
    from csto_kg.building import pipeline
    from csto_kg.building.store import open_store
    from csto_kg.core.output import open_output
    from csto_kg.linking import remote

    if endpoint is None:
        endpoint = remote.Endpoint()
    elif isinstance(endpoint, str):
        endpoint = remote.Endpoint(endpoint)
    layout = Layout.resolve(data_root, build_dir)
    pipeline.ensure_built(layout)
    quads = fetch(open_store(layout), endpoint)
    path = enrichment_path(layout)
    previous = path.read_bytes() if path.is_file() else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CstoKgError(f"cannot create {path.parent}: {err.strerror}") from None
    with open_output(path) as stream:
        ox.serialize(quads, stream, format=ox.RdfFormat.N_QUADS)
    try:
        pipeline.build(layout.data_root, layout.build_dir)
    except BaseException:
        if previous is None:
            with contextlib.suppress(OSError):
                path.unlink()
        else:
            with open_output(path) as stream:
                stream.write(previous)
        raise
    facts = len({q.subject for q in quads if q.predicate.value == RDF + "subject"})
    return EnrichResult(path, facts, len(quads), endpoint.url)


def remove(*, data_root: Path | str | None = None, build_dir: Path | str | None = None) -> bool:
    """Delete the enrichment and rebuild without it. False if there was none."""
    from csto_kg.building import pipeline

    layout = Layout.resolve(data_root, build_dir)
    path = enrichment_path(layout)
    if not path.is_file():
        return False
    try:
        path.unlink()
    except OSError as err:
        raise CstoKgError(f"cannot remove {path}: {err.strerror}") from None
    pipeline.build(layout.data_root, layout.build_dir)
    return True
