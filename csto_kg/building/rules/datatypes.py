"""The datatypes of the OWL 2 RL datatype map: lexical checks and value spaces.

`ill_typed` says whether a literal's lexical form is outside its datatype's lexical space,
as XML Schema 1.1 Part 2 defines each one (owlrl's checks, which this replaces, reject
every zero float or double, an empty xsd:normalizedString and an odd-length hexBinary,
and accept "1_000"^^xsd:integer). `value` gives the literal's value as a key: two
literals denote the same value exactly when their keys are equal (rules dt-eq and
dt-diff), numbers compared across the decimal types, strings across the string types.
`in_value_space` says whether a literal's value belongs to a datatype (dt-not-type for a
literal typed with a datatype by a rule, as xsd:integer by a range).
"""

from __future__ import annotations

import base64
import math
import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from csto_kg.core.namespaces import RDF, RDFS, XSD

# Datatypes owlrl treats as OWL 2 RL datatypes (owlrl.XsdDatatypes.OWL_RL_Datatypes).
# xsd:gYear, xsd:gYearMonth, xsd:gMonthDay, xsd:gDay and xsd:gMonth are not among them:
# neither typed nor checked.
RL_DATATYPES = [
    XSD + n
    for n in (
        "integer decimal nonNegativeInteger nonPositiveInteger negativeInteger positiveInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte float double "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTimeStamp dateTime time date"
    ).split()
] + [RDFS + "Literal", RDF + "XMLLiteral", RDF + "HTML", RDF + "langString", RDF + "PlainLiteral"]

# owlrl.XsdDatatypes.OWL_Datatype_Subsumptions
DT_SUBSUMPTIONS = {
    XSD + k: [XSD + x for x in v.split()]
    for k, v in {
        "dateTimeStamp": "dateTime",
        "integer": "decimal",
        "long": "integer decimal",
        "int": "long integer decimal",
        "short": "int long integer decimal",
        "byte": "short int long integer decimal",
        "nonNegativeInteger": "integer decimal",
        "positiveInteger": "nonNegativeInteger integer decimal",
        "unsignedLong": "nonNegativeInteger integer decimal",
        "unsignedInt": "unsignedLong nonNegativeInteger integer decimal",
        "unsignedShort": "unsignedInt unsignedLong nonNegativeInteger integer decimal",
        "unsignedByte": "unsignedShort unsignedInt unsignedLong nonNegativeInteger integer decimal",
        "nonPositiveInteger": "integer decimal",
        "negativeInteger": "nonPositiveInteger integer decimal",
        "normalizedString": "string",
        "token": "normalizedString string",
        "language": "token normalizedString string",
        "Name": "token normalizedString string",
        "NCName": "Name token normalizedString string",
        "NMTOKEN": "token normalizedString string",
    }.items()
}

# owlrl.AxiomaticTriples.OWLRL_Datatypes_Disjointness: the pairs of these, less two
_DISJOINT_DATATYPES = [XSD + n for n in "anyURI base64Binary boolean dateTime decimal double float hexBinary".split()] + [
    XSD + "string",
    RDF + "PlainLiteral",
    RDF + "XMLLiteral",
]


def datatype_disjointness() -> list[tuple[str, str]]:
    pairs = []
    for i, left in enumerate(_DISJOINT_DATATYPES):
        for right in _DISJOINT_DATATYPES[i + 1 :]:
            pairs.append((left, right))
    # owlrl's table stops at (xsd:string, rdf:XMLLiteral): it has no (xsd:string,
    # rdf:PlainLiteral) and no (rdf:PlainLiteral, rdf:XMLLiteral).
    pairs.remove((XSD + "string", RDF + "PlainLiteral"))
    pairs.remove((RDF + "PlainLiteral", RDF + "XMLLiteral"))
    return pairs


# integer types: their bounds (None: unbounded), XSD 1.1 Part 2 section 3.4
INT_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    XSD + "integer": (None, None),
    XSD + "long": (-(2**63), 2**63 - 1),
    XSD + "int": (-(2**31), 2**31 - 1),
    XSD + "short": (-(2**15), 2**15 - 1),
    XSD + "byte": (-128, 127),
    XSD + "nonNegativeInteger": (0, None),
    XSD + "positiveInteger": (1, None),
    XSD + "nonPositiveInteger": (None, 0),
    XSD + "negativeInteger": (None, -1),
    XSD + "unsignedLong": (0, 2**64 - 1),
    XSD + "unsignedInt": (0, 2**32 - 1),
    XSD + "unsignedShort": (0, 2**16 - 1),
    XSD + "unsignedByte": (0, 2**8 - 1),
}
INT_TYPES = set(INT_BOUNDS)
_STRING_TYPES = {XSD + n for n in "string normalizedString token language Name NCName NMTOKEN".split()}

