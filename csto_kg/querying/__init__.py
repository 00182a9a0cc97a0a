"""Queries: the catalogue of named queries, their parameters and text, running them on the built store, kept answers."""
