"""A forward-chaining OWL 2 RL reasoner: owlrl's closure, its gaps filled where the W3C
OWL 2 test cases and XML Schema settle them.

`closure(triples)` has the contract of `csto_kg.building.reason.closure`: it returns the triples
that owlrl's `DeductiveClosure(OWLRL_Semantics, axiomatic_triples=False,
datatype_axioms=False)` adds to `triples`, without the noise `reason.is_noise` drops
(triples about literals, reflexive owl:sameAs: `full=True` keeps the latter), and raises
ConsistencyError where owlrl reports an error. owlrl is the reference, with its quirks
(which datatypes it checks, the reflexive axioms it adds, the rules it runs only partly,
off-by-one loops in prp-key, eq-diff2 and prp-adp), except where it is wrong: the
lexical checks of literals (rules/datatypes.py), literal values (rules/literals.py) and
the rules of rules/beyond.py. README.md, "Reasoning", lists each difference.

The package, by rule family:

* this module: the index, the driver, the result;
* schema.py: one-time and datatype rules, scm-* to a fixpoint, compiled tables;
* engine.py: the instance rules' semi-naive loop; properties.py and classes.py the
  property and class axioms it runs; equality.py eq-* and prp-key;
* consistency.py and literals.py: the consistency rules, run once at the end;
* datatypes.py: lexical spaces and value spaces of the OWL 2 RL datatypes;
* beyond.py: the sound rules owlrl lacks.

How it is fast where owlrl is slow:

* terms are interned to ints, and triples live in one index, predicate -> subject ->
  set of objects, plus predicate -> object -> set of subjects for the few predicates a
  rule walks backwards (transitive, inverse-functional, property-chain and
  someValuesFrom properties; every predicate once owl:sameAs occurs);
* the schema-level rules (scm-*) run to a fixpoint over the small schema first; their
  result is compiled into per-class and per-predicate tables: the superclasses of a
  class, and the superproperties, domain types and range types of a predicate, all
  already closed, so that one instance triple yields its consequences in one step;
* the instance-level rules run semi-naively: each new triple is joined once against the
  index as it stands, and only new triples go back on the agenda. A derived triple whose
  consequences are all in a closed table is marked as such and not revisited;
* when the instance rules derive a triple the schema compilation depends on (a new
  rdfs:subClassOf, a property typed transitive, a first owl:sameAs, ...), the schema is
  compiled again and every triple is revisited: correct in general, and never needed on
  graphs whose schema is stated in full.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from csto_kg.building.rules import beyond, consistency, engine, equality
from csto_kg.building.rules.schema import SchemaRules
from csto_kg.core.namespaces import OWL, RDF, RDFS

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]

__all__ = ["Triple", "closure"]


def closure(triples: Iterable[Triple], *, full: bool = False) -> set[Triple]:
    """The triples owlrl's OWL-RL closure adds to `triples`, without the noise.

    Raises ConsistencyError where owlrl reports an inconsistency or an ill-typed literal,
    and on an instance of owl:Nothing. With `full`, the reflexive owl:sameAs triples of
    rule eq-ref are kept too (one for every term of the graph).
    """
    return _Reasoner(triples).run(full=full)


########################################################################################
# The reasoner
########################################################################################

_EMPTY: frozenset = frozenset()


class _Reasoner(SchemaRules):
    def __init__(self, triples: Iterable[Triple]) -> None:
        self.ids: dict = {}
        self.terms: list = []
        self.lits: set[int] = set()
        self.bnodes: set[int] = set()
        self.errors: list[str] = []
        self.n_put = 0
        self.op_all = False
        self.sp: dict[int, dict[int, set[int]]] = {}
        self.op: dict[int, dict[int, set[int]]] = {}

        v = self._iri
        self.T = v(RDF + "type")
        self.FIRST, self.REST = v(RDF + "first"), v(RDF + "rest")
        self.SCO, self.SPO = v(RDFS + "subClassOf"), v(RDFS + "subPropertyOf")
        self.DOMAIN, self.RANGE = v(RDFS + "domain"), v(RDFS + "range")
        self.DATATYPE = v(RDFS + "Datatype")
        self.THING, self.NOTHING, self.CLASS = v(OWL + "Thing"), v(OWL + "Nothing"), v(OWL + "Class")
        self.SA, self.DIFF = v(OWL + "sameAs"), v(OWL + "differentFrom")
        self.EQC, self.EQP = v(OWL + "equivalentClass"), v(OWL + "equivalentProperty")
        self.OP, self.DP, self.PROP = v(OWL + "ObjectProperty"), v(OWL + "DatatypeProperty"), v(RDF + "Property")
        self.FP, self.IFP = v(OWL + "FunctionalProperty"), v(OWL + "InverseFunctionalProperty")
        self.IRREFLEXIVE, self.SYMMETRIC = v(OWL + "IrreflexiveProperty"), v(OWL + "SymmetricProperty")
        self.ASYMMETRIC, self.TRANSITIVE = v(OWL + "AsymmetricProperty"), v(OWL + "TransitiveProperty")
        self.INVERSE, self.CHAIN, self.HASKEY = v(OWL + "inverseOf"), v(OWL + "propertyChainAxiom"), v(OWL + "hasKey")
        self.PDW, self.ADP = v(OWL + "propertyDisjointWith"), v(OWL + "AllDisjointProperties")
        self.ALLDIFF, self.MEMBERS, self.DISTINCT = v(OWL + "AllDifferent"), v(OWL + "members"), v(OWL + "distinctMembers")
        self.SOURCE, self.ASSERTION = v(OWL + "sourceIndividual"), v(OWL + "assertionProperty")
        self.TARGET_IND, self.TARGET_VAL = v(OWL + "targetIndividual"), v(OWL + "targetValue")
        self.INTERSECTION, self.UNION, self.ONEOF = v(OWL + "intersectionOf"), v(OWL + "unionOf"), v(OWL + "oneOf")
        self.COMPLEMENT, self.DISJOINT, self.ADC = v(OWL + "complementOf"), v(OWL + "disjointWith"), v(OWL + "AllDisjointClasses")
        self.SVF, self.AVF, self.HASVALUE = v(OWL + "someValuesFrom"), v(OWL + "allValuesFrom"), v(OWL + "hasValue")
        self.ONPROP, self.ONCLASS = v(OWL + "onProperty"), v(OWL + "onClass")
        self.MAXC, self.MAXQC = v(OWL + "maxCardinality"), v(OWL + "maxQualifiedCardinality")
        self.ANNOTATION = v(OWL + "AnnotationProperty")
        self.REFLEXIVE = v(OWL + "ReflexiveProperty")

        # triples whose appearance changes the compiled schema
        self.schema_p = {
            self.SCO,
            self.SPO,
            self.EQC,
            self.EQP,
            self.DOMAIN,
            self.RANGE,
            self.INVERSE,
            self.ONPROP,
            self.SVF,
            self.AVF,
            self.HASVALUE,
            self.MAXC,
            self.MAXQC,
            self.ONCLASS,
            self.INTERSECTION,
            self.UNION,
            self.ONEOF,
            self.CHAIN,
            self.HASKEY,
            self.FIRST,
            self.REST,
        }
        self.schema_t = {
            self.CLASS,
            self.OP,
            self.DP,
            self.PROP,
            self.FP,
            self.IFP,
            self.SYMMETRIC,
            self.TRANSITIVE,
        }

        ids, terms, lits, bnodes = self.ids, self.terms, self.lits, self.bnodes
        get = ids.get

        def new(term) -> int:
            i = len(terms)
            ids[term] = i
            terms.append(term)
            if isinstance(term, ox.Literal):
                lits.add(i)
            elif isinstance(term, ox.BlankNode):
                bnodes.add(i)
            return i

        asserted = set()
        add = asserted.add
        for s, p, o in triples:
            a = get(s)
            if a is None:
                a = new(s)
            b = get(p)
            if b is None:
                b = new(p)
            c = get(o)
            if c is None:
                c = new(o)
            add((a, b, c))
        self.asserted = asserted
        self.new_term = new

        sp = self.sp
        sp[self.T] = {}
        first0: dict[int, int] = {}
        rest0: dict[int, int] = {}
        for s, p, o in asserted:
            if p == self.FIRST:
                first0[s] = min(o, first0.get(s, o))
            elif p == self.REST:
                rest0[s] = min(o, rest0.get(s, o))
        self.list0 = (first0, rest0)
        for s, p, o in asserted:
            d = sp.get(p)
            if d is None:
                d = sp[p] = {}
            objs = d.get(s)
            if objs is None:
                d[s] = {o}
            else:
                objs.add(o)

    def _iri(self, iri: str) -> int:
        term = ox.NamedNode(iri)
        i = self.ids.get(term)
        if i is None:
            i = len(self.terms)
            self.ids[term] = i
            self.terms.append(term)
        return i

    # -- index helpers used outside the hot loop ------------------------------------

    def _put(self, s: int, p: int, o: int) -> bool:
        """Add to the index (and reverse index); True if new. Does not schedule."""
        if not engine.insert(self.sp, self.op, self._new_pred, s, p, o):
            return False
        self.n_put += 1
        return True

    def _new_pred(self, p: int) -> dict:
        """The index of a predicate seen for the first time (and its reverse, where kept)."""
        d = self.sp[p] = {}
        if self.op_all:
            self.op[p] = {}
        return d

    def _objects(self, s: int, p: int):
        d = self.sp.get(p)
        if d is None:
            return _EMPTY
        return d.get(s, _EMPTY)

    def _items(self, head: int) -> list[int]:
        """rdflib's Graph.items: the rdf:first values along the rdf:rest chain."""
        first = self.sp.get(self.FIRST, {})
        rest = self.sp.get(self.REST, {})
        first0, rest0 = self.list0
        out: list[int] = []
        node = head
        chain = {head}
        while node is not None:
            if node in self.lits and self.terms[node].value == "":
                break  # a falsy rdflib term ends the loop
            # A list node with several rdf:first (say, after owl:sameAs) is read as
            # asserted: owlrl reads it so in its first cycle, and then whichever value
            # rdflib finds first.
            f = first0.get(node)
            if f is None:
                f = first.get(node)
                f = min(f) if f else None
            if f is not None:
                out.append(f)
            r = rest0.get(node)
            if r is None:
                r = rest.get(node)
                r = min(r) if r else None
            node = r
            if node is not None:
                if node in chain:
                    break  # owlrl raises on a cyclic list
                chain.add(node)
        return out

    # -- schema ----------------------------------------------------------------------

    def _members(self, classes: set[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {c: set() for c in classes}
        for x, ts in self.sp[self.T].items():
            if not ts.isdisjoint(classes):
                for c in ts & classes:
                    found[c].add(x)
        return found

    def _pairs(self, p: int) -> list[tuple[int, int]]:
        return [(s, o) for s, objs in self.sp.get(p, {}).items() for o in objs]

    def _ensure_op(self, p: int) -> None:
        if p in self.op:
            return
        od: dict[int, set[int]] = {}
        for s, objs in self.sp.setdefault(p, {}).items():
            for o in objs:
                subs = od.get(o)
                if subs is None:
                    od[o] = {s}
                else:
                    subs.add(s)
        self.op[p] = od

    # -- driver ------------------------------------------------------------------------

    def run(self, full: bool = False) -> set[Triple]:
        self._one_time_rules()
        self.dirty = [False]
        while True:
            self.dirty[0] = False
            self._compile()
            pass_all, drain, add = engine.build(self)
            pass_all()
            self._instance_fixpoint(add, drain)
            if not self.dirty[0]:
                break
        consistency.check(self)
        return self._result(full)

    def _instance_fixpoint(self, add, drain) -> None:
        """prp-key and the rules beyond owlrl's, until they add nothing (or the schema changes)."""
        beyond_needed = bool(self.sp.get(self.DIFF)) or bool(self._members({self.REFLEXIVE})[self.REFLEXIVE])
        if not (self.keys or beyond_needed):
            return
        while not self.dirty[0]:
            before = self._size()
            if self.keys:
                equality.apply_keys(self, add)
            if beyond_needed:
                beyond.extra_instances(self, add)
            drain()
            if self._size() == before:
                break

    def _size(self) -> int:
        return sum(len(objs) for d in self.sp.values() for objs in d.values())

    # -- result ----------------------------------------------------------------------------

    def _result(self, full: bool = False) -> set[Triple]:
        terms, lits, bnodes, asserted = self.terms, self.lits, self.bnodes, self.asserted
        SA = self.SA
        out: set[Triple] = set()
        add = out.add
        for p, d in self.sp.items():
            if p in bnodes:  # owlrl's post_process drops triples with a blank-node predicate
                continue
            pt = terms[p]
            for s, objs in d.items():
                if s in lits:
                    continue
                st = terms[s]
                for o in objs:
                    if (s, p, o) in asserted or (p == SA and o == s):
                        continue
                    add((st, pt, terms[o]))
        if full:  # eq-ref: every term of the graph is the same as itself
            sa = terms[SA]
            nodes = {terms[i] for triple in asserted for i in triple if i not in lits}
            nodes.update(t for triple in out for t in triple if not isinstance(t, ox.Literal))
            for t in nodes:
                i = self.ids[t]
                if (i, SA, i) not in asserted:
                    add((t, sa, t))
        return out
