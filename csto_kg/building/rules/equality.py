"""Equality: eq-sym, eq-trans and eq-rep-s/p/o (run on each triple once owl:sameAs occurs)
and prp-key."""

from __future__ import annotations

from collections.abc import Callable


def _make_spread(ctx) -> Callable[[int, int], None]:
    """For a new s owl:sameAs o: eq-sym, eq-trans, and every triple of s given to o."""
    sp, op, lits, SA, add = ctx.sp, ctx.op, ctx.lits, ctx.SA, ctx.add
    sad = sp[SA]

    def spread(s: int, o: int) -> None:
        add(o, SA, s)
        for z in tuple(sad.get(o, ())):
            if z != s:
                add(s, SA, z)
        for w in tuple(sad.get(s, ())):
            if w != o:
                add(w, SA, o)
        for q, dq in list(sp.items()):
            for oo in tuple(dq.get(s, ())):
                add(o, q, oo)
        for q, oq in list(op.items()):
            for ss in tuple(oq.get(s, ())):
                add(ss, q, o)
        if o not in lits:
            dq = sp.get(s)
            if dq:
                for ss, xs in list(dq.items()):
                    for oo in tuple(xs):
                        add(ss, o, oo)

    return spread


def make_eq_rep(ctx) -> Callable[[int, int, int], None]:
    lits, SA, add = ctx.lits, ctx.SA, ctx.add
    sad = ctx.sp[SA]
    spread = _make_spread(ctx)

    def eq_rep(s: int, p: int, o: int) -> None:
        """eq-rep-s/p/o for one triple; eq-sym and eq-trans for an owl:sameAs."""
        ys = sad.get(s)
        if ys:
            for y in tuple(ys):
                if y != s:
                    add(y, p, o)
        ys = sad.get(p)
        if ys:
            for y in tuple(ys):
                if y != p and y not in lits:
                    add(s, y, o)
        ys = sad.get(o)
        if ys:
            for y in tuple(ys):
                if y != o:
                    add(s, p, y)
        if p == SA and s != o:
            spread(s, o)

    return eq_rep


def apply_keys(r, add) -> None:
    """prp-key as owlrl runs it: the last key property is never compared."""
    types = r.sp[r.T]
    sad = r.sp.get(r.SA, {})
    for c, pis in r.keys:
        members = [x for x, ts in types.items() if c in ts]
        for x in members:
            final = [[z] for z in r._objects(x, pis[0])]
            for pi in pis[1:]:
                final = [[*lst, z] for z in r._objects(x, pi) for lst in final]
            if not final:
                continue
            for y in members:
                if y == x or x in sad.get(y, ()) or y in sad.get(x, ()):
                    continue
                for vals in final:
                    if all(vals[i] in r._objects(y, pis[i]) for i in range(len(pis) - 1)):
                        add(x, r.SA, y)
                        break
