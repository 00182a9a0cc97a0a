"""Validation of the sources: SHACL shapes, violation queries and the OWL-RL consistency check."""
