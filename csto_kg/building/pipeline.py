"""load -> check -> reason (OWL-RL) -> derive date bounds and event types -> store."""

from __future__ import annotations

import contextlib
import itertools
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from csto_kg.building import eventtypes, fresh, load, reason, store, timebounds, void
from csto_kg.core.errors import ConsistencyError, LoadError
from csto_kg.core.namespaces import GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from csto_kg.core.paths import Layout, prune_older_builds
from csto_kg.core.progress import Progress
from csto_kg.core.progress import report as progress_report
from csto_kg.validate import locations, validation
from csto_kg.validate.report import FIX_SYNTAX, SYNTAX, Problem, Report


@dataclass(frozen=True)
class BuildResult:
    store: Path
    triples: dict[str, int]  # named graph -> triple count


def build(
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    *,
    progress: Progress | None = None,
    validate: bool = True,
) -> BuildResult:
    """Build the store from the sources and make it current. Raises CstoKgError on failure.

    `progress`: told of each stage (load, reason, derive, validate, describe, store); None
    (the default) reports to what the application installed (csto_kg.core.progress).
    `validate`: refuse a graph that fails the shapes or the checks (csto_kg/validate/)
    with csto_kg.validate.report.ValidationError; False stores it anyway (tests of the checks).
    """
    layout = Layout.resolve(data_root, build_dir)
    with contextlib.ExitStack() as stack:
        if progress is None:
            progress = stack.enter_context(progress_report("build", 6 if validate else 5))
        result = _build(layout, progress, validate)
    prune_older_builds(layout)  # an installed package's builds of older versions, in the user's cache
    return result


def _build(layout: Layout, progress: Progress, validate: bool = True) -> BuildResult:
    if layout.build_dir.is_dir():  # a folder the build would refuse is refused before the work, not after
        store.check_build_dir(layout.build_dir)
    inputs = fresh.fingerprint(layout)  # before reading: a source changed meanwhile makes the build stale
    progress.stage("load")
    asserted = load.load(layout)
    to_reason = reasoned_over(asserted)
    progress.stage("reason")
    inferred_graph = ox.NamedNode(GRAPH_INFERRED)
    try:
        entailed = reason.closure(to_reason)
    except ConsistencyError as err:
        raise ConsistencyError(_placed(layout, asserted, err)) from None
    inferred = [ox.Quad(s, p, o, inferred_graph) for s, p, o in entailed]
    progress.stage("derive")
    derived = derive(asserted, itertools.chain(to_reason, entailed))
    if validate:
        # SHACL shapes and violation queries on the new data, before the store is swapped
        # in: a graph that does not validate is refused and the previous build stays current.
        progress.stage("validate")
        validation.require_valid(layout, asserted, inferred, derived)
    # Enrichment from Wikidata, only when asked for (csto_kg/linking/enrich.py): its own graph, not reasoned over.
    quads = asserted + inferred + derived + load.extra_quads(layout)
    # The VoID/DCAT description of this build, in a graph of its own (csto_kg/building/void.py).
    progress.stage("describe")
    quads += void.build_quads(quads)
    counts = dict(sorted(Counter(q.graph_name.value for q in quads).items()))
    progress.stage("store")
    path = store.write_store(layout, quads, counts, inputs)
    return BuildResult(path, counts)


def _placed(layout: Layout, asserted: list[ox.Quad], err: ConsistencyError) -> str:
    """The reasoner's message, preceded by the file and line of the statement it is about
    when that can be found (it names an ill-typed literal, not where it was written)."""
    where = locations.subject_locations(path for path, _graph in layout.sources())
    node = locations.first_known_iri(str(err), where) or locations.ill_typed_subject(str(err), asserted)
    spots = where.get(node or "", [])
    return f"{spots[0][0]}:{spots[0][1]}: {err}" if spots else str(err)


def reasoned_over(asserted: Iterable[ox.Quad]) -> set[tuple[Any, Any, Any]]:
    """The triples the build reasons over: all the sources assert but the link set."""
    # owl:sameAs would copy every fact onto the external IRIs, and answers would list each
    # entity once per IRI.
    return {(q.subject, q.predicate, q.object) for q in asserted if q.graph_name.value != GRAPH_LINKS}


def derive(asserted: list[ox.Quad], reasoned: Iterable[tuple[Any, Any, Any]]) -> list[ox.Quad]:
    """The derived graph: day bounds of the dates the sources give (csto_kg/building/timebounds.py)
    and the most specific class of each event of the reasoned graph, `reasoned` being the
    triples reasoned over with what reasoning added (csto_kg/building/eventtypes.py)."""
    return timebounds.derive(asserted) + eventtypes.derive(reasoned)


# What validation runs itself when it checks the sources alone (csto-kg validate).
STEPS = validation.Steps(reasoned_over=reasoned_over, closure=reason.closure, derive=derive)


def validate_sources(data_root: Path | str | None = None, build_dir: Path | str | None = None) -> Report:
    """Validate the sources of `data_root` (no build needed): a Report, never raises on bad data
    except for a missing data folder or unreadable shapes. The build's steps run here, and
    csto_kg.validate checks what they give (`csto-kg validate`)."""
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
            syntax.append(Problem("syntax", SYNTAX, message, FIX_SYNTAX, file=str(path), line=line))
    if syntax:
        return Report(problems=syntax, seconds=time.perf_counter() - started)
    asserted.extend(load.version_quads())
    report = validation.check_graph(layout, asserted, steps=STEPS)
    report.seconds = time.perf_counter() - started
    return report
