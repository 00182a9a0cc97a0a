"""Validation: the SHACL shapes, the violation queries and the OWL-RL consistency check.

`validate()` runs everything on the sources (no store needed) and returns a `Report`
a contributor can act on: for each problem the node, its label, the file and line where
it is asserted, what is wrong and how to fix it. `require_valid()` is the build's gate:
the pipeline calls it on the new data before the store is swapped in, and it raises
`ValidationError` with a one-line summary.

What runs, in order:

1. every source file is parsed (a syntax error is reported with its file and line);
2. the OWL-RL closure (csto_kg.building.reason), which raises on an inconsistency or an
   ill-typed literal;
3. the SHACL shapes of `shapes/*.ttl`, with pySHACL and no inference of its own, over
   what the sources assert plus what the project's reasoner inferred but rdf:type: the
   class hierarchy lets targets and sh:class reach subclasses, while types inferred from
   domains and ranges, which would make every sh:class pass, are left out (and the
   reasoner is several times faster than pySHACL's RDFS inference);
4. the derived graph (csto_kg.building.pipeline.derive) and the `queries/checks/*-violation.rq`
   queries over an in-memory store of the asserted, inferred and derived graphs.

rdflib and pyshacl are imported inside the functions that need them, never at module
level: this module is part of the build path only.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from csto_kg.building.reason import to_rdflib
from csto_kg.core.errors import ConsistencyError, CstoKgError, LoadError, UsageError
from csto_kg.core.errors import one_line as flat
from csto_kg.core.namespaces import BASE, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES, RDFS
from csto_kg.core.paths import Layout

SH = "http://www.w3.org/ns/shacl#"
SHAPES = BASE + "shapes#"  # the namespace of shapes/*.ttl (prefix cshape:)
CHECK = BASE + "check/"  # one IRI per violation query, and one for the consistency check
CONSISTENCY = CHECK + "owl-rl-consistency"
RDF_TYPE = PREFIXES["rdf"] + "type"
SYNTAX = CHECK + "syntax"
DERIVE = CHECK + "date-bounds"
FORMATS = ("text", "json", "turtle")

_REPORT_PREFIXES = {"sh": SH, "cshape": SHAPES, "check": CHECK, **PREFIXES}

_FIX_CONSISTENCY = (
    'An ill-typed literal (such as "1993"^^xsd:date) or a node in two disjoint classes: correct the literal\'s '
    "datatype or lexical form, or the node's types, at the file and line given."
)
_FIX_SYNTAX = "Correct the Turtle at the line and column given (a missing '.', ';' or '>' is the usual cause)."
_TRIPLE_TERM = (
    "an RDF 1.2 triple term (<<( s p o )>> or a ~ reifier): the graph is RDF 1.1, and its JSON-LD and RDF/XML exports cannot hold one"
)
_FIX_TRIPLE_TERM = (
    "State what the triple term says about the triple with a node of its own (such as a csto:Fact with prov:wasDerivedFrom), "
    "in plain triples."
)
_FIX_DERIVE = "Give each date as an xsd:date, xsd:gYearMonth or xsd:gYear literal and csto:notBefore/csto:notAfter as xsd:date."


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
    import os

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
    for prefix, ns in _REPORT_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri if iri.startswith("_:") else f"<{iri}>"


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
    from urllib.parse import urljoin

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


# -- shapes -----------------------------------------------------------------------------------


def shapes_dir(layout: Layout) -> Path:
    """shapes/ of the data root, else the shapes installed with csto-kg."""
    own = layout.data_root / "shapes"
    if own.is_dir():
        return own
    from csto_kg.core.paths import default_data_root

    return default_data_root() / "shapes"


def shape_files(layout: Layout) -> list[Path]:
    return sorted(shapes_dir(layout).glob("*.ttl"))


def _rdflib_graph(triples: Iterable[tuple[Any, Any, Any]]) -> Any:
    from rdflib import Graph

    graph = Graph()
    cache: dict[Any, Any] = {}

    def conv(term: Any) -> Any:
        found = cache.get(term)
        if found is None:
            found = cache[term] = to_rdflib(term)
        return found

    add = graph.add
    for s, p, o in triples:
        add((conv(s), conv(p), conv(o)))
    return graph


def _load_shapes(files: list[Path]) -> Any:
    from rdflib import Graph

    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises many kinds of parse errors
            raise CstoKgError(f"{path}: cannot read the shapes: {' '.join(str(err).split())}") from None
    return graph


def _run_shapes(files: list[Path], triples: list[tuple[Any, Any, Any]]) -> tuple[list[Problem], int]:
    """pySHACL over `triples` (already reasoned): one problem per validation result."""
    import logging

    import pyshacl
    from rdflib import RDF, BNode, Literal, Namespace, URIRef

    # Both log a traceback for each problem they meet (rdflib: each ill-typed literal);
    # the validation reports every problem itself, in one line.
    logging.getLogger("pyshacl").setLevel(logging.CRITICAL)
    logging.getLogger("pyshacl-validate").disabled = True  # its own handler; reset on each call
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    sh = Namespace(SH)
    shapes = _load_shapes(files)
    data = _rdflib_graph(triples)
    try:
        _conforms, results, _text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            meta_shacl=False,
            allow_infos=True,
            allow_warnings=True,
        )
    except pyshacl.errors.ReportableRuntimeError as err:  # a shape pySHACL cannot use
        where = ", ".join(str(f) for f in files)
        raise CstoKgError(f"the shapes ({where}) cannot be used: {flat(getattr(err, 'message', err))}") from None
    node_shapes = {s for s in shapes.subjects(RDF.type, sh.NodeShape) if isinstance(s, URIRef)}
    fix_of = {s: str(o) for s, o in shapes.subject_objects(URIRef(SHAPES + "fix"))}

    def owner(shape: Any, focus: Any) -> Any:
        """The named node shape a (possibly blank) property shape belongs to."""
        if shape in node_shapes:
            return shape
        candidates = [s for s in shapes.subjects(sh.property, shape) if s in node_shapes]
        for candidate in candidates:
            targets = set(shapes.objects(candidate, sh.targetClass))
            if targets & set(data.objects(focus, RDF.type)):
                return candidate
        return candidates[0] if candidates else shape

    problems = []
    for result in results.objects(None, sh.result):  # not the nested results of sh:detail
        focus = results.value(result, sh.focusNode)
        source = results.value(result, sh.sourceShape)
        shape = owner(source, focus)
        message = results.value(result, sh.resultMessage)
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = results.value(result, sh.resultSeverity)
        component = results.value(result, sh.sourceConstraintComponent)
        if isinstance(focus, Literal):  # a literal a shape was applied to: no node to point at
            value = value if value is not None else focus
            focus = None
        problems.append(
            Problem(
                kind="shape",
                rule=str(shape) if isinstance(shape, URIRef) else SHAPES + "shape",
                message=" ".join(str(message).split()) if message is not None else "does not conform to the shape",
                fix=fix_of.get(shape, ""),
                node=None if focus is None else f"_:{focus}" if isinstance(focus, BNode) else str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=(str(value) if isinstance(value, Literal | URIRef) and value != focus else None),
                value_is_iri=isinstance(value, URIRef),
                severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
                component=str(component) if component is not None else None,
            )
        )
    return problems, len(node_shapes)


# -- violation queries ---------------------------------------------------------------------

_HEADER = re.compile(r"^#\+\s*([\w-]+)\s*:\s*(.*)$")


def _header_field(text: str, key: str) -> str:
    """A `#+ key:` header value of a query, with its continuation lines."""
    value: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if value is not None and line.startswith("#+   "):
            value.append(line[2:].strip())
            continue
        if value is not None:
            break
        match = _HEADER.match(line)
        if match and match.group(1) == key:
            value = [match.group(2).strip()]
    return " ".join(value or [])


def _run_checks(store: ox.Store, queries_dir: Path) -> tuple[list[Problem], int]:
    from csto_kg.querying.sparql import compact as compact_term
    from csto_kg.querying.sparql import run_on_store
    from csto_kg.validate.checks import violation_queries

    problems = []
    queries = violation_queries(queries_dir)
    for named in queries:
        result = run_on_store(store, named)
        if result.kind != "select" or not result.rows:
            continue
        fix = _header_field(named.text, "fix")
        focus_var = _header_field(named.text, "focus")
        for row in result.rows:
            values = dict(zip(result.variables, row, strict=True))
            focus = values.get(focus_var) if focus_var else None
            if focus is None:
                focus = next((t for t in row if isinstance(t, ox.NamedNode | ox.BlankNode)), None)
            details = "; ".join(f"{v}: {compact_term(t)}" for v, t in values.items() if t is not None and t != focus)
            message = named.summary or named.name
            problems.append(
                Problem(
                    kind="check",
                    rule=CHECK + named.name,
                    message=f"{message} ({details})" if details else message,
                    fix=fix,
                    node=(f"_:{focus.value}" if isinstance(focus, ox.BlankNode) else focus.value) if focus is not None else None,
                )
            )
    return problems, len(queries)


# -- the whole validation ------------------------------------------------------------------


def _first_known_iri(message: str, known: dict[str, Any]) -> str | None:
    for iri in re.findall(r"https?://[^\s,;()<>\"']+", message):
        for candidate in (iri, iri.rstrip(".:")):
            if candidate in known:
                return candidate
    return None


_ILL_TYPED = re.compile(r"literal '(.*)' does not match its datatype \((\S+)\)", re.S)


def _ill_typed_subject(message: str, asserted: Iterable[ox.Quad]) -> str | None:
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


def _plain(triple: tuple[Any, Any, Any]) -> bool:
    """Not an RDF 1.2 triple term in subject or object position."""
    return not isinstance(triple[0], ox.Triple) and not isinstance(triple[2], ox.Triple)


def _label_index(quads: Iterable[Any]) -> dict[str, str]:
    labels: dict[str, tuple[int, str]] = {}
    label = RDFS + "label"
    for q in quads:
        s, p, o = q[0], q[1], q[2]
        if p.value != label or not isinstance(o, ox.Literal) or isinstance(s, ox.Triple):
            continue
        rank = 0 if o.language == "en" else (1 if not o.language else 2)
        key = f"_:{s.value}" if isinstance(s, ox.BlankNode) else s.value
        if key not in labels or rank < labels[key][0]:
            labels[key] = (rank, o.value)
    return {k: v for k, (_, v) in labels.items()}


def _place(problems: list[Problem], where: dict[str, list[tuple[str, int]]], labels: dict[str, str]) -> list[Problem]:
    """Fill in file, line and label of each problem's node, and sort by file and line."""
    from dataclasses import replace

    placed = []
    seen: set[tuple] = set()
    for p in problems:
        key = (p.kind, p.rule, p.node, p.message, p.path, p.value)
        if key in seen:  # a query may find the same thing twice (a UNION of two ways)
            continue
        seen.add(key)
        if p.node and p.file is None:
            spots = tuple(where.get(p.node, ()))
            first = spots[0] if spots else (None, None)
            p = replace(p, file=first[0], line=first[1], locations=spots, label=p.label or labels.get(p.node))
        elif p.node and p.label is None:
            p = replace(p, label=labels.get(p.node))
        placed.append(p)
    order = {"syntax": 0, "consistency": 1, "shape": 2, "check": 3}
    return sorted(placed, key=lambda p: (p.file is None, p.file or "", p.line or 0, p.node or "", order.get(p.kind, 9), p.message))


