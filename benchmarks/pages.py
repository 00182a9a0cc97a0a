"""Page benchmark: render time of each kind of page, beside the raw entity description.

    python benchmarks/pages.py                          # the project's graph and 10^6 triples
    python benchmarks/pages.py --sizes 0 --runs 20      # the project's graph only
    python benchmarks/pages.py --work /tmp/pages-bench  # keep (and reuse) the generated builds

For each size (0: the project's own graph; else its sources plus generated alliance data
from benchmarks/generate.py, built as benchmarks/run.py builds it, validation off), one
page of each kind is rendered `--runs` times on the open store (csto_kg.site.Site.render),
and the entity's raw description (the CONSTRUCT the server answers a machine client with,
written as Turtle) is timed beside it. Targets: 100 ms a page on the project's graph, 300
ms at 10^6 triples. Last, `csto-kg site` writes the whole static site of the project's
graph (target: under 10 s). Median, min and max milliseconds to standard output; the
figures to --json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import scratch_data  # noqa: E402

from csto_kg.core.namespaces import BASE, PREFIXES  # noqa: E402

PAGES = {
    "home": "/",
    "query page": "/query",
    "state": "/id/armenia",
    "person": "/id/stanislav-zas",
    "event": "/event/1992-05-15-treaty-signed",
    "treaty": "/id/collective-security-treaty",
    "organ": "/id/collective-security-council",
    "post": "/id/secretary-general",
    "source": "/source/wikipedia-2023-present",
    "membership (fact)": "/fact/membership-armenia-2024-06",
    "time": "/time/from-2024-06-12",
    "one year's timeline (2022)": "/year/2022",
}

_BUSIEST_ACTOR = """
PREFIX csto: <https://w3id.org/csto-kg/ontology#>
SELECT ?a (COUNT(?e) AS ?n) WHERE { ?e csto:actor ?a } GROUP BY ?a ORDER BY DESC(?n) LIMIT 1
"""


def _built(size: int, work: Path) -> Path:
    """The build folder of the project's graph (size 0) or of it with `size` generated triples."""
    from csto_kg.building.pipeline import build

    build_dir = work / f"build-{size}"
    if (build_dir / "current").exists():
        return build_dir
    extra = None
    if size:
        extra = work / f"g{size}.nt"
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", str(size), "--no-ontology", "-o", str(extra)],
            check=True,
        )
    data = ROOT if not size else scratch_data(work / f"data-{size}", extra)
    build(data, build_dir, validate=False, show_progress=False)
    return build_dir


def _ms(func, runs: int) -> dict:
    func()  # once to warm the store's caches, as a running server has them
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs}


def pages(size: int, work: Path, runs: int) -> dict:
    from csto_kg.core.paths import Layout
    from csto_kg.site import Site
    from csto_kg.site.export import describe

    build_dir = _built(size, work)
    layout = Layout.resolve(ROOT, build_dir)
    # The store itself, read-only: pages need neither the kept answers nor the dumps.
    store = ox.Store.read_only(str((build_dir / "current").resolve()))
    site = Site(store, layout)
    chosen = dict(PAGES)
    busiest = next(iter(store.query(_BUSIEST_ACTOR, use_default_graph_as_union=True)), None)
    if busiest is not None and busiest[0].value.startswith(BASE):
        chosen[f"busiest actor ({busiest[1].value} events)"] = "/" + busiest[0].value[len(BASE) :]
    out = {"triples": len(store)}
    for kind, path in chosen.items():
        if site.render(path, ["en"]) is None:
            raise SystemExit(f"no page at {path}")
        row = {"path": path, "page": _ms(lambda p=path: site.render(p, ["en"]), runs)}
        if path.count("/") > 1:
            iri = BASE + path.lstrip("/")
            row["describe"] = _ms(lambda i=iri: ox.serialize(describe(store, i), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), runs)
        out[kind] = row
    return out


def whole_site(work: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "csto_kg", "-q", "site", "-o", str(work / "site"), "--data", str(ROOT)], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,1000000", help="comma-separated generated triples; 0 = the project's graph")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", help="folder for the generated data and builds (kept; default: a temporary one)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        results: dict = {}
        for size in (int(s) for s in args.sizes.split(",")):
            found = pages(size, work, args.runs)
            results[str(size)] = found
            print(f"\n{'project graph' if not size else f'{size:,} generated triples'}: {found['triples']:,} quads in the store")
            print(f"{'page':40} {'render ms (median min max)':>28} {'describe ms (median)':>22}")
            for kind, row in found.items():
                if kind == "triples":
                    continue
                page = row["page"]
                raw = f"{row['describe']['median']:.1f}" if "describe" in row else "-"
                print(f"{kind:40} {page['median']:10.1f} {page['min']:8.1f} {page['max']:8.1f} {raw:>22}")
        results["site seconds"] = whole_site(work)
        print(f"\ncsto-kg site (project graph, whole static site): {results['site seconds']:.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
