"""csto:eventType, written by the build: the most specific event class of each event."""

from __future__ import annotations

import pyoxigraph as ox

from csto_kg.building import eventtypes
from csto_kg.core.namespaces import CSTO, GRAPH_DERIVED, RDF, RDFS

TYPE, SUBCLASS = ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "subClassOf")


def _c(local: str) -> ox.NamedNode:
    return ox.NamedNode(CSTO + local)


def test_the_build_writes_what_the_sparql_definition_finds(ask):
    """The same pairs as the test the queries made per row before the build wrote them."""
    written = {(r["event"], r["class"]) for r in ask("SELECT ?event ?class WHERE { ?event csto:eventType ?class }")}
    defined = {
        (r["event"], r["class"])
        for r in ask(
            """SELECT ?event ?class WHERE {
              ?event a csto:Event , ?class . ?class rdfs:subClassOf csto:Event .
              FILTER NOT EXISTS { ?event a ?narrower . ?narrower rdfs:subClassOf ?class . FILTER(?narrower != ?class) }
            }"""
        )
    }
    assert written == defined
    assert len(written) >= 112  # every event of the article has one
    assert ("https://w3id.org/csto-kg/event/1992-05-15-treaty-signed", CSTO + "Signing") in written


def test_only_the_narrowest_classes_of_an_event_are_kept():
    event, other, thing = ox.NamedNode("urn:e"), ox.NamedNode("urn:f"), ox.NamedNode("urn:x")
    reasoned = [
        (_c("Summit"), SUBCLASS, _c("Meeting")),
        (_c("Summit"), SUBCLASS, _c("Event")),
        (_c("Meeting"), SUBCLASS, _c("Event")),
        (_c("Event"), SUBCLASS, _c("Event")),
        (_c("Deployment"), SUBCLASS, _c("Event")),
        (event, TYPE, _c("Summit")),
        (event, TYPE, _c("Meeting")),
        (event, TYPE, _c("Event")),
        (other, TYPE, _c("Meeting")),
        (other, TYPE, _c("Deployment")),
        (other, TYPE, _c("Event")),
        (thing, TYPE, _c("Summit")),  # not stated to be an event: not an event here
    ]
    found = {(q.subject, q.object) for q in eventtypes.derive(reasoned)}
    assert found == {(event, _c("Summit")), (other, _c("Meeting")), (other, _c("Deployment"))}
    assert {q.graph_name.value for q in eventtypes.derive(reasoned)} == {GRAPH_DERIVED}
