"""The most specific event class of each event, written by the build.

Queries that list events name each one's most specific class (a summit, not also a
meeting and an event). Found in SPARQL, that is a class of the event with no narrower
class of the event: a test per event and class, which at tens of thousands of events
costs seconds. The build works it out once from the reasoned graph and writes
csto:eventType into the derived graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from csto_kg.core.namespaces import CSTO, GRAPH_DERIVED, RDF, RDFS

_TYPE = ox.NamedNode(RDF + "type")
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
_EVENT = ox.NamedNode(CSTO + "Event")
_EVENT_TYPE = ox.NamedNode(CSTO + "eventType")
_GRAPH = ox.NamedNode(GRAPH_DERIVED)


def derive(triples: Iterable[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, object]]) -> list[ox.Quad]:
    """csto:eventType quads for every event of the reasoned graph `triples` (what the
    sources assert with what reasoning adds): each class of the event that is a subclass
    of csto:Event and has no other class of the event below it."""
    types: dict[object, set[object]] = defaultdict(set)
    broader: dict[object, set[object]] = defaultdict(set)  # class -> the classes it is a subclass of
    for subject, predicate, obj in triples:
        if predicate == _TYPE:
            types[subject].add(obj)
        elif predicate == _SUBCLASS:
            broader[subject].add(obj)
    out = []
    for thing, classes in types.items():
        if _EVENT not in classes:
            continue
        kinds = {c for c in classes if _EVENT in broader.get(c, ())}
        for kind in kinds:
            if not any(other != kind and kind in broader.get(other, ()) for other in kinds):
                out.append(ox.Quad(thing, _EVENT_TYPE, kind, _GRAPH))
    return out
