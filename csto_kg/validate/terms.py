"""pyoxigraph terms as rdflib terms and back: pySHACL and owlrl read and write rdflib graphs.

rdflib is imported when a term is converted, never at module level.
"""

from __future__ import annotations

import pyoxigraph as ox


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


def from_rdflib(term):
    """The pyoxigraph term for an rdflib term."""
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
