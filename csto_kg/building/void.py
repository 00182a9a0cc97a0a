"""The dataset description: VoID and DCAT, written by every build into its own graph.

The description says what the dataset is and where its facts come from (with the
licence and attribution of each source), when and with which version it was built, how
many triples each named graph holds, which vocabularies it uses, and how many owl:sameAs
links it has to Wikidata, DBpedia and GeoNames. It lives in the named graph
https://w3id.org/csto-kg/graph/void of the built store, outside the graphs that
queries and exports see by default.

`description(store_or_layout, endpoint)` returns it as Turtle, with the SPARQL endpoint
added when the dataset is served; `csto-kg serve` publishes it at /.well-known/void.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.core import urls
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import (
    BASE,
    BUILT_GRAPHS,
    CSTO,
    DCTERMS,
    GRAPH,
    GRAPH_ARTICLE,
    GRAPH_ATOP,
    GRAPH_DERIVED,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    GRAPH_VOID,
    KG,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    XSD,
)

DATASET = BASE + "dataset"

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
CC = "http://creativecommons.org/ns#"
FORMATS = "http://www.w3.org/ns/formats/"

ARTICLE_URL = "https://en.wikipedia.org/wiki/Collective_Security_Treaty_Organization"
ARTICLE_LICENSE = "https://creativecommons.org/licenses/by-sa/4.0/"
ATOP_URL = "http://www.atopdata.org/"

# Link targets: the namespace of the IRIs linked to, and the dataset it belongs to.
LINK_TARGETS = {
    "wikidata": ("Wikidata", ("http://www.wikidata.org/entity/",), "https://www.wikidata.org/"),
    "dbpedia": ("DBpedia", ("http://dbpedia.org/resource/",), "https://www.dbpedia.org/"),
    "geonames": ("GeoNames", ("https://sws.geonames.org/", "http://sws.geonames.org/"), "https://www.geonames.org/"),
}

# What each named graph holds, for the subsets' titles.
GRAPH_TITLES = {
    GRAPH_ONTOLOGY: "The csto-kg ontology and its alignments to standard vocabularies",
    GRAPH_ARTICLE: "Facts taken from the English Wikipedia article on the CSTO",
    GRAPH_ATOP: "Facts taken from the Alliance Treaty Obligations and Provisions (ATOP) data set",
    GRAPH_LINKS: "owl:sameAs links to Wikidata, DBpedia and GeoNames",
    GRAPH_INFERRED: "What OWL-RL reasoning entails and the sources do not assert",
    GRAPH_DERIVED: "Day bounds of dates at every precision, written by the build",
}

# The namespaces of the graph's own things (not vocabularies).
_OWN = (*(PREFIXES[p] for p in ("kg", "fact", "ev", "t", "src")), GRAPH, DATASET)

# Turtle prefixes of the description.
DESCRIPTION_PREFIXES = {
    **PREFIXES,
    "void": VOID,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "cc": CC,
    "prov": PROV,
    "owl": OWL,
    "rdfs": RDFS,
    "xsd": XSD,
    "csto": CSTO,
    "kg": KG,
    "src": PREFIXES["src"],
    "graph": GRAPH,
}

_TYPE = RDF + "type"
_SAME_AS = OWL + "sameAs"


@dataclass
class Stats:
    """What the description counts, gathered in one pass over the quads."""

    graphs: dict[str, int] = field(default_factory=dict)  # named graph -> triples
    subjects: int = 0
    properties: int = 0
    classes: int = 0
    entities: int = 0  # distinct subjects in the kg: namespace
    vocabularies: list[str] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)  # target key -> owl:sameAs links
    sources: dict[str, list[str]] = field(default_factory=dict)  # named graph -> csto:Source IRIs
    ontology_license: str | None = None

    @property
    def asserted(self) -> int:
        return sum(n for g, n in self.graphs.items() if g not in BUILT_GRAPHS)

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def gather(quads: Iterable[ox.Quad]) -> Stats:
    """Count what the description reports; the void graph itself is left out."""
    counts: Counter[str] = Counter()
    subjects: set = set()
    predicates: set[str] = set()
    classes: set[str] = set()
    links: dict[str, set[tuple[str, str]]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(set)
    license_: str | None = None
    seen: set[ox.Quad] = set()
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph) or q in seen:
            continue  # a store holds each quad once, however often the sources state it
        seen.add(q)
        graph = q.graph_name.value
        if graph == GRAPH_VOID:
            continue
        counts[graph] += 1
        subjects.add(q.subject)
        predicate = q.predicate.value
        predicates.add(predicate)
        obj = q.object
        if predicate == _TYPE and isinstance(obj, ox.NamedNode):
            classes.add(obj.value)
            if obj.value == CSTO + "Source" and isinstance(q.subject, ox.NamedNode):
                sources[graph].add(q.subject.value)
        elif predicate == _SAME_AS and graph != GRAPH_INFERRED and isinstance(obj, ox.NamedNode):
            for key, (_title, spaces, _home) in LINK_TARGETS.items():
                if obj.value.startswith(spaces):
                    links[key].add((q.subject.value, obj.value))
        elif predicate == DCTERMS + "license" and graph == GRAPH_ONTOLOGY and q.subject.value == ONTOLOGY_IRI:
            license_ = obj.value
    vocabularies = {_namespace(p) for p in predicates} | {_namespace(c) for c in classes}
    return Stats(
        graphs=dict(sorted(counts.items())),
        subjects=len(subjects),
        properties=len(predicates),
        classes=len(classes),
        entities=sum(1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(KG)),
        vocabularies=sorted(v for v in vocabularies if not v.startswith(_OWN)),
        links={key: len(links.get(key, ())) for key in LINK_TARGETS},
        sources={g: sorted(s) for g, s in sorted(sources.items())},
        ontology_license=license_,
    )


class _Writer:
    """Collects triples with short helpers for IRIs and literals."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal | str) -> None:
        node = ox.NamedNode(obj) if isinstance(obj, str) else obj
        self.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), node))


