"""Property-based tests (hypothesis): dates at every precision, query parameters and their
binding, format guessing, and export round-trips of generated graphs with any Unicode."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import string
from collections.abc import Iterable

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from csto_kg.building import dumps
from csto_kg.core import dates, formats
from csto_kg.core.dates import XSD_DATE, XSD_GYEAR, XSD_GYEARMONTH
from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import GRAPH_ARTICLE, GRAPH_ATOP, GRAPH_DERIVED, GRAPH_INFERRED, GRAPH_ONTOLOGY, KG, PREFIXES, RDFS, XSD
from csto_kg.exporting.serialize import write_export
from csto_kg.querying import params
from csto_kg.querying.catalogue import Param, from_text
from csto_kg.querying.querytext import substitute

FAST = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

days = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
ascii_digits = st.text(alphabet=string.digits, min_size=1, max_size=6)


def year_of(day: dt.date) -> str:
    return f"{day.year:04d}"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# -- dates ----------------------------------------------------------------------------------


@FAST
@given(days)
def test_a_day_is_its_own_bounds(day):
    assert dates.bounds(day.isoformat(), XSD_DATE) == (day, day)


@FAST
@given(days)
def test_a_year_contains_its_months_and_its_days(day):
    year_first, year_last = dates.bounds(year_of(day), XSD_GYEAR)
    month_first, month_last = dates.bounds(month_of(day), XSD_GYEARMONTH)
    day_first, day_last = dates.bounds(day.isoformat(), XSD_DATE)
    assert year_first == dt.date(day.year, 1, 1) and year_last == dt.date(day.year, 12, 31)
    assert month_first == day.replace(day=1)
    assert month_last == day.replace(day=calendar.monthrange(day.year, day.month)[1])
    assert year_first <= month_first <= day_first <= day_last <= month_last <= year_last


@FAST
@given(days, days)
def test_bounds_keep_the_order_of_days_at_every_precision(a, b):
    a, b = min(a, b), max(a, b)
    for lexical in (year_of, month_of, dt.date.isoformat):
        kind = {year_of: XSD_GYEAR, month_of: XSD_GYEARMONTH}.get(lexical, XSD_DATE)
        a_first, a_last = dates.bounds(lexical(a), kind)
        b_first, b_last = dates.bounds(lexical(b), kind)
        assert a_first <= a_last and b_first <= b_last
        assert a_first <= b_first and a_last <= b_last  # the earlier day never has later bounds


@FAST
@given(days, st.sampled_from(["Z", "+05:00", "-11:30", ""]))
def test_a_time_zone_does_not_change_the_days(day, zone):
    for lexical, kind in ((year_of(day), XSD_GYEAR), (month_of(day), XSD_GYEARMONTH), (day.isoformat(), XSD_DATE)):
        assert dates.bounds(lexical + zone, kind) == dates.bounds(lexical, kind)


@FAST
@given(st.text(max_size=20), st.sampled_from([XSD_DATE, XSD_GYEARMONTH, XSD_GYEAR, XSD + "string"]))
def test_bounds_of_any_text_are_ordered_or_a_value_error(text, kind):
    try:
        first, last = dates.bounds(text, kind)
    except ValueError:
        return
    assert first <= last


@FAST
@given(st.one_of(st.text(max_size=20), ascii_digits, st.builds(lambda d: d.isoformat(), days)))
def test_parse_user_date_gives_a_valid_date_or_a_usage_error(text):
    try:
        lexical, kind = dates.parse_user_date(text)
    except UsageError as err:
        assert "\n" not in str(err)
        return
    assert kind in (XSD_DATE, XSD_GYEARMONTH, XSD_GYEAR)
    first, last = dates.bounds(lexical, kind)
    assert first <= last


@FAST
@given(days)
def test_parse_user_date_reads_every_precision(day):
    assert dates.parse_user_date(day.isoformat()) == (day.isoformat(), XSD_DATE)
    assert dates.parse_user_date(f" {month_of(day)} ") == (month_of(day), XSD_GYEARMONTH)
    assert dates.parse_user_date(year_of(day)) == (year_of(day), XSD_GYEAR)


def test_parse_user_date_refuses_digits_that_are_not_ascii():
    with pytest.raises(UsageError):
        dates.parse_user_date("١٩٩٣-٠١-٠١")


# -- query parameters -------------------------------------------------------------------------

STRING_QUERY = from_text("#+ param: name (string, optional): any text\nSELECT ?name WHERE { }", "string-query")


@FAST
@given(st.text(max_size=40))
def test_a_string_binds_as_a_literal_with_the_same_value(value):
    term = params.bind(Param("name", "string"), value)
    assert isinstance(term, ox.Literal) and term.value == value and term.datatype == ox.NamedNode(XSD + "string")


@FAST
@given(st.text(max_size=40))
def test_a_string_parameter_never_alters_the_query(value):
    before = STRING_QUERY.text
    bound = params.substitutions(STRING_QUERY, {"name": value})
    assert STRING_QUERY.text == before
    # Bound as the query path binds it: written in as an escaped constant.
    rows = list(ox.Store().query(substitute(STRING_QUERY.text, bound)))
    assert len(rows) == 1 and rows[0]["name"] == ox.Literal(value)


@FAST
@given(days)
def test_a_day_binds_as_an_xsd_date(day):
    assert params.bind(Param("date", "date"), day.isoformat()) == ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD_DATE))


@FAST
@given(st.one_of(st.builds(month_of, days), st.builds(year_of, days)))
def test_a_month_or_a_year_is_a_usage_error_for_a_date_parameter(text):
    with pytest.raises(UsageError):
        params.bind(Param("date", "date"), text)


@FAST
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z", alphabet=string.digits + "-")))
def test_a_date_parameter_is_a_real_day_or_a_usage_error(text):
    try:
        term = params.bind(Param("date", "date"), text)
    except UsageError as err:
        assert "\n" not in str(err)
        return
    day = dt.date.fromisoformat(term.value)
    assert term.value == (text.strip() if text.strip().lower() != "today" else day.isoformat())


@FAST
@given(st.one_of(st.integers(), st.text(max_size=12)))
@example("²")  # a digit (str.isdigit) but not a decimal digit: not a number
@example("0\x1f")  # stripped by str.strip, not by int(): the value checked must be the one converted
def test_an_integer_parameter_binds_an_integer_or_is_a_usage_error(value):
    text = str(value)
    try:
        term = params.bind(Param("n", "integer"), text)
    except UsageError:
        assert not text.strip().lstrip("+-").isdecimal()
        return
    assert term.datatype == ox.NamedNode(XSD + "integer") and int(term.value) == int(text.strip())


@FAST
@given(st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20).filter(lambda s: s[0].isalnum()))
def test_an_entity_name_binds_to_its_iri(name):
    expected = ox.NamedNode(KG + name)
    assert params.bind(Param("state", "entity"), name) == expected
    assert params.bind(Param("state", "entity"), f"kg:{name}") == expected
    assert params.bind(Param("state", "entity"), f"<{KG}{name}>") == expected


def test_an_entity_that_is_not_an_iri_is_a_usage_error():
    for value in ("kg:a b", "http://example.org/%zz"):
        with pytest.raises(UsageError):
            params.bind(Param("state", "entity"), value)


# -- formats ----------------------------------------------------------------------------------

ALIASES = {"ttl": "turtle", "jsonld": "json-ld", "ntriples": "nt", "n-triples": "nt", "rdfxml": "xml", "rdf": "xml", "nq": "nquads"}


def any_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))
    )


RDF_NAMES = [(f.name, f.name) for f in formats.RDF_FORMATS] + list(ALIASES.items())
RDF_EXTENSIONS = [(ext, f.name) for f in formats.RDF_FORMATS for ext in f.extensions]
stems = st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12).map(lambda s: f"out/{s}")


@FAST
@given(st.sampled_from(RDF_NAMES).flatmap(lambda pair: st.tuples(any_case(pair[0]), st.just(pair[1]))))
def test_rdf_formats_by_name_in_any_case(case):
    name, expected = case
    assert formats.rdf_format(name).name == expected


@FAST
@given(st.sampled_from(RDF_EXTENSIONS).flatmap(lambda pair: st.tuples(any_case(pair[0]), st.just(pair[1]))), stems)
def test_rdf_formats_from_the_path_in_any_case(case, stem):
    ext, expected = case
    assert formats.rdf_format(path=f"{stem}{ext}").name == expected
    assert formats.rdf_format(expected, path=f"{stem}.unknown").name == expected  # a name wins over the path


RESULT_EXTENSIONS = [(ext, f.name) for f in formats.RESULT_FORMATS for ext in f.extensions]


@FAST
@given(st.sampled_from(RESULT_EXTENSIONS), st.text(alphabet=string.ascii_letters, min_size=1))
def test_result_formats_from_the_path(pair, stem):
    ext, expected = pair
    assert formats.result_format(path=f"{stem}{ext.upper()}").name == expected
    assert formats.result_format(expected.upper()).name == expected


@FAST
@given(st.text(max_size=15))
def test_any_format_name_is_a_format_or_a_usage_error(name):
    for guess in (formats.rdf_format, formats.result_format):
        try:
            found = guess(name)
        except UsageError as err:
            assert "\n" not in str(err)
            continue
        assert found in formats.RDF_FORMATS + formats.RESULT_FORMATS
    try:
        formats.rdf_format(path=f"out.{name}")
    except UsageError:
        pass
    try:  # an unknown extension is refused, never answered with a text table under its name
        assert formats.result_format(path=f"out.{name}") in formats.RESULT_FORMATS
    except UsageError as err:
        assert "\n" not in str(err) and "--format" in str(err)


# -- export round-trips -----------------------------------------------------------------------

# IRIs: letters and digits of any script, and the punctuation an IRI allows unescaped.
iri_local = st.text(
    alphabet=st.characters(categories=("Ll", "Lu", "Lo", "Nd"), exclude_characters="\u0130") | st.sampled_from("-_.~"),
    min_size=1,
    max_size=12,
).map(lambda s: "x" + s)
language = st.from_regex(r"\A[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?\Z")  # language, script, region
# Any Unicode text, surrogates excepted (they cannot be encoded).
label_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)


@st.composite
def literals(draw) -> ox.Literal:
    kind = draw(st.sampled_from(["plain", "lang", "integer", "decimal", "date", "gyear", "boolean"]))
    if kind == "plain":
        return ox.Literal(draw(label_text))
    if kind == "lang":
        return ox.Literal(draw(label_text), language=draw(language))
    if kind == "integer":
        return ox.Literal(str(draw(st.integers(-(10**20), 10**20))), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        value = draw(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9))
        return ox.Literal(f"{value:f}", datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "date":
        return ox.Literal(draw(days).isoformat(), datatype=ox.NamedNode(XSD_DATE))
    if kind == "gyear":
        return ox.Literal(year_of(draw(days)), datatype=ox.NamedNode(XSD_GYEAR))
    return ox.Literal(draw(st.sampled_from(["true", "false"])), datatype=ox.NamedNode(XSD + "boolean"))


PREDICATES = [
    ox.NamedNode(RDFS + "label"),
    ox.NamedNode("https://w3id.org/csto-kg/ontology#population"),
    ox.NamedNode("https://w3id.org/csto-kg/ontology#actor"),
    ox.NamedNode("https://schema.org/name"),
]
GRAPHS = [ox.NamedNode(GRAPH_ARTICLE), ox.NamedNode(GRAPH_ATOP), ox.NamedNode(GRAPH_ONTOLOGY)]


@st.composite
def datasets(draw) -> set[ox.Quad]:
    subjects = [ox.NamedNode(KG + local) for local in draw(st.lists(iri_local, min_size=1, max_size=4, unique=True))]
    quads = set()
    for _ in range(draw(st.integers(1, 12))):
        obj = draw(st.one_of(literals(), st.sampled_from(subjects)))
        quads.add(ox.Quad(draw(st.sampled_from(subjects)), draw(st.sampled_from(PREDICATES)), obj, draw(st.sampled_from(GRAPHS))))
    return quads


def exported(quads: set[ox.Quad], fmt: formats.RdfFormat) -> tuple[bytes, set[ox.Quad]]:
    """The export of a store holding `quads`, and what the store holds (it may write a
    literal in its canonical form, such as 0.000 as 0)."""
    store = ox.Store()
    store.extend(quads)
    buffer = io.BytesIO()
    write_export(store, buffer, fmt)
    return buffer.getvalue(), set(store.quads_for_pattern(None, None, None, None))


def triples(quads: Iterable[ox.Quad]) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


# Literal text that looks like an IRI or a compact IRI in JSON, and IRIs that must stay whole.
IRI_LIKE_TEXT = st.sampled_from([KG + "x", '"' + KG + "y", "kg:z", "\\" + KG, KG + "//w", '},{"@id":'])
AWKWARD_IRIS = [ox.NamedNode(KG), ox.NamedNode(KG + "//w"), ox.NamedNode("kg:armenia"), ox.NamedNode("t:x")]


@st.composite
def built_datasets(draw) -> list[ox.Quad]:
    """Quads as a build holds them: sources' graphs, and what reasoning and the date
    bounds add (which may repeat what a source says)."""
    subjects = [ox.NamedNode(KG + local) for local in draw(st.lists(iri_local, min_size=1, max_size=4, unique=True))]
    subjects += draw(st.lists(st.sampled_from(AWKWARD_IRIS), max_size=2))
    graphs = [*GRAPHS, ox.NamedNode(GRAPH_INFERRED), ox.NamedNode(GRAPH_DERIVED)]
    objects = st.one_of(literals(), st.sampled_from(subjects), IRI_LIKE_TEXT.map(ox.Literal))
    quads = []
    for _ in range(draw(st.integers(1, 14))):
        subject, predicate = draw(st.sampled_from(subjects)), draw(st.sampled_from(PREDICATES))
        quads.append(ox.Quad(subject, predicate, draw(objects), draw(st.sampled_from(graphs))))
    return quads


@SLOW
@given(built_datasets(), st.sampled_from(["turtle", "json-ld", "nt", "xml"]), st.booleans())
def test_exports_joined_from_dumps_equal_exports_read_from_the_store(tmp_path_factory, quads, name, inferred):
    folder = tmp_path_factory.mktemp("dumps")
    dumps.write(folder, quads)
    store = ox.Store()
    store.extend(quads)
    fmt = formats.rdf_format(name)
    joined, read = io.BytesIO(), io.BytesIO()
    assert dumps.write_export(folder, joined, name, inferred, [], PREFIXES)
    write_export(store, read, fmt, inferred)
    chosen = {g.value for g in GRAPHS} | ({GRAPH_INFERRED, GRAPH_DERIVED} if inferred else set())
    held = {q.triple for q in store if q.graph_name.value in chosen}  # as the store writes them
    assert {q.triple for q in ox.parse(joined.getvalue(), format=fmt.oxigraph)} == held
    assert {q.triple for q in ox.parse(read.getvalue(), format=fmt.oxigraph)} == held


@SLOW
@given(datasets(), st.sampled_from(formats.RDF_FORMATS))
def test_generated_graphs_round_trip_in_every_format(quads, fmt):
    data, held = exported(quads, fmt)
    back = list(ox.parse(data, format=fmt.oxigraph))
    if fmt.datasets:
        assert set(back) == held  # each graph kept apart
    else:
        assert triples(back) == triples(held)  # the union of the graphs


@SLOW
@given(iri_local, label_text, language)
def test_any_label_and_unicode_iri_round_trip_in_every_format(local, label, lang):
    node = ox.NamedNode(KG + local)
    quads = {
        ox.Quad(node, ox.NamedNode(RDFS + "label"), ox.Literal(label, language=lang), ox.NamedNode(GRAPH_ARTICLE)),
        ox.Quad(node, ox.NamedNode("https://schema.org/name"), ox.Literal(label), ox.NamedNode(GRAPH_ARTICLE)),
    }
    for fmt in formats.RDF_FORMATS:
        data, _held = exported(quads, fmt)
        assert triples(ox.parse(data, format=fmt.oxigraph)) == triples(quads), fmt.name
