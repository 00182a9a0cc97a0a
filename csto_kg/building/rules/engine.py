"""The instance rules' semi-naive loop: the index writes, the agenda and its drain.

`build(r)` returns (pass_all, drain, add) for the reasoner `r` under its compiled
schema. A triple goes into the index (predicate -> subject -> objects, and the reverse
index where one is kept; inlined in each adder, the loop's hottest code) by `add`, and
then through every rule ("full"); or by `add_done` / `add_done_type` when its
consequences through the closed per-class and per-predicate tables are already added
(only the dynamic rules still run on it: "done"). The functions are closures over local
names: attribute look-ups in this loop would cost a third of its time.
"""

from __future__ import annotations

from collections.abc import Callable

from csto_kg.building.rules import classes, equality, properties

MISSING = object()
_EMPTY: frozenset = frozenset()


class Context:
    """What the rule actions share: the index, the agenda and the adders."""

    def __init__(self, r) -> None:
        self.sp, self.op, self.lits = r.sp, r.op, r.lits
        self.T, self.SA, self.THING = r.T, r.SA, r.THING
        self.types = r.sp[r.T]
        self.full: list[tuple[int, int, int]] = []
        self.done: list[tuple[int, int, int]] = []
        self.dirty = r.dirty
        self.schema_p = set(r.schema_p) | (set() if r.sa_mode else {r.SA})
        self.schema_t = r.schema_t
        self.sa_mode, self.op_all = r.sa_mode, r.op_all
        self.watch_so = _EMPTY if r.refl_mode else frozenset((r.SA,))
        self.pdyn_specs, self.cdyn_specs = r.pdyn_specs, r.cdyn_specs
        self.pdyn_cache: dict = {}
        self.cdyn_cache: dict = {}
        self.t_static = r._prop_static(r.T)
        r.pstat[r.T] = self.t_static
        self.t_has_dyn = bool(r.pdyn_specs.get(r.T))
        self.add: Callable = _never
        self.same: Callable = _never

    def new_pred(self, p: int) -> dict:
        d = self.sp[p] = {}
        if self.op_all:
            self.op[p] = {}
        return d

    def pdict(self, p: int) -> dict:
        d = self.sp.get(p)
        return self.new_pred(p) if d is None else d

    def pdyn(self, p: int):
        """The compiled property actions of p (None: none), cached."""
        specs = self.pdyn_specs.get(p)
        found = tuple(properties.action(self, p, spec) for spec in specs) if specs else None
        self.pdyn_cache[p] = found
        return found

    def cdyn(self, c: int):
        """The compiled class actions of c (None: none), cached."""
        specs = self.cdyn_specs.get(c)
        found = tuple(classes.action(self, c, spec) for spec in specs) if specs else None
        self.cdyn_cache[c] = found
        return found


def _never(*_args) -> None:  # pragma: no cover - replaced before any rule runs
    raise AssertionError("adder used before it was built")


def _make_add(ctx: Context) -> Callable[[int, int, int], None]:
    sp, op, new_pred = ctx.sp, ctx.op, ctx.new_pred
    full, dirty, schema_p, schema_t, watch_so, T = ctx.full, ctx.dirty, ctx.schema_p, ctx.schema_t, ctx.watch_so, ctx.T

    def add(s: int, p: int, o: int) -> None:
        d = sp.get(p)
        if d is None:
            d = new_pred(p)
        objs = d.get(s)
        if objs is None:
            d[s] = {o}
        elif o in objs:
            return
        else:
            objs.add(o)
        od = op.get(p)
        if od is not None:
            subs = od.get(o)
            if subs is None:
                od[o] = {s}
            else:
                subs.add(s)
        if p in schema_p or s in watch_so or o in watch_so or (p == T and o in schema_t):
            dirty[0] = True
        full.append((s, p, o))

    return add


def _make_add_done(ctx: Context) -> Callable[[int, int, int], None]:
    sp, op, new_pred = ctx.sp, ctx.op, ctx.new_pred
    done, dirty, schema_p, watch_so, sa_mode = ctx.done, ctx.dirty, ctx.schema_p, ctx.watch_so, ctx.sa_mode
    pdyn_cache, pdyn = ctx.pdyn_cache, ctx.pdyn

    def add_done(s: int, p: int, o: int) -> None:
        d = sp.get(p)
        if d is None:
            d = new_pred(p)
        objs = d.get(s)
        if objs is None:
            d[s] = {o}
        elif o in objs:
            return
        else:
            objs.add(o)
        od = op.get(p)
        if od is not None:
            subs = od.get(o)
            if subs is None:
                od[o] = {s}
            else:
                subs.add(s)
        if p in schema_p or s in watch_so or o in watch_so:
            dirty[0] = True
        dyn = pdyn_cache.get(p, MISSING)
        if dyn is MISSING:
            dyn = pdyn(p)
        if dyn is not None or sa_mode:
            done.append((s, p, o))

    return add_done


