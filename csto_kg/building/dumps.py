"""Turtle and JSON-LD dumps written with each build, so that exporting them is a copy.

Reading a large store back costs a lookup per term: at a million triples an export spent
most of its time there. The build holds every quad in memory anyway, so it writes the two
parts of any triple export into the store's folder, before the manifest that marks the
store complete:

    dumps/asserted.ttl      what the sources assert, each triple once (Turtle, no prefixes)
    dumps/entailed.ttl      what reasoning and the date bounds add to that, each triple once
    dumps/asserted.jsonld   the same as JSON-LD node objects, one per line, with compact IRIs
    dumps/entailed.jsonld
    dumps/context.json      the prefixes the node objects are written with

An export joins the parts it needs under one header (the prefixes, or the @context), and
adds the dataset description, small and written when asked for. The other formats of
triples (N-Triples, RDF/XML) are written from the Turtle parts, read back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from csto_kg.core import formats, jsonld
from csto_kg.core.errors import CstoKgError
from csto_kg.core.namespaces import BUILT_GRAPHS, GRAPH_DERIVED, GRAPH_INFERRED, PREFIXES, XSD
from csto_kg.core.output import copy_file

FOLDER = "dumps"
CONTEXT = "context.json"
SUMS = "sums.json"  # the SHA-256 of every part, written last: an export joins only intact parts
FORMATS = ("turtle", "json-ld")  # the formats written, by name in csto_kg/core/formats.py
_XSD_STRING = XSD + "string"
_VALUE = ox.NamedNode("urn:csto-kg:value")


def turtle_header(prefixes: dict[str, str]) -> bytes:
    """Prefix lines for a Turtle document, in the order of `prefixes`."""
    return "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in prefixes.items()).encode("utf-8")


def turtle_body(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """Turtle without its prefix lines: bodies written with the same prefixes join."""
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    if not text:
        return text
    # Oxigraph starts with one line per prefix (in an order of its own), then the triples.
    lines = text.split(b"\n", len(prefixes))
    if len(lines) <= len(prefixes) or not all(line.startswith(b"@prefix ") for line in lines[:-1]):  # pragma: no cover
        raise RuntimeError("unexpected Turtle header from Oxigraph")
    return lines[-1]


def split(quads: Sequence[ox.Quad]) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """What the sources assert (each triple once, in source order) and what the build
    entails beyond it (each triple once, grouped by subject), with literals as the store
    writes them."""
    built = {ox.NamedNode(g) for g in BUILT_GRAPHS}
    entailing = {ox.NamedNode(GRAPH_INFERRED), ox.NamedNode(GRAPH_DERIVED)}
    asserted: list[ox.Triple] = []
    entailed: list[ox.Triple] = []
    for quad in quads:
        graph = quad.graph_name
        if graph not in built:
            asserted.append(quad.triple)
        elif graph in entailing:
            entailed.append(quad.triple)
    forms = _store_forms(itertools.chain(asserted, entailed))
    if forms:
        asserted, entailed = _rewritten(asserted, forms), _rewritten(entailed, forms)
    unique = dict.fromkeys(asserted)
    extra = set(entailed).difference(unique)
    return list(unique), sorted(extra, key=lambda t: t.subject.value)


def _store_forms(triples: Iterable[ox.Triple]) -> dict[ox.Literal, ox.Literal]:
    """The typed literals that the store writes in another form, with that form.

    Oxigraph keeps the value of a number, a boolean or a date, not its text: "29.0" as an
    xsd:decimal reads back as "29". The dumps say what queries and the other export formats
    say, so they are written in the store's forms, found by a round trip through a store.
    """
    typed = {
        t.object
        for t in triples
        if type(t.object) is ox.Literal and t.object.datatype.value.startswith(XSD) and t.object.datatype.value != _XSD_STRING
    }
    scratch = ox.Store()
    keys = {ox.NamedNode(f"urn:csto-kg:literal:{i}"): literal for i, literal in enumerate(typed)}
    scratch.bulk_extend(ox.Quad(key, _VALUE, literal) for key, literal in keys.items())
    forms = {}
    for quad in scratch:
        original = keys[quad.subject]
        if quad.object != original:
            forms[original] = quad.object
    return forms


def _rewritten(triples: list[ox.Triple], forms: dict[ox.Literal, ox.Literal]) -> list[ox.Triple]:
    return [ox.Triple(t.subject, t.predicate, forms[t.object]) if t.object in forms else t for t in triples]


def write(store_dir: Path, quads: Sequence[ox.Quad]) -> None:
    """Write the dumps of a new build into its store folder."""
    folder = store_dir / FOLDER
    folder.mkdir()
    asserted, entailed = split(quads)
    parts = {"asserted": asserted, "entailed": entailed}
    for name, triples in parts.items():
        _part(folder, name, "turtle").write_bytes(turtle_body(triples, PREFIXES))
    expanded = {name: ox.serialize(triples, format=ox.RdfFormat.JSON_LD) for name, triples in parts.items()}
    context = jsonld.usable_prefixes(expanded.values())
    for name, text in expanded.items():
        _part(folder, name, "json-ld").write_bytes(jsonld.compact_nodes(text, context))
    (folder / CONTEXT).write_text(json.dumps(context, indent=1), encoding="utf-8")
    sums = {path.name: _sha256(path) for path in sorted(folder.iterdir())}
    (folder / SUMS).write_text(json.dumps(sums, indent=1), encoding="utf-8")


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def intact(folder: Path, paths: Iterable[Path]) -> bool:
    """True when each of `paths` is as the build wrote it (its SHA-256 in SUMS). A part
    changed or cut, or a build without sums, is not joined: the store gives the export."""
    try:
        sums = json.loads((folder / SUMS).read_text(encoding="utf-8"))
        return isinstance(sums, dict) and all(sums.get(path.name) == _sha256(path) for path in paths)
    except (OSError, ValueError):
        return False


def available(store_dir: Path | None, format_name: str) -> bool:
    """True when the build at `store_dir` has dumps that give a `format_name` export:
    any format of triples (the dataset formats keep the named graphs, which dumps do not)."""
    if store_dir is None or formats.rdf_format(format_name).datasets:
        return False
    return (store_dir / FOLDER / CONTEXT).is_file()


def write_export(
    store_dir: Path,
    stream: BinaryIO,
    format_name: str,
    inferred: bool,
    description: list[ox.Triple],
    prefixes: dict[str, str],
) -> bool:
    """Join the parts of a triple export in `format_name`. False, with nothing written,
    when the dumps cannot give this export.

    Turtle and JSON-LD are copied from their parts; another format of triples is written
    from the Turtle parts, read back (still much faster than reading the store).
    `description`: the dataset description's triples that the parts do not hold (none
    unless asked for); `prefixes`: the Turtle prefixes, a superset of those of the parts.
    """
    folder = store_dir / FOLDER
    names = ("asserted", "entailed")[: 2 if inferred else 1]
    if not all(_part(folder, name, kind).is_file() for name in names for kind in FORMATS):
        return False  # a damaged build folder: the store still gives the export
    needed = [_part(folder, name, "json-ld" if format_name == "json-ld" else "turtle") for name in names]
    if not intact(folder, [*needed, *([folder / CONTEXT] if format_name == "json-ld" else [])]):
        return False  # a part changed since the build: joined, it could make a document that does not parse
    if format_name not in FORMATS:
        read = (q.triple for name in names for q in _parse_turtle(_part(folder, name, "turtle")))
        ox.serialize(itertools.chain(read, description), stream, format=formats.rdf_format(format_name).oxigraph, prefixes=prefixes)
        return True
    parts = [_part(folder, name, format_name) for name in names]
    if format_name == "turtle":
        if any(prefixes.get(name) != ns for name, ns in PREFIXES.items()):
            return False  # the parts' prefixed names would read differently
        stream.write(turtle_header(prefixes))
        for path in parts:
            copy_file(path, stream, _damaged)
        stream.write(turtle_body(description, prefixes))
        return True
    try:
        context = json.loads((folder / CONTEXT).read_text(encoding="utf-8"))
    except ValueError:
        return False  # a damaged build folder: the store still gives the export
    expanded = ox.serialize(description, format=ox.RdfFormat.JSON_LD)
    if jsonld.usable_prefixes([expanded], context) != context:  # an IRI of the description clashes
        return False
    extra = jsonld.compact_nodes(expanded, context)
    head, tail = jsonld.document_ends(context)
    stream.write(head)
    first = True
    for path in parts:
        if path.stat().st_size:
            stream.write(b"" if first else b",\n")
            copy_file(path, stream, _damaged)
            first = False
    if extra.strip():
        stream.write((b"" if first else b",\n") + extra)
    stream.write(tail)
    return True


def _parse_turtle(path: Path) -> Iterator[ox.Quad]:
    # The parts carry no prefix lines: they are read with the ones they were written with,
    # put on the part's first line so that an error names the part's own line.
    header = turtle_header(PREFIXES).replace(b"\n", b" ")
    try:
        yield from ox.parse(header + path.read_bytes(), format=ox.RdfFormat.TURTLE)
    except (OSError, SyntaxError) as err:
        raise _damaged(path, err) from None


def _part(folder: Path, name: str, format_name: str) -> Path:
    return folder / (name + formats.rdf_format(format_name).extensions[0])


def _damaged(path: Path, err: Exception) -> CstoKgError:
    reason = getattr(err, "strerror", None) or " ".join(str(err).split())
    return CstoKgError(f"cannot read the export dump {path}: {reason}; rebuild with `csto-kg build`")
