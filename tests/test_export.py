"""Every export parses back into a graph isomorphic to what was exported."""

from __future__ import annotations

import io
import json

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from csto_kg import formats
from csto_kg.namespaces import ASSERTED_GRAPHS, GRAPH_DERIVED, GRAPH_INFERRED
from csto_kg.serialize import selected_graphs, write_export


def _expected(store, inferred: bool) -> Graph:
    """What the export should hold: the union of the chosen graphs, read from the store."""
    graph = Graph()
    data = store.dump(format=formats.rdf_format("nquads").oxigraph)
    full = Dataset()
    full.parse(data=data, format="nquads")
    for name in selected_graphs(store, inferred):
        for triple in full.graph(URIRef(name.value)):
            graph.add(triple)
    return graph


@pytest.mark.parametrize("inferred", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("name", ["turtle", "json-ld", "nt", "xml"])
def test_triple_formats_round_trip(store, name, inferred):
    fmt = formats.rdf_format(name)
    buffer = io.BytesIO()
    write_export(store, buffer, fmt, inferred)
    parsed = Graph().parse(data=buffer.getvalue(), format=fmt.rdflib)
    expected = _expected(store, inferred)
    assert len(parsed) == len(expected) > 1000
    assert isomorphic(parsed, expected)


@pytest.mark.parametrize("name", ["trig", "nquads"])
def test_dataset_formats_keep_sources_apart(store, name):
    fmt = formats.rdf_format(name)
    buffer = io.BytesIO()
    write_export(store, buffer, fmt, inferred=False)
    parsed = Dataset()
    parsed.parse(data=buffer.getvalue(), format=fmt.rdflib)
    names = {str(g.identifier) for g in parsed.graphs() if len(g)}
    present = {g.value for g in store.named_graphs()}
    assert names == {g for g in ASSERTED_GRAPHS if g in present}
    assert GRAPH_INFERRED not in names and GRAPH_DERIVED not in names
    full = Dataset()
    full.parse(data=store.dump(format=formats.rdf_format("nquads").oxigraph), format="nquads")
    for graph_name in names:
        assert isomorphic(parsed.graph(URIRef(graph_name)), full.graph(URIRef(graph_name))), graph_name


def test_json_ld_has_a_compact_context(store):
    buffer = io.BytesIO()
    write_export(store, buffer, formats.rdf_format("json-ld"))
    document = json.loads(buffer.getvalue())
    assert document["@context"]["kg"] == "https://w3id.org/csto-kg/id/"
    ids = {node["@id"] for node in document["@graph"]}
    assert "kg:armenia" in ids


def test_format_is_guessed_from_the_output_path():
    assert formats.rdf_format(path="x.jsonld").name == "json-ld"
    assert formats.rdf_format(path="x.trig").name == "trig"
    assert formats.rdf_format(path="x.nt").name == "nt"
    assert formats.rdf_format(path="-").name == "turtle"
    assert formats.result_format(path="rows.csv").name == "csv"
    assert formats.result_format(path="rows.srj").name == "json"
