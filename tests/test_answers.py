"""Answers the build keeps (csto_kg/querying/answers.py): the same as the store gives, found only by
the same text on the same build, and never a traceback when damaged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, scratch_copy

from csto_kg.building.store import current_store_path
from csto_kg.core.paths import Layout
from csto_kg.querying import answers
from csto_kg.querying.catalogue import catalogue, from_text
from csto_kg.querying.sparql import QueryResult, query_text, render, run_on_store

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
    index = json.loads((store_dir / answers.FOLDER / answers.INDEX).read_text(encoding="utf-8"))
    assert {entry["query"] for entry in index.values()} == kept
    assert sorted(p.name for p in (store_dir / answers.FOLDER).iterdir()) == sorted([answers.INDEX, *(k + answers.SUFFIX for k in index)])


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("#+ summary: Mentions SERVICE only here\nSELECT ?s WHERE { ?s a csto:State } # not NOW()", True),
        ('SELECT ?s WHERE { ?s rdfs:comment "RAND() and SERVICE in a string" }', True),
        ("SELECT ?s (NOW() AS ?t) WHERE { ?s a csto:State }", False),
        ("SELECT ?s (rand() AS ?r) WHERE { ?s a csto:State }", False),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", False),
        ("ASK { ?s a csto:State }", False),
        ("CONSTRUCT WHERE { ?s a csto:State }", False),
        ("#+ param: date (date, default today): A day.\nSELECT ?date WHERE { }", False),
        ("#+ param: date (date, default 2000-01-01): A day.\nSELECT ?date WHERE { }", True),
        ("#+ param: state (entity, required): A state.\nSELECT ?state WHERE { }", False),
    ],
)
def test_which_answers_hold_as_long_as_the_build(text: str, keep: bool):
    assert answers.keepable(from_text(text)) is keep


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
    edited = type(timeline)(timeline.name, timeline.path, timeline.text.replace("ORDER BY ?latest", "ORDER BY DESC(?latest)"))
    reversed_rows = run_on_store(store, edited, store_dir=store_dir)
    assert reversed_rows.stored is None
    assert reversed_rows.rows[0] != run_on_store(store, timeline, store_dir=store_dir).rows[0]


@pytest.mark.parametrize("kept", [False, True])
def test_a_result_can_be_read_several_ways(store, store_dir: Path, kept: bool):
    """Rows and serialisations of one result agree, whatever is read first."""
    named, folder = QUERIES["organs"], store_dir if kept else None
    serialised_first = run_on_store(store, named, store_dir=folder)
    csv = render(serialised_first, "csv")
    assert render(serialised_first, "csv") == csv
    rows = serialised_first.rows
    rows_first = run_on_store(store, named, store_dir=folder)
    assert rows_first.rows == rows and len(rows) > 5
    assert render(rows_first, "csv") == csv == render(rows_first, "csv")
    assert render(rows_first, "table") == render(serialised_first, "table")
    assert csv.count(b"\n") == len(rows) + 1


def test_a_result_made_by_hand_has_its_rows_and_no_serialisation():
    by_hand = QueryResult("select", ["x"])
    assert by_hand.rows == [] and "variables=['x']" in repr(by_hand)
    with pytest.raises(Exception, match="can no longer be serialised"):
        by_hand.write(io.BytesIO(), "csv")


def _cli(build: Path, *args: str, data: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CSTO_KG_DATA": str(data), "CSTO_KG_BUILD": str(build), "CSTO_KG_QUIET": "1"}
    return subprocess.run([sys.executable, "-m", "csto_kg", *args], capture_output=True, env=env, check=False)


@pytest.fixture(scope="module")
def own_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A build of a copy of the sources with one broken named query, for damaging."""
    from csto_kg.building.pipeline import build

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


def _observers(data: Path, out: Path) -> tuple[answers.Kept, Path]:
    path = current_store_path(Layout.resolve(data, out))
    assert path is not None
    kept = answers.find(path, query_text(QUERIES["observers"]), False)
    assert kept is not None
    return kept, path / answers.FOLDER / answers.INDEX


def test_the_command_line_reads_the_kept_answer(own_build: tuple[Path, Path]):
    """A kept answer changed by hand (and its index entry) is what the command line gives."""
    data, out = own_build
    kept, index_path = _observers(data, out)
    original, index = kept.path.read_bytes(), index_path.read_bytes()
    header = original.split(b"\n", 1)[0]
    row = [b'"kept"@en'] + [b""] * (header.count(b"\t"))
    changed = header + b"\n" + b"\t".join(row) + b"\n"
    entries = json.loads(index)
    entries[kept.path.stem]["bytes"] = len(changed)
    try:
        kept.path.write_bytes(changed)
        index_path.write_text(json.dumps(entries), encoding="utf-8")
        tsv = _cli(out, "query", "observers", "-f", "tsv", data=data)
        assert tsv.returncode == 0, tsv.stderr
        assert tsv.stdout == changed
        csv = _cli(out, "query", "observers", "-f", "csv", data=data)
        assert csv.stdout.decode().splitlines()[1].startswith("kept,")
        asked = _cli(out, "query", "observers", "--asserted", "-f", "csv", data=data)  # not kept: runs
        assert b"kept," not in asked.stdout and asked.stdout.count(b"\n") > 2
    finally:
        kept.path.write_bytes(original)
        index_path.write_bytes(index)


def _damaged(original: bytes) -> dict[str, bytes]:
    header, rest = original.split(b"\n", 1)
    renamed = header.replace(b"?observer\t", b"?observes\t", 1)
    assert renamed != header
    return {
        "empty": b"",
        "cut short": original[: len(original) // 2],
        "not a table": b"not a table\n" + rest[: len(original) - 12],
        "another column, same size": renamed + b"\n" + rest,
    }


@pytest.mark.parametrize("damage", ["empty", "cut short", "not a table", "another column, same size"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "table"])
def test_a_damaged_kept_answer_is_a_one_line_error(own_build: tuple[Path, Path], damage: str, fmt: str):
    data, out = own_build
    kept, _index = _observers(data, out)
    original = kept.path.read_bytes()
    try:
        kept.path.write_bytes(_damaged(original)[damage])
        done = _cli(out, "query", "observers", "-f", fmt, data=data)
        message = done.stderr.decode().strip()
        assert done.returncode == 1, message
        assert "Traceback" not in message and "\n" not in message
        assert "kept answer" in message and "csto-kg build" in message
        assert done.stdout == b""  # nothing half-written
    finally:
        kept.path.write_bytes(original)


class _ClosedPipe(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # as standard output does once `| head -1` has gone
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_a_failing_output_is_not_blamed_on_the_kept_answer(store, store_dir: Path, fmt: str):
    """The command line exits quietly on a closed pipe; a kept answer is not called damaged."""
    result = run_on_store(store, QUERIES["timeline"], store_dir=store_dir)
    assert result.stored is not None
    with pytest.raises(BrokenPipeError):
        result.write(_ClosedPipe(), fmt)
