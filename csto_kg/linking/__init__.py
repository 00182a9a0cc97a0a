"""Linking to other datasets: the link set, remote SPARQL endpoints, push, reconcile and enrich."""
