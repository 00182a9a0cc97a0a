"""csto-kg: a knowledge graph of the Collective Security Treaty Organization.

The package is importable without rdflib or owlrl: the build path imports them when it
runs, so opening the built store and running a query stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from csto_kg.pipeline import build
    from csto_kg.serialize import export
    from csto_kg.sparql import query

__all__ = ["__version__", "build", "export", "query"]

# The public functions live in modules named for what they do (pipeline, serialize,
# sparql), not after the functions, so that importing a module never hides a function.
_LAZY = {
    "build": "csto_kg.pipeline",
    "export": "csto_kg.serialize",
    "query": "csto_kg.sparql",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import csto_kg` costs nothing beyond this file.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'csto_kg' has no attribute {name!r}")
