"""The speed benchmark: every target, side by side, in one run.

    python benchmarks/run.py                         # all sizes: 10^4, 10^5, 10^6 triples
    python benchmarks/run.py --sizes 10000 --runs 3  # a quick run
    python benchmarks/run.py --sizes --baseline REV  # cold query and build against a revision

It measures, each in fresh subprocesses so that start-up and peak memory are real:

1. a named query from the command line with the build present (`csto-kg query members`),
   against the naive path (parse the sources with rdflib, owlrl closure, rdflib SPARQL);
2. a full build of the project's own graph (parse, validate, reason, store);
3. at each size, a graph made of the project's sources plus generated alliance data
   (benchmarks/generate.py): the build (reasoning with csto_kg.building.rules; validation off, as
   pySHACL over a million triples is not what this measures), every named query's median
   over repeated runs on the open store (its whole answer written as SPARQL TSV results,
   run on the store and, where the build kept one, read from the kept answer; and once
   made into Python rows), and Turtle and JSON-LD export (joined from the build's dumps as
   `csto-kg export` does, and once read back from the store).

With --baseline, a git revision's tree (unpacked by git archive, run on its own data and
the same installed dependencies) is built and timed in turn with this one: its cold
query and its build, one run of each after the other, so that the machine's load falls on
both alike.

Reasoning alone, against owlrl and reasonable, is benchmarks/reasoning.py. The table goes
to standard output (median, min, max seconds; peak MB), the figures to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The two measures taken of each tree, the working one and a --baseline revision.
COLD_QUERY = "csto-kg query members (cold process)"
BUILD = "csto-kg build (project graph, cold process)"

# The naive path: what a user without csto-kg would run for the same answer.
NAIVE = r"""
import sys, glob, datetime
from rdflib import Graph
import owlrl
g = Graph()
for path in sorted(glob.glob(sys.argv[1] + "/ontology/*.ttl") + glob.glob(sys.argv[1] + "/graph/*/*.ttl")):
    g.parse(path, format="turtle")
owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)
q = '''
PREFIX csto: <https://w3id.org/csto-kg/ontology#>
PREFIX kg: <https://w3id.org/csto-kg/id/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?name ?status WHERE {
  ?m a csto:Membership ; csto:member ?s ; csto:organisation kg:csto ; csto:status ?st ; csto:during ?i .
  ?st csto:countsAsMember true ; rdfs:label ?status .
  ?i time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?b .
  OPTIONAL { ?i time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?e }
  FILTER(STR(?b) <= "%s" && (!BOUND(?e) || "%s" < STR(?e)))
  ?s rdfs:label ?name . FILTER(lang(?name) = "en" && lang(?status) = "en")
}''' % ((datetime.date.today().isoformat(),) * 2)
print(len(list(g.query(q))))
"""

# One child run of the scale measurements: build, then time queries and exports.
SCALE = r"""
import json, statistics, sys, time, io, resource
sys.path.insert(0, sys.argv[3])
data, build_dir, runs = sys.argv[1], sys.argv[2], int(sys.argv[4])
from csto_kg.building.pipeline import build
from csto_kg.core.paths import Layout
from csto_kg.core.built import open_build
from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import run_on_store
from csto_kg.exporting.serialize import write_export
from csto_kg.core import formats
out = {}
t = time.perf_counter(); result = build(data, build_dir, validate=False)
out["build"] = time.perf_counter() - t
out["triples"] = sum(result.triples.values())
layout = Layout.resolve(data, build_dir)
store_dir, store = open_build(layout)
given = {"status": {"state": "armenia"}, "events-of": {"actor": "armenia"}, "ratifications": {"instrument": "kg:csto-charter"}}
out["queries"] = {}
# Each query's whole answer written as SPARQL TSV results, as `csto-kg query NAME -f tsv`
# does: run on the store, and read from the answer the build kept where it kept one
# (csto_kg/querying/answers.py); then, once, the same answer made into Python rows.
for name, named in catalogue(layout.queries_dir).items():
    if "SERVICE" in named.text:
        continue
    entry, bound = {}, given.get(name, {})
    for source, folder in (("store", None), ("kept", store_dir)):
        if folder is not None and run_on_store(store, named, bound, store_dir=folder).stored is None:
            continue  # the build kept no answer to this one
        times = []
        for _ in range(runs):
            buffer = io.BytesIO()
            t = time.perf_counter()
            run_on_store(store, named, bound, store_dir=folder).write(buffer, "tsv")
            times.append(time.perf_counter() - t)
            if times[-1] > 2.0:
                break  # a query this slow is not repeated: one run tells enough
        t = time.perf_counter(); rows = len(run_on_store(store, named, bound, store_dir=folder).rows)
        entry[source] = {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times),
                         "python_rows": time.perf_counter() - t, "rows": rows, "bytes": len(buffer.getvalue())}
    out["queries"][name] = entry
