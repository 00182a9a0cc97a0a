"""The W3C OWL 2 test cases for the RL profile under the RDF-Based semantics: how many
csto_kg.building.rules passes, and how many owlrl passes, in one run.

    python benchmarks/w3c_owl2.py            # the two pass counts
    python benchmarks/w3c_owl2.py --failing  # and each check that fails, per engine

The cases come from tests/w3c/all.rdf (the W3C export of the OWL 2 test case repository;
tests/w3c/LICENSE.md says where it comes from). A case of profile RL and semantics
RDF-BASED yields one check per type it has: positive entailment, negative entailment,
consistency, inconsistency (126 checks). Each engine computes the closure of the premise
graph; a conclusion is entailed when the premise graph with its closure matches the
conclusion read as a graph pattern (its blank nodes as variables). An inconsistent
premise graph entails every conclusion.

tests/test_w3c_owl2.py runs the same checks on csto_kg.building.rules.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
ALL_RDF = ROOT / "tests" / "w3c" / "all.rdf"
_TEST = "http://www.w3.org/2007/OWL/testOntology#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
KINDS = ("PositiveEntailmentTest", "NegativeEntailmentTest", "ConsistencyTest", "InconsistencyTest")

Triple = tuple


# The cases published in the functional-style syntax only, mapped to RDF (Turtle) by the
# OWL 2 mapping to RDF graphs (its tables 1 to 16), declarations included.
_TTL_PREFIXES = """
@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
FUNCTIONAL_SYNTAX_ONLY = {
    "Disjoint_Props_via_Disjoint_Domains": (
        """:Boy a owl:Class . :Girl a owl:Class . :sonOf a owl:ObjectProperty . :daughterOf a owl:ObjectProperty .
        :Boy owl:disjointWith :Girl . :sonOf rdfs:domain :Boy . :daughterOf rdfs:domain :Girl .""",
        """:sonOf a owl:ObjectProperty . :daughterOf a owl:ObjectProperty . :sonOf owl:propertyDisjointWith :daughterOf .""",
    ),
    "Disjoint_Props_via_Disjoint_Ranges": (
        """:Boy a owl:Class . :Girl a owl:Class . :hasSon a owl:ObjectProperty . :hasDaughter a owl:ObjectProperty .
        :Boy owl:disjointWith :Girl . :hasSon rdfs:range :Boy . :hasDaughter rdfs:range :Girl .""",
        """:hasSon a owl:ObjectProperty . :hasDaughter a owl:ObjectProperty . :hasSon owl:propertyDisjointWith :hasDaughter .""",
    ),
    "functionality-clash": (
        """:a a owl:NamedIndividual . :hasAge a owl:DatatypeProperty , owl:FunctionalProperty .
        :a a [ a owl:Restriction ; owl:onProperty :hasAge ; owl:hasValue "18"^^xsd:integer ] ,
             [ a owl:Restriction ; owl:onProperty :hasAge ; owl:hasValue "19"^^xsd:integer ] .""",
        None,
    ),
    "Individual-Class_Punning_vs._ObjectOneOf": (
        """:Person a owl:Class . [ a owl:Class ; owl:oneOf ( :Lois ) ; rdfs:subClassOf :Person ] .""",
        """:Person a owl:Class . :Lois a owl:Class ; rdfs:subClassOf :Person .""",
    ),
    "New-Feature-ObjectPropertyChain-BJP-002": (
        """:p a owl:ObjectProperty , owl:TransitiveProperty .""",
        """:p a owl:ObjectProperty ; owl:propertyChainAxiom ( :p :p ) .""",
    ),
    "Plus and Minus Zero are Distinct": (
        """:Meg a owl:NamedIndividual . :numberOfChildren a owl:DatatypeProperty , owl:FunctionalProperty .
        :Meg :numberOfChildren "+0.0"^^xsd:float , "-0.0"^^xsd:float .""",
        None,
    ),
    "string-integer-clash": (
        """:a a owl:NamedIndividual . :hasAge a owl:DatatypeProperty ; rdfs:range xsd:integer .
        :a a [ a owl:Restriction ; owl:onProperty :hasAge ; owl:hasValue "aString"^^xsd:string ] .""",
        None,
    ),
}


@dataclass(frozen=True)
class Check:
    case: str  # the test case's identifier
    kind: str  # one of KINDS
    premise: str  # RDF/XML, or Turtle for a case published in the functional-style syntax only
    conclusion: str | None  # the same, for the entailment tests

    @property
    def name(self) -> str:
        return f"{self.case}:{self.kind.removesuffix('Test')}"


