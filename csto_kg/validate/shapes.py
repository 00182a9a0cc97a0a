"""The SHACL shapes of shapes/*.ttl, run with pySHACL over an rdflib graph, without
inference of its own; pySHACL and rdflib are imported when the shapes run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from csto_kg.core.errors import CstoKgError
from csto_kg.core.errors import one_line as flat
from csto_kg.core.paths import Layout, default_data_root
from csto_kg.validate.report import SH, SHAPES, Problem
from csto_kg.validate.terms import to_rdflib

# -- shapes -----------------------------------------------------------------------------------


def shapes_dir(layout: Layout) -> Path:
    """shapes/ of the data root, else the shapes installed with csto-kg."""
    own = layout.data_root / "shapes"
    if own.is_dir():
        return own
    return default_data_root() / "shapes"


def shape_files(layout: Layout) -> list[Path]:
    return sorted(shapes_dir(layout).glob("*.ttl"))


def _rdflib_graph(triples: Iterable[tuple[Any, Any, Any]]) -> Any:
    from rdflib import Graph

    graph = Graph()
    cache: dict[Any, Any] = {}

    def conv(term: Any) -> Any:
        found = cache.get(term)
        if found is None:
            found = cache[term] = to_rdflib(term)
        return found

    add = graph.add
    for s, p, o in triples:
        add((conv(s), conv(p), conv(o)))
    return graph


def _load_shapes(files: list[Path]) -> Any:
    from rdflib import Graph

    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises many kinds of parse errors
            raise CstoKgError(f"{path}: cannot read the shapes: {' '.join(str(err).split())}") from None
    return graph


def run_shapes(files: list[Path], triples: list[tuple[Any, Any, Any]]) -> tuple[list[Problem], int]:
    """pySHACL over `triples` (already reasoned): one problem per validation result."""
    import pyshacl
    from rdflib import RDF, BNode, Literal, Namespace, URIRef

    # Both log a traceback for each problem they meet (rdflib: each ill-typed literal);
    # the validation reports every problem itself, in one line.
    logging.getLogger("pyshacl").setLevel(logging.CRITICAL)
    logging.getLogger("pyshacl-validate").disabled = True  # its own handler; reset on each call
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    sh = Namespace(SH)
    shapes = _load_shapes(files)
    data = _rdflib_graph(triples)
    try:
        _conforms, results, _text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            meta_shacl=False,
            allow_infos=True,
            allow_warnings=True,
        )
    except pyshacl.errors.ReportableRuntimeError as err:  # a shape pySHACL cannot use
        where = ", ".join(str(f) for f in files)
        raise CstoKgError(f"the shapes ({where}) cannot be used: {flat(getattr(err, 'message', err))}") from None
    node_shapes = {s for s in shapes.subjects(RDF.type, sh.NodeShape) if isinstance(s, URIRef)}
    fix_of = {s: str(o) for s, o in shapes.subject_objects(URIRef(SHAPES + "fix"))}

    def owner(shape: Any, focus: Any) -> Any:
        """The named node shape a (possibly blank) property shape belongs to."""
        if shape in node_shapes:
            return shape
        candidates = [s for s in shapes.subjects(sh.property, shape) if s in node_shapes]
        for candidate in candidates:
            targets = set(shapes.objects(candidate, sh.targetClass))
            if targets & set(data.objects(focus, RDF.type)):
                return candidate
        return candidates[0] if candidates else shape

    problems = []
    for result in results.objects(None, sh.result):  # not the nested results of sh:detail
        focus = results.value(result, sh.focusNode)
        source = results.value(result, sh.sourceShape)
        shape = owner(source, focus)
        message = results.value(result, sh.resultMessage)
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = results.value(result, sh.resultSeverity)
        component = results.value(result, sh.sourceConstraintComponent)
        if isinstance(focus, Literal):  # a literal a shape was applied to: no node to point at
            value = value if value is not None else focus
            focus = None
        problems.append(
            Problem(
                kind="shape",
                rule=str(shape) if isinstance(shape, URIRef) else SHAPES + "shape",
                message=" ".join(str(message).split()) if message is not None else "does not conform to the shape",
                fix=fix_of.get(shape, ""),
                node=None if focus is None else f"_:{focus}" if isinstance(focus, BNode) else str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=(str(value) if isinstance(value, Literal | URIRef) and value != focus else None),
                value_is_iri=isinstance(value, URIRef),
                severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
                component=str(component) if component is not None else None,
            )
        )
    return problems, len(node_shapes)