out["export"] = {}
# As `csto-kg export` does it (joined from the build's dumps); once read back from the store
# instead, as exports were made before the dumps, for comparison.
for fmt in ("turtle", "json-ld"):
    for label, inferred, folder, repeat in (
        ("", False, store_dir, max(1, runs // 3)),
        (" --inferred", True, store_dir, max(1, runs // 3)),
        (" --inferred, read from the store", True, None, 1),
    ):
        times = []
        for _ in range(repeat):
            buffer = io.BytesIO()
            t = time.perf_counter()
            write_export(store, buffer, formats.rdf_format(fmt), inferred, False, folder)
            times.append(time.perf_counter() - t)
        size = len(buffer.getvalue())
        out["export"][fmt + label] = {"median": statistics.median(times), "min": min(times), "max": max(times), "bytes": size}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak MB of the child (its own ru_maxrss, by wait4), and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark step failed: {' '.join(cmd)}\n{err.read().decode().strip()}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def scratch_data(dest: Path, extra: Path | None, root: Path = ROOT) -> Path:
    for name in ("ontology", "graph", "queries", "shapes"):
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name)
    if extra is not None:
        (dest / "graph" / "generated").mkdir()
        shutil.copy(extra, dest / "graph" / "generated" / "data.ttl")  # N-Triples is Turtle
    return dest


def checkout(revision: str, dest: Path) -> tuple[Path, str]:
    """A git revision's tree unpacked in dest (git archive), and its full commit name."""
    git = ["git", "-C", str(ROOT)]
    named = subprocess.run([*git, "rev-parse", "--verify", revision + "^{commit}"], capture_output=True, text=True, check=False)
    if named.returncode != 0:
        raise SystemExit(f"benchmark: {revision!r} is not a commit of this repository")
    archive = subprocess.run([*git, "archive", "--format=tar", named.stdout.strip()], capture_output=True, check=True)
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest, named.stdout.strip()


@dataclass
class Tree:
    """A source tree to time: started from its own folder, as `python -m` puts the working
    folder first on the path (ahead of PYTHONPATH and of any installed copy)."""

    root: Path
    env: dict[str, str]

    def run(self, *args: str) -> tuple[float, float, str]:
        return timed([PYTHON, "-m", "csto_kg", *args], self.env, self.root)


def prepared(root: Path, work: Path) -> Tree:
    """The tree that runs root's package on a copy of root's data, built once."""
    data = scratch_data(work / "data", None, root)
    # With the bytecode cache an installed package has: compiled once, and not turned off
    # by PYTHONDONTWRITEBYTECODE, which would make every start compile every module again.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(root / "csto_kg")], check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    env = {**os.environ, "CSTO_KG_DATA": str(data), "CSTO_KG_BUILD": str(work / "build"), "CSTO_KG_QUIET": "1"}
    tree = Tree(root, env)
    tree.run("build")
    return tree


def cold_figures(trees: dict[str, Tree], args: argparse.Namespace) -> dict[str, dict]:
    """Cold queries and whole builds of each tree, taken in turn so that load hits all alike."""
    queries: dict[str, list[float]] = {name: [] for name in trees}
    builds: dict[str, list[float]] = {name: [] for name in trees}
    peaks: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.cli_runs):
        for name, tree in trees.items():
            queries[name].append(tree.run("query", "members")[0])
    for _ in range(args.runs):
        for name, tree in trees.items():
            shutil.rmtree(tree.env["CSTO_KG_BUILD"], ignore_errors=True)
            seconds, peak, _ = tree.run("build")
            builds[name].append(seconds)
            peaks[name].append(peak)
    return {
        name: {
            COLD_QUERY: stats(queries[name]),
            BUILD: {**stats(builds[name]), "peak_mb": max(peaks[name])},
        }
        for name in trees
    }


def cli_query(args: argparse.Namespace, work: Path) -> tuple[dict, dict | None]:
    """The project's figures and, with --baseline, the same cold figures of that revision."""
    (work / "current").mkdir()
    trees = {"current": prepared(ROOT, work / "current")}
    commit = None
    if args.baseline:
        tree, commit = checkout(args.baseline, work / "baseline" / "tree")
        trees["baseline"] = prepared(tree, work / "baseline")
    cold = cold_figures(trees, args)
    data = trees["current"].env["CSTO_KG_DATA"]
    bare = [timed([PYTHON, "-c", "pass"])[0] for _ in range(args.cli_runs)]
    naive = [timed([PYTHON, "-c", NAIVE, data])[0] for _ in range(args.naive_runs)]
    ours = cold["current"][COLD_QUERY]
    project = {
        COLD_QUERY: ours,
        "python -c pass": stats(bare),
        "naive: rdflib parse + owlrl + rdflib SPARQL": stats(naive),
        "speed-up over the naive path": statistics.median(naive) / ours["median"],
        BUILD: cold["current"][BUILD],
    }
    baseline = None if commit is None else {"revision": args.baseline, "commit": commit, **cold["baseline"]}
    return project, baseline


def scale(args: argparse.Namespace, work: Path, size: int) -> dict:
    generated = work / f"g{size}.nt"
    generator = [PYTHON, str(ROOT / "benchmarks" / "generate.py"), "--triples", str(size), "--no-ontology"]
    subprocess.run([*generator, "-o", str(generated)], check=True)
    data = scratch_data(work / f"data-{size}", generated)
    proc = subprocess.run(
        [PYTHON, "-c", SCALE, str(data), str(work / f"build-{size}"), str(ROOT), str(args.runs * 3)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"scale run at {size} failed:\n{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def print_baseline(report: dict) -> None:
    baseline = report["baseline"]
    print(f"\nSide by side with {baseline['revision']} ({baseline['commit'][:12]}), run in turn")
    print(f"{'measure':48} {'baseline s':>10} {'this tree s':>11} {'ratio':>6}")
    for name in (COLD_QUERY, BUILD):
        before, after = baseline[name]["median"], report["project"][name]["median"]
        print(f"{name:48} {before:10.3f} {after:11.3f} {after / before:6.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of builds (queries run 3x this)")
    parser.add_argument("--cli-runs", type=int, default=15, help="cold command-line queries")
    parser.add_argument("--naive-runs", type=int, default=3, help="runs of the naive path")
    parser.add_argument("--baseline", metavar="REV", help="a git revision whose cold query and build run in turn with this tree's")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"))
    args = parser.parse_args(argv)

    report: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report["project"], baseline = cli_query(args, work)
        if baseline is not None:
            report["baseline"] = baseline
        report["scale"] = {str(size): scale(args, work, size) for size in args.sizes}

    print("Project graph")
    print(f"{'measure':48} {'median s':>9} {'min s':>8} {'max s':>8} {'peak MB':>8}")
    for name, value in report["project"].items():
        if isinstance(value, dict):
            peak = f"{value['peak_mb']:8.0f}" if "peak_mb" in value else f"{'':8}"
            print(f"{name:48} {value['median']:9.3f} {value['min']:8.3f} {value['max']:8.3f} {peak}")
        else:
            print(f"{name:48} {value:9.0f}x")
    if "baseline" in report:
        print_baseline(report)
    for size, result in report["scale"].items():
        print(f"\nGenerated graph of {int(size):,} triples ({result['triples']:,} in the built store, peak {result['peak_mb']:.0f} MB)")
        print(f"{'measure':48} {'median s':>9} {'min s':>8} {'max s':>8} {'rows':>8} {'as rows s':>9}")
        print(f"{'build (reason with csto_kg.building.rules, store)':48} {result['build']:9.2f}")
        for name, entry in sorted(result["queries"].items()):
            for source, q in entry.items():
                label = f"query {name}" + (", kept answer" if source == "kept" else "")
                print(f"{label:48} {q['median']:9.4f} {q['min']:8.4f} {q['max']:8.4f} {q['rows']:8} {q['python_rows']:9.4f}")
        for name, e in result["export"].items():
            print(f"{'export ' + name:48} {e['median']:9.2f} {e['min']:8.2f} {e['max']:8.2f}")
    Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
