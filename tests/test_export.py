"""Every export parses back into a graph isomorphic to what was exported."""

from __future__ import annotations

import io
import json

import pytest
from conftest import ROOT
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from csto_kg.building import dumps
from csto_kg.building.void import DESCRIPTION_PREFIXES
from csto_kg.core import formats
from csto_kg.core.built import current_store_path
from csto_kg.core.namespaces import GRAPH_DERIVED, GRAPH_INFERRED, GRAPH_VOID, PREFIXES
from csto_kg.core.paths import Layout
from csto_kg.exporting.serialize import _description, selected_graphs, write_export


def _expected(store, inferred: bool, with_void: bool = False) -> Graph:
    """What the export should hold: the union of the chosen graphs, read from the store."""
    graph = Graph()
    data = store.dump(format=formats.rdf_format("nquads").oxigraph)
    full = Dataset()
    full.parse(data=data, format="nquads")
    for name in selected_graphs(store, inferred, with_void):
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


@pytest.mark.parametrize("with_void", [False, True], ids=["", "void"])
@pytest.mark.parametrize("inferred", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("name", ["turtle", "json-ld", "nt", "xml"])
def test_exports_joined_from_the_dumps_equal_the_store(store, layout, name, inferred, with_void):
    """Triple formats come from the dumps the build wrote, and hold the same graph."""
    store_dir = current_store_path(layout)
    fmt = formats.rdf_format(name)
    graphs = selected_graphs(store, inferred, with_void)
    description = _description(store, graphs) if with_void else []
    prefixes = DESCRIPTION_PREFIXES if with_void else PREFIXES
    direct = io.BytesIO()
    assert dumps.write_export(store_dir, direct, name, inferred, description, prefixes)
    through_export = io.BytesIO()
    write_export(store, through_export, fmt, inferred, with_void, store_dir)
    assert through_export.getvalue() == direct.getvalue()
    parsed = Graph().parse(data=direct.getvalue(), format=fmt.rdflib)
    expected = _expected(store, inferred, with_void)
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
    assert names == present - {GRAPH_INFERRED, GRAPH_DERIVED, GRAPH_VOID}
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


def test_every_source_folder_is_exported_and_asserted(tmp_path):
    """A graph/NAME/ folder beyond the project's own is a source like the others: it is in
    the default export, in each dataset export as its own graph, and in `--asserted` queries."""
    from conftest import scratch_copy

    from csto_kg.building.pipeline import build
    from csto_kg.core.built import open_store
    from csto_kg.exporting.serialize import export
    from csto_kg.querying.catalogue import catalogue
    from csto_kg.querying.sparql import run_on_store

    data = scratch_copy(tmp_path / "data")
    (data / "graph" / "extra").mkdir()
    (data / "graph" / "extra" / "extra.ttl").write_text(
        "<https://w3id.org/csto-kg/id/extra-thing> <http://www.w3.org/2000/01/rdf-schema#label> 'extra thing'@en .\n",
        encoding="utf-8",
    )
    build(data, tmp_path / "build", validate=False)
    extra = "https://w3id.org/csto-kg/graph/extra"
    for name in ("turtle", "json-ld", "trig"):
        out = tmp_path / f"out.{name}"
        export(out, name, data_root=data, build_dir=tmp_path / "build")
        parsed = Dataset()
        parsed.parse(out, format=formats.rdf_format(name).rdflib)
        labels = {str(o) for _s, _p, o, _g in parsed.quads((URIRef("https://w3id.org/csto-kg/id/extra-thing"), None, None, None))}
        assert labels == {"extra thing"}, name
        if name == "trig":
            assert extra in {str(g.identifier) for g in parsed.graphs() if len(g)}
    store = open_store(Layout.resolve(data, tmp_path / "build"))
    (data / "queries" / "extra-label.rq").write_text("SELECT ?label WHERE { kg:extra-thing rdfs:label ?label }\n", encoding="utf-8")
    named = catalogue(data / "queries")["extra-label"]
    assert [r["label"] for r in run_on_store(store, named, asserted=True).records()] == ["extra thing"]


def test_a_damaged_dump_falls_back_to_the_store_or_fails_in_one_line(build_dir, tmp_path):
    """A missing part, or one changed since the build: the export is read from the store
    instead, whole."""
    import shutil
    import subprocess
    import sys

    # A copy of the session's build, to be damaged: current for the project's sources as it is.
    shutil.copytree(build_dir, tmp_path / "build", symlinks=True)
    parts = (tmp_path / "build" / "current").resolve() / dumps.FOLDER
    env = {"CSTO_KG_DATA": str(ROOT), "CSTO_KG_BUILD": str(tmp_path / "build"), "CSTO_KG_QUIET": "1", "PATH": ""}

    def export(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "csto_kg", "export", *args], capture_output=True, text=True, env=env, check=False)

    whole = tmp_path / "whole.ttl"
    assert export("--inferred", "-o", str(whole)).returncode == 0
    shutil.move(parts / "entailed.ttl", tmp_path / "entailed.ttl")
    from_store = tmp_path / "from-store.ttl"
    assert export("--inferred", "-o", str(from_store)).returncode == 0
    assert isomorphic(Graph().parse(from_store), Graph().parse(whole))
    shutil.move(tmp_path / "entailed.ttl", parts / "entailed.ttl")

    # A part changed since the build (its SHA-256 in dumps/sums.json no longer matches) is
    # not joined: every format is read from the store, whole and parseable, exit 0.
    with (parts / "asserted.ttl").open("a", encoding="utf-8") as part:
        part.write("not turtle <<<\n")
    for name in ("out.nt", "out.ttl"):
        out = tmp_path / name
        assert export("-o", str(out)).returncode == 0
        assert len(Graph().parse(out)) > 0
