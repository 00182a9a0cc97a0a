"""A build killed at any moment (SIGKILL) leaves the previous build readable and complete,
and the next build succeeds and cleans up what the killed ones left."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, TURTLE_PREFIXES, scratch_copy

from csto_kg.building.store import MANIFEST, open_store
from csto_kg.core.paths import Layout

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

STATES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a csto:State }"
TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
EXTRA = TURTLE_PREFIXES + 'kg:crashland a csto:State ; rdfs:label "Crashland"@en ; prov:wasDerivedFrom src:wikipedia-lead .\n'


def build_command(data: Path, build: Path) -> list[str]:
    return [sys.executable, "-m", "csto_kg", "build", "--data", str(data), "--build-dir", str(build)]


def answers(layout: Layout) -> tuple[int, int]:
    """What the current build answers, read through the query path's own open_store."""
    from csto_kg.querying.catalogue import from_text
    from csto_kg.querying.sparql import run_on_store

    store = open_store(layout)
    return tuple(int(run_on_store(store, from_text(q)).rows[0][0].value) for q in (STATES, TRIPLES))  # type: ignore[return-value]


def test_a_killed_build_leaves_the_previous_build_whole(tmp_path):
    data = scratch_copy(tmp_path / "data")
    build = tmp_path / "build"
    layout = Layout.resolve(data, build)
    started = time.monotonic()
    subprocess.run(build_command(data, build), check=True, capture_output=True, cwd=ROOT)
    typical = time.monotonic() - started
    old_store = (build / "current").resolve()
    old_manifest = (old_store / MANIFEST).read_text()
    old_answers = answers(layout)

    # Every build from now on would change the answers, so a half-swapped build would show.
    (data / "graph" / "article" / "zz-crashland.ttl").write_text(EXTRA, encoding="utf-8")
    rng = random.Random(1130)
    new_answers = None
    killed_late = 0
    for _ in range(8):
        proc = subprocess.Popen(build_command(data, build), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(0, typical))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        current = (build / "current").resolve()
        assert (current / MANIFEST).is_file()
        if current == old_store:
            assert (current / MANIFEST).read_text() == old_manifest
            assert answers(layout) == old_answers
        else:  # the kill came after the swap: the new build is current, and whole
            killed_late += 1
            json.loads((current / MANIFEST).read_text())
            now = answers(layout)
            assert now[0] == old_answers[0] + 1
            assert new_answers in (None, now)
            new_answers = now

    proc = subprocess.run(build_command(data, build), capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    final = answers(layout)
    assert final[0] == old_answers[0] + 1 and new_answers in (None, final)
    # Nothing the killed builds left behind survives the next build; old stores are gone,
    # but for the current one, the one before it, and those this process still reads.
    from csto_kg.building import store as store_module

    stores = sorted(p.name for p in (build / "stores").iterdir())
    assert all((build / "stores" / s / MANIFEST).is_file() for s in stores), stores
    held_here = {Path(p).name for p in store_module._held}
    assert len(set(stores) - held_here) <= 2, (stores, held_here)
    assert not [p for p in os.listdir(build) if p.startswith(".current-")]
    query = subprocess.run(
        [sys.executable, "-m", "csto_kg", "query", "-e", STATES, "--format", "csv", "--data", str(data), "--build-dir", str(build)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert query.returncode == 0 and query.stdout.split() == ["n", str(final[0])], query.stderr


def test_leftovers_of_killed_builds_are_cleaned_up(tmp_path):
    import pyoxigraph as ox

    from csto_kg.building.store import write_store

    layout = Layout.resolve(tmp_path / "data", tmp_path / "build")
    quad = ox.Quad(
        ox.NamedNode("http://example.org/s"),
        ox.NamedNode("http://example.org/p"),
        ox.Literal("o"),
        ox.NamedNode("https://w3id.org/csto-kg/graph/article"),
    )
    first = write_store(layout, [quad], {"article": 1})
    stores = layout.build_dir / "stores"
    (stores / "20000101T000000-1-1").mkdir()  # a store a killed build never finished
    (stores / "20000101T000000-1-1" / ".csto-kg-store").touch()  # marked as the build's own first
    (stores / "20000101T000000-1-1" / "000001.log").write_bytes(b"partial")
    (stores / ".trash-20000101T000000-2-2").mkdir()  # a removal cut short
    os.symlink("stores/" + first.name, layout.build_dir / ".current-20000101T000000-3-3")  # a link never swapped in
    second = write_store(layout, [quad], {"article": 1})
    assert sorted(p.name for p in stores.iterdir()) == sorted([first.name, second.name])
    assert not list(layout.build_dir.glob(".current-*"))
    assert (layout.build_dir / "current").resolve() == second