def check_graph(
    layout: Layout,
    asserted: list[ox.Quad],
    inferred: Iterable[Any] | None = None,
    derived: list[ox.Quad] | None = None,
) -> Report:
    """Validate loaded quads: consistency (unless `inferred` is given), shapes, checks.

    `inferred` is the OWL-RL closure and `derived` the derived graph (csto_kg.building.pipeline.derive)
    when the caller has computed them (the build); when they are None they are computed here and an
    inconsistency becomes a problem of the report.
    """
    from csto_kg.building import reason
    from csto_kg.building.pipeline import derive, reasoned_over

    started = time.perf_counter()
    report = Report()
    where = subject_locations(path for path, _graph in layout.sources())
    labels = _label_index(asserted)
    timings = report.timings

    def done() -> Report:
        report.problems = _place(report.problems, where, labels)
        report.seconds = time.perf_counter() - started
        return report

    to_reason = reasoned_over(asserted) if inferred is None or derived is None else set()
    if inferred is None:
        try:
            inferred = reason.closure(to_reason)
        except ConsistencyError as err:
            node = _first_known_iri(str(err), where) or _ill_typed_subject(str(err), asserted)
            report.problems.append(Problem("consistency", CONSISTENCY, str(err), _FIX_CONSISTENCY, node=node))
            return done()
        timings["reason"] = time.perf_counter() - started
    inferred = [(t.subject, t.predicate, t.object) if isinstance(t, ox.Quad | ox.Triple) else tuple(t) for t in inferred]

    # RDF 1.2 triple terms (`<<( s p o )>>`, or a `~` reifier) parse, but the graph is
    # RDF 1.1: its JSON-LD and RDF/XML exports cannot write them.
    for q in asserted:
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            node = f"_:{q.subject.value}" if isinstance(q.subject, ox.BlankNode) else getattr(q.subject, "value", None)
            report.problems.append(Problem("syntax", SYNTAX, _TRIPLE_TERM, _FIX_TRIPLE_TERM, node=node, path=q.predicate.value))
    inferred = [t for t in inferred if _plain(t)]

    # The SHACL data graph: everything asserted, and what the reasoner inferred except
    # rdf:type. SHACL follows rdfs:subClassOf itself (targets and sh:class), so the class
    # hierarchy is all the shapes need of the ontology; inferred types would come from
    # domains and ranges too and make every sh:class pass (`csto:capital kg:armenia`
    # makes Armenia a csto:City). Inferred property values stay (csto:chairedBy is a
    # csto:actor). The ontology's labels and definitions are left out: no shape looks at
    # them, and they are a third of the triples.
    mark = time.perf_counter()
    data: set[tuple[Any, Any, Any]] = {t for t in inferred if t[1].value != RDF_TYPE}
    for q in asserted:
        if not _plain((q.subject, q.predicate, q.object)):
            continue
        if q.graph_name.value == GRAPH_ONTOLOGY and isinstance(q.object, ox.Literal) and isinstance(q.subject, ox.NamedNode):
            if q.subject.value.startswith(PREFIXES["csto"]) or q.subject.value.startswith(BASE + "ontology"):
                continue
        data.add((q.subject, q.predicate, q.object))
    report.triples = len(data)
    files = shape_files(layout)
    if files:
        shape_problems, report.shapes = _run_shapes(files, list(data))
        report.problems.extend(shape_problems)
    timings["shapes"] = time.perf_counter() - mark

    mark = time.perf_counter()
    try:
        if derived is None:
            derived = derive(asserted, itertools.chain(to_reason, inferred))
    except (ConsistencyError, ValueError, TypeError, AttributeError) as err:
        if not report.problems:
            message = " ".join(str(err).split())
            report.problems.append(
                Problem(
                    "consistency", DERIVE, f"date bounds cannot be derived: {message}", _FIX_DERIVE, node=_first_known_iri(message, where)
                )
            )
        return done()
    store = ox.Store()
    inferred_graph = ox.NamedNode(GRAPH_INFERRED)
    store.bulk_extend(asserted)
    store.bulk_extend(ox.Quad(s, p, o, inferred_graph) for s, p, o in inferred)
    store.bulk_extend(derived)
    check_problems, report.checks = _run_checks(store, layout.queries_dir)
    report.problems.extend(check_problems)
    timings["checks"] = time.perf_counter() - mark
    return done()


