"""Property-based tests (hypothesis) of what a careless or hostile user can hand the command
line, one generator per class of input: nesting depth, size, encodings (bytes that are not
UTF-8 in -e, -p and standard input) and file kinds (what -o names; sources that are FIFOs,
devices, folders or links). Each input gives a result or a one-line error."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from csto_kg.building import load
from csto_kg.cli import options
from csto_kg.cli import query as cli
from csto_kg.core.errors import CstoKgError, QueryError, UsageError
from csto_kg.core.namespaces import GRAPH_ARTICLE
from csto_kg.core.output import open_output
from csto_kg.querying import sparql
from csto_kg.querying.catalogue import from_text
from csto_kg.querying.querytext import NESTING_LIMIT, check_nesting, query_form

FAST = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def one_line(err: BaseException) -> None:
    assert isinstance(err, CstoKgError), repr(err)
    assert str(err).strip() and "\n" not in str(err), str(err)


# -- nesting depth ------------------------------------------------------------------------------

OPENERS = [("{ ", " }"), ("(", ")"), ("!", ""), ("( ", " )")]


@st.composite
def nested(draw) -> tuple[str, int]:
    """A query with one expression or group nested `depth` levels, around the limit."""
    depth = draw(st.integers(0, 3 * NESTING_LIMIT))
    opening, closing = draw(st.sampled_from(OPENERS))
    if opening == "{ ":
        return "SELECT * WHERE " + "{ " * (depth + 1) + "?s ?p ?o " + "} " * (depth + 1), depth + 1
    return f"SELECT * WHERE {{ ?s ?p ?o FILTER({opening * depth}true{closing * depth}) }}", depth + 2


@FAST
@given(nested())
@example(("SELECT * WHERE " + "{ " * 3000 + "} " * 3000, 3000))
def test_a_query_nested_past_the_limit_is_refused_and_one_below_runs(case):
    text, depth = case
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    try:
        check_nesting(text)
    except UsageError as err:
        one_line(err)
        assert depth > NESTING_LIMIT
        return
    assert depth <= NESTING_LIMIT
    try:  # reaches the engine, which must not crash on it
        assert isinstance(sparql.run_on_store(store, from_text(text, "nested"), {}).rows, list)
    except QueryError as err:
        one_line(err)


# -- size ------------------------------------------------------------------------------------

WORDS = ["service ", "SERVICE <urn:x> ", "{", "}", "(", '"', "'''", "<", "#", "\\u0053", "prefix p: <urn:p> ", "?x ", "! "]


@FEW
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.integers(1, 20_000)), min_size=1, max_size=3))
def test_a_large_query_is_screened_and_read_or_refused_in_one_line(parts):
    text = "SELECT * WHERE { " + "".join(word * count for word, count in parts) + " }"
    screen = cli.service_screen((), {})
    for check in (screen, check_nesting, query_form):
        try:
            check(text)
        except UsageError as err:
            one_line(err)


# -- encodings -----------------------------------------------------------------------------------

as_argv = st.binary(max_size=40).map(os.fsdecode)  # what Python makes of the bytes of an argument


@FAST
@given(as_argv)
@example(os.fsdecode(b"SELECT \xff"))
@example(os.fsdecode(b"\xed\xa0\x80"))
def test_any_bytes_of_an_argument_are_its_text_or_a_usage_error(value):
    raw = os.fsencode(value)
    try:
        text = options.text_argument(value, "-e")
    except UsageError as err:
        one_line(err)
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        return
    assert text == raw.decode("utf-8")


@FAST
@given(as_argv, as_argv)
@example("\n", os.fsdecode(b"\x80"))  # the name of the parameter is shown on one line
def test_any_bytes_of_a_parameter_bind_or_are_a_usage_error(name, value):
    try:
        given = cli._given(((name, value),))
    except UsageError as err:
        one_line(err)
        return
    assert given == {name: value}
    named = from_text("#+ param: date (date, optional): a day\nSELECT ?date WHERE { }", "dated")
    try:
        sparql.query_text(named, given)
    except UsageError as err:
        one_line(err)


@contextlib.contextmanager
def standard_input(data: bytes) -> Iterator[None]:
    previous = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        yield
    finally:
        sys.stdin = previous


@FAST
@given(st.binary(max_size=200))
@example("ASK { }".encode("utf-16"))
def test_any_bytes_on_standard_input_are_its_text_or_a_usage_error(data):
    with standard_input(data):
        try:
            text = options.read_stdin()
        except UsageError as err:
            one_line(err)
            return
    assert text == data.decode("utf-8")


# -- file kinds ------------------------------------------------------------------------------------

OUTPUT_KINDS = ["missing", "regular", "private", "symlink", "dangling", "loop", "folder", "slash", "empty", "fifo", "null", "hardlink"]


def _fifo_reader(path: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fifo:
            got.append(fifo.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _make(kind: str, folder: Path) -> str:
    """A path of the given kind in `folder`, as -o would be given it."""
    path = folder / "out.csv"
    target = folder / "target.csv"
    if kind in ("regular", "private", "hardlink", "symlink"):
        target.write_bytes(b"before")
        target.chmod(0o600 if kind == "private" else 0o644)
        if kind == "symlink":
            path.symlink_to(target)
        elif kind == "hardlink":
            os.link(target, path)
        else:
            target.rename(path)
    elif kind == "dangling":
        path.symlink_to(target)
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    return {"slash": str(folder) + os.sep, "empty": "", "null": os.devnull}.get(kind, str(path))


def _write(given: str, data: bytes) -> None:
    with open_output(given) as stream:
        stream.write(data)


@FAST
@given(st.sampled_from(OUTPUT_KINDS), st.binary(max_size=200))
def test_output_of_any_kind_is_written_as_its_kind_asks_or_refused_in_one_line(kind, data):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        given = _make(kind, folder)
        got: list[bytes] = []
        reader = _fifo_reader(Path(given), got) if kind == "fifo" else None
        before = os.lstat(given) if given and os.path.lexists(given) else None
        try:
            _write(given, data)
        except CstoKgError as err:
            one_line(err)
            assert kind in ("folder", "slash", "empty", "loop"), (kind, str(err))
            return
        finally:
            if reader is not None:
                reader.join(30)
        assert kind not in ("folder", "slash", "empty", "loop")
        _check_written(kind, folder, given, data, before, got)


def _check_written(kind: str, folder: Path, given: str, data: bytes, before: os.stat_result | None, got: list[bytes]) -> None:
    after = os.lstat(given)
    if kind == "null":
        assert stat.S_ISCHR(after.st_mode)
    elif kind == "fifo":
        assert stat.S_ISFIFO(after.st_mode) and got == [data]
    elif kind in ("symlink", "dangling"):
        assert stat.S_ISLNK(after.st_mode) and (folder / "target.csv").read_bytes() == data
    elif kind == "hardlink":
        assert (folder / "target.csv").read_bytes() == data and after.st_ino == before.st_ino
    else:
        assert stat.S_ISREG(after.st_mode) and Path(given).read_bytes() == data
        if before is not None:
            assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)


SOURCE_KINDS = ["fifo", "device", "folder", "dangling", "loop", "empty", "regular"]


@FEW
@given(st.sampled_from(SOURCE_KINDS), st.binary(max_size=100))
def test_a_source_of_any_kind_is_read_or_refused_in_one_line(kind, data):
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "source.ttl"
        if kind == "fifo":
            os.mkfifo(path)  # nobody writes to it: reading it would wait for ever
        elif kind == "device":
            path.symlink_to("/dev/zero")
        elif kind == "folder":
            path.mkdir()
        elif kind == "dangling":
            path.symlink_to(Path(name) / "nowhere.ttl")
        elif kind == "loop":
            path.symlink_to(path)
        else:
            path.write_bytes(data if kind == "regular" else b"")
        try:
            load.parse_file(path, GRAPH_ARTICLE)
        except CstoKgError as err:
            one_line(err)
            return
        assert kind in ("regular", "empty")
