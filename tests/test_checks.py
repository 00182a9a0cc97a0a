"""Quality checks: every *-violation query returns nothing over the reasoned graph, and
each invalid fixture trips exactly the check it is named after."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, scratch_copy

from csto_kg.validate.checks import run_checks, violation_queries

CHECKS = [q.name for q in violation_queries(ROOT / "queries")]
INVALID = sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.ttl"))
VALID = sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.ttl"))


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_project_graph(name, store, layout):
    result = run_checks(store, layout.queries_dir)[name]
    assert result.rows == [], f"{name}: {result.table()}"


def test_every_check_has_an_invalid_fixture():
    assert sorted(p.stem for p in INVALID) == sorted(CHECKS)


def _checks_failing_with(fixture: Path, tmp_path: Path) -> list[str]:
    from csto_kg.building.pipeline import build
    from csto_kg.building.store import open_store
    from csto_kg.core.paths import Layout

    data = scratch_copy(tmp_path / "data")
    shutil.copy(fixture, data / "graph" / "article" / f"zz-{fixture.name}")
    build(data, tmp_path / "build", validate=False)
    results = run_checks(open_store(Layout.resolve(data, tmp_path / "build")), data / "queries")
    return sorted(name for name, result in results.items() if result.rows)


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_trips_exactly_its_check(fixture, tmp_path):
    assert _checks_failing_with(fixture, tmp_path) == [fixture.stem]


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_trips_no_check(fixture, tmp_path):
    assert _checks_failing_with(fixture, tmp_path) == []
