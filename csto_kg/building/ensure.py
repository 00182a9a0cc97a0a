"""The door to the build for every command that reads it: build when there is no build or
it is older than its sources.

The build itself (csto_kg.building.pipeline, with the reasoner and the validation) is
imported only when a build runs: a query over a current build loads none of it, and
starts that much sooner. tests/test_lint.py knows these imports inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from csto_kg.building.fresh import is_fresh
from csto_kg.core.paths import Layout
from csto_kg.querying.catalogue import NamedQuery
from csto_kg.querying.querytext import check_nesting
from csto_kg.querying.sparql import resolve

if TYPE_CHECKING:  # pragma: no cover
    from csto_kg.building.pipeline import BuildResult
    from csto_kg.validate.report import Report


def build(data_root: Path | str | None = None, build_dir: Path | str | None = None, **options: Any) -> BuildResult:
    """Build the store from the sources and make it current: csto_kg.building.pipeline.build,
    with its keyword options (`progress`, `validate`)."""
    from csto_kg.building import pipeline  # the build's code, loaded when a build runs

    return pipeline.build(data_root, build_dir, **options)


def ensure_built(layout: Layout) -> bool:
    """Build when there is no build or it is older than its sources. True if it built."""
    if is_fresh(layout):
        return False
    build(layout.data_root, layout.build_dir)
    return True


def ready_query(target: str, layout: Layout) -> NamedQuery:
    """The query `target` names (a named query, a .rq file or SPARQL text), checked, with
    the build made current: what csto_kg.query() and the query command do before running
    it. The check comes first, so that a query that cannot run costs no build."""
    named = resolve(target, layout)
    check_nesting(named.text)
    ensure_built(layout)
    return named


def validate_sources(data_root: Path | str | None = None, build_dir: Path | str | None = None) -> Report:
    """Validate the sources without building (csto_kg.building.pipeline.validate_sources)."""
    from csto_kg.building import pipeline  # the build's steps, which validation runs

    return pipeline.validate_sources(data_root, build_dir)
