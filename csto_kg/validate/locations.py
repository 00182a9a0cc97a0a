"""Where a node is asserted: the file and line of each subject in the Turtle sources, read
from the text (no parser keeps them), and the node an error message is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox

# -- where a node is asserted ---------------------------------------------------------------

_PREFIX_LINE = re.compile(r"^\s*(?:@prefix\s+|PREFIX\s+)([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE_LINE = re.compile(r"^\s*(?:@base\s+|BASE\s+)<([^>]*)>", re.IGNORECASE)
_SUBJECT_IRI = re.compile(r"^<([^>\s]*)>")
_SUBJECT_PNAME = re.compile(r"^([A-Za-z][\w.-]*)?:((?:[^\s;,()\[\]\"'\\]|\\.)*)")


def subject_lines(path: Path) -> dict[str, int]:
    """First line at which each IRI is written as a subject at the start of a line.

    A scan of the Turtle text, good enough for hand-written files: it resolves the
    prefixes declared in the file (@prefix and PREFIX) and full <IRI>s, and reads a
    subject only at column 0, as the project's files write them.
    """
    prefixes: dict[str, str] = {}
    base = ""
    found: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] in " \t#":
            continue
        match = _PREFIX_LINE.match(line)
        if match:
            prefixes[match.group(1) or ""] = urljoin(base, match.group(2)) if base else match.group(2)
            continue
        match = _BASE_LINE.match(line)
        if match:
            base = urljoin(base, match.group(1)) if base else match.group(1)
            continue
        match = _SUBJECT_IRI.match(line)
        if match:
            iri = urljoin(base, match.group(1)) if base else match.group(1)
            found.setdefault(iri, number)
            continue
        match = _SUBJECT_PNAME.match(line)
        if match and (match.group(1) or "") in prefixes:
            local = re.sub(r"\\(.)", r"\1", match.group(2)).rstrip(".")
            found.setdefault(prefixes[match.group(1) or ""] + local, number)
    return found


def subject_locations(paths: Iterable[Path]) -> dict[str, list[tuple[str, int]]]:
    """Every file and line at which each IRI is a subject, over several files."""
    where: dict[str, list[tuple[str, int]]] = {}
    for path in paths:
        for iri, line in subject_lines(path).items():
            where.setdefault(iri, []).append((str(path), line))
    return where


def first_known_iri(message: str, known: dict[str, Any]) -> str | None:
    for iri in re.findall(r"https?://[^\s,;()<>\"']+", message):
        for candidate in (iri, iri.rstrip(".:")):
            if candidate in known:
                return candidate
    return None


_ILL_TYPED = re.compile(r"literal '(.*)' does not match its datatype \((\S+)\)", re.S)


def ill_typed_subject(message: str, asserted: Iterable[ox.Quad]) -> str | None:
    """The subject asserting the ill-typed literal a consistency error names, so that the
    problem gets the file and line of that statement (the reasoner names only the literal)."""
    found = _ILL_TYPED.search(message)
    if not found:
        return None
    lexical, datatype = found.groups()
    for q in asserted:
        o = q.object
        if isinstance(o, ox.Literal) and o.value == lexical and o.datatype.value == datatype and isinstance(q.subject, ox.NamedNode):
            return q.subject.value
    return None