def _make_add_done_type(ctx: Context) -> Callable[[int, int], None]:
    types, t_op, full, done, dirty = ctx.types, ctx.op.get(ctx.T), ctx.full, ctx.done, ctx.dirty
    schema_t, watch_so, T = ctx.schema_t, ctx.watch_so, ctx.T
    cdyn_cache, cdyn = ctx.cdyn_cache, ctx.cdyn
    # rdf:type itself with superproperties, a domain or a range: every typing goes through all
    t_static = ctx.t_static is not None
    t_dyn_or_sa = ctx.t_has_dyn or ctx.sa_mode

    def add_done_type(x: int, c: int) -> None:
        ts = types.get(x)
        if ts is None:
            types[x] = {c}
        elif c in ts:
            return
        else:
            ts.add(c)
        if t_op is not None:
            subs = t_op.get(c)
            if subs is None:
                t_op[c] = {x}
            else:
                subs.add(x)
        if c in schema_t or c in watch_so or x in watch_so:
            dirty[0] = True
        if t_static:
            full.append((x, T, c))
            return
        dyn = cdyn_cache.get(c, MISSING)
        if dyn is MISSING:
            dyn = cdyn(c)
        if dyn is not None or t_dyn_or_sa:
            done.append((x, T, c))

    return add_done_type


def _make_static(ctx: Context, add_done, add_done_type) -> Callable:
    add, T = ctx.add, ctx.T

    def static(s: int, p: int, o: int, st: tuple) -> None:
        """The closed tables of p: superproperties (prp-spo1), domains and ranges (prp-dom,
        prp-rng) with their superclasses (cax-sco)."""
        sups, stypes, otypes = st
        for q in sups:
            if q == T:
                add(s, T, o)
            else:
                add_done(s, q, o)
        for c in stypes:
            add_done_type(s, c)
        for c in otypes:
            add_done_type(o, c)

    return static


def _make_dynamic(ctx: Context, eq_rep) -> Callable[[int, int, int], None]:
    """The compiled actions of a triple's class (typing) or predicate, then eq-rep-*."""
    T, cdyn_cache, cdyn, pdyn_cache, pdyn = ctx.T, ctx.cdyn_cache, ctx.cdyn, ctx.pdyn_cache, ctx.pdyn
    t_dyn = pdyn(T)

    def dynamic(s: int, p: int, o: int) -> None:
        if p == T:
            dyn = cdyn_cache.get(o, MISSING)
            if dyn is MISSING:
                dyn = cdyn(o)
            if dyn is not None:
                for f in dyn:
                    f(s)
            if t_dyn is not None:
                for f in t_dyn:
                    f(s, o)
        else:
            dyn = pdyn_cache.get(p, MISSING)
            if dyn is MISSING:
                dyn = pdyn(p)
            if dyn is not None:
                for f in dyn:
                    f(s, o)
        if eq_rep is not None:
            eq_rep(s, p, o)

    return dynamic


def _make_process_full(r, ctx: Context, static, dynamic, add_done_type) -> Callable[[int, int, int], None]:
    T, t_static = ctx.T, ctx.t_static
    csup_cache, csup_compute, pstat_cache, prop_static = r.csup, r._csup, r.pstat, r._prop_static

    def process_full(s: int, p: int, o: int) -> None:
        if p == T:
            sups = csup_cache.get(o)
            if sups is None:
                sups = csup_compute(o)
            for c in sups:  # cax-sco, closed
                add_done_type(s, c)
            if t_static is not None:
                static(s, p, o, t_static)
        else:
            st = pstat_cache.get(p, MISSING)
            if st is MISSING:
                st = pstat_cache[p] = prop_static(p)
            if st is not None:
                static(s, p, o, st)
        dynamic(s, p, o)

    return process_full


def build(r):
    """(pass_all, drain, add) for the reasoner `r` under its compiled schema."""
    ctx = Context(r)
    ctx.add = add = _make_add(ctx)
    sa = ctx.SA

    def same(y1: int, y2: int) -> None:
        add(y1, sa, y2)
        add(y2, sa, y1)

    ctx.same = same
    add_done = _make_add_done(ctx)
    add_done_type = _make_add_done_type(ctx)
    static = _make_static(ctx, add_done, add_done_type)
    dynamic = _make_dynamic(ctx, equality.make_eq_rep(ctx) if ctx.sa_mode else None)
    process_full = _make_process_full(r, ctx, static, dynamic, add_done_type)
    full, done, sp = ctx.full, ctx.done, ctx.sp

    def drain() -> None:
        while full or done:
            while done:
                dynamic(*done.pop())
            if full:
                process_full(*full.pop())

    def pass_all() -> None:
        """Every triple of the graph once through the rules, to a fixpoint under this schema.

        A triple that changes the schema only sets `dirty`: the round ends as if nothing
        had changed, and the caller compiles the schema again and starts a new round, so
        that one round takes in all the schema changes it makes.
        """
        for p in list(sp):
            d = sp[p]
            for s, objs in list(d.items()):
                for o in tuple(objs):
                    process_full(s, p, o)
                    drain()

    return pass_all, drain, add
