"""JSON-LD with a compact @context.

Oxigraph writes expanded JSON-LD quickly: a list of node objects with full IRIs. This
rewrites the IRIs in it as compact IRIs (`kg:armenia`, `csto:Membership`) under an
@context that declares the prefixes, which any JSON-LD processor expands back to the
same graph. The rewriting is done on the text with a few passes of plain replacement, so
that it keeps up with a graph of millions of triples; node lists made apart (the parts of
a build's dumps, csto_kg/building/dumps.py) join into one document.

In Oxigraph's output a string that starts with a namespace is an IRI (a key, an @id or
an @type) unless it is the value of "@value" or follows an escaped quote inside another
string. Such strings get their first character written as a JSON escape (`\\u0068` for
`h`): the same string to any JSON reader, but no longer matched by the replacements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from csto_kg.core.namespaces import PREFIXES


def _escaped(char: str) -> bytes:
    return b"\\u%04x" % ord(char)


def usable_prefixes(expanded: Iterable[bytes], prefixes: dict[str, str] | None = None) -> dict[str, str]:
    """`prefixes` (the project's by default) less any that is also the scheme of an IRI in
    the expanded documents: `kg:x` would otherwise be read back as a compact IRI."""
    prefixes = dict(PREFIXES if prefixes is None else prefixes)
    names = re.compile(b'"(' + b"|".join(re.escape(name.encode()) for name in prefixes) + b"):")
    clashes: set[str] = set()
    for text in expanded:
        for match in names.finditer(text):
            before = text[max(0, match.start() - 9) : match.start()]
            if before != b'"@value":' and not before.endswith(b"\\"):
                clashes.add(match.group(1).decode())
    return {name: ns for name, ns in prefixes.items() if name not in clashes}


def compact_nodes(expanded: bytes, prefixes: dict[str, str]) -> bytes:
    """Oxigraph's expanded JSON-LD (a list of node objects) with compact IRIs under
    `prefixes` (from usable_prefixes), one node per line, without the enclosing brackets."""
    text = expanded.strip().removeprefix(b"[").removesuffix(b"]")
    for char in {ns[0] for ns in prefixes.values()}:
        first = char.encode()
        text = text.replace(b'"@value":"' + first, b'"@value":"' + _escaped(char))
        text = text.replace(b'\\"' + first, b'\\"' + _escaped(char))
    # A local part starting with '//' would read as an absolute IRI: such IRIs stay whole.
    # Every namespace here ends with '/' or '#', so one search tells if any is there.
    if any(text.find(tail.encode() + b"//") >= 0 for tail in {ns[-1] for ns in prefixes.values()}):
        for ns in prefixes.values():
            text = text.replace(b'"' + ns.encode() + b"//", b'"' + _escaped(ns[0]) + ns[1:].encode() + b"//")
    for name, ns in sorted(prefixes.items(), key=lambda item: -len(item[1])):  # most specific first
        text = text.replace(b'"' + ns.encode(), b'"' + name.encode() + b":")
    # Between two node objects ('},{"@id":' can only be there: inside a string the quote
    # would be escaped).
    return text.replace(b'},{"@id":', b'},\n{"@id":')


def document_ends(context: dict[str, str]) -> tuple[bytes, bytes]:
    """What comes before and after the node lists in a document with this @context."""
    head = json.dumps({"@context": context}, ensure_ascii=False, indent=1)[:-2].encode("utf-8")
    return head + b',\n "@graph": [\n', b"\n]}\n"


def document(context: dict[str, str], node_lists: Iterable[bytes]) -> bytes:
    """One compact JSON-LD document from node lists made by compact_nodes under `context`."""
    head, tail = document_ends(context)
    return head + b",\n".join(nodes for nodes in node_lists if nodes.strip()) + tail


def compact_document(expanded: bytes) -> bytes:
    """Turn expanded JSON-LD (a list of node objects) into a compact document."""
    context = usable_prefixes([expanded])
    return document(context, [compact_nodes(expanded, context)])
