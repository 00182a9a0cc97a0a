"""Fuzzing regressions (scripts/fuzz.py): every input kept in tests/fuzz_corpus/ gives a result
or a one-line error within the time limit, and a short fresh run finds nothing unknown.

Inputs that still fail are listed in tests/fuzz_corpus/known-bugs.json with the bug they
show; they are strict expected failures, so fixing a bug makes its test ask for the list
to be updated. A longer campaign: `python scripts/fuzz.py --seconds 600`."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("csto_kg_fuzz", ROOT / "scripts" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

CORPUS = ROOT / "tests" / "fuzz_corpus"
KNOWN = json.loads((CORPUS / "known-bugs.json").read_text(encoding="utf-8"))
FILES = fuzz.corpus_files(CORPUS)
TIMEOUT = 30.0  # seconds one input may take (the slowest, through the validation, take well under 2)


def name(path) -> str:
    return path.relative_to(CORPUS).as_posix()


@pytest.fixture(scope="module")
def replayed() -> dict:
    """Every corpus input, run once in a worker process with a time limit."""
    return fuzz.replay(FILES, TIMEOUT)


def test_the_corpus_covers_every_target():
    assert {p.parent.name for p in FILES} == set(fuzz.TARGETS)
    assert set(KNOWN["inputs"]) <= {name(p) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=[name(p) for p in FILES])
def test_a_saved_input_gives_a_result_or_a_one_line_error(path, replayed, request):
    if name(path) in KNOWN["inputs"]:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN["inputs"][name(path)]))
    outcome, report = replayed[str(path)]
    assert outcome in ("ok", "error"), report


def test_a_short_fresh_run_finds_nothing_unknown():
    summary = fuzz.campaign(
        seconds=None, inputs=300, targets=list(fuzz.TARGETS), seed=1130, timeout=TIMEOUT, save_dir=None, jobs=1, quiet=True
    )
    assert summary["inputs"] == 300
    assert set(summary["by_target"]) == set(fuzz.TARGETS)
    hangs = [k for k, f in summary["findings"].items() if f["kind"] == "hang"]
    assert not hangs
    unknown = {k: f["report"] for k, f in summary["findings"].items() if k not in KNOWN["signatures"]}
    assert not unknown, unknown


def test_the_mutator_and_the_shrinker(tmp_path):
    import random

    rng = random.Random(0)
    seeds = [b"@prefix kg: <https://w3id.org/csto-kg/id/> .\nkg:a kg:b kg:c .\n"]
    mutated = {fuzz.mutate(rng, seeds[0], seeds) for _ in range(50)}
    assert len(mutated) > 40 and all(len(m) <= 20000 + fuzz.MAX_SIZE for m in mutated)
    runner = fuzz.Runner(TIMEOUT)
    try:
        big = b"\n".join([b"kg:a kg:b kg:c ."] * 30 + [b"kg:a kg:b boom ."])
        outcome, _report = runner.run("selftest", big)
        assert outcome == "crash"  # the self-test target fails on any input holding "boom"
        small = fuzz.shrink(runner, "selftest", big, "crash")
        assert len(small) < len(big) / 3
        assert runner.run("selftest", small)[0] == "crash"
    finally:
        runner.close()


def test_a_hang_is_caught_and_a_dead_worker_replaced():
    runner = fuzz.Runner(2.0)
    try:
        assert runner.run("selftest", b"hang")[0] == "hang"
        assert runner.run("selftest", b"ok") == ("ok", "")
        assert runner.run("selftest", b"die")[0] == "crash"
        assert runner.run("selftest", b"ok") == ("ok", "")
    finally:
        runner.close()