def validate(data_root: Path | str | None = None, build_dir: Path | str | None = None) -> Report:
    """Validate the sources of `data_root` (no build needed): a Report, never raises on bad data
    except for a missing data folder or unreadable shapes."""
    from csto_kg.building import load

    started = time.perf_counter()
    layout = Layout.resolve(data_root, build_dir)
    sources = layout.sources()
    if not any(graph == GRAPH_ONTOLOGY for _, graph in sources):
        raise LoadError(f"{layout.data_root}: no ontology/*.ttl found (is this a csto-kg data folder?)")
    asserted: list[ox.Quad] = []
    syntax: list[Problem] = []
    for path, graph in sources:
        try:
            asserted.extend(load.parse_file(path, graph))
        except LoadError as err:
            text = str(err)
            rest = text[len(str(path)) :] if text.startswith(str(path)) else text
            match = re.match(r"^:(\d+):(\d+): (.*)$", rest)
            line = int(match.group(1)) if match else None
            message = match.group(3) if match else rest.lstrip(": ")
            # The parser may quote the character it stopped at, a line break included.
            message = message.replace("\r", "\\r").replace("\n", "\\n")
            syntax.append(Problem("syntax", SYNTAX, message, _FIX_SYNTAX, file=str(path), line=line))
    if syntax:
        return Report(problems=syntax, seconds=time.perf_counter() - started)
    asserted.extend(load.version_quads())
    report = check_graph(layout, asserted)
    report.seconds = time.perf_counter() - started
    return report


def require_valid(layout: Layout, asserted: list[ox.Quad], inferred: Iterable[Any], derived: list[ox.Quad]) -> Report:
    """The build's gate: raise ValidationError (a one-line summary) unless the new data validates."""
    report = check_graph(layout, asserted, inferred, derived)
    if not report.conforms:
        raise ValidationError(report)
    return report


def render(report: Report, fmt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    report.write(buffer, fmt)
    return buffer.getvalue()
