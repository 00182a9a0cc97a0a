"""Fuzz csto-kg's loaders and query entry points.

The rule under test: any input gives a result or a one-line error (a CstoKgError whose
message is a single line), never an uncaught exception and never a hang. Inputs are
mutations of real ones (the project's Turtle files cut into pieces, the invalid
fixtures, JSON-LD exports of them, the named queries), run in a worker process that is
killed when one input takes longer than --timeout seconds (an input that times out is run
once more, and counts as a hang only if it times out again).

Targets:

- turtle:   csto_kg.building.load.parse_file on a temporary .ttl file; what parses is exported
            in every RDF format (csto_kg.exporting.serialize.write_export) and read back, and
            must come back the same (canonical blank nodes).
- reason:   parse_file, then the OWL-RL closure (csto_kg.building.reason) and the date bounds
            (csto_kg.building.timebounds), as `build --no-validate` would run them.
- validate: the build's gate (csto_kg.validate.validation.check_graph, SHACL shapes and checks)
            on the parsed file beside the ontology; slower, so drawn less often.
- jsonld:   parse_file of JSON-LD, then the JSON-LD export and back.
- files:    parse_file on a source that is a FIFO, a device, a folder, a broken or
            looping link, or empty (the input's first byte picks which).
- sparql:   a .rq file or text through csto_kg.querying.sparql.resolve and the catalogue's
            header parser, bound with parameters, screened for SERVICE as the command
            line does, run on a small store, written in every result format.

Usage:

    python scripts/fuzz.py                          # 60 s over every target
    python scripts/fuzz.py --seconds 600 --jobs 2   # a longer campaign
    python scripts/fuzz.py --target sparql --inputs 5000 --seed 7
    python scripts/fuzz.py --replay tests/fuzz_corpus

It prints how many inputs were tried and what it found. A crash or a hang is saved
(shrunk first) under --save (default tests/fuzz_corpus/TARGET/), where
tests/test_fuzz.py replays it on every test run; exit status 1 if anything was found.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import pickle
import random
import re
import select
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fuzz_corpus"
TARGETS = ("turtle", "reason", "validate", "jsonld", "sparql", "files")
WEIGHTS = {"turtle": 4, "reason": 4, "validate": 1, "jsonld": 3, "sparql": 4, "files": 1}
EXTENSIONS = {"turtle": ".ttl", "reason": ".ttl", "validate": ".ttl", "jsonld": ".jsonld", "sparql": ".rq", "files": ".bin"}

# -- the targets (run in the worker process) -----------------------------------------------

_state: dict = {}


def _setup() -> dict:
    """Per-worker state: a temporary folder, a small store for queries, a data folder."""
    if _state:
        return _state
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import logging
    import shutil

    import pyoxigraph as ox

    from csto_kg.building import load
    from csto_kg.core.namespaces import GRAPH_ARTICLE

    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    tmp = Path(tempfile.mkdtemp(prefix="csto-kg-fuzz-"))
    store = ox.Store()
    for fixture in sorted((ROOT / "tests" / "fixtures").glob("*/*.ttl")):
        store.bulk_extend(load.parse_file(fixture, GRAPH_ARTICLE))
    store.bulk_extend(load.parse_file(ROOT / "graph" / "article" / "states.ttl", GRAPH_ARTICLE))
    # A data folder for the validate target: the ontology, the checks, and one graph file.
    data = tmp / "data"
    (data / "graph" / "fuzz").mkdir(parents=True)
    shutil.copytree(ROOT / "ontology", data / "ontology")
    shutil.copytree(ROOT / "queries", data / "queries")
    shutil.copytree(ROOT / "shapes", data / "shapes")
    _state.update(tmp=tmp, store=store, data=data)
    return _state


def _one_line(err: BaseException) -> None:
    from csto_kg.core.errors import CstoKgError

    if not isinstance(err, CstoKgError):
        raise err
    message = str(err)
    if "\n" in message or not message.strip():
        raise AssertionError(f"{type(err).__name__} message is not one line: {message!r}")


def _round_trip(quads: list, formats_to_try: list) -> None:
    """Export `quads` (held in a store) in each format and read them back: the same graph."""
    import pyoxigraph as ox

    from csto_kg.exporting.serialize import write_export

    store = ox.Store()
    store.extend(quads)
    held = list(store.quads_for_pattern(None, None, None, None))

    def canonical(items: list, keep_graphs: bool) -> set:
        dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object, q.graph_name if keep_graphs else ox.DefaultGraph()) for q in items)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return set(dataset)

    for fmt in formats_to_try:
        buffer = io.BytesIO()
        write_export(store, buffer, fmt)
        back = list(ox.parse(buffer.getvalue(), format=fmt.oxigraph))
        if canonical(back, fmt.datasets) != canonical(held, fmt.datasets):
            raise AssertionError(f"{fmt.name} export does not read back as the same graph")


def target_turtle(data: bytes) -> str:
    from csto_kg.building import load
    from csto_kg.core import formats
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.namespaces import GRAPH_ARTICLE

    path = _setup()["tmp"] / "input.ttl"
    path.write_bytes(data)
    try:
        quads = load.parse_file(path, GRAPH_ARTICLE)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    _round_trip(quads, list(formats.RDF_FORMATS))
    return "ok"


FILE_KINDS = ("regular", "fifo", "device", "directory", "dangling", "loop", "empty")


def target_files(data: bytes) -> str:
    """A source that is not a regular file (a FIFO, a device, a folder, a broken or looping
    link) must be a one-line error, never a hang or a read without end."""
    from csto_kg.building import load
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.namespaces import GRAPH_ARTICLE

    folder = Path(tempfile.mkdtemp(dir=_setup()["tmp"]))
    path = folder / "input.ttl"
    kind = FILE_KINDS[data[0] % len(FILE_KINDS)] if data else "empty"
    if kind == "regular":
        path.write_bytes(data[1:])
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to(folder / "nowhere.ttl")
    elif kind == "loop":
        path.symlink_to(path)
    else:
        path.write_bytes(b"")
    try:
        load.parse_file(path, GRAPH_ARTICLE)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    return "ok"


def target_reason(data: bytes) -> str:
    from csto_kg.building import load, reason, timebounds
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.namespaces import GRAPH_ARTICLE

    path = _setup()["tmp"] / "input.ttl"
    path.write_bytes(data)
    try:
        quads = load.parse_file(path, GRAPH_ARTICLE)
        reason.closure({(q.subject, q.predicate, q.object) for q in quads})
        timebounds.derive(quads)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    return "ok"


def target_validate(data: bytes) -> str:
    from csto_kg.building import load, pipeline, reason
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.paths import Layout
    from csto_kg.validate import validation as validate

    state = _setup()
    path = state["data"] / "graph" / "fuzz" / "input.ttl"
    path.write_bytes(data)
    layout = Layout.resolve(state["data"], state["tmp"] / "build")
    try:
        asserted = load.load(layout)
        inferred = reason.closure({(q.subject, q.predicate, q.object) for q in asserted})
        report = validate.check_graph(layout, asserted, inferred, steps=pipeline.STEPS)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    report.text()
    report.as_json()
    report.rdf()
    return "ok" if report.conforms else "error"


def target_jsonld(data: bytes) -> str:
    import pyoxigraph as ox

    from csto_kg.building import load
    from csto_kg.core import formats
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.namespaces import GRAPH_ARTICLE

    path = _setup()["tmp"] / "input.jsonld"
    path.write_bytes(data)
    try:
        quads = load.parse_file(path, GRAPH_ARTICLE, ox.RdfFormat.JSON_LD)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    _round_trip(quads, [formats.rdf_format("json-ld"), formats.rdf_format("trig")])
    return "ok"


_VALUES = (
    "2000-01-01",
    "today",
    "1999",
    "armenia",
    "kg:russia",
    "atop",
    "article",
    "12",
    "",
    "x y",
    "2020-02-30",
    "csto:Signing",
    "<https://w3id.org/csto-kg/id/csto>",
    "\u0000",
    '"; DROP ALL; #',
    "kg:a b",
)


def target_sparql(data: bytes) -> str:
    from csto_kg.cli.query import service_screen
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.paths import Layout
    from csto_kg.querying import catalogue, sparql

    state = _setup()
    pick = random.Random(data)
    try:
        if pick.random() < 0.5:
            path = state["tmp"] / "input.rq"
            path.write_bytes(data)
            named = sparql.resolve(str(path), Layout.resolve(ROOT, state["tmp"] / "build"))
        else:
            named = catalogue.from_text(data.decode("utf-8", errors="replace"), "fuzz")
        given = {p.name: pick.choice(_VALUES) for p in named.params if pick.random() < 0.7}
        if pick.random() < 0.1:
            given[pick.choice(["date", "zz", "source"])] = pick.choice(_VALUES)
        # The command line's SERVICE screen, with nothing allowed: every SERVICE is refused.
        service_screen((), given)(sparql.query_text(named, given))
        if re.search(r"\bSERVICE\b", named.text, re.IGNORECASE):
            return "ok"  # one in a string or a comment, most likely; the network is not fuzzed
        result = sparql.run_on_store(state["store"], named, given, asserted=pick.random() < 0.3)
        for fmt in ("table", "csv", "tsv", "json", "xml") if result.kind != "graph" else ("turtle", "json-ld", "nt"):
            sparql.render(result, fmt)
    except CstoKgError as err:
        _one_line(err)
        return "error"
    return "ok"


def target_selftest(data: bytes) -> str:
    """Not fuzzed: lets the tests check that a hang is caught and a dead worker replaced."""
    if data == b"hang":
        time.sleep(3600)
    if data == b"die":
        os._exit(3)
    if b"boom" in data:
        raise RuntimeError("boom")
    return "ok"


RUN = {
    "turtle": target_turtle,
    "reason": target_reason,
    "validate": target_validate,
    "jsonld": target_jsonld,
    "sparql": target_sparql,
    "files": target_files,
    "selftest": target_selftest,
}


def run_one(target: str, data: bytes) -> tuple[str, str]:
    """('ok' | 'error', '') or ('crash', traceback)."""
    try:
        return RUN[target](data), ""
    except Exception:  # the finding itself
        return "crash", traceback.format_exc(limit=-6)


def _worker() -> None:
    """`fuzz.py --worker`: read (target, input) pickles on standard input, answer on standard output."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the code under test prints goes to standard error, not into the answers
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    _setup()
    pickle.dump(("ready", ""), answers)
    answers.flush()
    while True:
        try:
            message = pickle.load(requests)
        except EOFError:
            return
        if message is None:
            return
        pickle.dump(run_one(*message), answers)
        answers.flush()


