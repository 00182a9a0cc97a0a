"""The consistency rules, run once on the closure: cls-nothing2, cax-dw, cax-adc, cls-com,
eq-diff1/2/3, prp-irp, prp-asyp, prp-pdw, prp-adp, prp-npa1/2, cls-maxc1, cls-maxqc1/2,
and the checks of literals by value (csto_kg.building.rules.literals). Messages are owlrl's."""

from __future__ import annotations

from csto_kg.building.rules.datatypes import number
from csto_kg.building.rules.literals import literal_errors
from csto_kg.core.errors import ConsistencyError


def _name(r, i: int) -> str:
    return r.terms[i].value


def _class_errors(r, members: dict) -> list[str]:
    """cls-nothing2, cax-dw, cls-com, cax-adc."""
    types = r.sp[r.T]
    errors = [f"{_name(r, x)} is defined of type 'Nothing'" for x, ts in types.items() if r.NOTHING in ts]
    pairs: list[tuple[int, int, str]] = []
    for c1, c2 in r._pairs(r.DISJOINT):
        pairs.append((c1, c2, "Disjoint classes %s and %s have a common individual %s"))
    for c1, c2 in r._pairs(r.COMPLEMENT):
        pairs.append((c1, c2, "Violation of complementarity for classes %s and %s on element %s"))
    for x in members[r.ADC]:
        for head in r._objects(x, r.MEMBERS):
            classes = r._items(head)
            for i in range(len(classes) - 1):
                for c2 in classes[i + 1 :]:
                    pairs.append((classes[i], c2, "Disjoint classes %s and %s have a common individual %s"))
    if not pairs:
        return errors
    involved = {c for c1, c2, _ in pairs for c in (c1, c2)}
    for x, ts in types.items():
        if ts.isdisjoint(involved):
            continue
        for c1, c2, message in pairs:
            if c1 in ts and c2 in ts:
                errors.append(message % (_name(r, c1), _name(r, c2), _name(r, x)))
    return errors


def _equality_errors(r, members: dict) -> list[str]:
    """eq-diff1 (x owl:sameAs x holds for every x), eq-diff2 and eq-diff3 (owlrl's loop
    skips the last member)."""
    sad = r.sp.get(r.SA, {})
    errors = []
    for x, y in r._pairs(r.DIFF):
        if x == y or y in sad.get(x, ()) or x in sad.get(y, ()):
            errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({_name(r, x)}, {_name(r, y)})")
    for x in members[r.ALLDIFF]:
        for head in list(r._objects(x, r.MEMBERS)) + list(r._objects(x, r.DISTINCT)):
            zs = r._items(head)
            for i in range(len(zs) - 1):
                for j in range(i + 1, len(zs) - 1):
                    zi, zj = zs[i], zs[j]
                    if zi != zj and (zj in sad.get(zi, ()) or zi in sad.get(zj, ())):
                        errors.append(
                            f"'sameAs' and 'AllDifferent' cannot be used on the same subject-object pair: ({_name(r, zi)}, {_name(r, zj)})"
                        )
    return errors


def _property_errors(r, members: dict) -> list[str]:
    """prp-irp, prp-asyp, prp-pdw."""
    sp, errors = r.sp, []
    for p in members[r.IRREFLEXIVE]:
        for x, ys in sp.get(p, {}).items():
            if x in ys:
                errors.append(f"Irreflexive property used on {_name(r, x)} with {_name(r, p)}")
    for p in members[r.ASYMMETRIC]:
        d = sp.get(p, {})
        for x, ys in d.items():
            for y in ys:
                if x in d.get(y, ()):
                    errors.append(f"Erroneous usage of asymmetric property {_name(r, p)} on {_name(r, x)} and {_name(r, y)}")
    for p1, p2 in r._pairs(r.PDW):
        d2 = sp.get(p2, {})
        for s, ys in sp.get(p1, {}).items():
            if not ys.isdisjoint(d2.get(s, ())):
                errors.append(f"Erroneous usage of disjoint properties {_name(r, p1)} and {_name(r, p2)} on {_name(r, s)}")
    return errors


def _disjoint_and_negative_errors(r, members: dict) -> list[str]:
    """prp-adp (owlrl's loop skips the last member), prp-npa1, prp-npa2."""
    sp, errors = r.sp, []
    for x in members[r.ADP]:
        for head in r._objects(x, r.MEMBERS):
            pis = r._items(head)
            for i in range(len(pis) - 1):
                for j in range(i + 1, len(pis) - 1):
                    dj = sp.get(pis[j], {})
                    for s, ys in sp.get(pis[i], {}).items():
                        if not ys.isdisjoint(dj.get(s, ())):
                            errors.append(
                                "Disjoint properties in an 'AllDisjointProperties' are not really disjoint: "
                                f"{_name(r, pis[i])} and {_name(r, pis[j])} on {_name(r, s)}"
                            )
    for x, i1 in r._pairs(r.SOURCE):
        for p1 in r._objects(x, r.ASSERTION):
            for i2 in list(r._objects(x, r.TARGET_IND)) + list(r._objects(x, r.TARGET_VAL)):
                if i2 in r._objects(i1, p1):
                    errors.append(f"Negative property assertion violated for: ({_name(r, i1)}, {_name(r, p1)}, {_name(r, i2)})")
    return errors


def _cardinality_errors(r) -> list[str]:
    """cls-maxc1, cls-maxqc1, cls-maxqc2."""
    sp, types, errors = r.sp, r.sp[r.T], []
    for x, n in r._pairs(r.MAXC):
        if number(r.terms[n]) == 0:
            for p in r._objects(x, r.ONPROP):
                for u, ys in sp.get(p, {}).items():
                    if ys and x in types.get(u, ()):
                        errors.append(f"Erroneous usage of maximum cardinality with {_name(r, x)} and {_name(r, p)}")
    for x, n in r._pairs(r.MAXQC):
        if number(r.terms[n]) != 0:
            continue
        for p in r._objects(x, r.ONPROP):
            for c in r._objects(x, r.ONCLASS):
                for u, ys in sp.get(p, {}).items():
                    if x in types.get(u, ()) and any(c == r.THING or c in types.get(y, ()) for y in ys):
                        errors.append(f"Erroneous usage of maximum qualified cardinality with {_name(r, x)}, {_name(r, c)}")
    return errors


def check(r) -> None:
    """Raise ConsistencyError on the first (in sorted order) of the errors found."""
    members = r._members({r.ADC, r.ALLDIFF, r.IRREFLEXIVE, r.ASYMMETRIC, r.ADP})
    errors = list(r.errors)
    errors += _class_errors(r, members)
    errors += _equality_errors(r, members)
    errors += _property_errors(r, members)
    errors += _disjoint_and_negative_errors(r, members)
    errors += _cardinality_errors(r)
    errors += literal_errors(r)
    if errors:
        errors = sorted(set(errors))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConsistencyError("inconsistent graph: " + " ".join(errors[0].split()) + more)
