"""One test per datatype of the OWL 2 RL datatype map: valid literals keep a graph
consistent, ill-typed ones make it inconsistent (XML Schema 1.1 Part 2 lexical spaces)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from csto_kg.building import rules
from csto_kg.building.rules.datatypes import ill_typed, in_value_space, value
from csto_kg.core.errors import ConsistencyError

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

# datatype: (valid lexical forms, invalid lexical forms)
CASES = {
    XSD + "float": (["0.0", "-0.0", "0", "+0.0", "1.5e3", "INF", "-INF", "NaN", ".5", "3.4E39"], ["big", "1,5", "inf", "nan", "", "1e"]),
    XSD + "double": (["0.0", "-0.0", "0", "1E-400", "1e310", "INF", "+INF", "NaN", "5."], ["0x10", "1_0", " 1", "Infinity"]),
    XSD + "decimal": (["0", "-0.0", "+1.50", ".5", "5."], ["1e3", "abc", "", "1_000", "."]),
    XSD + "integer": (["0", "-0", "+12", "0012"], ["1.5", "1_000", " 1", "", "abc"]),
    XSD + "nonNegativeInteger": (["0", "+5"], ["-1"]),
    XSD + "nonPositiveInteger": (["0", "-5"], ["1"]),
    XSD + "negativeInteger": (["-1"], ["0", "1"]),
    XSD + "positiveInteger": (["1"], ["0", "-1"]),
    XSD + "long": (["9223372036854775807"], ["9223372036854775808"]),
    XSD + "int": (["-2147483648"], ["2147483648"]),
    XSD + "short": (["32767"], ["32768"]),
    XSD + "byte": (["-128", "127"], ["128", "300"]),
    XSD + "unsignedLong": (["18446744073709551615"], ["18446744073709551616", "-1"]),
    XSD + "unsignedInt": (["4294967295"], ["4294967296"]),
    XSD + "unsignedShort": (["65535"], ["65536"]),
    XSD + "unsignedByte": (["255", "0"], ["256", "-1"]),
    XSD + "string": (["", "a\nb", " x "], []),
    XSD + "normalizedString": (["", " two  spaces "], ["a\nb", "tab\t", "cr\r"]),
    XSD + "token": (["", "a b", "one"], [" lead", "trail ", "a  b", "a\nb"]),
    XSD + "language": (["en", "en-GB", "zh-Hant-TW"], ["en_US", "", "toolonglanguage"]),
    XSD + "Name": (["a", ":a", "_a.b-c", "é1"], ["1a", "-a", "", "a b"]),
    XSD + "NCName": (["a", "_a.b-c"], [":a", "a:b", "1a", ""]),
    XSD + "NMTOKEN": (["1a", "a:b", "-x"], ["", "a b"]),
    XSD + "boolean": (["true", "false", "1", "0"], ["TRUE", "maybe", "yes", ""]),
    XSD + "hexBinary": (["", "ff", "0FA1"], ["f", "zz", "abc"]),
    XSD + "base64Binary": (["", "AAAA", "QQ==", "QUI=", "QU JD"], ["QR==", "A", "AAA", "A===", "@@@@"]),
    XSD + "anyURI": (["http://e.org/", "", "rel/path#x"], []),
    XSD + "dateTime": (
        ["2002-10-07T10:00:00", "2002-10-07T10:00:00.5Z", "2004-02-29T24:00:00+14:00", "-0044-03-15T12:00:00-05:00"],
        ["2002-10-07", "2001-02-29T10:00:00", "2002-10-07T25:00:00", "2002-10-07T10:00:00+15:00", ""],
    ),
    XSD + "dateTimeStamp": (["2002-10-07T10:00:00Z", "2002-10-07T10:00:00-03:30"], ["2002-10-07T10:00:00"]),
    XSD + "date": (["2002-10-07", "2000-02-29", "2002-10-07Z", "2002-10-07+01:00"], ["1993", "2001-02-30", "1900-02-29", "", "02-10-07"]),
    XSD + "time": (["10:00:00", "23:59:59.999Z", "24:00:00", "00:00:00-14:00"], ["10:00", "24:00:01", "10:60:00", ""]),
    RDF + "XMLLiteral": (["<a/>", "<a>text</a>"], ["<a>", "<a></b>"]),
    RDF + "PlainLiteral": (["text@en", "text@", "a@b@en"], ["no tag", "x@en_US"]),
}


def _graph(lexical: str, datatype: str) -> set:
    subject, predicate = ox.NamedNode("http://example.org/x"), ox.NamedNode("http://example.org/p")
    return {(subject, predicate, ox.Literal(lexical, datatype=ox.NamedNode(datatype)))}


@pytest.mark.parametrize("datatype", list(CASES), ids=[d.rsplit("#", 1)[1] for d in CASES])
def test_datatype(datatype: str) -> None:
    valid, invalid = CASES[datatype]
    for lexical in valid:
        assert not ill_typed(lexical, datatype), lexical
        rules.closure(_graph(lexical, datatype))  # no valid literal makes a graph inconsistent
    for lexical in invalid:
        assert ill_typed(lexical, datatype), lexical
        with pytest.raises(ConsistencyError):
            rules.closure(_graph(lexical, datatype))


def _lit(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


def test_values_compare_across_types() -> None:
    assert value(_lit("1", "integer")) == value(_lit("1.0", "decimal")) == value(_lit("01", "byte"))
    assert value(_lit("1", "integer")) != value(_lit("1", "double"))  # float, double, decimal: disjoint spaces
    assert value(_lit("0.0", "float")) != value(_lit("-0.0", "float"))
    assert value(_lit("a", "string")) == value(_lit("a", "token")) == value(ox.Literal("a"))
    assert value(ox.Literal("a", language="EN")) == value(ox.Literal("a", language="en")) != value(ox.Literal("a"))
    assert value(_lit("2002-10-07T10:00:00Z", "dateTime")) == value(_lit("2002-10-07T12:00:00+02:00", "dateTime"))
    assert value(_lit("2002-10-07T10:00:00Z", "dateTime")) != value(_lit("2002-10-07T10:00:00", "dateTime"))
    assert value(_lit("0FA1", "hexBinary")) == value(_lit("0fa1", "hexBinary"))
    assert value(_lit("true", "boolean")) == value(_lit("1", "boolean"))
    assert value(_lit("x", "integer")) is None


def test_value_space_membership() -> None:
    assert in_value_space(_lit("5", "integer"), XSD + "byte")
    assert in_value_space(_lit("5.0", "decimal"), XSD + "integer")
    assert in_value_space(_lit("300", "integer"), XSD + "byte") is False
    assert in_value_space(ox.Literal("aString"), XSD + "integer") is False
    assert in_value_space(_lit("a b", "string"), XSD + "token")
    assert in_value_space(_lit(" a", "string"), XSD + "token") is False
    assert in_value_space(_lit("1", "integer"), XSD + "double") is False
    assert in_value_space(_lit("x", "integer"), XSD + "integer") is None
