"""The validation report: each problem with its node, label, file and line, what is wrong and
how to fix it; written as text, JSON or a SHACL validation report in Turtle.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg.core.errors import CstoKgError, UsageError
from csto_kg.core.namespaces import BASE, PREFIXES
from csto_kg.core.namespaces import compact as compact_iri

SH = "http://www.w3.org/ns/shacl#"
SHAPES = BASE + "shapes#"  # the namespace of shapes/*.ttl (prefix cshape:)
CHECK = BASE + "check/"  # one IRI per violation query, and one for the consistency check
CONSISTENCY = CHECK + "owl-rl-consistency"
RDF_TYPE = PREFIXES["rdf"] + "type"
SYNTAX = CHECK + "syntax"
DERIVE = CHECK + "date-bounds"
FORMATS = ("text", "json", "turtle")

_REPORT_PREFIXES = {"sh": SH, "cshape": SHAPES, "check": CHECK, **PREFIXES}

FIX_SYNTAX = "Correct the Turtle at the line and column given (a missing '.', ';' or '>' is the usual cause)."


class ValidationError(CstoKgError):
    """The graph does not validate; the message is a one-line summary (exit 1)."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.summary(one_line=True))
        self.report = report


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the graph, with where it is and how to fix it."""

    kind: str  # "shape", "check", "consistency", "syntax"
    rule: str  # IRI of the shape, of the check, or of the consistency check
    message: str  # what is wrong
    fix: str = ""  # how to fix it
    node: str | None = None  # IRI of the node (or "_:id" for a blank node)
    label: str | None = None
    file: str | None = None
    line: int | None = None
    path: str | None = None  # the property, for a shape's result
    value: str | None = None  # the offending value, when there is one
    severity: str = "Violation"
    component: str | None = None  # sh:sourceConstraintComponent of a shape's result
    value_is_iri: bool = False
    locations: tuple[tuple[str, int], ...] = ()  # every file and line the node is a subject at

    def where(self, relative: bool = False) -> str:
        if self.file is None:
            return "(no source line)"
        shown = _shown(self.file) if relative else self.file
        return f"{shown}:{self.line}" if self.line else shown


def _shown(file: str) -> str:
    """A path relative to the working folder when it lies inside it, else as given."""
    try:
        relative = os.path.relpath(file)
    except ValueError:  # another drive (Windows)
        return file
    return file if relative.startswith("..") else relative


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    shapes: int = 0  # node shapes run
    checks: int = 0  # violation queries run
    triples: int = 0  # triples validated
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """No violation (a shape may report a sh:Warning or sh:Info without failing)."""
        return not any(p.severity == "Violation" for p in self.problems)

    def nodes(self) -> int:
        return len({p.node or p.where() for p in self.problems})

    def summary(self, one_line: bool = False) -> str:
        if self.conforms:
            return f"valid: {self.shapes} shapes and {self.checks} checks passed over {self.triples} triples in {self.seconds:.1f} s"
        kinds: dict[str, int] = {}
        for p in self.problems:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        text = f"the graph does not validate: {len(self.problems)} problem(s) in {self.nodes()} node(s) ({parts})"
        if one_line:
            first = self.problems[0]
            node = f" {compact(first.node)}" if first.node else ""
            text += f"; first: {first.where()}{node}: {first.message}; run `csto-kg validate` for the full report"
            text = " ".join(text.split())
        return text

    # -- output ------------------------------------------------------------------------

    def write(self, stream: BinaryIO, fmt: str | None = None) -> None:
        fmt = fmt or "text"
        if fmt == "text":
            stream.write(self.text().encode("utf-8"))
        elif fmt == "json":
            stream.write((json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        elif fmt in ("turtle", "ttl"):
            triples = self.rdf()
            used = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
            prefixes = {k: ns for k, ns in _REPORT_PREFIXES.items() if k in ("sh", "cshape") or any(i.startswith(ns) for i in used)}
            ox.serialize(triples, stream, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        else:
            raise UsageError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")

    def text(self) -> str:
        lines: list[str] = []
        by_node: dict[tuple, list[Problem]] = {}
        for p in self.problems:
            by_node.setdefault((p.file or "~", p.line or 0, p.node or ""), []).append(p)
        for (_file, _line, _node), problems in by_node.items():
            head = problems[0]
            label = f'  "{head.label}"' if head.label else ""
            node = f"  {compact(head.node)}" if head.node else ""
            lines.append(f"{head.where(relative=True)}{node}{label}")
            fixes_shown: set[str] = set()
            for p in problems:
                rule = compact(p.rule)
                extra = ", ".join(x for x in (compact(p.path) if p.path else "", f"value {p.value}" if p.value else "") if x)
                lines.append(f"  - {p.message}  [{rule}{'; ' + extra if extra else ''}]")
                if p.fix and p.fix not in fixes_shown:
                    fixes_shown.add(p.fix)
                    lines.append(f"    fix: {p.fix}")
            others = [f"{_shown(f)}:{n}" for f, n in head.locations[1:]]
            if others:
                lines.append(f"    also asserted at: {', '.join(others)}")
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        problems = []
        for p in self.problems:
            item = asdict(p)
            item["locations"] = [{"file": f, "line": n} for f, n in p.locations]
            problems.append(item)
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "shapes": self.shapes,
            "checks": self.checks,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "problems": problems,
        }

    def rdf(self) -> list[ox.Triple]:
        """The report in the SHACL validation report vocabulary (sh:ValidationReport)."""

        def n(iri: str) -> ox.NamedNode:
            return ox.NamedNode(iri)

        def node(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
            try:
                return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)
            except ValueError:  # not an IRI after all: say it as text
                return ox.Literal(text)

        rdf_type, xsd = n(PREFIXES["rdf"] + "type"), PREFIXES["xsd"]
        report = ox.BlankNode("report")
        head = [
            ox.Triple(report, rdf_type, n(SH + "ValidationReport")),
            ox.Triple(report, n(SH + "conforms"), ox.Literal("true" if self.conforms else "false", datatype=n(xsd + "boolean"))),
        ]
        body: list[ox.Triple] = []
        for i, p in enumerate(self.problems, start=1):
            r = ox.BlankNode(f"result{i}")
            head.append(ox.Triple(report, n(SH + "result"), r))
            component = p.component or _COMPONENTS.get(p.kind, SH + "NodeConstraintComponent")
            body += [
                ox.Triple(r, rdf_type, n(SH + "ValidationResult")),
                ox.Triple(r, n(SH + "resultSeverity"), n(SH + p.severity)),
                ox.Triple(r, n(SH + "sourceShape"), n(p.rule)),
                ox.Triple(r, n(SH + "sourceConstraintComponent"), n(component)),
                ox.Triple(r, n(SH + "resultMessage"), ox.Literal(p.message)),
            ]
            if p.node:
                body.append(ox.Triple(r, n(SH + "focusNode"), node(p.node)))
            if p.path:
                body.append(ox.Triple(r, n(SH + "resultPath"), n(p.path)))
            if p.value is not None:
                body.append(ox.Triple(r, n(SH + "value"), node(p.value) if p.value_is_iri else ox.Literal(p.value)))
            if p.fix:
                body.append(ox.Triple(r, n(SHAPES + "fix"), ox.Literal(p.fix)))
            if p.label:
                body.append(ox.Triple(r, n(SHAPES + "focusLabel"), ox.Literal(p.label)))
            if p.file:
                body.append(ox.Triple(r, n(SHAPES + "file"), ox.Literal(p.file)))
            if p.line:
                body.append(ox.Triple(r, n(SHAPES + "line"), ox.Literal(str(p.line), datatype=n(xsd + "integer"))))
        return head + body


# sh:sourceConstraintComponent of the results that do not come from a shape.
_COMPONENTS = {
    "check": SH + "SPARQLConstraintComponent",
    "consistency": SHAPES + "ConsistencyConstraintComponent",
    "syntax": SHAPES + "SyntaxConstraintComponent",
}


def compact(iri: str | None) -> str:
    if not iri:
        return ""
    return compact_iri(iri, _REPORT_PREFIXES) or (iri if iri.startswith("_:") else f"<{iri}>")


def render(report: Report, fmt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    report.write(buffer, fmt)
    return buffer.getvalue()
