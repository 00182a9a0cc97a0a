"""Publications made from the built graph: charts and the ontology's documentation."""
