"""The instance rules' semi-naive loop: the index writes, the agenda and its drain.

`build(r)` returns (pass_all, drain, add) for the reasoner `r` under its compiled
schema. A triple goes into the index (predicate -> subject -> objects, and the reverse
index where one is kept; `insert`, the one writer of both) by `add`, and
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
        self.new_pred = r._new_pred
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

    def pdict(self, p: int) -> dict:
        d = self.sp.get(p)
        return self.new_pred(p) if d is None else d

    def pdyn(self, p: int):
        """The compiled property actions of p (None: none), compiled once."""
        return self._compiled(self.pdyn_cache, self.pdyn_specs, properties.action, p)

    def cdyn(self, c: int):
        """The compiled class actions of c (None: none), compiled once."""
        return self._compiled(self.cdyn_cache, self.cdyn_specs, classes.action, c)

    def _compiled(self, cache: dict, specs_of: dict, action: Callable, key: int):
        found = cache.get(key, MISSING)
        if found is MISSING:
            specs = specs_of.get(key)
            found = cache[key] = tuple(action(self, key, spec) for spec in specs) if specs else None
        return found


def _never(*_args) -> None:  # pragma: no cover - replaced before any rule runs
    raise AssertionError("adder used before it was built")


def insert(sp: dict, op: dict, new_pred: Callable[[int], dict], s: int, p: int, o: int) -> bool:
    """Put (s, p, o) in the index and, where one is kept for p, the reverse index; False
    if it was there already. The one writer of both indexes."""
    d = sp.get(p)
    if d is None:
        d = new_pred(p)
    objs = d.get(s)
    if objs is None:
        d[s] = {o}
    elif o in objs:
        return False
    else:
        objs.add(o)
    od = op.get(p)
    if od is not None:
        subs = od.get(o)
        if subs is None:
            od[o] = {s}
        else:
            subs.add(s)
    return True


def _make_add(ctx: Context) -> Callable[[int, int, int], None]:
    sp, op, new_pred = ctx.sp, ctx.op, ctx.new_pred
    full, dirty, schema_p, schema_t, watch_so, T = ctx.full, ctx.dirty, ctx.schema_p, ctx.schema_t, ctx.watch_so, ctx.T

    def add(s: int, p: int, o: int) -> None:
        if not insert(sp, op, new_pred, s, p, o):
            return
        if p in schema_p or s in watch_so or o in watch_so or (p == T and o in schema_t):
            dirty[0] = True
        full.append((s, p, o))

    return add


def _make_add_done(ctx: Context) -> Callable[[int, int, int], None]:
    sp, op, new_pred = ctx.sp, ctx.op, ctx.new_pred
    done, dirty, schema_p, watch_so, sa_mode = ctx.done, ctx.dirty, ctx.schema_p, ctx.watch_so, ctx.sa_mode
    pdyn = ctx.pdyn

    def add_done(s: int, p: int, o: int) -> None:
        if not insert(sp, op, new_pred, s, p, o):
            return
        if p in schema_p or s in watch_so or o in watch_so:
            dirty[0] = True
        if sa_mode or pdyn(p) is not None:
            done.append((s, p, o))

    return add_done


def _make_add_done_type(ctx: Context) -> Callable[[int, int], None]:
    sp, op, new_pred, full, done, dirty = ctx.sp, ctx.op, ctx.new_pred, ctx.full, ctx.done, ctx.dirty
    schema_t, watch_so, T = ctx.schema_t, ctx.watch_so, ctx.T
    cdyn = ctx.cdyn
    # rdf:type itself with superproperties, a domain or a range: every typing goes through all
    t_static = ctx.t_static is not None
    t_dyn_or_sa = ctx.t_has_dyn or ctx.sa_mode

    def add_done_type(x: int, c: int) -> None:
        if not insert(sp, op, new_pred, x, T, c):
            return
        if c in schema_t or c in watch_so or x in watch_so:
            dirty[0] = True
        if t_static:
            full.append((x, T, c))
            return
        if t_dyn_or_sa or cdyn(c) is not None:
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
