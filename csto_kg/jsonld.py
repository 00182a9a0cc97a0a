"""JSON-LD with a compact @context.

Oxigraph writes expanded JSON-LD quickly; this rewrites its IRIs as compact IRIs
(`kg:armenia`, `csto:Membership`) under an @context that declares the prefixes, which
any JSON-LD processor expands back to the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from csto_kg.namespaces import PREFIXES


def _iris(node: Any) -> Iterator[str]:
    """Every IRI the expanded document names: property keys, @id and @type values."""
    if isinstance(node, list):
        for item in node:
            yield from _iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@id", "@type"):
                yield from (value if isinstance(value, list) else [value])
            elif key != "@value":
                if not key.startswith("@"):
                    yield key
                yield from _iris(value)


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so that an IRI gets the most specific prefix.
        self.prefixes = prefixes
        self.ordered = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def iri(self, iri: str) -> str:
        if iri.startswith("_:"):
            return iri
        for prefix, ns in self.ordered:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns) :]
                # A local part starting with '//' would read as an absolute IRI.
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return iri

    def node(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.node(n) for n in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("@id", "@type") and isinstance(value, str):
                out[key] = self.iri(value)
            elif key == "@type" and isinstance(value, list):
                out[key] = [self.iri(v) for v in value]
            elif key.startswith("@"):
                out[key] = self.node(value)
            else:
                out[self.iri(key)] = self.node(value)
        return out


def compact_document(expanded: bytes) -> bytes:
    """Turn expanded JSON-LD (a list of node objects) into a compact document."""
    data = json.loads(expanded or b"[]")
    # An absolute IRI whose scheme is a declared prefix (`kg:x`) would be read back as a
    # compact IRI; such a prefix is left out of this document's context.
    schemes = {iri.split(":", 1)[0] for iri in _iris(data) if ":" in iri}
    compactor = _Compactor({p: ns for p, ns in PREFIXES.items() if p not in schemes})
    document = {"@context": dict(compactor.prefixes), "@graph": compactor.node(data)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
