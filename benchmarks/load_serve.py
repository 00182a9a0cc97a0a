"""Load test of `csto-kg serve`: concurrent queries for a bounded time, then a report.

    python benchmarks/load_serve.py                     # 8 workers for 30 s
    python benchmarks/load_serve.py --workers 16 --duration 10 --mix members,entity

It starts `csto-kg serve` on 127.0.0.1 (a free port) over the current build, sends
requests from a pool of worker threads (each with its own kept-alive connection) until
the time is up or --requests have been sent, stops the server with SIGTERM, and prints
throughput, latency percentiles (p50/p90/p99/max) and errors, overall and per kind of
request. With --url it loads a server that is already running instead.

Kinds of request (--mix, comma-separated, taken in turn):
  members, organs, membership-history, office-holders, observers, timeline
             the named query with its default parameters, sent by POST as a client would
             (prefixes declared, parameters bound; csto_kg.linking.remote.prepare)
  entity     GET /id/armenia as Turtle
  page       GET /id/armenia as HTML
  ask        GET /query?query=ASK{...}
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_MIX = "members,organs,membership-history,entity,page,ask"
NAMED = ("members", "organs", "membership-history", "office-holders", "observers", "timeline", "people", "events-of")


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def build_requests(kinds: list[str], data_root: Path) -> list[Request]:
    from csto_kg.linking import remote
    from csto_kg.querying import catalogue, params

    known = catalogue.catalogue(data_root / "queries")
    out = []
    for kind in kinds:
        if kind in known:
            named = known[kind]
            given = {p.name: "armenia" for p in named.params if p.required}
            text = remote.prepare(named.text, params.substitutions(named, given))
            body = urllib.parse.urlencode({"query": text}).encode()
            out.append(
                Request(
                    kind,
                    "POST",
                    "/query",
                    body,
                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
                )
            )
        elif kind == "entity":
            out.append(Request(kind, "GET", "/id/armenia", headers={"Accept": "text/turtle"}))
        elif kind == "page":
            out.append(Request(kind, "GET", "/id/armenia", headers={"Accept": "text/html"}))
        elif kind == "ask":
            query = urllib.parse.urlencode({"query": "ASK { <https://w3id.org/csto-kg/id/armenia> ?p ?o }"})
            out.append(Request(kind, "GET", f"/query?{query}", headers={"Accept": "application/sparql-results+json"}))
        else:
            raise SystemExit(f"unknown kind of request {kind!r}; known: {', '.join([*NAMED, 'entity', 'page', 'ask'])}")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(log: Path, options: tuple[str, ...], data: str | None, build_dir: str | None) -> tuple[subprocess.Popen, str]:
    """`csto-kg serve` on a free port of 127.0.0.1, with its log in `log`; the process and
    its base URL, once it serves."""
    port = free_port()
    command = [sys.executable, "-m", "csto_kg", "serve", "--port", str(port), *options]
    if data:
        command += ["--data", data]
    if build_dir:
        command += ["--build-dir", build_dir]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log, "wb") as stream:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stream, env=env)
    line = process.stdout.readline().decode().strip()  # the endpoint URL, once it serves
    if not line.startswith("http://"):
        process.kill()
        process.wait()
        raise SystemExit(f"csto-kg serve did not start:\n{log.read_text(errors='replace')}")
    return process, line.rsplit("/", 1)[0]


def stop_server(process: subprocess.Popen) -> float:
    """Stop the server as a user would (SIGTERM); the seconds it took."""
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()
    return time.perf_counter() - started


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0


def worker(base: str, requests: list[Request], offset: int, deadline: float, limit: int | None, results: Results) -> None:
    parts = urllib.parse.urlsplit(base)
    conn: http.client.HTTPConnection | None = None
    index = offset
    while time.monotonic() < deadline:
        with results.lock:
            if limit is not None and results.sent >= limit:
                return
            results.sent += 1
        request = requests[index % len(requests)]
        index += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            conn.request(request.method, request.path, body=request.body, headers=request.headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as err:
            if conn is not None:
                conn.close()
            conn = None
            with results.lock:
                results.errors[f"{request.kind}: {type(err).__name__}"] += 1
            continue
        elapsed = time.perf_counter() - started
        with results.lock:
            if status == 200:
                results.latencies[request.kind].append(elapsed)
            else:
                results.errors[f"{request.kind}: HTTP {status}"] += 1
    if conn is not None:
        conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def row(name: str, values: list[float], seconds: float, percentiles: tuple[int, ...] = (50, 90, 99)) -> str:
    """One table row: how many, how many a second, the latency percentiles and the
    maximum in ms (`values` in seconds, over a run of `seconds`)."""
    ms = [v * 1000 for v in values]
    cells = [str(len(values)), f"{len(values) / seconds:.1f}", *(f"{percentile(ms, p):.1f}" for p in percentiles)]
    cells.append(f"{max(ms) if ms else float('nan'):.1f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8, help="concurrent clients [8]")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds to send requests for [30]")
    parser.add_argument("--requests", type=int, help="stop after this many requests, if sooner")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"kinds of request, taken in turn [{DEFAULT_MIX}]")
    parser.add_argument("--timeout", type=float, default=30.0, help="the server's query timeout [30]")
    parser.add_argument("--url", help="load this running server (http://HOST:PORT) instead of starting one")
    parser.add_argument("--data", help="data root for the server [the project]")
    parser.add_argument("--build-dir", help="build folder for the server [DATA/build]")
    args = parser.parse_args()
    if args.workers < 1 or args.duration <= 0:
        raise SystemExit("--workers must be at least 1 and --duration more than 0")

    requests = build_requests([k.strip() for k in args.mix.split(",") if k.strip()], Path(args.data or ROOT))
    process = None
    with tempfile.TemporaryDirectory(prefix="csto-kg-load-") as folder:
        log = Path(folder) / "serve.log"
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                started = time.perf_counter()
                process, base = start_server(log, ("--timeout", str(args.timeout)), args.data, args.build_dir)
                print(f"started csto-kg serve at {base}/ in {time.perf_counter() - started:.2f} s", file=sys.stderr)
            results = Results()
            began = time.monotonic()
            deadline = began + args.duration
            threads = [
                threading.Thread(target=worker, args=(base, requests, i, deadline, args.requests, results), daemon=True)
                for i in range(args.workers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.duration + 120)
            seconds = time.monotonic() - began
        finally:
            if process is not None:
                stopped = stop_server(process)
                print(f"stopped the server in {stopped:.2f} s (exit {process.returncode})", file=sys.stderr)
                lines = sum(1 for _ in log.open(errors="replace")) if log.exists() else 0
                print(f"server log: {lines} lines", file=sys.stderr)

    everything = [v for values in results.latencies.values() for v in values]
    failed = sum(results.errors.values())
    print(
        f"\n{args.workers} workers, {seconds:.1f} s, {len(everything) + failed} requests, "
        f"{len(everything) / seconds:.1f} ok/s, {failed} errors\n"
    )
    print("| request | ok | per s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    print(row("all", everything, seconds))
    for kind in dict.fromkeys(r.kind for r in requests):
        print(row(kind, results.latencies.get(kind, []), seconds))
    if results.errors:
        print("\nerrors:")
        for what, count in results.errors.most_common():
            print(f"  {count:>6}  {what}")
    if everything:
        print(f"\nmean {statistics.mean(everything) * 1000:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
