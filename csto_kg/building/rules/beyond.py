"""Rules this reasoner runs beyond owlrl's closure, each sound under the OWL 2 RDF-Based
semantics and each settled by a W3C OWL 2 test case (named beside it):

* owl:differentFrom is symmetric (WebOnt-differentFrom-001);
* a functional property's subjects are different when its values are, and an inverse
  functional property's values when its subjects are (owl2-rl-rules-fp-differentFrom,
  owl2-rl-rules-ifp-differentFrom);
* a reflexive property relates every named individual to itself
  (New-Feature-ReflexiveProperty-001);
* a property whose chain is (p p) is transitive (chain2trans1);
* a property's range reaches the XSD datatypes its range datatype is derived from
  (WebOnt-I5.8-006).

`extra_schema` runs in the schema fixpoint, `extra_instances` after the instance rules
(the engine's `add` then takes its conclusions through every rule).
"""

from __future__ import annotations

from collections.abc import Callable

from csto_kg.core.namespaces import OWL, RDF

Add = Callable[[int, int, int], None]


def extra_schema(r) -> None:
    """chain (p p) makes p transitive; rdfs:range over the XSD datatype hierarchy."""
    transitive = r._iri(OWL + "TransitiveProperty")
    for p, head in r._pairs(r.CHAIN):
        if r._items(head) == [p, p]:
            r._put(p, r.T, transitive)
    for p, dt in r._pairs(r.RANGE):
        for sup in r.dt_sups.get(dt, ()):
            r._put(p, r.RANGE, sup)


def extra_instances(r, add: Add) -> None:
    """differentFrom symmetric and carried over (inverse) functional properties; reflexive
    properties on named individuals."""
    diff = r._pairs(r.DIFF)
    for x, y in diff:
        add(y, r.DIFF, x)
    kinds = r._members({r.FP, r.IFP, r._iri(OWL + "ReflexiveProperty"), r._iri(OWL + "NamedIndividual")})
    for p in kinds[r.FP]:
        subjects: dict[int, list[int]] = {}
        for s, o in r._pairs(p):
            subjects.setdefault(o, []).append(s)
        for y1, y2 in diff:
            for x1 in subjects.get(y1, ()):
                for x2 in subjects.get(y2, ()):
                    add(x1, r.DIFF, x2)
    for p in kinds[r.IFP]:
        for x1, x2 in diff:
            for y1 in tuple(r._objects(x1, p)):
                for y2 in tuple(r._objects(x2, p)):
                    add(y1, r.DIFF, y2)
    individuals = kinds[r._iri(OWL + "NamedIndividual")]
    for p in kinds[r._iri(OWL + "ReflexiveProperty")]:
        for x in individuals:
            add(x, p, x)


def beyond_owlrl(triple) -> bool:
    """Whether `triple`, found by this reasoner and not by owlrl, is one of the kinds the
    rules above add: the equality tests leave exactly these out."""
    _s, p, o = triple
    if p.value == OWL + "differentFrom":
        return True
    if p.value == RDF + "type" and getattr(o, "value", None) == OWL + "TransitiveProperty":
        return True
    return p.value == "http://www.w3.org/2000/01/rdf-schema#range" and getattr(o, "value", "").startswith(
        "http://www.w3.org/2001/XMLSchema#"
    )
