"""The ontology file: header, version, and labels on every term."""

from __future__ import annotations

import csto_kg


def test_header_is_complete(ask):
    row = ask("""
        SELECT ?title ?description ?license ?creator ?created ?modified ?version ?info WHERE {
          <https://w3id.org/csto-kg/ontology> a owl:Ontology ;
             dcterms:title ?title ; dcterms:description ?description ; dcterms:license ?license ;
             dcterms:creator ?creator ; dcterms:created ?created ; dcterms:modified ?modified ;
             owl:versionIRI ?version ; owl:versionInfo ?info .
          FILTER(lang(?title) = "en")
        }""")
    assert len(row) == 1


def test_version_iri_comes_from_the_package_version(ask):
    rows = ask("SELECT ?v ?i WHERE { <https://w3id.org/csto-kg/ontology> owl:versionIRI ?v ; owl:versionInfo ?i }")
    assert rows == [{"v": f"https://w3id.org/csto-kg/ontology/{csto_kg.__version__}", "i": csto_kg.__version__}]


def test_every_term_has_english_and_russian_labels_and_a_definition(ask):
    rows = ask("""
        SELECT ?term WHERE {
          ?term a ?kind .
          VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty }
          FILTER(STRSTARTS(STR(?term), STR(csto:)))
          FILTER NOT EXISTS {
            ?term rdfs:label ?en , ?ru ; skos:definition ?d .
            FILTER(lang(?en) = "en" && lang(?ru) = "ru")
          }
        }""")
    assert rows == []
    assert len(ask("SELECT ?t WHERE { ?t a owl:Class FILTER(STRSTARTS(STR(?t), STR(csto:))) }")) >= 40
