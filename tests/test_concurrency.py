"""Queries and exports running while builds replace the store answer from the old build or
the new one, never from half of each, and never fail; builds started together both succeed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
from conftest import ROOT, TURTLE_PREFIXES, scratch_copy

from csto_kg.building.store import write_store
from csto_kg.core import formats
from csto_kg.core.built import MANIFEST, open_store
from csto_kg.core.paths import Layout

STATES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a csto:State }"
ARTICLE = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/csto-kg/graph/article> { ?s ?p ?o } }"
PREFIXES = TURTLE_PREFIXES
EXTRA = PREFIXES + 'kg:concurrentland a csto:State ; rdfs:label "Concurrentland"@en ; prov:wasDerivedFrom src:wikipedia-lead .\n'
STATE_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/csto-kg/ontology#State>"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csto_kg", *args], capture_output=True, text=True, cwd=ROOT, check=False)


def replace_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def answer(store: ox.Store) -> tuple[int, int]:
    """Two counts read from one opened store: both come from the same build or the test fails."""
    from csto_kg.querying.catalogue import from_text
    from csto_kg.querying.sparql import run_on_store

    return tuple(int(run_on_store(store, from_text(q)).rows[0][0].value) for q in (STATES, ARTICLE))  # type: ignore[return-value]


def test_queries_and_exports_during_rebuilds_see_one_whole_build(tmp_path):
    from csto_kg.exporting.serialize import write_export

    data = scratch_copy(tmp_path / "data")
    build = tmp_path / "build"
    layout = Layout.resolve(data, build)
    where = ["--data", str(data), "--build-dir", str(build)]
    toggle = data / "graph" / "article" / "zz-toggle.ttl"
    replace_atomically(toggle, PREFIXES)
    assert cli("build", *where).returncode == 0
    old = answer(open_store(layout))
    new = (old[0] + 1, old[1] + 3)  # one more state: its type, label and source
    exported_old = cli("export", "--format", "nt", *where).stdout.count(STATE_TYPE)

    done = threading.Event()
    seen: list[tuple] = []
    failures: list[str] = []

    def library_reader() -> None:
        while not done.is_set():
            try:
                store = open_store(layout)
                got = answer(store)
                buffer = io.BytesIO()
                write_export(store, buffer, formats.rdf_format("nt"))
                states = buffer.getvalue().decode("utf-8").count(STATE_TYPE)
                seen.append(("library", got, states))
                if got not in (old, new) or states - exported_old != got[0] - old[0]:
                    failures.append(f"library read {got}, export {states}: neither the old build nor the new one")
            except Exception as err:  # any failure is the finding
                failures.append(f"library: {type(err).__name__}: {err}")

    def cli_reader(command: str) -> None:
        while not done.is_set():
            if command == "query":
                proc = cli("query", "-e", STATES, "--format", "csv", *where)
                value = int(proc.stdout.split()[-1]) if proc.returncode == 0 and proc.stdout.split() else None
                ok = value in (old[0], new[0])
            else:
                proc = cli("export", "--format", "nt", *where)
                value = proc.stdout.count(STATE_TYPE)
                ok = proc.returncode == 0 and value in (exported_old, exported_old + 1)
            seen.append((command, value))
            if not ok:
                failures.append(f"{command}: exit {proc.returncode}, answer {value}, stderr {proc.stderr.strip()!r}")

    readers = [threading.Thread(target=library_reader) for _ in range(2)]
    readers += [threading.Thread(target=cli_reader, args=(c,)) for c in ("query", "export")]
    for reader in readers:
        reader.start()
    try:
        for i in range(4):
            replace_atomically(toggle, EXTRA if i % 2 == 0 else PREFIXES)
            proc = cli("build", *where)
            assert proc.returncode == 0, proc.stderr
            time.sleep(0.2)
    finally:
        done.set()
        for reader in readers:
            reader.join(120)
    assert not failures, failures[:5]
    kinds = {s[0] for s in seen}
    assert kinds == {"library", "query", "export"}, kinds
    answers = {s[1] for s in seen if s[0] == "library"}
    assert old in answers and new in answers, answers  # the readers did see the store replaced
    assert all((p / MANIFEST).is_file() for p in (build / "stores").iterdir())  # no half-written store left


def test_builds_started_together_both_succeed(tmp_path):
    data = scratch_copy(tmp_path / "data")
    command = [sys.executable, "-m", "csto_kg", "build", "--data", str(data), "--build-dir", str(tmp_path / "build")]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    results = [(*p.communicate(timeout=300), p.returncode) for p in procs]
    assert [r[2] for r in results] == [0, 0], [r[1] for r in results]
    current = (tmp_path / "build" / "current").resolve()
    assert (current / MANIFEST).is_file()
    stores = [p for p in (tmp_path / "build" / "stores").iterdir()]
    assert all((p / MANIFEST).is_file() for p in stores) and len(stores) == 2


def test_a_store_a_reader_holds_is_not_pruned(tmp_path):
    layout = Layout.resolve(tmp_path / "data", tmp_path / "build")
    graph = ox.NamedNode("https://w3id.org/csto-kg/graph/article")

    def quad(i: int) -> ox.Quad:
        return ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(str(i)), graph)

    write_store(layout, [quad(0)], {})
    held = open_store(layout)  # this process now holds the reader lock of build 0
    first = (layout.build_dir / "current").resolve()
    for i in range(1, 5):
        write_store(layout, [quad(i)], {})
    assert first.is_dir(), "a store in use was removed"
    assert [str(r[0].value) for r in held.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")] == ["0"]
    # A process that holds nothing lets a build prune it (here: a fresh interpreter builds).
    code = (
        "import pyoxigraph as ox, sys\n"
        "from csto_kg.core.paths import Layout\nfrom csto_kg.building.store import write_store\n"
        f"layout = Layout.resolve({str(tmp_path / 'data')!r}, {str(tmp_path / 'build')!r})\n"
        "g = ox.NamedNode('https://w3id.org/csto-kg/graph/article')\n"
        "write_store(layout, [ox.Quad(ox.NamedNode('http://e/s'), ox.NamedNode('http://e/p'), ox.Literal('x'), g)], {})\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
    assert first.is_dir()  # still held by this process
    stores = sorted(p.name for p in (layout.build_dir / "stores").iterdir())
    assert len(stores) == 3, stores  # the held one, the new one and the one before it