class Runner:
    """A worker process with a time limit per input; a hung worker is killed and replaced."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        if not self._answer(120):
            self.stop()
            raise RuntimeError("the fuzz worker did not start")

    def _answer(self, timeout: float) -> tuple[str, str] | None:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return pickle.load(self.process.stdout) if ready else None

    def run(self, target: str, data: bytes) -> tuple[str, str]:
        if self.process is None or self.process.poll() is not None:
            self.start()
        try:
            pickle.dump((target, data), self.process.stdin)
            self.process.stdin.flush()
            answer = self._answer(self.timeout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.stop()
            return "crash", "the worker process died (a crash in native code?)"
        if answer is None:
            self.stop()
            return "hang", f"no answer within {self.timeout} s"
        return answer

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(10)
            for stream in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
        self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                pickle.dump(None, self.process.stdin)
                self.process.stdin.flush()
                self.process.wait(5)
        self.stop()


# -- seeds and mutations ------------------------------------------------------------------------

TOKENS = [
    b"@prefix ",
    b"PREFIX ",
    b"@base <http://x/> .",
    b"<",
    b">",
    b'"',
    b'"""',
    b"'",
    b"^^xsd:date",
    b"^^xsd:gYear",
    b"^^xsd:gYearMonth",
    b"^^xsd:integer",
    b"^^xsd:decimal",
    b"^^xsd:boolean",
    b"@en",
    b"@ru-Latn",
    b";",
    b",",
    b" .",
    b"[",
    b"]",
    b"(",
    b")",
    b"_:b0",
    b" a ",
    b"csto:notBefore",
    b"csto:notAfter",
    b"time:inXSDDate",
    b"time:inXSDgYear",
    b"csto:date",
    b"time:hasBeginning",
    b"time:hasEnd",
    b"csto:during",
    b"csto:heldDuring",
    b"csto:attestedOn",
    b"csto:succeeds",
    b'"2020"',
    b'"2020-13-45"^^xsd:date',
    b'"1e9"^^xsd:integer',
    b'"-0000"^^xsd:gYear',
    b'"99999-01"^^xsd:gYearMonth',
    b'"2020-02-29Z"^^xsd:date',
    b"owl:sameAs",
    b"owl:Nothing",
    b"owl:disjointWith",
    b"rdfs:subClassOf",
    b"owl:inverseOf",
    b"owl:TransitiveProperty",
    b"owl:FunctionalProperty",
    b"owl:hasKey",
    b"rdf:first",
    b"rdf:nil",
    b"\\u0000",
    b"\\U0010FFFF",
    b"\\",
    b"\x00",
    b"\xff\xfe",
    "\u0661\u0669\u0669\u0663".encode(),
    "é".encode(),
    b"9" * 40,
    b"-",
    b"\n",
    b"#",
    b"{",
    b"}",
    b'"@id"',
    b'"@type"',
    b'"@value"',
    b'"@language"',
    b'"@list"',
    b'"@graph"',
    b'"@context"',
    b"null",
    b"true",
    b"SELECT",
    b"ASK",
    b"CONSTRUCT",
    b"DESCRIBE",
    b"WHERE",
    b"OPTIONAL",
    b"FILTER",
    b"UNION",
    b"MINUS",
    b"VALUES ?x { 1 }",
    b"BIND(1 AS ?x)",
    b"GROUP BY",
    b"ORDER BY",
    b"LIMIT 1",
    b"?x",
    b"$y",
    b"*",
    b"+",
    b"?",
    b"|",
    b"/",
    b"#+ param: date (date, default today): d",
    b"#+ param: x (enum a|b): e",
    b"#+ param: s (entity, optional):",
    b"#+ param: ",
    b"#+ summary:",
    b"#+   ",
    b"INSERT DATA { <a:b> <a:c> <a:d> }",
    b"DROP ALL",
    b'csto:notBefore "2020" ',
    b"csto:notAfter <http://x/> ",
    b'time:inXSDDate "2020-01-01" ',
    b"csto:date 2020 ",
    b'csto:date "2020"^^xsd:date ',
    b"a csto:Membership ",
    b"a csto:Tenure ",
    b"a csto:Event ",
    b"<urn:x>",
    b"<kg:x>",
]


