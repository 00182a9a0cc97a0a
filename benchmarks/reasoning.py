"""Benchmark OWL-RL reasoning: csto_kg.building.rules against owlrl (and `reasonable` if installed).

    python benchmarks/reasoning.py                      # 10^4, 10^5, 10^6 triples, 3 runs each
    python benchmarks/reasoning.py --sizes 10000 --runs 5 --engines rules owlrl

Graphs come from benchmarks/generate.py (seed 1), cached in --data-dir. Each run is a
fresh subprocess, so that its peak memory (VmHWM, else ru_maxrss) is its own, parsed graph
included; the seconds are those of the reasoning call only, after the graph is parsed:

* rules       csto_kg.building.rules.closure on the parsed triples (what the build runs);
* owlrl       csto_kg.building.reason.closure_owlrl (rdflib graph, owlrl closure, filtering);
* reasonable  reasonable.PyReasoner: load_file + reason (its own parser, all triples out).

A run that would take more than --timeout seconds (by extrapolation from the size before,
or by running out the clock) is reported as "skipped (>600 s)". A configuration whose
first run takes longer than --repeat-below seconds is not repeated. The table goes to
standard output, the figures to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("rules", "owlrl", "reasonable")


# -- child: one timed run ------------------------------------------------------------------


def _child(engine: str, path: str) -> None:
    sys.path.insert(0, str(ROOT))
    result: dict = {"engine": engine}
    if engine == "reasonable":
        import reasonable

        ttl = path[: -len(".nt")] + ".ttl" if path.endswith(".nt") else path  # it reads .ttl/.n3 only
        reasoner = reasonable.PyReasoner()
        start = time.perf_counter()
        reasoner.load_file(ttl)
        out = reasoner.reason()
        result["seconds"] = time.perf_counter() - start
        result["triples_out"] = len(out)
    else:
        import pyoxigraph as ox

        triples = {(t.subject, t.predicate, t.object) for t in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES)}
        if engine == "rules":
            from csto_kg.building.rules import closure
        else:
            from csto_kg.building.reason import closure_owlrl as closure
        start = time.perf_counter()
        inferred = closure(triples)
        result["seconds"] = time.perf_counter() - start
        result["triples_in"] = len(triples)
        result["inferred"] = len(inferred)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def _peak_mb() -> float:
    """This process's peak resident memory.

    VmHWM where there is /proc: ru_maxrss carries over across exec on Linux, so a child
    would report at least what its parent held when it forked.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 2**20


# -- parent ----------------------------------------------------------------------------------


def _graph(data_dir: Path, size: int) -> Path:
    path = data_dir / f"g{size}.nt"
    if not path.exists():  # generated in a subprocess, so that this one stays small
        tmp = path.with_suffix(".tmp")
        generator = ROOT / "benchmarks" / "generate.py"
        subprocess.run([sys.executable, str(generator), "--triples", str(size), "--seed", "1", "-o", str(tmp)], check=True)
        tmp.rename(path)
    ttl = path.with_suffix(".ttl")
    if not ttl.exists():
        ttl.symlink_to(path.name)
    return path


def _available(engine: str) -> bool:
    if engine != "reasonable":
        return True
    import importlib.util

    return importlib.util.find_spec("reasonable") is not None


def _run_once(engine: str, path: Path, timeout: float) -> dict | None:
    """One run in a fresh interpreter; None if it ran out the clock."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"{engine} on {path} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fmt(row: dict) -> str:
    if row.get("skipped"):
        return f"{row['engine']:<11} {row['triples']:>9,}  {row['skipped']}"
    return (
        f"{row['engine']:<11} {row['triples']:>9,} {row['runs']:>4} {row['median_s']:>10.2f} {row['min_s']:>9.2f} "
        f"{row['max_s']:>9.2f} {row['peak_mb']:>9.0f} {row['inferred'] if row['inferred'] is not None else '-':>10}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--runs", type=int, default=3, help="runs per engine and size (default 3)")
    parser.add_argument("--timeout", type=float, default=600, help="skip runs longer than this many seconds (default 600)")
    parser.add_argument("--repeat-below", type=float, default=60, help="repeat a run only if it took less (default 60 s)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "csto-kg-bench")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "reasoning.json", help="where to write the figures")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0

    args.data_dir.mkdir(parents=True, exist_ok=True)
    header = f"{'engine':<11} {'triples':>9} {'runs':>4} {'median s':>10} {'min s':>9} {'max s':>9} {'peak MB':>9} {'inferred':>10}"
    print(header)
    print("-" * len(header), flush=True)
    rows: list[dict] = []
    skipped_note = f"skipped (>{args.timeout:.0f} s)"
    for engine in args.engines:
        if not _available(engine):
            row = {"engine": engine, "triples": 0, "skipped": "skipped (not installed)"}
            rows.append(row)
            print(_fmt(row), flush=True)
            continue
        previous: tuple[int, float] | None = None  # (size, seconds) of the last size that ran
        gave_up = False
        for size in sorted(args.sizes):
            path = _graph(args.data_dir, size)
            row: dict = {"engine": engine, "triples": size}
            # owlrl grows a little faster than linearly (x12 per x10 measured): extrapolate so
            if gave_up or (previous and previous[1] * (size / previous[0]) ** 1.1 > args.timeout):
                row["skipped"] = skipped_note
            else:
                times, peaks, inferred = [], [], None
                for _ in range(args.runs):
                    result = _run_once(engine, path, args.timeout)
                    if result is None:
                        row["skipped"] = skipped_note
                        break
                    times.append(result["seconds"])
                    peaks.append(result["peak_mb"])
                    inferred = result.get("inferred", result.get("triples_out"))
                    if result["seconds"] > args.repeat_below:
                        break
                if times and "skipped" not in row:
                    row.update(
                        runs=len(times),
                        median_s=statistics.median(times),
                        min_s=min(times),
                        max_s=max(times),
                        peak_mb=max(peaks),
                        inferred=inferred,
                        seconds=times,
                    )
                    previous = (size, statistics.median(times))
            if "skipped" in row:
                gave_up = True
            rows.append(row)
            print(_fmt(row), flush=True)
    print("(inferred: triples added; for reasonable, all the triples it returns. peak MB: the run's process, graph included)")
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "timeout_s": args.timeout,
        "results": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
