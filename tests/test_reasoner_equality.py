"""csto_kg.building.rules computes what owlrl computes.

`rules.closure` (the build's reasoner) and `reason.closure_owlrl` (owlrl, the reference)
must return the same set of triples, on the project's graph, on a generated graph of
10^4 triples and on small graphs that exercise each rule family; and both must raise
ConsistencyError on each kind of inconsistency owlrl detects. A failure prints the first
triples each side has that the other lacks.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from csto_kg.building import reason, rules
from csto_kg.building.rules.beyond import beyond_owlrl
from csto_kg.core.errors import ConsistencyError

ROOT = Path(__file__).resolve().parent.parent
XSD = "http://www.w3.org/2001/XMLSchema#"

# rdflib warns on "maybe"^^xsd:boolean, one of the ill-typed literals below
pytestmark = pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")

PREFIXES = """
@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def parse(turtle: str) -> set:
    return {(t.subject, t.predicate, t.object) for t in ox.parse((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE)}


def _show(triples: set, limit: int = 20) -> str:
    lines = sorted(" ".join(str(term) for term in t) for t in triples)
    more = f"\n    ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join("    " + line for line in lines[:limit]) + more


def assert_same_closure(triples: set) -> set:
    """Equal closures, less the triples of the rules csto_kg.building.rules.beyond runs and owlrl does not."""
    ours = {t for t in rules.closure(triples) if not beyond_owlrl(t)}
    reference = {t for t in reason.closure_owlrl(triples) if not beyond_owlrl(t)}
    if ours != reference:
        pytest.fail(
            f"rules.closure and owlrl differ ({len(ours)} vs {len(reference)} triples)\n"
            f"  only in rules.closure ({len(ours - reference)}):\n{_show(ours - reference)}\n"
            f"  only in owlrl ({len(reference - ours)}):\n{_show(reference - ours)}"
        )
    return ours


def assert_both_inconsistent(triples: set) -> None:
    with pytest.raises(ConsistencyError):
        reason.closure_owlrl(triples)
    with pytest.raises(ConsistencyError):
        rules.closure(triples)


def _generator():
    spec = importlib.util.spec_from_file_location("csto_kg_benchmark_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- whole graphs ----------------------------------------------------------------------


def test_project_graph() -> None:
    from csto_kg.building.load import load
    from csto_kg.core.namespaces import GRAPH_LINKS
    from csto_kg.core.paths import Layout

    quads = load(Layout.resolve(ROOT))
    triples = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value != GRAPH_LINKS}
    inferred = assert_same_closure(triples)
    assert len(inferred) > 1000


def test_generated_graph_of_ten_thousand_triples() -> None:
    triples = {(t.subject, t.predicate, t.object) for t in _generator().triples(10_000, seed=1)}
    assert len(triples) == 10_000
    inferred = assert_same_closure(triples)
    assert len(inferred) > 10_000


def test_build_uses_rules() -> None:
    triples = parse(":C a owl:Class . :x a :C .")
    assert reason.closure(triples) == rules.closure(triples)


def test_rules_imports_neither_rdflib_nor_owlrl() -> None:
    code = "import sys, csto_kg.building.rules; sys.exit(bool({'rdflib', 'owlrl'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# -- rule families ---------------------------------------------------------------------

CONSISTENT = {
    "empty": "",
    "classes": """
        :A a owl:Class . :B a owl:Class ; rdfs:subClassOf :A . :C rdfs:subClassOf :B .
        :D owl:equivalentClass :C . :E owl:equivalentClass :E .
        :x a :C . :y a :D . :z a :E .
    """,
    "subclass cycle without owl:Class": """
        :A rdfs:subClassOf :B . :B rdfs:subClassOf :A . :B rdfs:subClassOf :C .
        :R rdfs:subClassOf :R .
        :x a :A .
    """,
    "properties": """
        :p a owl:ObjectProperty ; rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r .
        :r a rdf:Property . :s owl:equivalentProperty :q . :d a owl:DatatypeProperty .
        :t rdfs:subPropertyOf :t . :u rdfs:subPropertyOf :v . :v rdfs:subPropertyOf :u .
        :x :p :y . :x :s :z . :x :d "v" . :x :u :w .
    """,
    "domain and range": """
        :A a owl:Class . :B rdfs:subClassOf :A . :C a owl:Class .
        :p rdfs:domain :B ; rdfs:range :C . :q rdfs:subPropertyOf :p . :r rdfs:range xsd:integer .
        :x :q :y . :y :r 5 .
    """,
    "inverse, symmetric, transitive": """
        :p owl:inverseOf :q . :s a owl:SymmetricProperty . :t a owl:TransitiveProperty .
        :a :p :b . :c :q :d . :a :s :b . :a :t :b . :b :t :c . :c :t :d . :d :t :a .
    """,
    "blank-node property": """
        :q rdfs:subPropertyOf [ owl:inverseOf :p ] . :a :q :b .
        :r owl:equivalentProperty _:e . _:e rdfs:subPropertyOf :s . :a :r :c .
    """,
    "property chains": """
        :g owl:propertyChainAxiom ( :p :q ) . :h owl:propertyChainAxiom ( :p :q :r ) .
        :k owl:propertyChainAxiom ( :p ) .
        :a :p :b . :b :q :c . :b :q :d . :c :r :e . :x :p :b .
    """,
    "functional and inverse functional": """
        :f a owl:FunctionalProperty . :i a owl:InverseFunctionalProperty .
        :a :f :b , :c . :b :label "b" . :c :knows :d .
        :e :i :k . :g :i :k . :e a :Person .
    """,
    "sameAs": """
        :a owl:sameAs :b . :b owl:sameAs :c . :a :p :x . :y :q :b . :p owl:sameAs :p2 .
        :m :p :n . :c a :C .
    """,
    "sameAs with literals": """
        :a owl:sameAs "one" . :a :p :b . :v owl:sameAs :w . :w a xsd:integer .
    """,
    "keys": """
        :C owl:hasKey ( :k ) . :D owl:hasKey ( :k1 :k2 ) .
        :a a :C ; :k 1 . :b a :C ; :k 2 . :c a :C .
        :d a :D ; :k1 1 ; :k2 2 . :e a :D ; :k1 1 ; :k2 3 . :f a :D ; :k1 4 ; :k2 2 .
    """,
    "restrictions": """
        :SV owl:onProperty :p ; owl:someValuesFrom :C .
        :ST owl:onProperty :q ; owl:someValuesFrom owl:Thing .
        :AV owl:onProperty :p ; owl:allValuesFrom :D .
        :HV owl:onProperty :r ; owl:hasValue :v .
        :a :p :b . :b a :C . :c :q 1 . :d a :AV ; :p :e . :f a :HV . :g :r :v .
        :SV2 owl:onProperty :p ; owl:someValuesFrom :C2 . :C rdfs:subClassOf :C2 .
        :p rdfs:subPropertyOf :p2 . :SV3 owl:onProperty :p2 ; owl:someValuesFrom :C .
        :AV2 owl:onProperty :p2 ; owl:allValuesFrom :D .
        :HV2 owl:onProperty :r2 ; owl:hasValue :v . :r rdfs:subPropertyOf :r2 . :r a owl:ObjectProperty .
        :AV3 owl:onProperty :p ; owl:allValuesFrom :D2 . :D rdfs:subClassOf :D2 .
    """,
    "boolean classes": """
        :I owl:intersectionOf ( :A :B ) . :U owl:unionOf ( :A :E ) . :O owl:oneOf ( :o1 :o2 ) .
        :x a :A , :B . :y a :I . :z a :E . :w a :A .
    """,
    "cardinality one": """
        :M owl:onProperty :p ; owl:maxCardinality "1"^^xsd:nonNegativeInteger .
        :Q owl:onProperty :q ; owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ; owl:onClass :C .
        :T owl:onProperty :r ; owl:maxQualifiedCardinality 1 ; owl:onClass owl:Thing .
        :N owl:onProperty :s ; owl:maxCardinality "2"^^xsd:nonNegativeInteger .
        :a a :M ; :p :b , :c . :d a :Q ; :q :e , :f , :g . :e a :C . :f a :C .
        :h a :T ; :r :i , :j . :k a :N ; :s :l , :m .
    """,
    "datatypes": """
        :a :p 1 , 1.5 , 1.0e0 , true , "s" , "t"@en , "2002-10-07"^^xsd:date , "1993"^^xsd:gYear ,
            "2007-05"^^xsd:gYearMonth , "x"^^xsd:token , "ru"^^xsd:language , "NCN"^^xsd:NCName ,
            "3"^^xsd:byte , "4"^^xsd:unsignedShort , "-1"^^xsd:negativeInteger , "2002-10-07T10:00:00Z"^^xsd:dateTime ,
            "10:00:00"^^xsd:time , "http://e.org/"^^xsd:anyURI , "AAAA"^^xsd:base64Binary , "ff"^^xsd:hexBinary ,
            "<a/>"^^rdf:XMLLiteral , "x@en"^^rdf:PlainLiteral , "01"^^xsd:integer , "1"^^xsd:boolean .
        :r a xsd:integer . :s a xsd:string .
    """,
    "literals in rules": """
        :R owl:onProperty :p ; owl:someValuesFrom xsd:integer . :H owl:onProperty :q ; owl:hasValue 5 .
        :A owl:onProperty :p ; owl:allValuesFrom xsd:decimal .
        :p owl:inverseOf :pi . :pi rdfs:domain :D ; rdfs:range :E .
        :x :p 5 . :y a :H . :z :q 5 . :w a :A ; :p 7 .
    """,
    "rdf:type as a subproperty and with a domain": """
        rdf:type rdfs:subPropertyOf :typeOf ; rdfs:domain :Typed .
        :C rdfs:subClassOf :D . :p rdfs:domain :C . :x a :C . :y :p :z .
    """,
    "annotation properties": """
        :a rdfs:label "a" ; rdfs:comment "c" ; owl:versionInfo "1" ; rdfs:seeAlso :b .
    """,
    "sameAs named as a resource": """
        owl:sameAs rdfs:domain :Thing . :a :p :b .
    """,
    "ill-typed gYear (not an OWL 2 RL datatype, so owlrl does not check it)": """
        :a :p "19x3"^^xsd:gYear , "2001-13"^^xsd:gYearMonth .
    """,
    "csto shapes": """
        @prefix csto: <https://w3id.org/csto-kg/ontology#> .
        @prefix time: <http://www.w3.org/2006/time#> .
        csto:Membership a owl:Class ; rdfs:subClassOf csto:Fact . csto:Fact a owl:Class .
        csto:during rdfs:domain csto:Membership ; rdfs:range time:Interval .
        time:hasBeginning rdfs:range time:Instant . time:inXSDDate rdfs:domain time:Instant .
        :m a csto:Membership ; csto:during :i . :i time:hasBeginning :t . :t time:inXSDDate "1992-05-15"^^xsd:date .
    """,
}


@pytest.mark.parametrize("name", list(CONSISTENT))
def test_rule_family(name: str) -> None:
    assert_same_closure(parse(CONSISTENT[name]))


def test_rules_derive_what_the_families_expect() -> None:
    inferred = rules.closure(parse(CONSISTENT["classes"] + CONSISTENT["property chains"]))
    ex = "http://example.org/"
    assert (ox.NamedNode(ex + "x"), ox.NamedNode(reason.RDF + "type"), ox.NamedNode(ex + "A")) in inferred
    assert (ox.NamedNode(ex + "a"), ox.NamedNode(ex + "h"), ox.NamedNode(ex + "e")) in inferred


# -- inconsistencies -------------------------------------------------------------------

INCONSISTENT = {
    "asserted owl:Nothing": ":x a owl:Nothing .",
    "inferred owl:Nothing": ":C rdfs:subClassOf owl:Nothing . :x a :C .",
    "disjointWith": ":A owl:disjointWith :B . :C rdfs:subClassOf :B . :x a :A , :C .",
    "AllDisjointClasses": "[] a owl:AllDisjointClasses ; owl:members ( :A :B :C ) . :x a :B , :C .",
    "complementOf": ":A owl:complementOf :B . :x a :A , :B .",
    "sameAs and differentFrom": ":a owl:sameAs :b . :b owl:differentFrom :a .",
    "differentFrom itself": ":a owl:differentFrom :a .",
    "AllDifferent": "[] a owl:AllDifferent ; owl:members ( :a :b :c ) . :a owl:sameAs :b .",
    "functional property against differentFrom": ":f a owl:FunctionalProperty . :x :f :a , :b . :a owl:differentFrom :b .",
    "irreflexive property": ":p a owl:IrreflexiveProperty . :x :p :x .",
    "asymmetric property": ":p a owl:AsymmetricProperty . :x :p :y . :y :p :x .",
    "asymmetric property, inferred": ":p a owl:AsymmetricProperty ; owl:inverseOf :q . :x :p :y . :x :q :y .",
    "propertyDisjointWith": ":p owl:propertyDisjointWith :q . :x :p :y . :x :q :y .",
    "AllDisjointProperties": "[] a owl:AllDisjointProperties ; owl:members ( :p :q :r ) . :x :p :y ; :q :y .",
    "negative property assertion": """
        [] owl:sourceIndividual :a ; owl:assertionProperty :p ; owl:targetIndividual :b . :a :p :b .
    """,
    "negative data property assertion": """
        [] owl:sourceIndividual :a ; owl:assertionProperty :d ; owl:targetValue "v" . :a :d "v" .
    """,
    "maxCardinality 0": ':R owl:onProperty :p ; owl:maxCardinality "0"^^xsd:nonNegativeInteger . :x a :R ; :p :y .',
    "maxQualifiedCardinality 0": """
        :R owl:onProperty :p ; owl:maxQualifiedCardinality "0"^^xsd:nonNegativeInteger ; owl:onClass :C .
        :x a :R ; :p :y . :y a :C .
    """,
    "allValuesFrom a datatype": ':A owl:onProperty :p ; owl:allValuesFrom xsd:decimal . :w a :A ; :p "s" . :v :q 1.5 .',
    "datatype disjointness": ':key rdfs:range xsd:string . :x :key 5 ; :name "x" .',
    "xsd:date given a year": ':x :date "1993"^^xsd:date .',
    "xsd:date out of range": ':x :date "2001-02-30"^^xsd:date .',
    "xsd:date empty": ':x :date ""^^xsd:date .',
    "xsd:dateTime": ':x :at "2001-02-03"^^xsd:dateTime .',
    "xsd:integer with a fraction": ':x :n "1.5"^^xsd:integer .',
    "xsd:integer, not a number": ':x :n "abc"^^xsd:integer .',
    "xsd:decimal, not a number": ':x :n "abc"^^xsd:decimal .',
    "xsd:decimal with an exponent": ':x :n "1e3"^^xsd:decimal .',
    "xsd:boolean": ':x :b "maybe"^^xsd:boolean .',
    "xsd:byte out of range": ':x :n "300"^^xsd:byte .',
    "xsd:nonNegativeInteger": ':x :n "-1"^^xsd:nonNegativeInteger .',
    "xsd:language": ':x :lang "en_US"^^xsd:language .',
    "xsd:hexBinary": ':x :h "zz"^^xsd:hexBinary .',
    "xsd:double": ':x :d "big"^^xsd:double .',
}


@pytest.mark.parametrize("name", list(INCONSISTENT))
def test_inconsistency(name: str) -> None:
    assert_both_inconsistent(parse(INCONSISTENT[name]))


# -- where the two differ on purpose (README, "Reasoning"): owlrl misses these ----------

ONLY_RULES_FIND_INCONSISTENT = {
    # a literal given a datatype its value is not in (W3C string-integer-clash)
    "range typing of literals": ":key rdfs:range xsd:string . :x :key 5 .",
    "range xsd:integer given a string": ':r rdfs:range xsd:integer . :y :r 5 . :z :r "five" .',
    "allValuesFrom a datatype": ':A owl:onProperty :p ; owl:allValuesFrom xsd:decimal . :w a :A ; :p "s" .',
    # two values of a functional property (W3C functionality-clash, Plus and Minus Zero are Distinct)
    "functional data property": ":f a owl:FunctionalProperty . :x :f 18 , 19 .",
    # a key with two values (W3C New-Feature-Keys-006)
    "key with two values": ':C owl:hasKey ( :k ) . :k a owl:FunctionalProperty . :x a :C ; :k "a" , "b" .',
}


@pytest.mark.parametrize("name", list(ONLY_RULES_FIND_INCONSISTENT))
def test_inconsistency_owlrl_misses(name: str) -> None:
    triples = parse(ONLY_RULES_FIND_INCONSISTENT[name])
    reason.closure_owlrl(triples)  # owlrl: consistent
    with pytest.raises(ConsistencyError):
        rules.closure(triples)


def test_zero_floats_are_valid_and_signed_zeros_distinct() -> None:
    zeros = parse(':x :d "0.0"^^xsd:double , "-0.0"^^xsd:float , "0"^^xsd:double .')
    with pytest.raises(ConsistencyError):  # owlrl calls every zero ill-typed
        reason.closure_owlrl(zeros)
    rules.closure(zeros)
    with pytest.raises(ConsistencyError):  # W3C Plus and Minus Zero are Distinct
        rules.closure(parse(':f a owl:FunctionalProperty . :x :f "0.0"^^xsd:float , "-0.0"^^xsd:float .'))


def test_functional_property_with_one_value_written_twice_is_consistent() -> None:
    triples = parse(':f a owl:FunctionalProperty . :x :f 1 , "01"^^xsd:integer , 1.0 , "1"^^xsd:byte .')
    rules.closure(triples)


def test_rules_beyond_owlrl() -> None:
    ex = "http://example.org/"
    inferred = rules.closure(
        parse("""
        :a owl:differentFrom :b . :f a owl:FunctionalProperty . :x :f :a . :y :f :b .
        :r a owl:ReflexiveProperty . :n a owl:NamedIndividual .
        :t owl:propertyChainAxiom ( :t :t ) . :d rdfs:range xsd:byte .
        """)
    )
    node = ox.NamedNode
    diff, rdf_type = node(reason.OWL + "differentFrom"), node(reason.RDF + "type")
    assert (node(ex + "b"), diff, node(ex + "a")) in inferred
    assert (node(ex + "x"), diff, node(ex + "y")) in inferred
    assert (node(ex + "n"), node(ex + "r"), node(ex + "n")) in inferred
    assert (node(ex + "t"), rdf_type, node(reason.OWL + "TransitiveProperty")) in inferred
    assert (node(ex + "d"), node("http://www.w3.org/2000/01/rdf-schema#range"), node(XSD + "short")) in inferred


def test_full_closure_keeps_reflexive_sameas() -> None:
    triples = parse(":a :p :b .")
    same = (ox.NamedNode("http://example.org/a"), ox.NamedNode(reason.OWL + "sameAs"), ox.NamedNode("http://example.org/a"))
    assert same not in rules.closure(triples)
    assert same in rules.closure(triples, full=True)
