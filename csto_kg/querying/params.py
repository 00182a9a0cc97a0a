"""Query parameters: checked against the query's header, then bound as RDF terms."""

from __future__ import annotations

import re

import pyoxigraph as ox

from csto_kg.core.dates import XSD_DATE, parse_user_date
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import KG, PREFIXES, XSD
from csto_kg.querying.catalogue import NamedQuery, Param

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_LOCAL = re.compile(r"^[A-Za-z0-9][\w.-]*$")


def _entity(value: str, param: str) -> ox.NamedNode:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    try:
        if sep and prefix in PREFIXES and not local.startswith("//") and _LOCAL.match(local):
            return ox.NamedNode(PREFIXES[prefix] + local)
        if "://" in text and _IRI.match(text):
            return ox.NamedNode(text)
    except ValueError:
        pass  # not a valid IRI: reported below
    slug = re.sub(r"\s+", "-", text.lower())
    if not sep and _LOCAL.match(slug):
        return ox.NamedNode(KG + slug)
    raise UsageError(f"invalid value {value!r} for parameter {param!r}: expected a name such as armenia, kg:armenia or an IRI")


def bind(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for one parameter value. Raises UsageError if the value does not fit."""
    if param.type == "date":
        lexical, datatype = parse_user_date(value)
        if datatype != XSD_DATE:
            raise UsageError(f"invalid date {value!r} for parameter {param.name!r}: give a day, YYYY-MM-DD")
        return ox.Literal(lexical, datatype=ox.NamedNode(XSD_DATE))
    if param.type == "integer":
        text = value.strip()  # what is checked is what is converted
        if not re.fullmatch(r"[+-]?\d+", text):
            raise UsageError(f"invalid integer {value!r} for parameter {param.name!r}")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "enum":
        if value not in param.choices:
            raise UsageError(f"invalid value {value!r} for parameter {param.name!r}: choose one of {', '.join(param.choices)}")
        return ox.Literal(value)
    if param.type in ("entity", "iri"):
        return _entity(value, param.name)
    return ox.Literal(value)


def substitutions(query: NamedQuery, given: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Check `given` against the query's declared parameters and bind each one.

    A query without declared parameters (an ad-hoc file or text) may still bind any of
    its variables; the value is then read as an IRI, an integer, a date or a string.
    """
    bound: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    if not query.params:
        for name, value in given.items():
            if not re.search(rf"[?$]{re.escape(name)}\b", query.text):
                raise UsageError(f"unknown parameter {name!r}: the query has no variable ?{name}")
            bound[ox.Variable(name)] = _guess(value)
        return bound
    for name in given:
        if query.param(name) is None:
            known = ", ".join(p.name for p in query.params) or "none"
            raise UsageError(f"unknown parameter {name!r} for query {query.name!r}; its parameters: {known}")
    for param in query.params:
        if param.name in given:
            bound[ox.Variable(param.variable)] = bind(param, given[param.name])
        elif param.default is not None:
            bound[ox.Variable(param.variable)] = bind(param, param.default)
        elif param.required:
            raise UsageError(f"query {query.name!r} needs parameter {param.name!r} ({param.description or param.type})")
    return bound


def _guess(value: str) -> ox.NamedNode | ox.Literal:
    text = value.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return bind(Param("value", "date"), text)
    if text.startswith("<") or ("://" in text and _IRI.match(text)) or text.partition(":")[0] in PREFIXES:
        return _entity(text, "value")
    return ox.Literal(value)
