"""Export of the built graph in the RDF formats."""
