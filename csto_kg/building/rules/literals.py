"""Consistency of literals by their values (rules dt-eq, dt-diff and dt-not-type).

owlrl compares literals as terms: it never finds two literal values of a functional
property in conflict (W3C cases functionality-clash, New-Feature-Keys-006, Plus and Minus
Zero are Distinct), nor a string given the type xsd:integer by a range
(string-integer-clash). Here:

* two literals made owl:sameAs (by prp-fp, prp-key, ...) must denote the same value;
* two literals owl:differentFrom each other must denote different values;
* a literal typed with an OWL 2 RL datatype must denote a value of it.
"""

from __future__ import annotations

from csto_kg.building.rules.datatypes import in_value_space, value


def literal_errors(r) -> list[str]:
    terms, lits = r.terms, r.lits
    errors: list[str] = []
    for x, ys in r.sp.get(r.SA, {}).items():
        if x not in lits:
            continue
        vx = value(terms[x])
        for y in ys:
            if y in lits and y != x and vx is not None:
                vy = value(terms[y])
                if vy is not None and vx != vy:
                    errors.append(f"literals {terms[x]} and {terms[y]} made the same have different values")
    for x, ys in r.sp.get(r.DIFF, {}).items():
        for y in ys:
            if x in lits and y in lits:
                vx = value(terms[x])
                if vx is not None and vx == value(terms[y]):
                    errors.append(f"literals {terms[x]} and {terms[y]} made different have the same value")
    for x, ts in r.sp[r.T].items():
        if x not in lits:
            continue
        own = r.ids.get(terms[x].datatype) if not terms[x].language else None
        implied = {own, *r.dt_sups.get(own, ())}  # its own datatype and those above: no check needed
        for t in ts:
            if t not in implied and in_value_space(terms[x], terms[t].value) is False:
                errors.append(f"literal {terms[x]} is not a value of its type {terms[t].value}")
    return errors