_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
_PATTERNS = {
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    XSD + "float": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([Ee][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD + "boolean": r"true|false|1|0",
    XSD + "hexBinary": r"([0-9a-fA-F]{2})*",
    XSD + "language": r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*",
    XSD + "normalizedString": r"[^\n\r\t]*",
    XSD + "token": r"([^\s]+( [^\s]+)*)?",
    XSD + "dateTime": _DATE + "T" + _TIME + _TZ,
    XSD + "dateTimeStamp": _DATE + "T" + _TIME + r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    XSD + "date": _DATE + _TZ,
    XSD + "time": _TIME + _TZ,
}
_PATTERNS[XSD + "double"] = _PATTERNS[XSD + "float"]
_COMPILED = {dt: re.compile(p) for dt, p in _PATTERNS.items()}
_NAME_START = re.compile(r"[^\W\d]|[_:]")


def _is_name(v: str, colon: bool) -> bool:
    if not v or not (_NAME_START.match(v[0])) or (not colon and ":" in v):
        return False
    return all(c.isalnum() or c in "_:.-\u00b7" for c in v)


def _day_exists(v: str) -> bool:
    """The day of an xsd:date or xsd:dateTime exists in its month (leap years included)."""
    year_text, month, day = re.match(r"(-?[0-9]+)-([0-9]{2})-([0-9]{2})", v).groups()
    year, month, day = int(year_text), int(month), int(day)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def _base64(v: str) -> bytes | None:
    """The octets of a base64Binary lexical form (XSD 1.1 section 3.3.17), None if invalid."""
    compact = v.replace(" ", "")
    if re.fullmatch(r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", compact) is None:
        return None
    octets = base64.b64decode(compact)
    # the unused bits of the last character are zero: "QQ==" and not "QR=="
    return octets if base64.b64encode(octets).decode() == compact else None


def _xml(v: str) -> bool:
    import xml.dom.minidom

    try:
        xml.dom.minidom.parseString(v)
    except Exception:
        return False
    return True


def _plain_literal(v: str) -> bool:
    _, at, lang = v.rpartition("@")
    return bool(at) and (lang == "" or _COMPILED[XSD + "language"].fullmatch(lang) is not None)


def ill_typed(lexical: str, datatype: str) -> bool:
    """Whether `lexical` is outside the lexical space of `datatype` (False for a datatype
    this module does not know)."""
    pattern = _COMPILED.get(datatype) or (_COMPILED[XSD + "integer"] if datatype in INT_TYPES else None)
    if pattern is not None:
        if pattern.fullmatch(lexical) is None:
            return True
        if datatype in INT_TYPES:
            low, high = INT_BOUNDS[datatype]
            n = int(lexical)
            return (low is not None and n < low) or (high is not None and n > high)
        if datatype in (XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"):
            return not _day_exists(lexical)
        return False
    if datatype in (XSD + "Name", XSD + "NCName"):
        return not _is_name(lexical, datatype == XSD + "Name")
    if datatype == XSD + "NMTOKEN":
        return not lexical or not all(c.isalnum() or c in "_:.-\u00b7" for c in lexical)
    if datatype == XSD + "base64Binary":
        return _base64(lexical) is None
    if datatype == RDF + "XMLLiteral":
        return not _xml(lexical)
    if datatype == RDF + "PlainLiteral":
        return not _plain_literal(lexical)
    return False


def _float_key(lexical: str, kind: str) -> tuple:
    if lexical == "NaN":
        return (kind, "NaN")
    f = float(lexical)  # "INF", "-INF" and "+INF" included
    if kind == "float" and not math.isinf(f):
        import struct

        f = struct.unpack("f", struct.pack("f", f))[0] if abs(f) < 3.5e38 else math.copysign(math.inf, f)
    # +0 and -0 are equal but distinct values (XSD 1.1 section 3.3.4): the sign is kept
    return (kind, f, math.copysign(1.0, f))


def _time_key(lexical: str, datatype: str) -> tuple:
    """A date, time or dateTime as a key: zoned values on the UTC timeline, others apart."""
    match = re.search(r"(Z|[+-][0-9]{2}:[0-9]{2})$", lexical)
    family = "dateTime" if datatype in (XSD + "dateTime", XSD + "dateTimeStamp") else datatype
    if match is None:
        return (family, "local", lexical)
    import datetime

    body, zone = lexical[: match.start()], match.group(1)
    offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
    if family == XSD + "date":
        return (family, "zoned", body, offset)
    text = body if family == "dateTime" else "2000-01-01T" + body
    if text.endswith("24:00:00") or "T24:" in text:
        return (family, "zoned", lexical)  # rare: end of day, kept as written
    fraction = Decimal("0")
    if "." in text:
        text, digits = text.split(".")
        fraction = Decimal("0." + digits)
    try:
        moment = datetime.datetime.fromisoformat(text) - datetime.timedelta(minutes=offset)
    except ValueError:  # years beyond 9999 or before 1: kept as written
        return (family, "zoned", lexical)
    return (family, "zoned", moment.isoformat(), fraction.normalize())


def value(term) -> tuple | None:
    """A key for the value `term` denotes: equal keys, same value. None for a term that is
    not a literal, an ill-typed literal, or a datatype outside the map (no verdict)."""
    if not isinstance(term, ox.Literal):
        return None
    if term.language:
        return ("string", term.value, term.language.lower())
    dt, lexical = term.datatype.value, term.value
    if dt not in _STRING_TYPES and ill_typed(lexical, dt):
        return None
    if dt in _STRING_TYPES:
        return None if ill_typed(lexical, dt) else ("string", lexical, "")
    if dt in INT_TYPES or dt == XSD + "decimal":
        try:
            return ("real", Decimal(lexical).normalize() + 0)
        except InvalidOperation:
            return None
    return _other_value(dt, lexical)


def _other_value(dt: str, lexical: str) -> tuple | None:
    if dt in (XSD + "float", XSD + "double"):
        return _float_key(lexical, dt.rsplit("#", 1)[1])
    if dt == XSD + "boolean":
        return ("boolean", lexical in ("true", "1"))
    if dt == XSD + "hexBinary":
        return ("hexBinary", bytes.fromhex(lexical))
    if dt == XSD + "base64Binary":
        return ("base64Binary", _base64(lexical))
    if dt in (XSD + "dateTime", XSD + "dateTimeStamp", XSD + "date", XSD + "time"):
        return _time_key(lexical, dt)
    if dt == XSD + "anyURI":
        return ("anyURI", lexical)
    if dt == RDF + "PlainLiteral":
        text, _, lang = lexical.rpartition("@")
        return ("string", text, lang.lower())
    return None


def in_value_space(term, datatype: str) -> bool | None:
    """Whether the literal `term` denotes a value of `datatype`; None: no verdict (an
    ill-typed literal, which its own check reports, or a datatype outside the map)."""
    key = value(term)
    if key is None or datatype not in RL_DATATYPES or datatype in (RDFS + "Literal", XSD + "dateTimeStamp"):
        return None
    family = key[0]
    if datatype in INT_TYPES or datatype == XSD + "decimal":
        if family != "real":
            return False
        if datatype == XSD + "decimal":
            return True
        n = key[1]
        low, high = INT_BOUNDS[datatype]
        return n == n.to_integral_value() and (low is None or n >= low) and (high is None or n <= high)
    if datatype in _STRING_TYPES:
        return family == "string" and key[2] == "" and not ill_typed(key[1], datatype)
    if datatype in (RDF + "PlainLiteral", RDF + "langString"):
        return family == "string" and (datatype == RDF + "PlainLiteral" or key[2] != "")
    if datatype in (XSD + "float", XSD + "double", XSD + "boolean", XSD + "hexBinary", XSD + "base64Binary", XSD + "anyURI"):
        return family == datatype.rsplit("#", 1)[1]
    if datatype in (XSD + "dateTime", XSD + "date", XSD + "time"):
        return family == ("dateTime" if datatype == XSD + "dateTime" else datatype)
    return None


def number(term) -> object:
    """The value rdflib gives a literal, as far as comparing it with 0 and 1 needs."""
    if not isinstance(term, ox.Literal) or term.language:
        return None
    dt, lexical = term.datatype.value, term.value
    try:
        if dt in INT_TYPES:
            return int(lexical)
        if dt == XSD + "decimal":
            return Decimal(lexical)
        if dt in (XSD + "double", XSD + "float"):
            return float(lexical)
        if dt == XSD + "boolean":
            return lexical in ("1", "true", "TRUE", "True")
    except (ValueError, ArithmeticError):
        return None
    return None
