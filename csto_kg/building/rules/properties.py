"""Property axioms (prp-inv1/2, prp-symp, prp-trp, prp-spo2, prp-fp, prp-ifp) and the
restriction rules that fire on a property's triple (cls-svf1/2, cls-avf, cls-hv2,
cls-maxc2, cls-maxqc3/4), compiled per predicate.

Each factory takes the engine's context, the predicate p and the rule's spec (the tuple
csto_kg.building.rules.schema compiles), and returns the action run on each triple (s, p, o).
"""

from __future__ import annotations

from collections.abc import Callable

Action = Callable[[int, int], None]


def _inv(ctx, p: int, spec: tuple) -> Action:
    q, add = spec[1], ctx.add
    return lambda s, o: add(o, q, s)


def _sym(ctx, p: int, spec: tuple) -> Action:
    add = ctx.add
    return lambda s, o: add(o, p, s)


def _trans(ctx, p: int, spec: tuple) -> Action:
    d, od, add = ctx.pdict(p), ctx.op[p], ctx.add

    def trans(s: int, o: int) -> None:
        zs = d.get(o)
        if zs:
            for z in tuple(zs):
                add(s, p, z)
        ws = od.get(s)
        if ws:
            for w in tuple(ws):
                add(w, p, o)

    return trans


def _chain(ctx, p: int, spec: tuple) -> Action:
    _, target, chain, i = spec
    back = [ctx.op[q] for q in chain[:i]][::-1]
    fwd = [ctx.pdict(q) for q in chain[i + 1 :]]
    add = ctx.add

    def chain_step(s: int, o: int) -> None:
        lefts = {s}
        for oq in back:
            lefts = {u for x in lefts for u in oq.get(x, ())}
            if not lefts:
                return
        rights = {o}
        for dq in fwd:
            rights = {z for x in rights for z in dq.get(x, ())}
            if not rights:
                return
        for u in lefts:
            for z in rights:
                add(u, target, z)

    return chain_step


def _fp(ctx, p: int, spec: tuple) -> Action:
    d, same = ctx.pdict(p), ctx.same

    def fp(s: int, o: int) -> None:
        for y2 in tuple(d.get(s, ())):
            if y2 != o:
                same(o, y2)

    return fp


def _ifp(ctx, p: int, spec: tuple) -> Action:
    ctx.pdict(p)
    od, same = ctx.op[p], ctx.same

    def ifp(s: int, o: int) -> None:
        for x2 in tuple(od.get(o, ())):
            if x2 != s:
                same(s, x2)

    return ifp


def _svf(ctx, p: int, spec: tuple) -> Action:
    _, x, y = spec
    add, types, T = ctx.add, ctx.types, ctx.T
    if y == ctx.THING:
        return lambda s, o: add(s, T, x)

    def svf(s: int, o: int) -> None:
        to = types.get(o)
        if to and y in to:
            add(s, T, x)

    return svf


def _avf(ctx, p: int, spec: tuple) -> Action:
    _, x, y = spec
    add, types, T = ctx.add, ctx.types, ctx.T

    def avf(s: int, o: int) -> None:
        ts = types.get(s)
        if ts and x in ts:
            add(o, T, y)

    return avf


def _hv(ctx, p: int, spec: tuple) -> Action:
    _, x, y = spec
    add, T = ctx.add, ctx.T

    def hv(s: int, o: int) -> None:
        if o == y:
            add(s, T, x)

    return hv


def _maxc(ctx, p: int, spec: tuple) -> Action:
    """cls-maxc2: a cardinality of one is the qualified one over owl:Thing."""
    return _maxqc(ctx, p, (*spec[:2], ctx.THING))


def _maxqc(ctx, p: int, spec: tuple) -> Action:
    _, x, c = spec
    d, types, same, thing = ctx.pdict(p), ctx.types, ctx.same, ctx.THING

    def maxqc(s: int, o: int) -> None:
        ts = types.get(s)
        if not (ts and x in ts):
            return
        if c == thing:
            for y2 in tuple(d.get(s, ())):
                if y2 != o:
                    same(o, y2)
        elif c in types.get(o, ()):
            for y2 in tuple(d.get(s, ())):
                if y2 != o and c in types.get(y2, ()):
                    same(o, y2)

    return maxqc


FACTORIES: dict[str, Callable[..., Action]] = {
    "inv": _inv,
    "sym": _sym,
    "trans": _trans,
    "chain": _chain,
    "fp": _fp,
    "ifp": _ifp,
    "svf": _svf,
    "avf": _avf,
    "hv": _hv,
    "maxc": _maxc,
    "maxqc": _maxqc,
}


def action(ctx, p: int, spec: tuple) -> Action:
    ctx.pdict(p)  # the predicate has an index entry once a rule watches it
    return FACTORIES[spec[0]](ctx, p, spec)