def _chunks(path: Path, size: int = 30) -> list[bytes]:
    """A Turtle file cut into pieces of about `size` lines, each with the file's prefixes."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    prefixes = "".join(line for line in lines if line.startswith("@prefix"))
    body = [line for line in lines if not line.startswith("@prefix") and not line.startswith("#")]
    pieces, current = [], []
    for line in body:
        current.append(line)
        if len(current) >= size and line.rstrip().endswith("."):
            pieces.append((prefixes + "".join(current)).encode())
            current = []
    if current:
        pieces.append((prefixes + "".join(current)).encode())
    return pieces


def seeds() -> dict[str, list[bytes]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from csto_kg.core import formats
    from csto_kg.exporting.serialize import write_export

    turtle: list[bytes] = []
    for path in sorted((ROOT / "graph").glob("*/*.ttl")):
        turtle.extend(_chunks(path))
    turtle.extend(_chunks(ROOT / "ontology" / "csto.ttl", 60)[:6])
    turtle.extend(p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures").glob("*/*.ttl")))
    jsonld = []
    for piece in turtle[:: max(1, len(turtle) // 12)]:
        store = ox.Store()
        try:
            store.extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("https://w3id.org/csto-kg/graph/article"))
                for t in ox.parse(piece, format=ox.RdfFormat.TURTLE)
            )
        except SyntaxError:
            continue
        buffer = io.BytesIO()
        write_export(store, buffer, formats.rdf_format("json-ld"))
        jsonld.append(buffer.getvalue())
    queries = [p.read_bytes() for p in sorted((ROOT / "queries").glob("*.rq")) + sorted((ROOT / "queries" / "checks").glob("*.rq"))]
    queries += [
        b"SELECT * WHERE { ?s ?p ?o } LIMIT 5",
        b"ASK { kg:armenia a csto:State }",
        b"DESCRIBE kg:armenia",
        b"CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }",
    ]
    files = [bytes([i]) + turtle[0] for i in range(len(FILE_KINDS))]
    return {
        "turtle": turtle,
        "reason": turtle,
        "validate": [t for t in turtle if len(t) < 4000],
        "jsonld": jsonld,
        "sparql": queries,
        "files": files,
    }


# Generators for each class of input that broke csto-kg from outside: deep nesting, large
# inputs made of one repeated word, text in other encodings, and source files that are not
# regular files (the `files` target). Nesting stays below the depth at which the engine
# itself overflows its stack; refusing deeper queries is the query front's job.
NESTING = [(b"{", b"}"), (b"(", b")"), (b"[ <urn:p> ", b" ]"), (b"!", b""), (b"(", b" )")]
MAX_DEPTH = 200
# Words that do not nest: a repeated `{ ` is deep nesting, the generator above.
REPEATED = [b"service ", b"SERVICE ", b"LOAD ", b"# comment\n", b"<urn:a> ", b'"x" ', b"prefix p: <urn:p> ", b"?x "]
MAX_SIZE = 1 << 18  # bytes of a large input


def nest(rng: random.Random, data: bytes, pos: int, depth: int) -> bytes:
    opening, closing = rng.choice(NESTING)
    return data[:pos] + opening * depth + data[pos:] + closing * depth


def enlarge(rng: random.Random, data: bytes, pos: int) -> bytes:
    word = rng.choice(REPEATED)
    return data[:pos] + word * rng.randint(1, MAX_SIZE // len(word)) + data[pos:]


def reencode(rng: random.Random, data: bytes) -> bytes:
    """The text in another encoding, or with bytes UTF-8 forbids."""
    text = data.decode("utf-8", errors="replace")
    choice = rng.randrange(5)
    if choice == 0:
        return text.encode("utf-16")  # with its byte order mark
    if choice == 1:
        return text.encode("latin-1", errors="replace")
    if choice == 2:  # an overlong form, a lone surrogate, a NUL
        return data + rng.choice([b"\xc0\xaf", b"\xed\xa0\x80", b"\x00", b"\xff\xfe"])
    if choice == 3:
        return b"\xef\xbb\xbf" + data  # a UTF-8 byte order mark
    return text.encode("utf-32")


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    limit, nested = 20000, 0
    for _ in range(rng.choice((1, 1, 2, 3, 4, 8))):
        op = rng.randrange(13)
        pos = rng.randrange(len(out) + 1)
        if op == 10:  # the depths of all nestings of one input add up to MAX_DEPTH at most
            depth = rng.randint(0, MAX_DEPTH - nested)
            out, nested = bytearray(nest(rng, bytes(out), pos, depth)), nested + depth
            continue
        if op == 11:
            out, limit = bytearray(enlarge(rng, bytes(out), pos)), MAX_SIZE + len(out)
            continue
        if op == 12:
            out = bytearray(reencode(rng, bytes(out)))
            continue
        if op == 0 and out:  # flip bits of a byte
            out[min(pos, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:  # random bytes
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and out:  # delete a range
            del out[pos : pos + rng.randint(1, 32)]
        elif op == 3 and out:  # duplicate a range
            start = rng.randrange(len(out))
            out[pos:pos] = out[start : start + rng.randint(1, 64)]
        elif op in (4, 5):  # a token of the languages under test
            out[pos:pos] = rng.choice(TOKENS)
        elif op == 6 and out:  # replace a word with a token
            words = bytes(out).split(b" ")
            words[rng.randrange(len(words))] = rng.choice(TOKENS)
            out = bytearray(b" ".join(words))
        elif op == 7:  # splice with another input
            other = rng.choice(pool)
            out = out[:pos] + other[rng.randrange(len(other) + 1) :]
        elif op == 8:  # lines: delete, duplicate or swap
            lines = bytes(out).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            choice = rng.randrange(3)
            if choice == 0 and len(lines) > 1:
                del lines[i]
            elif choice == 1:
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            out = bytearray(b"\n".join(lines))
        else:  # a character outside ASCII, or a bad UTF-8 sequence
            odd = ["\u200b", "\u0301", "\U0001f600", "\u2028", "\ufeff", "\ud7ff"]
            out[pos:pos] = rng.choice(odd).encode() if rng.random() < 0.7 else b"\xc3"
    return bytes(out[:limit])


def signature(report: str) -> str:
    """What identifies a crash: the exception, its first words and the innermost csto_kg frame."""
    lines = [line for line in report.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else report
    kind, _, message = last.partition(": ")
    frames = [line.strip() for line in lines if line.strip().startswith("File ") and "/csto_kg/" in line]
    where = frames[-1].split(", in ")[-1] if frames else "?"
    module = frames[-1].split("/csto_kg/")[-1].split('"')[0] if frames else "?"
    words = " ".join(message.split()[:4]) if kind == "AssertionError" else ""
    return f"{kind} in {module}:{where}" + (f" ({words})" if words else "")


def shrink(runner: Runner, target: str, data: bytes, kind: str, budget: int = 150) -> bytes:
    """A smaller input that fails the same way (line by line, then chunk by chunk)."""
    first = runner.run(target, data)
    want = signature(first[1]) if kind == "crash" else None

    def still_fails(candidate: bytes) -> bool:
        nonlocal budget
        budget -= 1
        outcome, report = runner.run(target, candidate)
        return outcome == kind and (want is None or signature(report) == want)

    for sep in (b"\n", None):
        parts = data.split(b"\n") if sep else [data[i : i + 16] for i in range(0, len(data), 16)]
        joiner = b"\n" if sep else b""
        step = max(1, len(parts) // 2)
        while step >= 1 and budget > 0:
            i, changed = 0, False
            while i < len(parts) and budget > 0:
                candidate = parts[:i] + parts[i + step :]
                if candidate and still_fails(joiner.join(candidate)):
                    parts, changed = candidate, True
                else:
                    i += step
            if not changed:
                step //= 2
        data = joiner.join(parts)
    return data


def save(save_dir: Path, target: str, kind: str, data: bytes) -> Path:
    folder = save_dir / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{hashlib.sha1(data).hexdigest()[:12]}{EXTENSIONS[target]}"
    path.write_bytes(data)
    return path


def campaign(
    seconds: float | None,
    inputs: int | None,
    targets: list[str],
    seed: int,
    timeout: float,
    save_dir: Path | None,
    jobs: int = 1,
    quiet: bool = False,
) -> dict:
    """Run the fuzzer; returns counts and findings (one per crash signature)."""
    rng = random.Random(seed)
    pools = seeds()
    runners = [Runner(timeout) for _ in range(max(1, jobs))]
    tried: Counter = Counter()
    outcomes: Counter = Counter()
    findings: dict[str, dict] = {}
    started = time.monotonic()
    weights = [WEIGHTS[t] for t in targets]
    pending = []
    try:
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(len(runners)) as pool:
            free = list(runners)
            while True:
                elapsed = time.monotonic() - started
                done = (inputs is not None and sum(tried.values()) >= inputs) or (seconds is not None and elapsed >= seconds)
                while free and not done:
                    target = rng.choices(targets, weights)[0]
                    base = rng.choice(pools[target]) if pools[target] else b""
                    data = base if rng.random() < 0.03 else mutate(rng, base, pools[target])
                    runner = free.pop()
                    tried[target] += 1
                    pending.append((pool.submit(runner.run, target, data), runner, target, data))
                    done = inputs is not None and sum(tried.values()) >= inputs
                if not pending:
                    break
                finished, _ = cf.wait([p[0] for p in pending], return_when=cf.FIRST_COMPLETED)
                for item in [p for p in pending if p[0] in finished]:
                    pending.remove(item)
                    future, runner, target, data = item
                    outcome, report = future.result()
                    if outcome == "hang" and runner.run(target, data)[0] != "hang":
                        outcome = "slow once"  # a loaded machine, not the input: it did not hang again
                    outcomes[f"{target} {outcome}"] += 1
                    if outcome in ("crash", "hang"):
                        key = f"{target}: {signature(report) if outcome == 'crash' else 'hang'}"
                        if key not in findings:
                            small = shrink(runner, target, data, outcome) if outcome == "crash" else data
                            path = save(save_dir, target, outcome, small) if save_dir else None
                            findings[key] = {"target": target, "kind": outcome, "report": report, "saved": str(path) if path else None}
                            if not quiet:
                                print(f"found {key}" + (f" -> {path}" if path else ""), file=sys.stderr)
                    free.append(runner)
                total = sum(tried.values())
                if not quiet and total % 500 == 0:
                    print(f"  {total} inputs, {dict(outcomes)}", file=sys.stderr)
    finally:
        for runner in runners:
            runner.close()
    return {
        "inputs": sum(tried.values()),
        "by_target": dict(tried),
        "outcomes": dict(outcomes),
        "seconds": round(time.monotonic() - started, 1),
        "findings": findings,
    }


def replay(paths: list[Path], timeout: float) -> dict[str, tuple[str, str]]:
    """Run each saved input (its target is the name of its folder)."""
    runner = Runner(timeout)
    results = {}
    try:
        for path in paths:
            results[str(path)] = runner.run(path.parent.name, path.read_bytes())
    finally:
        runner.close()
    return results


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*") if p.is_file() and p.parent.name in TARGETS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, help="How long to run [default: 60 unless --inputs is given].")
    parser.add_argument("--inputs", type=int, help="How many inputs to try.")
    parser.add_argument("--target", action="append", choices=TARGETS, help="A target (repeatable) [default: all].")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="Random seed [default: the time].")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds one input may take [default: 30].")
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes [default: 1].")
    parser.add_argument("--save", type=Path, default=CORPUS, help="Where to save what is found [default: tests/fuzz_corpus].")
    parser.add_argument("--no-save", action="store_true", help="Save nothing.")
    parser.add_argument("--replay", type=Path, metavar="DIR", help="Replay the inputs saved in DIR instead of fuzzing.")
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        _worker()
        return 0

    if args.replay:
        results = replay(corpus_files(args.replay), args.timeout)
        bad = {p: r for p, r in results.items() if r[0] in ("crash", "hang")}
        for path, (outcome, report) in results.items():
            print(f"{outcome:6} {os.path.relpath(path)}" + (f"\n{report}" if path in bad else ""))
        print(f"replayed {len(results)} inputs: {len(bad)} failing")
        return 1 if bad else 0

    seconds = args.seconds if args.seconds is not None else (None if args.inputs else 60.0)
    summary = campaign(
        seconds, args.inputs, args.target or list(TARGETS), args.seed, args.timeout, None if args.no_save else args.save, args.jobs
    )
    if args.json:
        print(json.dumps({k: v for k, v in summary.items()}, indent=2))
    else:
        print(f"tried {summary['inputs']} inputs in {summary['seconds']} s (seed {args.seed}): {summary['by_target']}")
        print(f"outcomes: {summary['outcomes']}")
        for key, finding in summary["findings"].items():
            print(f"FOUND {key}\n  saved: {finding['saved']}\n  " + finding["report"].strip().replace("\n", "\n  "))
        if not summary["findings"]:
            print("no crash, no hang")
    return 1 if summary["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
