"""load -> check -> reason (OWL-RL) -> derive date bounds -> store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csto_kg.namespaces import GRAPH_INFERRED, GRAPH_LINKS
from csto_kg.paths import Layout


@dataclass(frozen=True)
class BuildResult:
    store: Path
    triples: dict[str, int]  # named graph -> triple count


def build(data_root: Path | str | None = None, build_dir: Path | str | None = None) -> BuildResult:
    """Build the store from the sources and make it current. Raises CstoKgError on failure."""
    from csto_kg import load, reason, store, timebounds

    layout = Layout.resolve(data_root, build_dir)
    asserted = load.load(layout)
    # The link set stays out of reasoning: owl:sameAs would copy every fact onto the
    # external IRIs, and answers would list each entity once per IRI.
    to_reason = {(q.subject, q.predicate, q.object) for q in asserted if q.graph_name.value != GRAPH_LINKS}
    inferred_graph = ox.NamedNode(GRAPH_INFERRED)
    inferred = [ox.Quad(s, p, o, inferred_graph) for s, p, o in reason.closure(to_reason)]
    derived = timebounds.derive(asserted)
    quads = asserted + inferred + derived
    counts = dict(sorted(Counter(q.graph_name.value for q in quads).items()))
    path = store.write_store(layout, quads, counts)
    return BuildResult(path, counts)


def ensure_built(layout: Layout) -> bool:
    """Build when there is no build or it is older than its sources. True if it built."""
    from csto_kg.store import is_fresh

    if is_fresh(layout):
        return False
    build(layout.data_root, layout.build_dir)
    return True