def checks(path: Path = ALL_RDF) -> list[Check]:
    """Every check of the RL profile under the RDF-Based semantics, in the file's order."""
    # The file's DTD quotes its entities with ' where pyoxigraph's parser wants "
    text = re.sub(r"<!ENTITY (\S+) '([^']*)'>", r'<!ENTITY \1 "\2">', path.read_text(encoding="utf-8"))
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.RDF_XML))
    by_subject: dict = {}
    for q in quads:
        by_subject.setdefault(q.subject, []).append((q.predicate.value, q.object))
    found: list[Check] = []
    for subject, props in by_subject.items():
        values: dict[str, list] = {}
        for p, o in props:
            values.setdefault(p, []).append(o)

        def has(p: str, o: str, values=values) -> bool:
            return any(getattr(x, "value", None) == _TEST + o for x in values.get(_TEST + p, ()))

        types = {x.value for x in values.get(_RDF_TYPE.value, ())}
        if not (has("profile", "RL") and has("semantics", "RDF-BASED")):
            continue
        premise = values.get(_TEST + "rdfXmlPremiseOntology")
        conclusion = values.get(_TEST + "rdfXmlConclusionOntology") or values.get(_TEST + "rdfXmlNonConclusionOntology")
        ident = values.get(_TEST + "identifier", [subject])[0].value
        if premise:
            texts = (premise[0].value, conclusion[0].value if conclusion else None)
        else:
            texts = tuple(_TTL_PREFIXES + x if x else None for x in FUNCTIONAL_SYNTAX_ONLY.get(ident, ("", None)))
        for kind in KINDS:
            if _TEST + kind in types:
                found.append(Check(ident, kind, *texts))
    return found


def parse(text: str) -> set[Triple]:
    """The triples of an RDF/XML or (for the functional-syntax cases) Turtle document."""
    form = ox.RdfFormat.TURTLE if text.startswith(_TTL_PREFIXES) else ox.RdfFormat.RDF_XML
    return {(t.subject, t.predicate, t.object) for t in ox.parse(text.encode(), format=form)}


def _pattern_term(term, names: dict) -> str:
    if isinstance(term, ox.BlankNode):
        return names.setdefault(term.value, f"?b{len(names)}")
    return str(term)


def ask(graph: set[Triple], conclusion: set[Triple]) -> bool:
    """Whether `graph` matches `conclusion`, its blank nodes read as variables.

    The ontology header (x rdf:type owl:Ontology) is left out: it names a document, not
    something either semantics entails.
    """
    pattern = [t for t in conclusion if not (t[1] == _RDF_TYPE and getattr(t[2], "value", None) == _ONTOLOGY)]
    if not pattern:
        return True
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for s, p, o in graph)
    names: dict = {}
    body = " .\n".join(" ".join(_pattern_term(x, names) for x in t) for t in pattern)
    return bool(store.query("ASK {\n" + body + " }", use_default_graph_as_union=True))


# -- engines: each returns the premise graph with its closure, or None when inconsistent ----


def closure_rules(premise: set[Triple]) -> set[Triple] | None:
    from csto_kg.building.rules import closure
    from csto_kg.core.errors import ConsistencyError

    try:
        return premise | closure(premise, full=True)
    except ConsistencyError:
        return None


def closure_owlrl(premise: set[Triple]) -> set[Triple] | None:
    """owlrl's whole closure, reflexive owl:sameAs included, read as reason.closure_owlrl reads it."""
    import owlrl
    from rdflib import Graph

    from csto_kg.building.reason import _ERROR_PREDICATE, _NOTHING, _from_rdflib, to_rdflib

    graph = Graph()
    for s, p, o in premise:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    try:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    except Exception:  # owlrl lets a malformed literal's exception escape: its verdict is "ill-typed"
        return None
    out = {(_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in graph}
    if any(p.value == _ERROR_PREDICATE or (p == _RDF_TYPE and getattr(o, "value", None) == _NOTHING) for _, p, o in out):
        return None
    return {t for t in out if not isinstance(t[0], ox.Literal)}


ENGINES = {"csto_kg": closure_rules, "owlrl": closure_owlrl}


def passes(check: Check, engine=closure_rules) -> bool:
    """Whether `engine` gets `check` right."""
    premise = parse(check.premise)
    graph = engine(premise)
    if check.kind == "ConsistencyTest":
        return graph is not None
    if check.kind == "InconsistencyTest":
        return graph is None
    if graph is None:  # an inconsistent graph entails everything
        return check.kind == "PositiveEntailmentTest"
    entailed = ask(graph, parse(check.conclusion or ""))
    return entailed if check.kind == "PositiveEntailmentTest" else not entailed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failing", action="store_true", help="list each check an engine fails")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import warnings

    warnings.simplefilter("ignore")
    every = checks()
    for name, engine in ENGINES.items():
        failed = [c.name for c in every if not passes(c, engine)]
        print(f"{name:<8} {len(every) - len(failed):>4} of {len(every)} pass")
        if args.failing:
            for f in failed:
                print(f"    {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
