"""OWL-RL reasoning, and the consistency checks on its result.

`closure` runs csto_kg.building.rules, a reasoner written for this project that computes what
owlrl computes, far faster, and fills owlrl's gaps (README, "Reasoning", lists them).
`closure_owlrl` runs owlrl itself, the reference the equality tests hold the first to
(less those differences); rdflib and owlrl are imported only when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from csto_kg.core.errors import ConsistencyError
from csto_kg.core.namespaces import OWL, RDF

_ERROR_PREDICATE = "http://www.daml.org/2002/03/agents/agent-ont#error"  # owlrl's ERRNS.error
_NOTHING = OWL + "Nothing"
_SAME_AS = OWL + "sameAs"

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal):
    """The rdflib term for a pyoxigraph term, keeping a literal's lexical form."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    # normalize=False keeps the lexical form: rdflib would otherwise rewrite "01"^^xsd:integer
    # as "1" and "1"^^xsd:boolean as "true", which come back as triples never asserted, and
    # it would hide ill-typed literals such as "maybe"^^xsd:boolean from owlrl's check.
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def _from_rdflib(term):
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unexpected term {term!r}")


def is_noise(triple: Triple) -> bool:
    """owlrl's by-products that carry no information about the graph's entities.

    Triples about literals, reflexive owl:sameAs and the axiomatic typing of built-in
    vocabulary are dropped, as the issue on reasoning equality defines.
    """
    s, p, o = triple
    if isinstance(s, ox.Literal):
        return True
    if p.value == _SAME_AS and s == o:
        return True
    return False


def closure(triples: Iterable[Triple]) -> set[Triple]:
    """The triples OWL-RL entails from `triples` that are not among them.

    Raises ConsistencyError on an inconsistency owlrl reports (including ill-typed
    literals, by their XSD lexical spaces), an instance of owl:Nothing, or literals in
    conflict by their values. Same result as `closure_owlrl` but for the differences
    csto_kg.building.rules.beyond names. Reflexive owl:sameAs triples are left out: call
    `csto_kg.building.rules.closure(triples, full=True)` for them.
    """
    from csto_kg.building import rules

    return rules.closure(triples)


def closure_owlrl(triples: Iterable[Triple]) -> set[Triple]:
    """`closure` computed by owlrl (the reference; slow on large graphs)."""
    import decimal

    import owlrl
    from rdflib import Graph

    asserted = set(triples)
    graph = Graph()
    for s, p, o in asserted:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    try:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    except (decimal.InvalidOperation, IndexError) as err:
        # owlrl's lexical check of literals lets these escape for a malformed xsd:decimal
        # and for an empty xsd:date, xsd:time or xsd:dateTime: an ill-typed literal all the same.
        raise ConsistencyError(f"inconsistent graph: ill-typed literal ({type(err).__name__})") from None

    errors = sorted(str(o) for _, p, o in graph if str(p) == _ERROR_PREDICATE)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConsistencyError("inconsistent graph: " + " ".join(errors[0].split()) + more)

    inferred: set[Triple] = set()
    for s, p, o in graph:
        triple = (_from_rdflib(s), _from_rdflib(p), _from_rdflib(o))
        if triple in asserted or is_noise(triple):
            continue
        inferred.add(triple)
    nothing = sorted(s.value for s, p, o in inferred if p.value == RDF + "type" and getattr(o, "value", None) == _NOTHING)
    if nothing:
        raise ConsistencyError(f"inconsistent graph: {nothing[0]} is an instance of owl:Nothing")
    return inferred
