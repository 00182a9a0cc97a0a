"""Validation: the SHACL shapes, the violation queries and the OWL-RL consistency check.

`validate()` runs everything on the sources (no store needed) and returns a `Report`
a contributor can act on: for each problem the node, its label, the file and line where
it is asserted, what is wrong and how to fix it. `require_valid()` is the build's gate:
the pipeline calls it on the new data before the store is swapped in, and it raises
`ValidationError` with a one-line summary.

What runs, in order:

1. every source file is parsed (a syntax error is reported with its file and line);
2. the OWL-RL closure (csto_kg.building.reason), which raises on an inconsistency or an
   ill-typed literal;
3. the SHACL shapes of `shapes/*.ttl`, with pySHACL and no inference of its own, over
   what the sources assert plus what the project's reasoner inferred but rdf:type: the
   class hierarchy lets targets and sh:class reach subclasses, while types inferred from
   domains and ranges, which would make every sh:class pass, are left out (and the
   reasoner is several times faster than pySHACL's RDFS inference);
4. the derived graph (csto_kg.building.pipeline.derive) and the `queries/checks/*-violation.rq`
   queries over an in-memory store of the asserted, inferred and derived graphs.

rdflib and pyshacl are imported inside the functions that need them, never at module
level: this module is part of the build path only.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import pyoxigraph as ox

from csto_kg.core.errors import ConsistencyError
from csto_kg.core.namespaces import BASE, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES, RDFS
from csto_kg.core.paths import Layout
from csto_kg.validate.checks import run_violation_queries
from csto_kg.validate.locations import first_known_iri, ill_typed_subject, subject_locations
from csto_kg.validate.report import (
    CONSISTENCY,
    DERIVE,
    RDF_TYPE,
    SYNTAX,
    Problem,
    Report,
    ValidationError,
)
from csto_kg.validate.shapes import run_shapes, shape_files

_FIX_CONSISTENCY = (
    'An ill-typed literal (such as "1993"^^xsd:date) or a node in two disjoint classes: correct the literal\'s '
    "datatype or lexical form, or the node's types, at the file and line given."
)
_TRIPLE_TERM = (
    "an RDF 1.2 triple term (<<( s p o )>> or a ~ reifier): the graph is RDF 1.1, and its JSON-LD and RDF/XML exports cannot hold one"
)
_FIX_TRIPLE_TERM = (
    "State what the triple term says about the triple with a node of its own (such as a csto:Fact with prov:wasDerivedFrom), "
    "in plain triples."
)
_FIX_DERIVE = "Give each date as an xsd:date, xsd:gYearMonth or xsd:gYear literal and csto:notBefore/csto:notAfter as xsd:date."

# -- the whole validation ------------------------------------------------------------------


def _plain(triple: tuple[Any, Any, Any]) -> bool:
    """Not an RDF 1.2 triple term in subject or object position."""
    return not isinstance(triple[0], ox.Triple) and not isinstance(triple[2], ox.Triple)


def _label_index(quads: Iterable[Any]) -> dict[str, str]:
    labels: dict[str, tuple[int, str]] = {}
    label = RDFS + "label"
    for q in quads:
        s, p, o = q[0], q[1], q[2]
        if p.value != label or not isinstance(o, ox.Literal) or isinstance(s, ox.Triple):
            continue
        rank = 0 if o.language == "en" else (1 if not o.language else 2)
        key = f"_:{s.value}" if isinstance(s, ox.BlankNode) else s.value
        if key not in labels or rank < labels[key][0]:
            labels[key] = (rank, o.value)
    return {k: v for k, (_, v) in labels.items()}


def _place(problems: list[Problem], where: dict[str, list[tuple[str, int]]], labels: dict[str, str]) -> list[Problem]:
    """Fill in file, line and label of each problem's node, and sort by file and line."""
    placed = []
    seen: set[tuple] = set()
    for p in problems:
        key = (p.kind, p.rule, p.node, p.message, p.path, p.value)
        if key in seen:  # a query may find the same thing twice (a UNION of two ways)
            continue
        seen.add(key)
        if p.node and p.file is None:
            spots = tuple(where.get(p.node, ()))
            first = spots[0] if spots else (None, None)
            p = replace(p, file=first[0], line=first[1], locations=spots, label=p.label or labels.get(p.node))
        elif p.node and p.label is None:
            p = replace(p, label=labels.get(p.node))
        placed.append(p)
    order = {"syntax": 0, "consistency": 1, "shape": 2, "check": 3}
    return sorted(placed, key=lambda p: (p.file is None, p.file or "", p.line or 0, p.node or "", order.get(p.kind, 9), p.message))


@dataclass(frozen=True)
class Steps:
    """The build's steps that validation runs when the caller has not run them: which
    triples are reasoned over, the OWL-RL closure, and the derived graph. The build hands
    them over (csto_kg.building.pipeline.STEPS), so that validation never imports the build."""

    reasoned_over: Callable[[Iterable[ox.Quad]], set[tuple[Any, Any, Any]]]
    closure: Callable[[Iterable[tuple[Any, Any, Any]]], Iterable[Any]]
    derive: Callable[[list[ox.Quad], Iterable[tuple[Any, Any, Any]]], list[ox.Quad]]


