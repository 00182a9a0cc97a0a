"""csto-kg: a knowledge graph of the Collective Security Treaty Organization.

The package is importable without rdflib or owlrl: the build path imports them when it
runs, so opening the built store and running a query stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from csto_kg.api import build, export, query

__all__ = ["__version__", "build", "export", "query"]

# The public functions live in csto_kg.api, imported on first use.
_PUBLIC = ("build", "export", "query")


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import csto_kg` costs nothing beyond this file.
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module("csto_kg.api"), name)
    raise AttributeError(f"module 'csto_kg' has no attribute {name!r}")
