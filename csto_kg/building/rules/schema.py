"""The schema: owlrl's one-time rules (cls-thing, cls-nothing1, prp-ap, the datatype
rules dt-type1/2 and dt-not-type), the scm-* rules to a fixpoint, and their compilation
into the per-class and per-predicate tables the instance rules run on.

`SchemaRules` is a part of the reasoner (csto_kg.building.rules._Reasoner): its methods read and
write the reasoner's index.
"""

from __future__ import annotations

from csto_kg.building.rules import beyond, datatypes
from csto_kg.building.rules.datatypes import DT_SUBSUMPTIONS, RL_DATATYPES, datatype_disjointness, number
from csto_kg.core.namespaces import OWL, RDFS

# owlrl.OWLRL.OWLRL_Annotation_properties
_ANNOTATION_PROPERTIES = [RDFS + n for n in ("label", "comment", "seeAlso", "isDefinedBy")] + [
    OWL + n for n in ("deprecated", "versionInfo", "priorVersion", "backwardCompatibleWith", "incompatibleWith")
]


class SchemaRules:
    # -- one-time rules ------------------------------------------------------------

    def _one_time_rules(self) -> None:
        v, T, put = self._iri, self.T, self._put
        # cls-thing, cls-nothing1, prp-ap
        put(self.THING, T, self.CLASS)
        put(self.NOTHING, T, self.CLASS)
        for an in _ANNOTATION_PROPERTIES:
            put(v(an), T, self.ANNOTATION)
        self._datatype_rules()

    def _datatype_typing(self, rl: set[int]) -> tuple[dict[int, int], dict[int, set[int]], set[int]]:
        """The literals of RL datatypes (implicit), the terms typed with an RL datatype or
        owl:sameAs such a term (explicit), and the datatypes used: read from the asserted
        graph, as owlrl's _one_time_rules_datatypes reads them."""
        terms, T = self.terms, self.T
        implicit: dict[int, int] = {}
        for i in self.lits:
            term = terms[i]
            if not term.language:
                dt = self.ids.get(term.datatype)
                if dt is not None and dt in rl:
                    implicit[i] = dt
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
        return implicit, explicit, used

    def _datatype_rules(self) -> None:
        """dt-type1, dt-type2, dt-not-type, datatype subsumption and disjointness."""
        v, T, put, terms = self._iri, self.T, self._put, self.terms
        rl = {v(dt) for dt in RL_DATATYPES}
        implicit, explicit, used = self._datatype_typing(rl)
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
        self.dt_sups = subsumptions = {v(k): [v(x) for x in xs] for k, xs in DT_SUBSUMPTIONS.items()}
        typed = [(r, dt) for r, dts in explicit.items() for dt in list(dts)] + list(implicit.items())
        for r, dt in typed:
            for new_dt in subsumptions.get(dt, ()):
                put(r, T, new_dt)
                put(new_dt, T, self.DATATYPE)
                used.add(new_dt)
        for left, right in datatype_disjointness():
            a, b = v(left), v(right)
            if a in used and b in used:
                put(a, self.DISJOINT, b)

    # -- the scm-* rules -------------------------------------------------------------

    def _schema_fixpoint(self) -> None:
        """The scm-* rules (and cls-oo) of owlrl to a fixpoint, with owlrl's side conditions."""
        put, T, SCO, SPO, EQC, EQP = self._put, self.T, self.SCO, self.SPO, self.EQC, self.EQP
        kinds = self._members(self.schema_t)
        props = kinds[self.OP] | kinds[self.DP] | kinds[self.PROP]
        for c in list(kinds[self.CLASS]):  # scm-cls
            put(c, SCO, c)
            put(c, EQC, c)
            put(c, SCO, self.THING)
            put(self.NOTHING, SCO, c)
        for p in list(props):  # scm-op, scm-dp
            put(p, SPO, p)
            put(p, EQP, p)
        changed = True
        while changed:
            before = self.n_put
            self._scm_hierarchy(SCO, EQC)  # scm-sco, scm-eqc1/2
            self._scm_hierarchy(SPO, EQP)  # scm-spo, scm-eqp1/2
            self._scm_domain_range()
            self._scm_has_value()
            self._scm_restrictions()
            self._scm_lists(T)
            beyond.extra_schema(self)
            changed = self.n_put != before

    def _fresh_pairs(self, p: int) -> list[tuple[int, int]]:
        return [(s, o) for s, objs in self.sp.get(p, {}).items() for o in list(objs)]

    def _scm_hierarchy(self, sub: int, eq: int) -> None:
        put = self._put
        table = self.sp.setdefault(sub, {})
        for c1, c2 in self._fresh_pairs(sub):
            if c1 != c2:
                for c3 in list(table.get(c2, ())):
                    if c1 != c3:
                        put(c1, sub, c3)
            if c1 in table.get(c2, ()) and (sub == self.SCO or c1 != c2):
                put(c1, eq, c2)
        for c1, c2 in self._fresh_pairs(eq):
            if c1 != c2:
                put(c1, sub, c2)
                put(c2, sub, c1)

    def _scm_domain_range(self) -> None:
        """scm-dom1/2, scm-rng1/2."""
        sco, put = self.sp.setdefault(self.SCO, {}), self._put
        sub_props: dict[int, list[int]] = {}
        for p1, p2 in self._fresh_pairs(self.SPO):
            sub_props.setdefault(p2, []).append(p1)
        for axis in (self.DOMAIN, self.RANGE):
            for p, c1 in self._fresh_pairs(axis):
                for c2 in list(sco.get(c1, ())):
                    if c1 != c2:
                        put(p, axis, c2)
                for p1 in sub_props.get(p, ()):
                    if p1 != p:
                        put(p1, axis, c1)

    def _scm_has_value(self) -> None:
        """scm-hv."""
        onp, spo = self.sp.get(self.ONPROP, {}), self.sp.setdefault(self.SPO, {})
        by_value: dict[int, list[int]] = {}
        for c, vals in self.sp.get(self.HASVALUE, {}).items():
            for i in vals:
                by_value.setdefault(i, []).append(c)
        for c1, i in self._fresh_pairs(self.HASVALUE):
            for p1 in list(onp.get(c1, ())):
                for c2 in by_value.get(i, ()):
                    for p2 in list(onp.get(c2, ())):
                        if p2 in spo.get(p1, ()):
                            self._put(c1, self.SCO, c2)

    def _scm_restrictions(self) -> None:
        """scm-svf1/2, scm-avf1/2."""
        onp = self.sp.get(self.ONPROP, {})
        sco, spo = self.sp.setdefault(self.SCO, {}), self.sp.setdefault(self.SPO, {})
        by_prop: dict[int, list[int]] = {}
        for c, ps in onp.items():
            for p in ps:
                by_prop.setdefault(p, []).append(c)
        for restriction, swap in ((self.SVF, False), (self.AVF, True)):
            table = self.sp.get(restriction, {})
            by_filler: dict[int, list[int]] = {}
            for c, ys in table.items():
                for y in ys:
                    by_filler.setdefault(y, []).append(c)
            for c1, y1 in self._fresh_pairs(restriction):
                for p in list(onp.get(c1, ())):  # scm-svf1, scm-avf1
                    for c2 in by_prop.get(p, ()):
                        if any(y2 in sco.get(y1, ()) for y2 in list(table.get(c2, ()))):
                            self._put(c1, self.SCO, c2)
                for p1 in list(onp.get(c1, ())):  # scm-svf2, scm-avf2
                    for c2 in by_filler.get(y1, ()):
                        if any(p2 in spo.get(p1, ()) for p2 in list(onp.get(c2, ()))):
                            self._put(*((c2, self.SCO, c1) if swap else (c1, self.SCO, c2)))

    def _scm_lists(self, T: int) -> None:
        """scm-int, scm-uni, cls-oo."""
        put = self._put
        for c, head in self._fresh_pairs(self.INTERSECTION):
            for ci in self._items(head):
                put(c, self.SCO, ci)
        for c, head in self._fresh_pairs(self.UNION):
            for ci in self._items(head):
                put(ci, self.SCO, c)
        for c, head in self._fresh_pairs(self.ONEOF):
            for y in self._items(head):
                put(y, T, c)

    # -- compilation -------------------------------------------------------------------

    def _compile(self) -> None:
        """Schema fixpoint, then the tables the instance rules run on."""
        sp, SA = self.sp, self.SA
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
            self._materialise_eq_ref()
        self.sco, self.spo = sp.get(self.SCO, {}), sp.get(self.SPO, {})
        self.csup: dict[int, tuple[int, ...]] = {}
        self.pstat: dict[int, tuple | None] = {}
        self.pdyn_specs: dict[int, list] = {}
        self.cdyn_specs: dict[int, list] = {}
        self.need_op: set[int] = set()
        self._compile_properties()
        self._compile_restrictions()
        for i, head in self._pairs(self.INTERSECTION):  # cls-int1 (cls-int2 is scm-int + cax-sco)
            classes = self._items(head)
            for c in set(classes):
                self._cspec(c, "int", i, tuple(classes))
        self.keys = [(c, pis) for c, head in self._pairs(self.HASKEY) if (pis := self._items(head))]  # prp-key
        for p in self.need_op:
            self._ensure_op(p)
        if self.op_all:
            for p in sp:
                self._ensure_op(p)

    def _materialise_eq_ref(self) -> None:
        terms = set()
        for p, d in self.sp.items():
            if d:
                terms.add(p)
            for s, objs in d.items():
                terms.add(s)
                terms.update(objs)
        for t in terms:
            self._put(t, self.SA, t)
        self.sa_mode = True

    def _pspec(self, p: int, *spec) -> None:
        self.pdyn_specs.setdefault(p, []).append(spec)

    def _cspec(self, c: int, *spec) -> None:
        self.cdyn_specs.setdefault(c, []).append(spec)

    def _compile_properties(self) -> None:
        """prp-inv1/2, prp-symp, prp-trp, prp-fp, prp-ifp, prp-spo2."""
        lits, pspec = self.lits, self._pspec
        kinds = self._members({self.SYMMETRIC, self.TRANSITIVE, self.FP, self.IFP})
        for p1, p2 in self._pairs(self.INVERSE):
            if p2 not in lits:
                pspec(p1, "inv", p2)
            if p1 not in lits:
                pspec(p2, "inv", p1)
        for p in kinds[self.SYMMETRIC] - lits:
            pspec(p, "sym")
        for p in kinds[self.TRANSITIVE] - lits:
            pspec(p, "trans")
            self.need_op.add(p)
        for p in kinds[self.FP]:
            pspec(p, "fp")
        for p in kinds[self.IFP]:
            pspec(p, "ifp")
            self.need_op.add(p)
        for p, head in self._pairs(self.CHAIN):
            chain = self._items(head)
            if chain and p not in lits:
                for i, pi in enumerate(chain):
                    pspec(pi, "chain", p, tuple(chain), i)
                self.need_op.update(chain[:-1])

    def _compile_restrictions(self) -> None:
        """cls-svf1/2, cls-avf, cls-hv1/2, cls-maxc2, cls-maxqc3/4."""
        pspec, cspec = self._pspec, self._cspec
        for x, ps in self.sp.get(self.ONPROP, {}).items():
            for p in ps:
                for y in self._objects(x, self.SVF):
                    pspec(p, "svf", x, y)
                    if y != self.THING:
                        cspec(y, "svf_fill", p, x)
                        self.need_op.add(p)
                for y in self._objects(x, self.AVF):
                    pspec(p, "avf", x, y)
                    cspec(x, "avf", p, y)
                for y in self._objects(x, self.HASVALUE):
                    pspec(p, "hv", x, y)
                    if p not in self.lits:
                        cspec(x, "hv", p, y)
                self._compile_max_one(x, p)

    def _compile_max_one(self, x: int, p: int) -> None:
        for n in self._objects(x, self.MAXC):  # cls-maxc2
            if number(self.terms[n]) == 1:
                self._pspec(p, "maxc", x)
                self._cspec(x, "maxc", p)
        for n in self._objects(x, self.MAXQC):  # cls-maxqc3, cls-maxqc4
            if number(self.terms[n]) != 1:
                continue
            for c in self._objects(x, self.ONCLASS):
                self._pspec(p, "maxqc", x, c)
                self._cspec(x, "maxqc", p, c)
                if c != self.THING:
                    self._cspec(c, "maxqc_c", p, x)
                    self.need_op.add(p)

    # -- closed tables -----------------------------------------------------------------

    def _class_sups(self, c: int) -> tuple[int, ...]:
        """Classes reachable from c along rdfs:subClassOf (cax-sco; cax-eqc, cls-int2 and
        cls-uni reach the same classes through scm-eqc, scm-int and scm-uni)."""
        return tuple(sorted(_reachable(self.sco, c) - {c}))

    def _prop_static(self, p: int):
        """(superproperties, subject types, object types) of p, all closed; None if empty."""
        seen = _reachable(self.spo, p)
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


def _reachable(table: dict[int, set[int]], start: int) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        x = todo.pop()
        for y in table.get(x, ()):
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return seen
