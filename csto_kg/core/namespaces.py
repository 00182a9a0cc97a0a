"""IRIs the code refers to, as plain strings (no rdflib needed to use them)."""

from __future__ import annotations

from collections.abc import Iterable

BASE = "https://w3id.org/csto-kg/"
CSTO = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
KG = BASE + "id/"
SRC = BASE + "source/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"

# Named graphs of the built store. Each source keeps its own graph; reasoning adds
# `inferred`; the build's date bounds go to `derived`.
GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_ARTICLE = GRAPH + "article"
GRAPH_ATOP = GRAPH + "atop"
GRAPH_LINKS = GRAPH + "links"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_DERIVED = GRAPH + "derived"
GRAPH_VOID = GRAPH + "void"  # the dataset description (VoID and DCAT)
GRAPH_ENRICH = GRAPH + "enrich-wikidata"  # facts fetched by `csto-kg enrich`, when asked for

# Graphs the build writes itself. Every other graph holds what one source folder asserts
# (ontology/, graph/NAME/): the `--asserted` view and the default export.
BUILT_GRAPHS = frozenset({GRAPH_INFERRED, GRAPH_DERIVED, GRAPH_VOID, GRAPH_ENRICH})


def asserted_graphs(present: Iterable[str]) -> list[str]:
    """The graphs among `present` that hold what the sources assert: the ontology first,
    then the others by name (the order Layout.sources() loads them in)."""
    found = {g for g in present if g.startswith(GRAPH) and g not in BUILT_GRAPHS}
    return sorted(found, key=lambda g: (g != GRAPH_ONTOLOGY, g))


# Prefixes for queries, exports and JSON-LD contexts.
PREFIXES = {
    "csto": CSTO,
    "kg": KG,
    "fact": BASE + "fact/",
    "ev": BASE + "event/",
    "t": BASE + "time/",
    "src": SRC,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": DCTERMS,
    "org": "http://www.w3.org/ns/org#",
    "time": TIME,
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "prov": PROV,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "eli": "http://data.europa.eu/eli/ontology#",
}
