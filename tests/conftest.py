"""Shared fixtures: one build of the project's graph per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csto_kg.core.namespaces import PREFIXES
from csto_kg.core.paths import Layout

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"  # reference material; tests that read it skip without it (fail in CI)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _no_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    # CI installs and starts everything the tests need (.ci/run), so a test that skips
    # there tests nothing while the run looks green: it fails instead, saying why.
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    _no_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    outcome = yield
    _no_skip_in_ci(outcome.get_result())


# Turtle prefix declarations for every project prefix, for fixtures written in tests.
TURTLE_PREFIXES = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items())


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the project's own graph, made once and shared by the session."""
    from csto_kg.building.pipeline import build

    out = tmp_path_factory.mktemp("build")
    build(ROOT, out)
    return out


@pytest.fixture(scope="session")
def layout(build_dir: Path) -> Layout:
    return Layout.resolve(ROOT, build_dir)


@pytest.fixture(scope="session")
def store(layout: Layout):
    from csto_kg.building.store import open_store

    return open_store(layout)


@pytest.fixture(scope="session")
def ask(store):
    """Run SPARQL text over the reasoned graph: rows as dicts of Python values, or a bool for ASK."""
    from csto_kg.querying.catalogue import from_text
    from csto_kg.querying.sparql import run_on_store

    def run(text: str, **params: str):
        result = run_on_store(store, from_text(text), params)
        return result.boolean if result.kind == "ask" else result.records()

    return run


@pytest.fixture(scope="session")
def named(store, layout: Layout):
    """Run a named query over the reasoned graph: rows as dicts of Python values."""
    from csto_kg.querying.catalogue import catalogue
    from csto_kg.querying.sparql import run_on_store

    known = catalogue(layout.queries_dir)

    def run(name: str, **params: str):
        return run_on_store(store, known[name], {k.replace("_", "-"): v for k, v in params.items()}).records()

    return run


def scratch_copy(dest: Path) -> Path:
    """A copy of the project's sources and queries that a test may change."""
    import shutil

    for name in ("ontology", "graph", "queries"):
        shutil.copytree(ROOT / name, dest / name)
    return dest
