"""The dataset description (VoID and DCAT) every build writes, and its export."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT

import csto_kg
from csto_kg.building import void
from csto_kg.cli import main
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import GRAPH_ATOP, GRAPH_LINKS, PREFIXES
from csto_kg.exporting.description import description as described_build

PREFIX_TEXT = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in {**PREFIXES, **void.DESCRIPTION_PREFIXES}.items())
DATASET = f"<{void.DATASET}>"


def parsed(turtle: bytes) -> ox.Store:
    store = ox.Store()
    store.load(turtle, format=ox.RdfFormat.TURTLE)
    return store


def values(store: ox.Store, text: str) -> list:
    return [row[0].value for row in store.query(PREFIX_TEXT + text)]


@pytest.fixture(scope="module")
def described(store) -> ox.Store:
    return parsed(void.description(store, None))


def test_the_build_stores_the_description_in_its_own_graph(store):
    graphs = {g.value for g in store.named_graphs()}
    assert void.GRAPH_VOID in graphs
    stored = list(store.quads_for_pattern(ox.NamedNode(void.DATASET), None, None, ox.NamedNode(void.GRAPH_VOID)))
    assert len(stored) > 20


def test_title_version_and_creation_date(described):
    assert values(described, f"SELECT ?t WHERE {{ {DATASET} a void:Dataset , dcat:Dataset ; dcterms:title ?t }}")
    assert values(described, f"SELECT ?d WHERE {{ {DATASET} dcterms:description ?d }}")
    assert values(described, f"SELECT ?v WHERE {{ {DATASET} dcat:version ?v }}") == [csto_kg.__version__]
    created = described.query(PREFIX_TEXT + f"SELECT ?c WHERE {{ {DATASET} dcterms:created ?c }}")
    assert [row[0].datatype.value for row in created] == [PREFIXES["xsd"] + "dateTime"]


def test_sources_with_licence_and_attribution(described, store):
    article = "https://en.wikipedia.org/wiki/Collective_Security_Treaty_Organization"
    assert values(described, f"SELECT ?l WHERE {{ <{article}> dcterms:license ?l }}") == ["https://creativecommons.org/licenses/by-sa/4.0/"]
    assert values(described, f"SELECT ?a WHERE {{ <{article}> cc:attributionName ?a }}")
    assert values(described, "SELECT ?l WHERE { graph:article dcterms:license ?l }") == ["https://creativecommons.org/licenses/by-sa/4.0/"]
    if any(g.value == GRAPH_ATOP for g in store.named_graphs()):
        assert values(described, "SELECT ?s WHERE { graph:atop dcterms:source ?s }") == ["http://www.atopdata.org/"]
        rights = values(described, "SELECT ?r WHERE { graph:atop dcterms:rights ?r }")
        assert rights and all("terms stated at http://www.atopdata.org/" in r for r in rights)


def test_triple_counts_per_named_graph(described, store):
    counts = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.graph_name.value != void.GRAPH_VOID:
            counts[quad.graph_name.value] = counts.get(quad.graph_name.value, 0) + 1
    for graph, count in counts.items():
        assert values(described, f"SELECT ?n WHERE {{ ?d void:subset <{graph}> . <{graph}> void:triples ?n }}") == [str(count)], graph
    assert values(described, f"SELECT ?n WHERE {{ {DATASET} void:triples ?n }}") == [str(sum(counts.values()))]
    asserted = values(described, f"SELECT ?n WHERE {{ {DATASET} void:subset ?a . ?a void:subset graph:article ; void:triples ?n }}")
    inferred = values(described, "SELECT ?n WHERE { graph:inferred void:triples ?n }")
    assert int(asserted[0]) + int(inferred[0]) <= sum(counts.values())


def test_vocabularies(described):
    used = set(values(described, f"SELECT ?v WHERE {{ {DATASET} void:vocabulary ?v }}"))
    for prefix in ("csto", "time", "org", "prov", "skos", "rdfs"):
        assert PREFIXES[prefix] in used, prefix
    assert PREFIXES["kg"] not in used


@pytest.mark.parametrize("key, namespace", [
    ("wikidata", "http://www.wikidata.org/entity/"),
    ("dbpedia", "http://dbpedia.org/resource/"),
    ("geonames", "https://sws.geonames.org/"),
])  # fmt: skip
def test_link_sets_count_owl_same_as_by_target(described, ask, key, namespace):
    expected = ask(f"""SELECT (COUNT(*) AS ?n) WHERE {{
        GRAPH <{GRAPH_LINKS}> {{ ?s owl:sameAs ?o }} FILTER(STRSTARTS(STR(?o), "{namespace}")) }}""")[0]["n"]
    linkset = f"<{void.DATASET}/links/{key}>"
    if not expected:
        pytest.skip(f"no links to {key} in this graph")
    assert values(described, f"SELECT ?n WHERE {{ {DATASET} void:subset {linkset} . {linkset} a void:Linkset ; void:triples ?n }}") == [
        str(expected)
    ]
    assert values(described, f"SELECT ?p WHERE {{ {linkset} void:linkPredicate ?p }}") == [PREFIXES["owl"] + "sameAs"]


def test_endpoint_only_when_served(store, layout):
    assert "sparqlEndpoint" not in void.description(store, None).decode()
    served = parsed(described_build(layout, "http://localhost:8000/sparql"))
    assert values(served, f"SELECT ?e WHERE {{ {DATASET} void:sparqlEndpoint ?e }}") == ["http://localhost:8000/sparql"]
    assert values(served, "SELECT ?e WHERE { ?s a dcat:DataService ; dcat:endpointURL ?e }") == ["http://localhost:8000/sparql"]
    with pytest.raises(UsageError):
        void.description(store, "localhost:8000/sparql")


@pytest.mark.parametrize(
    ("endpoint", "said"),
    [
        ("localhost:8000/sparql", "give an absolute http(s) URL"),
        ("http://[::1/sparql", "give an absolute http(s) URL"),
        ("http://host:port/sparql", "give an absolute http(s) URL"),
        ("http://host/a b", "give an absolute http(s) URL"),
        ("http://host/<sparql>", "an IRI holds none of"),
        ("http://user:secret@host/{x}", "user:***@host"),
    ],
)
def test_an_endpoint_an_iri_cannot_hold_is_refused_in_one_line(store, endpoint, said):
    with pytest.raises(UsageError) as refused:
        void.description(store, endpoint)
    message = str(refused.value)
    assert said in message and "\n" not in message and "secret" not in message


def test_description_can_be_made_from_a_store_without_one(store):
    # A store built before the description existed: it is made from the store's quads.
    copy = ox.Store()
    copy.bulk_extend(q for q in store.quads_for_pattern(None, None, None, None) if q.graph_name.value != void.GRAPH_VOID)
    made = parsed(void.description(copy))
    stored = parsed(void.description(store))
    query = f"SELECT ?n WHERE {{ {DATASET} void:triples ?n }}"
    assert values(made, query) == values(stored, query)


@pytest.mark.parametrize("flag", ["--void", "--with-description"])
def test_export_includes_the_description_on_request(build_dir, flag):
    args = ["export", "-f", "nquads", "--data", str(ROOT), "--build-dir", str(build_dir)]
    plain = CliRunner().invoke(main, args)
    with_void = CliRunner().invoke(main, [*args, flag])
    assert plain.exit_code == 0 and with_void.exit_code == 0, with_void.output
    assert f"<{void.GRAPH_VOID}>" not in plain.stdout
    assert f"<{void.DATASET}> <http://rdfs.org/ns/void#triples>" in with_void.stdout


def test_export_turtle_with_the_description_parses(build_dir, tmp_path):
    out = tmp_path / "all.ttl"
    csto_kg.export(out, with_void=True, data_root=ROOT, build_dir=build_dir)
    graph = parsed(out.read_bytes())
    assert values(graph, f"SELECT ?t WHERE {{ {DATASET} dcterms:title ?t }}")
