"""JSON-LD with a compact @context.

Oxigraph writes expanded JSON-LD quickly; this rewrites its IRIs as compact IRIs
(`kg:armenia`, `csto:Membership`) under an @context that declares the prefixes, which
any JSON-LD processor expands back to the same graph.
"""

from __future__ import annotations

import json
from typing import Any

from csto_kg.namespaces import PREFIXES

# Longest namespace first, so that `kg:` is not chosen for an IRI under a longer prefix.
_ORDERED = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def compact_iri(iri: str) -> str:
    for prefix, ns in _ORDERED:
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns) :]
            # A local part starting with '//' would read as an absolute IRI.
            if not local.startswith("//"):
                return f"{prefix}:{local}"
    return iri


def _compact(node: Any) -> Any:
    if isinstance(node, list):
        return [_compact(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("@id", "@type") and isinstance(value, str):
            # Blank node ids stay as they are.
            out[key] = value if value.startswith("_:") else compact_iri(value)
        elif key == "@type" and isinstance(value, list):
            out[key] = [v if v.startswith("_:") else compact_iri(v) for v in value]
        elif key.startswith("@"):
            out[key] = _compact(value)
        else:
            out[compact_iri(key)] = _compact(value)
    return out


def compact_document(expanded: bytes) -> bytes:
    """Turn expanded JSON-LD (a list of node objects, or named graphs) into a compact document."""
    data = json.loads(expanded or b"[]")
    document = {"@context": dict(PREFIXES), "@graph": _compact(data)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
