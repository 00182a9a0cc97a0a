"""Export the built graph: the asserted sources with the ontology, or the reasoned closure.

Triple formats get the union of the chosen graphs (each triple once); TriG and N-Quads
keep every source in its own named graph. Triple formats come from the dumps the build
wrote beside the store (csto_kg/building/dumps.py); TriG and N-Quads are read from the store.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from csto_kg.building import dumps
from csto_kg.core import formats
from csto_kg.core.namespaces import GRAPH_DERIVED, GRAPH_INFERRED, GRAPH_VOID, PREFIXES, asserted_graphs
from csto_kg.core.output import open_output
from csto_kg.core.paths import Layout


def selected_graphs(store: ox.Store, inferred: bool, with_void: bool = False) -> list[ox.NamedNode]:
    present = {g.value for g in store.named_graphs()}
    wanted = asserted_graphs(present) + ([GRAPH_INFERRED, GRAPH_DERIVED] if inferred else []) + ([GRAPH_VOID] if with_void else [])
    return [ox.NamedNode(g) for g in wanted if g in present]


def _triples(store: ox.Store, graphs: list[ox.NamedNode]):
    solutions = store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", default_graph=graphs)
    for row in solutions:
        yield ox.Triple(row[0], row[1], row[2])


def _description(store: ox.Store, graphs: list[ox.NamedNode]) -> list[ox.Triple]:
    """The dataset description's triples that no other chosen graph holds."""
    others = [g for g in graphs if g.value != GRAPH_VOID]
    return [
        q.triple
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_VOID))
        if not any(ox.Quad(q.subject, q.predicate, q.object, g) in store for g in others)
    ]


def write_export(
    store: ox.Store,
    stream,
    fmt: formats.RdfFormat,
    inferred: bool = False,
    with_void: bool = False,
    store_dir: Path | None = None,
) -> None:
    """`with_void` adds the dataset description (VoID/DCAT, csto_kg/building/void.py) in its own graph.

    `store_dir`, the store's folder: a triple format is then made from the dumps the build
    wrote there (csto_kg/building/dumps.py) instead of being read back from the store.
    """
    graphs = selected_graphs(store, inferred, with_void)
    prefixes = PREFIXES
    if with_void:
        from csto_kg.building import void

        prefixes = void.DESCRIPTION_PREFIXES
    if dumps.available(store_dir, fmt.name):
        description = _description(store, graphs) if with_void else []
        if dumps.write_export(store_dir, stream, fmt.name, inferred, description, prefixes):
            return
    if fmt.name == "json-ld":
        from csto_kg.core.jsonld import compact_document

        expanded = ox.serialize(_triples(store, graphs), format=fmt.oxigraph)
        stream.write(compact_document(expanded))
    elif fmt.datasets:
        quads = (q for g in graphs for q in store.quads_for_pattern(None, None, None, g))
        ox.serialize(quads, stream, format=fmt.oxigraph, prefixes=prefixes)
    else:
        ox.serialize(_triples(store, graphs), stream, format=fmt.oxigraph, prefixes=prefixes)


def export(
    output: str | Path | None = "-",
    format: str | None = None,
    *,
    inferred: bool = False,
    with_void: bool = False,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
) -> formats.RdfFormat:
    """Write the graph to `output` (a path, or '-' for standard output) atomically.

    The format is `format`, else guessed from the path, else Turtle. Returns the format used.
    `with_void` includes the dataset description (VoID/DCAT) that the build wrote.
    """
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_build

    fmt = formats.rdf_format(format, output)
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    store_dir, store = open_build(layout)
    with open_output(output) as stream:
        write_export(store, stream, fmt, inferred, with_void, store_dir)
    return fmt