def _text(value: str, lang: str | None = "en") -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


_NOT_IN_IRI = '<>"{}|\\^`'  # RFC 3987 leaves these out of an IRI


def check_endpoint(endpoint: str) -> str:
    """The endpoint URL if it is an absolute http(s) URL that an IRI can hold; else UsageError."""
    urls.checked(endpoint, "an absolute http(s) URL")
    if any(ch in _NOT_IN_IRI for ch in endpoint):
        raise UsageError(f"invalid endpoint {urls.shown(endpoint)!r}: an IRI holds none of {_NOT_IN_IRI}")
    return endpoint


def endpoint_triples(endpoint: str) -> list[ox.Triple]:
    """The statements that say where the dataset is served."""
    url = check_endpoint(endpoint)
    w = _Writer()
    service = DATASET + "/service"
    distribution = DATASET + "/distribution/sparql"
    w.add(DATASET, VOID + "sparqlEndpoint", url)
    w.add(DATASET, DCAT + "distribution", distribution)
    w.add(distribution, _TYPE, DCAT + "Distribution")
    w.add(distribution, DCTERMS + "title", _text("SPARQL endpoint"))
    w.add(distribution, DCAT + "accessURL", url)
    w.add(distribution, DCAT + "accessService", service)
    w.add(service, _TYPE, DCAT + "DataService")
    w.add(service, DCTERMS + "title", _text("csto-kg SPARQL endpoint"))
    w.add(service, DCAT + "endpointURL", url)
    w.add(service, DCAT + "servesDataset", DATASET)
    w.add(service, DCTERMS + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    return w.triples


def describe(stats: Stats, created: dt.datetime | None = None, endpoint: str | None = None) -> list[ox.Triple]:
    """The VoID/DCAT description of a dataset with these counts."""
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = _typed(created.isoformat(), "dateTime")
    w = _Writer()
    d = DATASET
    w.add(d, _TYPE, VOID + "Dataset")
    w.add(d, _TYPE, DCAT + "Dataset")
    w.add(d, DCTERMS + "title", _text("csto-kg: a knowledge graph of the Collective Security Treaty Organization"))
    sources = "the English Wikipedia article on the Collective Security Treaty Organization"
    if GRAPH_ATOP in stats.graphs:
        sources += " and from the Alliance Treaty Obligations and Provisions (ATOP) data set"
    w.add(
        d,
        DCTERMS + "description",
        _text(
            "The Collective Security Treaty and the organisation built on it as linked data: member states and "
            "their memberships over time, at the precision the sources give their dates; the organs, posts and "
            f"office holders; and dated events. Facts are taken from {sources}, each source kept in a named graph "
            "of its own, together with what OWL-RL reasoning entails and owl:sameAs links to Wikidata, DBpedia "
            "and GeoNames."
        ),
    )
    w.add(d, DCTERMS + "creator", _text("csto-kg contributors", None))
    w.add(d, DCTERMS + "created", stamp)
    w.add(d, DCTERMS + "modified", stamp)
    w.add(d, DCAT + "version", _text(__version__, None))
    w.add(d, OWL + "versionInfo", _text(__version__, None))
    w.add(d, DCTERMS + "conformsTo", ONTOLOGY_IRI)
    for keyword in ("Collective Security Treaty Organization", "CSTO", "military alliance", "membership", "knowledge graph"):
        w.add(d, DCAT + "keyword", _text(keyword))
    rights = [f"Facts from the Wikipedia article ({ARTICLE_URL}) are available under CC BY-SA 4.0 ({ARTICLE_LICENSE})."]
    if GRAPH_ATOP in stats.graphs:
        rights.append(f"Facts from ATOP are used under the terms stated at {ATOP_URL}.")
    if stats.ontology_license:
        rights.append(f"The ontology is available under {stats.ontology_license}.")
    rights.append("Each subset of the dataset names the source it comes from and its licence.")
    w.add(d, DCTERMS + "rights", _text(" ".join(rights)))
    w.add(d, VOID + "uriSpace", _text(KG, None))
    w.add(d, VOID + "exampleResource", KG + "csto")
    w.add(d, VOID + "exampleResource", KG + "armenia")
    for name in ("Turtle", "N-Triples", "N-Quads", "TriG", "RDF_XML", "JSON-LD"):
        w.add(d, VOID + "feature", FORMATS + name)
    w.add(d, VOID + "triples", _integer(stats.total))
    w.add(d, VOID + "distinctSubjects", _integer(stats.subjects))
    w.add(d, VOID + "properties", _integer(stats.properties))
    w.add(d, VOID + "classes", _integer(stats.classes))
    w.add(d, VOID + "entities", _integer(stats.entities))
    for vocabulary in stats.vocabularies:
        w.add(d, VOID + "vocabulary", vocabulary)

    # The sources, with their licence and attribution.
    w.add(d, DCTERMS + "source", ARTICLE_URL)
    w.add(ARTICLE_URL, DCTERMS + "title", _text("Collective Security Treaty Organization", None))
    w.add(ARTICLE_URL, DCTERMS + "publisher", _text("Wikipedia", None))
    w.add(ARTICLE_URL, DCTERMS + "license", ARTICLE_LICENSE)
    w.add(ARTICLE_URL, CC + "attributionName", _text("Wikipedia contributors", None))
    w.add(ARTICLE_URL, CC + "attributionURL", ARTICLE_URL)
    if GRAPH_ATOP in stats.graphs:
        w.add(d, DCTERMS + "source", ATOP_URL)
        w.add(ATOP_URL, DCTERMS + "title", _text("Alliance Treaty Obligations and Provisions (ATOP)", None))
        w.add(ATOP_URL, DCTERMS + "rights", _text(f"Used under the terms stated at {ATOP_URL}."))
        w.add(ATOP_URL, FOAF + "homepage", ATOP_URL)

    # One subset per named graph, grouped into what the sources assert and what the build adds.
    asserted = DATASET + "/asserted"
    w.add(d, VOID + "subset", asserted)
    w.add(asserted, _TYPE, VOID + "Dataset")
    w.add(asserted, DCTERMS + "title", _text("What the sources assert, with the ontology and the links"))
    w.add(asserted, VOID + "triples", _integer(stats.asserted))
    for graph, count in stats.graphs.items():
        w.add(d if graph in BUILT_GRAPHS else asserted, VOID + "subset", graph)
        w.add(graph, _TYPE, VOID + "Dataset")
        w.add(graph, DCTERMS + "title", _text(GRAPH_TITLES.get(graph, f"Named graph {graph.removeprefix(GRAPH)}")))
        w.add(graph, VOID + "triples", _integer(count))
        for source in stats.sources.get(graph, ()):
            w.add(graph, PROV + "wasDerivedFrom", source)
        if graph == GRAPH_ARTICLE:
            w.add(graph, DCTERMS + "source", ARTICLE_URL)
            w.add(graph, DCTERMS + "license", ARTICLE_LICENSE)
        elif graph == GRAPH_ATOP:
            w.add(graph, DCTERMS + "source", ATOP_URL)
            w.add(graph, DCTERMS + "rights", _text(f"Used under the terms stated at {ATOP_URL}."))
        elif graph == GRAPH_ONTOLOGY and stats.ontology_license:
            w.add(graph, DCTERMS + "license", stats.ontology_license)

    # The link sets, one per target.
    for key, (title, _spaces, home) in LINK_TARGETS.items():
        count = stats.links.get(key, 0)
        if not count:
            continue
        linkset = DATASET + f"/links/{key}"
        w.add(d, VOID + "subset", linkset)
        w.add(linkset, _TYPE, VOID + "Linkset")
        w.add(linkset, DCTERMS + "title", _text(f"Links to {title}"))
        w.add(linkset, VOID + "linkPredicate", _SAME_AS)
        w.add(linkset, VOID + "subjectsTarget", d)
        w.add(linkset, VOID + "objectsTarget", home)
        w.add(linkset, VOID + "triples", _integer(count))
        w.add(home, _TYPE, VOID + "Dataset")
        w.add(home, DCTERMS + "title", _text(title, None))
        w.add(home, FOAF + "homepage", home)
    if endpoint:
        w.triples.extend(endpoint_triples(endpoint))
    return w.triples


def build_quads(quads: Iterable[ox.Quad], created: dt.datetime | None = None) -> list[ox.Quad]:
    """The description of a build made of `quads`, as quads in the void graph."""
    graph = ox.NamedNode(GRAPH_VOID)
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in describe(gather(quads), created)]


def triples(store: ox.Store, endpoint: str | None = None) -> list[ox.Triple]:
    """The description as triples: the one the build stored, else one made from the store."""
    if endpoint is not None:
        check_endpoint(endpoint)
    stored = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_VOID))]
    if not stored:
        stored = describe(gather(store.quads_for_pattern(None, None, None, None)))
    if endpoint:
        stored.extend(endpoint_triples(endpoint))
    return stored


def turtle(statements: Iterable[ox.Triple]) -> bytes:
    ordered = sorted(set(statements), key=lambda t: (t.subject.value != DATASET, str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=DESCRIPTION_PREFIXES)


def description(store: ox.Store, endpoint: str | None = None) -> bytes:
    """The VoID/DCAT description of the built dataset in `store` as Turtle.

    With `endpoint`, the description names that URL as the dataset's SPARQL endpoint
    (void:sparqlEndpoint, dcat:DataService). csto_kg.exporting.description takes a layout.
    """
    return turtle(triples(store, endpoint))
