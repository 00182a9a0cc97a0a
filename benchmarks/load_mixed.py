"""Mixed load on `csto-kg serve`: good, slow and hostile requests at once, for a bounded time.

    python benchmarks/load_mixed.py                       # 20 clients for 30 s
    python benchmarks/load_mixed.py --clients 20 --duration 5 --slow 2 --hostile 6

It starts a canary (an HTTP listener on a free port of 127.0.0.1 that counts every
request it gets) and `csto-kg serve` on another free port of 127.0.0.1 over the current
build, runs the clients, stops the server with SIGTERM, and prints, per class of request,
how many were sent, the statuses they got, and the latency of the good ones. Each client
keeps its connection alive (and opens a new one when the server closes it).

Clients, each sending one class of request in a loop until the time is up:
  good      (all the others) the named queries members, organs, membership-history and
            observers (as `csto-kg query --endpoint` sends them), /id/armenia as Turtle and as
            HTML, and a small ASK: expected 200
  slow      (--slow) a query that runs into the time limit: expected 503
  hostile   (--hostile) in turn: SERVICE to the canary (plain, through a variable, hidden
            as `1SERVICE`) and LOAD from it: 403; a body over --max-body: 413; paths that
            climb out of /id/, percent-encoded or with a NUL: 404; a path over 1024
            characters: 414; an absolute URL naming the canary as request target: 404; a
            result over --max-results: 413

Any other status (a 503 because the server is busy counts as one), a connection error,
or a request that reached the canary is reported, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT, ROOT / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from load_serve import row, start_server, stop_server  # noqa: E402 - shared by both load benchmarks

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows: never ends in time
GOOD_NAMED = ("members", "organs", "membership-history", "observers")
SERVER_OPTIONS = ("--timeout", "2", "--max-results", "5000", "--max-body", "1M", "--max-concurrent", "8", "--max-waiting", "32")


@dataclass
class Request:
    cls: str  # good, slow, hostile
    kind: str
    method: str
    path: str
    expect: frozenset[str]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _form(text: str, key: str = "query") -> bytes:
    return urllib.parse.urlencode({key: text}).encode()


_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}


def good_requests(data_root: Path = ROOT) -> list[Request]:
    from csto_kg.linking import remote
    from csto_kg.querying import catalogue, params

    known = catalogue.catalogue(data_root / "queries")
    ok = frozenset({"200"})
    out = []
    for name in GOOD_NAMED:
        if name in known:
            named = known[name]
            given = {p.name: "armenia" for p in named.params if p.required}
            text = remote.prepare(named.text, params.substitutions(named, given))
            out.append(Request("good", name, "POST", "/query", ok, _form(text), dict(_FORM)))
    out.append(Request("good", "entity", "GET", "/id/armenia", ok, headers={"Accept": "text/turtle"}))
    out.append(Request("good", "page", "GET", "/id/armenia", ok, headers={"Accept": "text/html"}))
    ask = urllib.parse.urlencode({"query": "ASK { <https://w3id.org/csto-kg/id/armenia> ?p ?o }"})
    out.append(Request("good", "ask", "GET", f"/query?{ask}", ok, headers={"Accept": "application/sparql-results+json"}))
    return out


def slow_requests() -> list[Request]:
    return [Request("slow", "slow", "POST", "/query", frozenset({"503"}), _form(SLOW), dict(_FORM))]


def hostile_requests(canary: str, max_body: int = 1 << 20) -> list[Request]:
    """`canary`: http://127.0.0.1:PORT of a listener that must never be reached."""
    refused, missing = frozenset({"403"}), frozenset({"404"})
    where = f"<{canary}/sparql>"
    climbing = (
        "/id/../../etc/passwd",
        "/id/%2e%2e/%2e%2e/etc/passwd",
        "/id/..%2f..%2fetc%2fpasswd",
        "/id/a%00b",
        "/fact/%2E%2E%2F%2E%2E%2Fetc%2Fshadow",
    )
    return [
        Request(
            "hostile", "service", "POST", "/query", refused, _form(f"SELECT * WHERE {{ SERVICE {where} {{ ?s ?p ?o }} }}"), dict(_FORM)
        ),
        Request(
            "hostile",
            "service-variable",
            "POST",
            "/query",
            refused,
            _form(f"SELECT * WHERE {{ VALUES ?u {{ {where} }} SERVICE ?u {{ ?s ?p ?o }} }}"),
            dict(_FORM),
        ),
        Request(
            "hostile",
            "service-hidden",
            "POST",
            "/query",
            refused,
            _form(f"SELECT * WHERE {{ ?a ?b 1SERVICE{where}{{ ?s ?p ?o }} }}"),
            dict(_FORM),
        ),
        Request(
            "hostile",
            "load",
            "POST",
            "/update",
            refused,
            _form(f"LOAD <{canary}/data.ttl>", "update"),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        Request(
            "hostile",
            "huge-body",
            "POST",
            "/query",
            frozenset({"413"}),
            b"#" * (max_body + 1),
            {"Content-Type": "application/sparql-query"},
        ),
        *(Request("hostile", "climbing-path", "GET", path, missing) for path in climbing),
        Request("hostile", "long-path", "GET", "/id/" + "a" * 5000, frozenset({"414"})),
        Request("hostile", "absolute-url", "GET", f"{canary}/etc/passwd", missing),
        Request("hostile", "huge-result", "POST", "/query", frozenset({"413"}), _form("SELECT * WHERE { ?s ?p ?o }"), dict(_FORM)),
    ]


# ------------------------------------------------------------------ the canary
class Canary:
    """An HTTP listener on 127.0.0.1 that records every request it gets."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                hits.append(f"{self.command} {self.path}")
                body = b"canary\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ running the load
@dataclass
class Report:
    seconds: float = 0.0
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # kind -> status -> count
    classes: dict[str, str] = field(default_factory=dict)  # kind -> class
    expected: dict[str, frozenset[str]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # good kind -> seconds
    canary_hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def unexpected(self, cls: str | None = None) -> Counter:
        """(kind, status) -> count, for the statuses a kind was not expected to get."""
        found: Counter = Counter()
        for kind, counts in self.statuses.items():
            if cls is None or self.classes[kind] == cls:
                for status, n in counts.items():
                    if status not in self.expected[kind]:
                        found[(kind, status)] += n
        return found

    def count(self, cls: str) -> int:
        return sum(sum(c.values()) for k, c in self.statuses.items() if self.classes[k] == cls)

    def good_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


def _status(response: http.client.HTTPResponse) -> str:
    if response.status == 503 and response.getheader("Retry-After"):
        return "503 busy"
    return str(response.status)


def _client(base: str, requests: list[Request], offset: int, deadline: float, report: Report) -> None:
    parts = urllib.parse.urlsplit(base)
    conn: http.client.HTTPConnection | None = None
    index = offset
    while time.monotonic() < deadline:
        request = requests[index % len(requests)]
        index += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            conn.request(request.method, request.path, body=request.body, headers=request.headers)
            response = conn.getresponse()
            response.read()
            status = _status(response)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as err:
            if conn is not None:
                conn.close()
            conn = None
            status = f"error {type(err).__name__}"
        elapsed = time.perf_counter() - started
        with report.lock:
            report.statuses[request.kind][status] += 1
            if request.cls == "good" and status == "200":
                report.latencies[request.kind].append(elapsed)
    if conn is not None:
        conn.close()


def run_load(
    base: str,
    canary: Canary,
    *,
    clients: int = 20,
    duration: float = 30.0,
    slow: int = 2,
    hostile: int = 6,
    max_body: int = 1 << 20,
    data_root: Path = ROOT,
) -> Report:
    """Run the clients against the server at `base` (http://HOST:PORT) and report."""
    if clients < 1 or slow < 0 or hostile < 0 or slow + hostile >= clients:
        raise ValueError("need at least one good client: --slow + --hostile must be fewer than --clients")
    groups = {"good": good_requests(data_root), "slow": slow_requests(), "hostile": hostile_requests(canary.url, max_body)}
    report = Report()
    for requests in groups.values():
        for request in requests:
            report.classes[request.kind] = request.cls
            report.expected[request.kind] = report.expected.get(request.kind, frozenset()) | request.expect
    roles = ["slow"] * slow + ["hostile"] * hostile
    roles += ["good"] * (clients - len(roles))
    began = time.monotonic()
    deadline = began + duration
    threads = [
        threading.Thread(target=_client, args=(base.rstrip("/"), groups[role], i, deadline, report), daemon=True)
        for i, role in enumerate(roles)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    report.seconds = time.monotonic() - began
    report.canary_hits = list(canary.hits)
    return report


def render(report: Report, clients: int, slow: int, hostile: int) -> str:
    lines = [
        f"{clients} clients ({clients - slow - hostile} good, {slow} slow, {hostile} hostile), {report.seconds:.1f} s, "
        f"{sum(sum(c.values()) for c in report.statuses.values())} requests",
        "",
        "| class | requests | statuses | unexpected |",
        "|---|---|---|---|",
    ]
    for cls in ("good", "slow", "hostile"):
        counts: Counter = Counter()
        for kind, statuses in report.statuses.items():
            if report.classes[kind] == cls:
                counts.update(statuses)
        shown = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
        lines.append(f"| {cls} | {report.count(cls)} | {shown} | {sum(report.unexpected(cls).values())} |")
    lines += ["", "| kind | class | requests | statuses |", "|---|---|---|---|"]
    for kind, statuses in report.statuses.items():
        shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
        lines.append(f"| {kind} | {report.classes[kind]} | {sum(statuses.values())} | {shown} |")
    lines += ["", "| good request | ok | per s | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|"]
    for name, values in [("all good", report.good_latencies()), *report.latencies.items()]:
        lines.append(row(name, values, report.seconds, (50, 99)))
    lines.append("")
    lines.append(f"requests that reached the canary: {len(report.canary_hits)}")
    unexpected = report.unexpected()
    if unexpected:
        lines.append("unexpected statuses:")
        lines += [f"  {n:>6}  {kind}: {status}" for (kind, status), n in unexpected.most_common()]
    return "\n".join(lines)


# ------------------------------------------------------------------ the command
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients [20]")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds [30]")
    parser.add_argument("--slow", type=int, default=2, help="clients sending queries that run into the time limit [2]")
    parser.add_argument("--hostile", type=int, default=6, help="clients sending hostile requests [6]")
    parser.add_argument("--data", help="data root for the server [the project]")
    parser.add_argument("--build-dir", help="build folder for the server [DATA/build]")
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="OPT",
        help=f"extra option for csto-kg serve, repeatable (after {' '.join(SERVER_OPTIONS)})",
    )
    args = parser.parse_args()
    if args.duration <= 0:
        raise SystemExit("--duration must be more than 0")
    options = (*SERVER_OPTIONS, *args.server_option)
    with tempfile.TemporaryDirectory(prefix="csto-kg-load-") as folder, Canary() as canary:
        log = Path(folder) / "serve.log"
        process, base = start_server(log, options, args.data, args.build_dir)
        print(f"csto-kg serve {' '.join(options)} at {base}/; canary at {canary.url}", file=sys.stderr)
        try:
            report = run_load(
                base,
                canary,
                clients=args.clients,
                duration=args.duration,
                slow=args.slow,
                hostile=args.hostile,
                data_root=Path(args.data or ROOT),
            )
        except ValueError as err:
            raise SystemExit(str(err)) from None
        finally:
            stop_server(process)
            lines = log.read_text(errors="replace").splitlines()
            replaced = sum("replaced the Oxigraph server" in line for line in lines)
            print(f"server stopped (exit {process.returncode}); log: {len(lines)} lines", file=sys.stderr)
    print(render(report, args.clients, args.slow, args.hostile))
    print(f"Oxigraph server replaced by the supervisor: {replaced} times")
    return 1 if report.unexpected() or report.canary_hits or process.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
