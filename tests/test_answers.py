"""Answers the build keeps (csto_kg/answers.py): the same as the store gives, found only by
the same text on the same build, and never a traceback when damaged."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, scratch_copy

from csto_kg import answers
from csto_kg.catalogue import catalogue
from csto_kg.paths import Layout
from csto_kg.sparql import QueryResult, query_text, render, run_on_store
from csto_kg.store import current_store_path

QUERIES = catalogue(ROOT / "queries")
KEEPABLE = sorted(name for name, named in QUERIES.items() if answers.keepable(named))
FORMATS = ("table", "csv", "tsv", "json", "xml")


@pytest.fixture(scope="module")
def store_dir(layout: Layout) -> Path:
    path = current_store_path(layout)
    assert path is not None
    return path


def _defaults(named) -> dict[str, str]:
    """A value for each required parameter, so that every query has a text to look for."""
    return {p.name: "armenia" for p in named.params if p.required}


def test_which_queries_keep_an_answer(store_dir: Path):
    kept = {name for name, named in QUERIES.items() if answers.find(store_dir, query_text(named, _defaults(named)), False)}
    assert kept == set(KEEPABLE)
    # The listing queries are kept; a query of today's date, one that needs a state and one
    # that calls Wikidata are not.
    assert {"timeline", "people", "observers", "organs", "membership-history"} <= kept
    assert not kept & {"members", "status", "members-heads-of-state"}
    assert not list((store_dir / answers.FOLDER).glob("*.part"))


@pytest.mark.parametrize("name", KEEPABLE)
def test_a_kept_answer_is_what_the_store_answers(store, store_dir: Path, name: str):
    live = run_on_store(store, QUERIES[name])
    kept = run_on_store(store, QUERIES[name], store_dir=store_dir)
    assert live.stored is None and kept.stored is not None
    assert kept.variables == live.variables
    assert kept.rows == live.rows  # in the same order
    for fmt in FORMATS:
        assert render(kept, fmt) == render(live, fmt), fmt


def test_only_the_same_text_on_the_same_graph_finds_the_kept_answer(store, store_dir: Path):
    timeline = QUERIES["timeline"]
    assert run_on_store(store, timeline, store_dir=store_dir).stored is not None
    assert run_on_store(store, timeline, {"from": "2000-01-01"}, store_dir=store_dir).stored is None
    assert run_on_store(store, timeline, asserted=True, store_dir=store_dir).stored is None
    edited = type(timeline)(timeline.name, timeline.path, timeline.text.replace("ORDER BY ?earliest", "ORDER BY DESC(?earliest)"))
    reversed_rows = run_on_store(store, edited, store_dir=store_dir)
    assert reversed_rows.stored is None
    assert reversed_rows.rows[0] != run_on_store(store, timeline, store_dir=store_dir).rows[0]


def test_a_result_can_be_read_several_ways(store):
    """Rows and serialisations of one result agree, whatever is read first."""
    named = QUERIES["organs"]
    first = run_on_store(store, named)
    csv = render(first, "csv")
    assert render(first, "csv") == csv  # read a second time: the query runs again
    assert first.rows == run_on_store(store, named).rows
    assert len(first.rows) > 5
    assert csv.count(b"\n") == len(first.rows) + 1
    by_hand = QueryResult("select", ["x"], [])
    with pytest.raises(Exception, match="can no longer be serialised"):
        by_hand.write(io.BytesIO(), "csv")


def _cli(build: Path, *args: str, data: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CSTO_KG_DATA": str(data), "CSTO_KG_BUILD": str(build), "CSTO_KG_QUIET": "1"}
    return subprocess.run([sys.executable, "-m", "csto_kg", *args], capture_output=True, env=env, check=False)


def test_the_command_line_writes_the_kept_answer_as_it_is(build_dir: Path, store_dir: Path):
    done = _cli(build_dir, "query", "timeline", "-f", "tsv")
    assert done.returncode == 0, done.stderr
    kept = answers.find(store_dir, query_text(QUERIES["timeline"]), False)
    assert kept is not None and done.stdout == kept.read_bytes()


@pytest.fixture(scope="module")
def own_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A build of a copy of the sources with one broken named query, for damaging."""
    from csto_kg.pipeline import build

    data = scratch_copy(tmp_path_factory.mktemp("data"))
    (data / "queries" / "broken.rq").write_text("#+ summary: Does not parse\nSELECT ?x WHERE { ?x\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("build")
    build(data, out, show_progress=False)
    return data, out


def test_a_query_that_fails_keeps_no_answer_and_does_not_stop_the_build(own_build: tuple[Path, Path]):
    data, out = own_build
    layout = Layout.resolve(data, out)
    path = current_store_path(layout)
    assert path is not None
    broken = catalogue(data / "queries")["broken"]
    assert answers.find(path, broken.text, False) is None
    assert answers.find(path, query_text(QUERIES["timeline"]), False) is not None
    done = _cli(out, "query", "broken", data=data)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr and done.stderr.decode().strip().count("\n") == 0
    assert "broken" in done.stderr.decode()


@pytest.mark.parametrize("damage", [b"not a table\n", b"?event\t?date\n<unclosed\n"])
def test_a_damaged_kept_answer_is_a_one_line_error(own_build: tuple[Path, Path], damage: bytes):
    data, out = own_build
    path = current_store_path(Layout.resolve(data, out))
    assert path is not None
    kept = answers.find(path, query_text(QUERIES["observers"]), False)
    assert kept is not None
    original = kept.read_bytes()
    try:
        kept.write_bytes(damage)
        done = _cli(out, "query", "observers", "-f", "csv", data=data)
        message = done.stderr.decode().strip()
        assert done.returncode == 1, message
        assert "Traceback" not in message and "\n" not in message
        assert "kept answer" in message and "csto-kg build" in message
        assert done.stdout == b""  # nothing half-written
    finally:
        kept.write_bytes(original)
