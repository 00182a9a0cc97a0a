"""Load the ontology and the graph files, one named graph per folder.

Parsing uses pyoxigraph: it is fast and its errors carry a line and column, which the
message passes on as FILE:LINE:COLUMN.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.core.errors import LoadError, one_line
from csto_kg.core.namespaces import GRAPH_ONTOLOGY, ONTOLOGY_IRI, OWL, XSD
from csto_kg.core.paths import Layout

# A source larger than this is refused rather than read into memory (the project's own
# sources are a few MB; 10^6 triples of Turtle are about 100 MB).
MAX_SOURCE_BYTES = 1 << 30


def check_source(path: Path) -> os.stat_result:
    """The status of a source file, which must be a regular file of at most MAX_SOURCE_BYTES:
    a device never ends (/dev/zero) and a FIFO blocks the build until someone writes."""
    try:
        info = path.stat()
    except OSError as err:
        raise LoadError(f"{path}: cannot read: {one_line(err.strerror or err)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(f"{path}: not a regular file (a device, FIFO or socket): only files are read as sources")
    if info.st_size > MAX_SOURCE_BYTES:
        raise LoadError(f"{path}: {info.st_size} bytes, more than the {MAX_SOURCE_BYTES} a source may have")
    return info


def parse_file(path: Path, graph: str, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> list[ox.Quad]:
    """All triples of one file, as quads in `graph`. Raises LoadError naming file and line."""
    target = ox.NamedNode(graph)
    check_source(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_SOURCE_BYTES + 1)  # a file that grew meanwhile is still bounded
    except OSError as err:
        raise LoadError(f"{path}: cannot read: {one_line(err.strerror or err)}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise LoadError(f"{path}: more than the {MAX_SOURCE_BYTES} bytes a source may have")
    # A UTF-8 byte order mark is allowed at the start of a file; the parser does not expect one.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        quads = [ox.Quad(t.subject, t.predicate, t.object, target) for t in ox.parse(data, format=fmt)]
    except SyntaxError as err:
        line = f":{err.lineno}:{err.offset}" if err.lineno else ""
        message = str(err.msg or err).split(": ", 1)[-1] if err.lineno else str(err)
        raise LoadError(f"{path}{line}: syntax error: {one_line(message)}") from None
    except (OSError, ValueError) as err:
        raise LoadError(f"{path}: cannot read: {one_line(err)}") from None
    # RDF 1.2 triple terms: no export format the project writes can hold them.
    for quad in quads:
        if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
            raise LoadError(f"{path}: RDF 1.2 triple terms are not supported ({one_line(quad)})")
    return quads


def version_quads() -> list[ox.Quad]:
    """owl:versionIRI and owl:versionInfo from the package version, the one place it is defined."""
    ontology = ox.NamedNode(ONTOLOGY_IRI)
    graph = ox.NamedNode(GRAPH_ONTOLOGY)
    return [
        ox.Quad(ontology, ox.NamedNode(OWL + "versionIRI"), ox.NamedNode(f"{ONTOLOGY_IRI}/{__version__}"), graph),
        ox.Quad(ontology, ox.NamedNode(OWL + "versionInfo"), ox.Literal(__version__, datatype=ox.NamedNode(XSD + "string")), graph),
    ]


def load(layout: Layout, extra: Iterable[tuple[Path, str]] = ()) -> list[ox.Quad]:
    """Every quad of the sources, with the version triples of the ontology."""
    sources = layout.sources() + list(extra)
    if not any(graph == GRAPH_ONTOLOGY for _, graph in sources):
        raise LoadError(f"{layout.data_root}: no ontology/*.ttl found (is this a csto-kg data folder?)")
    quads: list[ox.Quad] = []
    for path, graph in sources:
        quads.extend(parse_file(path, graph))
    quads.extend(version_quads())
    return quads
