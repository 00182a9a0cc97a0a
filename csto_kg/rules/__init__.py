"""A forward-chaining OWL 2 RL reasoner that computes what owlrl's closure computes.

`closure(triples)` has the contract of `csto_kg.reason.closure`: it returns the triples
that owlrl's `DeductiveClosure(OWLRL_Semantics, axiomatic_triples=False,
datatype_axioms=False)` adds to `triples`, without the noise `reason.is_noise` drops
(triples about literals, reflexive owl:sameAs), and raises ConsistencyError where owlrl
reports an error. owlrl is the reference: where it departs from the OWL 2 RL rule tables
(which datatypes it checks, the reflexive axioms it adds, the rules it runs only partly,
off-by-one loops in prp-key, eq-diff2 and prp-adp), this module does the same.

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

The consistency checks only read the result, so they run once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from csto_kg.errors import ConsistencyError
from csto_kg.namespaces import OWL, RDF, RDFS
from csto_kg.rules import beyond, datatypes, engine, equality
from csto_kg.rules.datatypes import DT_SUBSUMPTIONS, RL_DATATYPES, datatype_disjointness
from csto_kg.rules.datatypes import number as _number
from csto_kg.rules.literals import literal_errors

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]

# owlrl.OWLRL.OWLRL_Annotation_properties
_ANNOTATION_PROPERTIES = [RDFS + n for n in ("label", "comment", "seeAlso", "isDefinedBy")] + [
    OWL + n for n in ("deprecated", "versionInfo", "priorVersion", "backwardCompatibleWith", "incompatibleWith")
]


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


class _Reasoner:
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
        d = self.sp.get(p)
        if d is None:
            d = self.sp[p] = {}
            if self.op_all:
                self.op[p] = {}
        objs = d.get(s)
        if objs is None:
            d[s] = {o}
        elif o in objs:
            return False
        else:
            objs.add(o)
        self.n_put += 1
        od = self.op.get(p)
        if od is not None:
            subs = od.get(o)
            if subs is None:
                od[o] = {s}
            else:
                subs.add(s)
        return True

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

    # -- one-time rules ------------------------------------------------------------

    def _one_time_rules(self) -> None:
        v, T = self._iri, self.T
        put = self._put
        # cls-thing, cls-nothing1, prp-ap
        put(self.THING, T, self.CLASS)
        put(self.NOTHING, T, self.CLASS)
        for an in _ANNOTATION_PROPERTIES:
            put(v(an), T, self.ANNOTATION)

        # dt-type1, dt-type2, dt-not-type, datatype subsumption and disjointness, as
        # owlrl's _one_time_rules_datatypes does them on the asserted graph.
        rl = {v(dt) for dt in RL_DATATYPES}
        terms = self.terms
        implicit: dict[int, int] = {}
        for i in self.lits:
            term = terms[i]
            if not term.language:
                dt = self.ids.get(term.datatype)
                if dt is not None and dt in rl:
                    implicit[i] = dt
        # explicit datatype typing and owl:sameAs, read from the asserted graph
        used = set(implicit.values())
        explicit: dict[int, set[int]] = {}
        for s, p, o in self.asserted:
            if p == T and o in rl:
                used.add(o)
                if s not in implicit:
                    explicit.setdefault(s, set()).add(o)
        for s, p, o in self.asserted:
            if p == self.SA:
                if o in implicit:
                    explicit.setdefault(s, set()).add(implicit[o])
                if o in explicit:
                    explicit.setdefault(s, set()).add(o)  # sic: owlrl adds o, not its datatypes
                if s in explicit:
                    explicit.setdefault(o, set()).add(s)
        for lit, dt in implicit.items():
            put(lit, T, dt)
            term = terms[lit]
            if datatypes.ill_typed(term.value, term.datatype.value):
                self.errors.append(f"Lexical value of the literal '{term.value}' does not match its datatype ({term.datatype.value})")
        for dt in sorted(rl):
            put(dt, T, self.DATATYPE)
        for dts in explicit.values():
            for dt in dts:
                put(dt, T, self.DATATYPE)
        subsumptions = {v(k): [v(x) for x in xs] for k, xs in DT_SUBSUMPTIONS.items()}
        self.dt_sups = subsumptions
        for r, dts in list(explicit.items()):
            for dt in list(dts):
                for new_dt in subsumptions.get(dt, ()):
                    put(r, T, new_dt)
                    put(new_dt, T, self.DATATYPE)
                    used.add(new_dt)
        for r, dt in implicit.items():
            for new_dt in subsumptions.get(dt, ()):
                put(r, T, new_dt)
                put(new_dt, T, self.DATATYPE)
                used.add(new_dt)
        for left, right in datatype_disjointness():
            a, b = v(left), v(right)
            if a in used and b in used:
                put(a, self.DISJOINT, b)

    # -- schema ----------------------------------------------------------------------

    def _members(self, classes: set[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {c: set() for c in classes}
        for x, ts in self.sp[self.T].items():
            if not ts.isdisjoint(classes):
                for c in ts & classes:
                    found[c].add(x)
        return found

    def _schema_fixpoint(self) -> None:
        """The scm-* rules (and cls-oo) of owlrl to a fixpoint, with owlrl's side conditions."""
        sp, put = self.sp, self._put
        T, SCO, SPO, EQC, EQP = self.T, self.SCO, self.SPO, self.EQC, self.EQP
        kinds = self._members(self.schema_t)
        classes = kinds[self.CLASS]
        props = kinds[self.OP] | kinds[self.DP] | kinds[self.PROP]
        for c in list(classes):  # scm-cls
            put(c, SCO, c)
            put(c, EQC, c)
            put(c, SCO, self.THING)
            put(self.NOTHING, SCO, c)
        for p in list(props):  # scm-op, scm-dp
            put(p, SPO, p)
            put(p, EQP, p)

        def pairs(p: int):
            return [(s, o) for s, objs in sp.get(p, {}).items() for o in list(objs)]

        changed = True
        while changed:
            before = self.n_put
            sco, spo = sp.setdefault(SCO, {}), sp.setdefault(SPO, {})
            for c1, c2 in pairs(SCO):
                if c1 != c2:  # scm-sco
                    for c3 in list(sco.get(c2, ())):
                        if c1 != c3:
                            put(c1, SCO, c3)
                if c1 in sco.get(c2, ()):  # scm-eqc2
                    put(c1, EQC, c2)
            for c1, c2 in pairs(EQC):  # scm-eqc
                if c1 != c2:
                    put(c1, SCO, c2)
                    put(c2, SCO, c1)
            for p1, p2 in pairs(SPO):
                if p1 != p2:  # scm-spo, scm-eqp2
                    for p3 in list(spo.get(p2, ())):
                        if p1 != p3:
                            put(p1, SPO, p3)
                    if p1 in spo.get(p2, ()):
                        put(p1, EQP, p2)
            for p1, p2 in pairs(EQP):  # scm-eqp
                if p1 != p2:
                    put(p1, SPO, p2)
                    put(p2, SPO, p1)
            sub_props: dict[int, list[int]] = {}
            for p1, p2 in pairs(SPO):
                sub_props.setdefault(p2, []).append(p1)
            for axis in (self.DOMAIN, self.RANGE):  # scm-dom1/2, scm-rng1/2
                for p, c1 in pairs(axis):
                    for c2 in list(sco.get(c1, ())):
                        if c1 != c2:
                            put(p, axis, c2)
                    for p1 in sub_props.get(p, ()):
                        if p1 != p:
                            put(p1, axis, c1)
            onp = sp.get(self.ONPROP, {})
            by_prop: dict[int, list[int]] = {}
            for c, ps in onp.items():
                for p in ps:
                    by_prop.setdefault(p, []).append(c)
            hv = sp.get(self.HASVALUE, {})
            by_value: dict[int, list[int]] = {}
            for c, vals in hv.items():
                for i in vals:
                    by_value.setdefault(i, []).append(c)
            for c1, i in pairs(self.HASVALUE):  # scm-hv
                for p1 in list(onp.get(c1, ())):
                    for c2 in by_value.get(i, ()):
                        for p2 in list(onp.get(c2, ())):
                            if p2 in spo.get(p1, ()):
                                put(c1, SCO, c2)
            for restriction, swap in ((self.SVF, False), (self.AVF, True)):
                table = sp.get(restriction, {})
                by_filler: dict[int, list[int]] = {}
                for c, ys in table.items():
                    for y in ys:
                        by_filler.setdefault(y, []).append(c)
                for c1, y1 in pairs(restriction):
                    for p in list(onp.get(c1, ())):  # scm-svf1, scm-avf1
                        for c2 in by_prop.get(p, ()):
                            for y2 in list(table.get(c2, ())):
                                if y2 in sco.get(y1, ()):
                                    put(c1, SCO, c2)
                    for p1 in list(onp.get(c1, ())):  # scm-svf2, scm-avf2
                        for c2 in by_filler.get(y1, ()):
                            for p2 in list(onp.get(c2, ())):
                                if p2 in spo.get(p1, ()):
                                    if swap:
                                        put(c2, SCO, c1)
                                    else:
                                        put(c1, SCO, c2)
            for c, head in pairs(self.INTERSECTION):  # scm-int
                for ci in self._items(head):
                    put(c, SCO, ci)
            for c, head in pairs(self.UNION):  # scm-uni
                for ci in self._items(head):
                    put(ci, SCO, c)
            for c, head in pairs(self.ONEOF):  # cls-oo
                for y in self._items(head):
                    put(y, T, c)
            beyond.extra_schema(self)
            changed = self.n_put != before

    def _pairs(self, p: int) -> list[tuple[int, int]]:
        return [(s, o) for s, objs in self.sp.get(p, {}).items() for o in objs]

    def _compile(self) -> None:
        """Schema fixpoint, then the tables the instance rules run on."""
        sp, lits = self.sp, self.lits
        SA = self.SA
        self.sa_mode = bool(sp.get(SA))
        # owl:sameAs named as a resource (e.g. given a domain): owlrl's reflexive
        # x owl:sameAs x triples (rule eq-ref) may then take part in other rules, so
        # they are materialised; otherwise they are implicit.
        self.refl_mode = any(SA in d for d in sp.values()) or any(SA in objs for d in sp.values() for objs in d.values())
        self.op_all = self.sa_mode or self.refl_mode
        if self.op_all:
            for p in sp:
                self._ensure_op(p)
        self._schema_fixpoint()
        if self.refl_mode:
            terms = set()
            for p, d in sp.items():
                if d:
                    terms.add(p)
                for s, objs in d.items():
                    terms.add(s)
                    terms.update(objs)
            for t in terms:
                self._put(t, SA, t)
            self.sa_mode = True

        sco, spo = sp.get(self.SCO, {}), sp.get(self.SPO, {})
        self.csup: dict[int, tuple[int, ...]] = {}
        self.pstat: dict[int, tuple | None] = {}
        self.pdyn_specs: dict[int, list] = {}
        self.cdyn_specs: dict[int, list] = {}
        self.sco, self.spo = sco, spo
        self.need_op: set[int] = set()
        pd, cd = self.pdyn_specs, self.cdyn_specs

        def pspec(p: int, *spec) -> None:
            pd.setdefault(p, []).append(spec)

        def cspec(c: int, *spec) -> None:
            cd.setdefault(c, []).append(spec)

        kinds = self._members({self.SYMMETRIC, self.TRANSITIVE, self.FP, self.IFP})
        for p1, p2 in self._pairs(self.INVERSE):  # prp-inv1, prp-inv2
            if p2 not in lits:
                pspec(p1, "inv", p2)
            if p1 not in lits:
                pspec(p2, "inv", p1)
        for p in kinds[self.SYMMETRIC]:
            if p not in lits:
                pspec(p, "sym")
        for p in kinds[self.TRANSITIVE]:
            if p not in lits:
                pspec(p, "trans")
                self.need_op.add(p)
        for p in kinds[self.FP]:
            pspec(p, "fp")
        for p in kinds[self.IFP]:
            pspec(p, "ifp")
            self.need_op.add(p)
        for p, head in self._pairs(self.CHAIN):  # prp-spo2
            chain = self._items(head)
            if chain and p not in lits:
                for i, pi in enumerate(chain):
                    pspec(pi, "chain", p, tuple(chain), i)
                self.need_op.update(chain[:-1])
        onp = sp.get(self.ONPROP, {})
        for x, ps in onp.items():
            for p in ps:
                for y in self._objects(x, self.SVF):  # cls-svf1, cls-svf2
                    pspec(p, "svf", x, y)
                    if y != self.THING:
                        cspec(y, "svf_fill", p, x)
                        self.need_op.add(p)
                for y in self._objects(x, self.AVF):  # cls-avf
                    pspec(p, "avf", x, y)
                    cspec(x, "avf", p, y)
                for y in self._objects(x, self.HASVALUE):  # cls-hv1, cls-hv2
                    pspec(p, "hv", x, y)
                    if p not in lits:
                        cspec(x, "hv", p, y)
                for n in self._objects(x, self.MAXC):  # cls-maxc2
                    if _number(self.terms[n]) == 1:
                        pspec(p, "maxc", x)
                        cspec(x, "maxc", p)
                for n in self._objects(x, self.MAXQC):  # cls-maxqc3, cls-maxqc4
                    if _number(self.terms[n]) == 1:
                        for c in self._objects(x, self.ONCLASS):
                            pspec(p, "maxqc", x, c)
                            cspec(x, "maxqc", p, c)
                            if c != self.THING:
                                cspec(c, "maxqc_c", p, x)
                                self.need_op.add(p)
        for i, head in self._pairs(self.INTERSECTION):  # cls-int1 (cls-int2 is scm-int + cax-sco)
            classes = self._items(head)
            if classes:
                for c in set(classes):
                    cspec(c, "int", i, tuple(classes))
        self.keys = []
        for c, head in self._pairs(self.HASKEY):  # prp-key
            pis = self._items(head)
            if pis:
                self.keys.append((c, pis))
        for p in self.need_op:
            self._ensure_op(p)
        if self.op_all:
            for p in sp:
                self._ensure_op(p)

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

    def _class_sups(self, c: int) -> tuple[int, ...]:
        """Classes reachable from c along rdfs:subClassOf (cax-sco; cax-eqc, cls-int2 and
        cls-uni reach the same classes through scm-eqc, scm-int and scm-uni)."""
        sco = self.sco
        seen = {c}
        todo = [c]
        while todo:
            x = todo.pop()
            for y in sco.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        seen.discard(c)
        return tuple(sorted(seen))

    def _prop_static(self, p: int):
        """(superproperties, subject types, object types) of p, all closed; None if empty."""
        spo = self.spo
        seen = {p}
        todo = [p]
        while todo:
            x = todo.pop()
            for y in spo.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        sups = tuple(sorted(q for q in seen if q != p and q not in self.lits))
        stypes: set[int] = set()
        otypes: set[int] = set()
        dom, rng = self.sp.get(self.DOMAIN, {}), self.sp.get(self.RANGE, {})
        for q in seen:
            for c in dom.get(q, ()):
                stypes.add(c)
                stypes.update(self._csup(c))
            for c in rng.get(q, ()):
                otypes.add(c)
                otypes.update(self._csup(c))
        if not (sups or stypes or otypes):
            return None
        return sups, tuple(sorted(stypes)), tuple(sorted(otypes))

    def _csup(self, c: int) -> tuple[int, ...]:
        r = self.csup.get(c)
        if r is None:
            r = self.csup[c] = self._class_sups(c)
        return r

    # -- instance rules --------------------------------------------------------------

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
        self._check()
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

    # -- consistency ---------------------------------------------------------------------

    def _check(self) -> None:
        sp, terms, T = self.sp, self.terms, self.T
        types = sp[T]
        errors = self.errors
        sad = sp.get(self.SA, {})
        obj = self._objects

        def name(i: int) -> str:
            t = terms[i]
            return t.value

        special = {self.ADC, self.ALLDIFF, self.IRREFLEXIVE, self.ASYMMETRIC, self.ADP}
        members = self._members(special)
        for x, ts in types.items():  # cls-nothing2
            if self.NOTHING in ts:
                errors.append(f"{name(x)} is defined of type 'Nothing'")
        pairs: list[tuple[int, int, str]] = []
        for c1, c2 in self._pairs(self.DISJOINT):  # cax-dw
            pairs.append((c1, c2, "Disjoint classes %s and %s have a common individual %s"))
        for c1, c2 in self._pairs(self.COMPLEMENT):  # cls-com
            pairs.append((c1, c2, "Violation of complementarity for classes %s and %s on element %s"))
        for x in members[self.ADC]:  # cax-adc
            for head in obj(x, self.MEMBERS):
                classes = self._items(head)
                for i in range(len(classes) - 1):
                    for c2 in classes[i + 1 :]:
                        pairs.append((classes[i], c2, "Disjoint classes %s and %s have a common individual %s"))
        if pairs:
            involved = {c for c1, c2, _ in pairs for c in (c1, c2)}
            for x, ts in types.items():
                if ts.isdisjoint(involved):
                    continue
                for c1, c2, message in pairs:
                    if c1 in ts and c2 in ts:
                        errors.append(message % (name(c1), name(c2), name(x)))
        for x, y in self._pairs(self.DIFF):  # eq-diff1 (x owl:sameAs x holds for every x)
            if x == y or y in sad.get(x, ()) or x in sad.get(y, ()):
                errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({name(x)}, {name(y)})")
        for x in members[self.ALLDIFF]:  # eq-diff2, eq-diff3 (owlrl's loop skips the last member)
            for head in list(obj(x, self.MEMBERS)) + list(obj(x, self.DISTINCT)):
                zs = self._items(head)
                for i in range(len(zs) - 1):
                    for j in range(i + 1, len(zs) - 1):
                        zi, zj = zs[i], zs[j]
                        if zi != zj and (zj in sad.get(zi, ()) or zi in sad.get(zj, ())):
                            errors.append(
                                f"'sameAs' and 'AllDifferent' cannot be used on the same subject-object pair: ({name(zi)}, {name(zj)})"
                            )
        for p in members[self.IRREFLEXIVE]:  # prp-irp
            for x, ys in sp.get(p, {}).items():
                if x in ys:
                    errors.append(f"Irreflexive property used on {name(x)} with {name(p)}")
        for p in members[self.ASYMMETRIC]:  # prp-asyp
            d = sp.get(p, {})
            for x, ys in d.items():
                for y in ys:
                    if x in d.get(y, ()):
                        errors.append(f"Erroneous usage of asymmetric property {name(p)} on {name(x)} and {name(y)}")
        for x in members[self.ADP]:  # prp-adp (owlrl's loop skips the last member)
            for head in obj(x, self.MEMBERS):
                pis = self._items(head)
                for i in range(len(pis) - 1):
                    for j in range(i + 1, len(pis) - 1):
                        dj = sp.get(pis[j], {})
                        for s, ys in sp.get(pis[i], {}).items():
                            if not ys.isdisjoint(dj.get(s, ())):
                                errors.append(
                                    "Disjoint properties in an 'AllDisjointProperties' are not really disjoint: "
                                    f"{name(pis[i])} and {name(pis[j])} on {name(s)}"
                                )
        for p1, p2 in self._pairs(self.PDW):  # prp-pdw
            d2 = sp.get(p2, {})
            for s, ys in sp.get(p1, {}).items():
                if not ys.isdisjoint(d2.get(s, ())):
                    errors.append(f"Erroneous usage of disjoint properties {name(p1)} and {name(p2)} on {name(s)}")
        for x, i1 in self._pairs(self.SOURCE):  # prp-npa1, prp-npa2
            for p1 in obj(x, self.ASSERTION):
                for i2 in list(obj(x, self.TARGET_IND)) + list(obj(x, self.TARGET_VAL)):
                    if i2 in obj(i1, p1):
                        errors.append(f"Negative property assertion violated for: ({name(i1)}, {name(p1)}, {name(i2)})")
        for x, n in self._pairs(self.MAXC):  # cls-maxc1
            if _number(terms[n]) == 0:
                for p in obj(x, self.ONPROP):
                    for u, ys in sp.get(p, {}).items():
                        if ys and x in types.get(u, ()):
                            errors.append(f"Erroneous usage of maximum cardinality with {name(x)} and {name(p)}")
        for x, n in self._pairs(self.MAXQC):  # cls-maxqc1, cls-maxqc2
            if _number(terms[n]) == 0:
                for p in obj(x, self.ONPROP):
                    for c in obj(x, self.ONCLASS):
                        for u, ys in sp.get(p, {}).items():
                            if x in types.get(u, ()) and any(c == self.THING or c in types.get(y, ()) for y in ys):
                                errors.append(f"Erroneous usage of maximum qualified cardinality with {name(x)}, {name(c)}")
        errors.extend(literal_errors(self))
        if errors:
            errors = sorted(set(errors))
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ConsistencyError("inconsistent graph: " + " ".join(errors[0].split()) + more)

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
        if full:  # eq-ref: every term is the same as itself
            sa = terms[SA]
            for i, term in enumerate(terms):
                if i not in lits and (i, SA, i) not in asserted:
                    add((term, sa, term))
        return out
