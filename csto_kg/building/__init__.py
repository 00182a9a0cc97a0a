"""The build: load the sources, reason (OWL-RL), derive date bounds and event types, describe, store, dumps."""