def _no_steps(*_args: Any) -> Any:
    raise TypeError("check_graph needs `steps` when `inferred` or `derived` is not given")


_GIVEN = Steps(_no_steps, _no_steps, _no_steps)


def check_graph(
    layout: Layout,
    asserted: list[ox.Quad],
    inferred: Iterable[Any] | None = None,
    derived: list[ox.Quad] | None = None,
    steps: Steps = _GIVEN,
) -> Report:
    """Validate loaded quads: consistency (unless `inferred` is given), shapes, checks.

    `inferred` is the OWL-RL closure and `derived` the derived graph (csto_kg.building.pipeline.derive)
    when the caller has computed them (the build); when they are None they are computed here by
    `steps` and an inconsistency becomes a problem of the report.
    """
    reasoned_over, derive = steps.reasoned_over, steps.derive
    started = time.perf_counter()
    report = Report()
    where = subject_locations(path for path, _graph in layout.sources())
    labels = _label_index(asserted)
    timings = report.timings

    def done() -> Report:
        report.problems = _place(report.problems, where, labels)
        report.seconds = time.perf_counter() - started
        return report

    to_reason = reasoned_over(asserted) if inferred is None or derived is None else set()
    if inferred is None:
        try:
            inferred = steps.closure(to_reason)
        except ConsistencyError as err:
            node = first_known_iri(str(err), where) or ill_typed_subject(str(err), asserted)
            report.problems.append(Problem("consistency", CONSISTENCY, str(err), _FIX_CONSISTENCY, node=node))
            return done()
        timings["reason"] = time.perf_counter() - started
    inferred = [(t.subject, t.predicate, t.object) if isinstance(t, ox.Quad | ox.Triple) else tuple(t) for t in inferred]

    # RDF 1.2 triple terms (`<<( s p o )>>`, or a `~` reifier) parse, but the graph is
    # RDF 1.1: its JSON-LD and RDF/XML exports cannot write them.
    for q in asserted:
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            node = f"_:{q.subject.value}" if isinstance(q.subject, ox.BlankNode) else getattr(q.subject, "value", None)
            report.problems.append(Problem("syntax", SYNTAX, _TRIPLE_TERM, _FIX_TRIPLE_TERM, node=node, path=q.predicate.value))
    inferred = [t for t in inferred if _plain(t)]

    # The SHACL data graph: everything asserted, and what the reasoner inferred except
    # rdf:type. SHACL follows rdfs:subClassOf itself (targets and sh:class), so the class
    # hierarchy is all the shapes need of the ontology; inferred types would come from
    # domains and ranges too and make every sh:class pass (`csto:capital kg:armenia`
    # makes Armenia a csto:City). Inferred property values stay (csto:chairedBy is a
    # csto:actor). The ontology's labels and definitions are left out: no shape looks at
    # them, and they are a third of the triples.
    mark = time.perf_counter()
    data: set[tuple[Any, Any, Any]] = {t for t in inferred if t[1].value != RDF_TYPE}
    for q in asserted:
        if not _plain((q.subject, q.predicate, q.object)):
            continue
        if q.graph_name.value == GRAPH_ONTOLOGY and isinstance(q.object, ox.Literal) and isinstance(q.subject, ox.NamedNode):
            if q.subject.value.startswith(PREFIXES["csto"]) or q.subject.value.startswith(BASE + "ontology"):
                continue
        data.add((q.subject, q.predicate, q.object))
    report.triples = len(data)
    files = shape_files(layout)
    if files:
        shape_problems, report.shapes = run_shapes(files, list(data))
        report.problems.extend(shape_problems)
    timings["shapes"] = time.perf_counter() - mark

    mark = time.perf_counter()
    try:
        if derived is None:
            derived = derive(asserted, itertools.chain(to_reason, inferred))
    except (ConsistencyError, ValueError, TypeError, AttributeError) as err:
        if not report.problems:
            message = " ".join(str(err).split())
            report.problems.append(
                Problem(
                    "consistency", DERIVE, f"date bounds cannot be derived: {message}", _FIX_DERIVE, node=first_known_iri(message, where)
                )
            )
        return done()
    store = ox.Store()
    inferred_graph = ox.NamedNode(GRAPH_INFERRED)
    store.bulk_extend(asserted)
    store.bulk_extend(ox.Quad(s, p, o, inferred_graph) for s, p, o in inferred)
    store.bulk_extend(derived)
    check_problems, report.checks = run_violation_queries(store, layout.queries_dir)
    report.problems.extend(check_problems)
    timings["checks"] = time.perf_counter() - mark
    return done()


def require_valid(layout: Layout, asserted: list[ox.Quad], inferred: Iterable[Any], derived: list[ox.Quad]) -> Report:
    """The build's gate: raise ValidationError (a one-line summary) unless the new data validates."""
    report = check_graph(layout, asserted, inferred, derived)
    if not report.conforms:
        raise ValidationError(report)
    return report
