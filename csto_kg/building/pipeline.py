"""load -> check -> reason (OWL-RL) -> derive date bounds and event types -> store."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from csto_kg.core.errors import ConsistencyError
from csto_kg.core.namespaces import GRAPH_INFERRED, GRAPH_LINKS
from csto_kg.core.paths import Layout, prune_older_builds

if TYPE_CHECKING:  # pragma: no cover
    from csto_kg.core.progress import Progress


@dataclass(frozen=True)
class BuildResult:
    store: Path
    triples: dict[str, int]  # named graph -> triple count


def build(
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    *,
    show_progress: bool | None = None,
    validate: bool = True,
) -> BuildResult:
    """Build the store from the sources and make it current. Raises CstoKgError on failure.

    `show_progress`: draw a progress line on standard error; None (the default) draws it
    only when standard error is a terminal and --quiet / CSTO_KG_QUIET is not set.
    `validate`: refuse a graph that fails the shapes or the checks (csto_kg/validate/validation.py)
    with csto_kg.validate.validation.ValidationError; False stores it anyway (tests of the checks).
    """
    from csto_kg.core.progress import Progress

    layout = Layout.resolve(data_root, build_dir)
    with Progress("build", total=6 if validate else 5, enabled=show_progress) as progress:
        result = _build(layout, progress, validate)
    prune_older_builds(layout)  # an installed package's builds of older versions, in the user's cache
    return result


def _build(layout: Layout, progress: Progress, validate: bool = True) -> BuildResult:
    from csto_kg.building import load, reason, store, void
    from csto_kg.linking import enrich

    if layout.build_dir.is_dir():  # a folder the build would refuse is refused before the work, not after
        store.check_build_dir(layout.build_dir)
    inputs = store.fingerprint(layout)  # before reading: a source changed meanwhile makes the build stale
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
        from csto_kg.validate import validation

        progress.stage("validate")
        validation.require_valid(layout, asserted, inferred, derived)
    # Enrichment from Wikidata, only when asked for (csto_kg/linking/enrich.py): its own graph, not reasoned over.
    quads = asserted + inferred + derived + enrich.extra_quads(layout)
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
    from csto_kg.validate.validation import _first_known_iri, _ill_typed_subject, subject_locations

    where = subject_locations(path for path, _graph in layout.sources())
    node = _first_known_iri(str(err), where) or _ill_typed_subject(str(err), asserted)
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
    from csto_kg.building import eventtypes, timebounds

    return timebounds.derive(asserted) + eventtypes.derive(reasoned)


def ensure_built(layout: Layout) -> bool:
    """Build when there is no build or it is older than its sources. True if it built."""
    from csto_kg.building.store import is_fresh

    if is_fresh(layout):
        return False
    build(layout.data_root, layout.build_dir)
    return True
