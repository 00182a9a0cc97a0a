"""Class axioms that fire on a typing triple (x rdf:type c): cls-int1, cls-avf, cls-hv1,
the filler side of cls-svf1, cls-maxc2 and cls-maxqc3/4, compiled per class.

Each factory takes the engine's context, the class c and the rule's spec, and returns the
action run on each new member x of c.
"""

from __future__ import annotations

from collections.abc import Callable

Action = Callable[[int], None]


def _int(ctx, c: int, spec: tuple) -> Action:
    _, target, classes = spec
    add, types, T = ctx.add, ctx.types, ctx.T

    def int1(x: int) -> None:
        ts = types.get(x, ())
        for k in classes:
            if k not in ts:
                return
        add(x, T, target)

    return int1


def _avf(ctx, c: int, spec: tuple) -> Action:
    _, p, y = spec
    d, add, T = ctx.pdict(p), ctx.add, ctx.T

    def avf(x: int) -> None:
        for v in tuple(d.get(x, ())):
            add(v, T, y)

    return avf


def _hv(ctx, c: int, spec: tuple) -> Action:
    _, p, y = spec
    add = ctx.add
    return lambda x: add(x, p, y)


def _svf_fill(ctx, c: int, spec: tuple) -> Action:
    _, p, target = spec
    od, add, T = ctx.op[p], ctx.add, ctx.T

    def svf_fill(v: int) -> None:
        for u in tuple(od.get(v, ())):
            add(u, T, target)

    return svf_fill


def _maxc(ctx, c: int, spec: tuple) -> Action:
    """cls-maxc2: a cardinality of one is the qualified one over owl:Thing."""
    return _maxqc(ctx, c, (*spec[:2], ctx.THING))


def _maxqc(ctx, c: int, spec: tuple) -> Action:
    _, p, k = spec
    d, add, sa, types, thing = ctx.pdict(p), ctx.add, ctx.SA, ctx.types, ctx.THING

    def maxqc(x: int) -> None:
        vs = tuple(d.get(x, ()))
        if k != thing:
            vs = tuple(y for y in vs if k in types.get(y, ()))
        for y1 in vs:
            for y2 in vs:
                if y1 != y2:
                    add(y1, sa, y2)

    return maxqc


def _maxqc_c(ctx, c: int, spec: tuple) -> Action:
    """cls-maxqc3 from the side of a new member y of the qualifying class c."""
    _, p, restriction = spec
    d, od, types, same = ctx.pdict(p), ctx.op[p], ctx.types, ctx.same

    def maxqc_c(y: int) -> None:
        for u in tuple(od.get(y, ())):
            if restriction in types.get(u, ()):
                for y2 in tuple(d.get(u, ())):
                    if y2 != y and c in types.get(y2, ()):
                        same(y, y2)

    return maxqc_c


FACTORIES: dict[str, Callable[..., Action]] = {
    "int": _int,
    "avf": _avf,
    "hv": _hv,
    "svf_fill": _svf_fill,
    "maxc": _maxc,
    "maxqc": _maxqc,
    "maxqc_c": _maxqc_c,
}


def action(ctx, c: int, spec: tuple) -> Action:
    return FACTORIES[spec[0]](ctx, c, spec)
