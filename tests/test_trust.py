"""What an outsider tried in order to break csto-kg, each held: outputs, build folders,
bytes that are not UTF-8, full disks, odd source files, and one-line errors throughout."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT


def cli(*args: str | bytes, input: bytes | None = None, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "csto_kg", *args], input=input, check=False, env={**os.environ, **(env or {})}, **kw)


def one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, (proc.returncode, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def where(build_dir: Path) -> list[str]:
    return ["--data", str(ROOT), "--build-dir", str(build_dir)]


# -o: what is at the path decides how it is written ---------------------------------------


def test_output_to_a_fifo_writes_into_it(where, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    proc = cli("query", "members", "-f", "csv", "-o", str(fifo), *where)
    out, _ = reader.communicate(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert out.startswith(b"date,")


def test_output_through_a_symlink_writes_its_target(where, tmp_path):
    target = tmp_path / "answer.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert cli("query", "members", "-f", "csv", "-o", str(link), *where).returncode == 0
    assert link.is_symlink()
    assert target.read_text().startswith("date,")


def test_output_keeps_the_mode_of_the_file_it_replaces(where, tmp_path):
    target = tmp_path / "private.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    assert cli("query", "members", "-f", "csv", "-o", str(target), *where).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("date,")


def test_output_keeps_a_hard_link_shared(where, tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old\n")
    os.link(target, tmp_path / "b.csv")
    assert cli("query", "members", "-f", "csv", "-o", str(target), *where).returncode == 0
    assert (tmp_path / "b.csv").read_text().startswith("date,")


def test_output_to_a_descriptor_of_the_process_is_written_in_place(where, tmp_path):
    # /proc/self/fd/1, what /dev/stdout leads to: a name of a stream the process holds
    # (never /dev/stdout itself, which a failing run as root would replace by a file).
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd on this platform")
    out = tmp_path / "out.csv"
    with out.open("wb") as stream:
        before = os.fstat(stream.fileno()).st_ino
        proc = cli("query", "members", "-f", "csv", "-o", "/proc/self/fd/1", *where, stdout=stream, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_ino == before
    assert out.read_text().startswith("date,")
    assert not [p for p in tmp_path.iterdir() if p.name != "out.csv"]


def test_output_to_a_character_device_leaves_the_device(where, tmp_path):
    # A device node of our own (never the system's /dev/null, which a failing run would replace).
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        node = Path("/dev/zero")  # without root, which cannot replace it either: the write must go in
    assert cli("query", "members", "-f", "csv", "-o", str(node), *where).returncode == 0
    assert stat.S_ISCHR(node.lstat().st_mode)


@pytest.mark.parametrize("name", ["", ".", "folder/"])
def test_output_naming_a_folder_or_nothing_is_a_usage_error(where, tmp_path, name):
    (tmp_path / "folder").mkdir()
    one_line_error(cli("query", "members", "-o", name, *where, cwd=tmp_path), 2)
    one_line_error(cli("export", "-f", "nt", "-o", name, *where, cwd=tmp_path), 2)


@pytest.mark.parametrize("output", ["-", "/proc/self/fd/1"])  # never -o /dev/full, which a failing run would replace
def test_a_full_disk_is_one_line(where, output):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this platform")
    with open("/dev/full", "wb") as full:
        proc = cli("query", "members", "-f", "csv", "-o", output, *where, stdout=full, stderr=subprocess.PIPE)
    one_line_error(proc, 1, "No space left")


# One line instead of a traceback ------------------------------------------------------------


def test_non_utf8_bytes_in_the_expression_are_a_usage_error(where):
    one_line_error(cli("query", "-e", b'SELECT * WHERE { ?s ?p "\xff" }', *where), 2, "UTF-8", "\\xff")


def test_non_utf8_bytes_on_standard_input_are_a_usage_error(where):
    one_line_error(cli("query", "-", *where, input=b'SELECT * WHERE { ?s ?p "\xff" }'), 2, "standard input", "UTF-8")


def test_non_utf8_bytes_in_a_parameter_are_a_usage_error(where):
    one_line_error(cli("query", "-e", "SELECT * WHERE { ?s ?p ?v }", "-p", "v", b"\xff", *where), 2, "UTF-8")


@pytest.mark.parametrize("command", [["query", "members", "--endpoint"], ["push", "--endpoint"]])
def test_a_malformed_endpoint_url_is_a_usage_error(where, command):
    one_line_error(cli(*command, "http://[::1/x", *where), 2, "invalid endpoint")


def test_an_endpoint_with_a_line_break_is_shown_escaped(where):
    line = one_line_error(cli("query", "members", "--endpoint", "http://127.0.0.1:1/x\nInjected: yes", *where), 2)
    assert "\\n" in line


@pytest.mark.parametrize("command", [["query", "members", "--endpoint"], ["push", "--endpoint"]])
def test_an_endpoint_password_is_never_shown(where, command):
    proc = cli(*command, "http://user:s3cret@127.0.0.1:1/sparql", *where)
    line = one_line_error(proc, 1)
    assert "s3cret" not in line and "***" in line


def test_a_usage_error_from_the_option_parser_is_one_line(where):
    one_line_error(cli("query", "members", "--no-such-option", *where), 2, "--no-such-option")
    one_line_error(cli("query", "members", "-p", "date", *where), 2)


def test_a_parameter_given_twice_is_a_usage_error(where):
    one_line_error(cli("query", "members", "-p", "date", "2000-01-01", "-p", "date", "2001-01-01", *where), 2, "twice")


def test_an_update_is_refused_as_an_update(where):
    one_line_error(cli("query", "-e", "DROP ALL", *where), 2, "updates")
    one_line_error(cli("query", "-e", "INSERT DATA { kg:a kg:b kg:c }", *where), 2, "updates")


def test_a_select_answer_is_not_written_as_a_table_under_an_rdf_name(where, tmp_path):
    one_line_error(cli("query", "members", "-o", str(tmp_path / "x.ttl"), *where), 2, "--format")
    assert not (tmp_path / "x.ttl").exists()


def test_an_integer_parameter_with_a_control_character_is_read_as_checked():
    from csto_kg.querying.catalogue import Param
    from csto_kg.querying.params import bind

    assert bind(Param("n", "integer"), "0\x1f").value == "0"
    assert bind(Param("n", "integer"), "\x1c12\x1d").value == "12"


# Time limit and Ctrl-C -------------------------------------------------------------------------

_ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
_ENDLESS_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_query_past_its_timeout_stops_and_leaves_no_file(where, tmp_path):
    proc = cli("query", "-e", _ENDLESS, "--timeout", "1", "-o", str(tmp_path / "n.csv"), *where)
    one_line_error(proc, 1, "time limit")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_a_running_query_with_130_and_no_file(where, tmp_path):
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "csto_kg", "query", "-e", _ENDLESS_ROWS, "-o", str(tmp_path / "n.csv"), *where],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Once answers reach the temporary output (streamed, not held in memory), the query runs.
    while process.poll() is None and not any(p.stat().st_size for p in tmp_path.iterdir()):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.decode().strip() == "csto-kg: interrupted"
    assert list(tmp_path.iterdir()) == []


# The build folder: a build removes only what it made ------------------------------------------


def _quad():
    import pyoxigraph as ox

    return ox.Quad(
        ox.NamedNode("http://example.org/s"),
        ox.NamedNode("http://example.org/p"),
        ox.Literal("o"),
        ox.NamedNode("https://w3id.org/csto-kg/graph/article"),
    )


def test_a_folder_of_the_user_under_stores_is_never_removed(tmp_path):
    from csto_kg.building.store import write_store
    from csto_kg.core.errors import CstoKgError
    from csto_kg.core.paths import Layout

    layout = Layout.resolve(tmp_path / "data", tmp_path / "build")
    write_store(layout, [_quad()], {"article": 1})
    photos = layout.build_dir / "stores" / "photos"
    photos.mkdir()
    (photos / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(CstoKgError, match=r"did not make .*stores/photos"):
        write_store(layout, [_quad()], {"article": 1})
    assert (photos / "cat.jpg").read_bytes() == b"\xff\xd8"


def test_a_build_folder_holding_other_files_is_refused(tmp_path):
    build = tmp_path / "build"
    (build / "stores" / "photos").mkdir(parents=True)
    line = one_line_error(cli("query", "members", "--data", str(ROOT), "--build-dir", str(build)), 1, "did not make")
    assert "stores/photos" in line
    assert (build / "stores" / "photos").is_dir()


def test_a_current_that_is_not_the_builds_link_is_refused(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "current").write_text("my notes\n")
    one_line_error(cli("build", "--data", str(ROOT), "--build-dir", str(build)), 1, "current")
    assert (build / "current").read_text() == "my notes\n"


# Damaged builds, odd source files, freshness --------------------------------------------------


def test_a_damaged_store_names_the_build_and_the_repair(build_dir, tmp_path):
    import shutil

    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, symlinks=True)
    store = (copy / "current").resolve()
    for part in [*store.glob("*.sst"), *store.glob("*.log")]:
        os.truncate(part, part.stat().st_size // 2)
    line = one_line_error(cli("query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "--data", str(ROOT), "--build-dir", str(copy)), 1)
    assert "damaged" in line and str(store) in line and "csto-kg build" in line


def _data_with(tmp_path: Path, make) -> Path:
    from conftest import scratch_copy

    data = scratch_copy(tmp_path / "data")
    make(data / "graph" / "article" / "zz-odd.ttl")
    return data


def test_a_source_that_is_a_fifo_is_refused_not_waited_for(tmp_path):
    data = _data_with(tmp_path, os.mkfifo)
    proc = cli("build", "--data", str(data), "--build-dir", str(tmp_path / "build"), timeout=120)
    one_line_error(proc, 1, "zz-odd.ttl", "not a regular file")


def test_a_source_that_is_a_device_is_refused_not_read(tmp_path):
    data = _data_with(tmp_path, lambda p: p.symlink_to("/dev/zero"))
    proc = cli("build", "--data", str(data), "--build-dir", str(tmp_path / "build"), timeout=120)
    one_line_error(proc, 1, "zz-odd.ttl", "not a regular file")


def test_freshness_covers_every_file_of_the_package_and_the_queries(layout):
    from csto_kg.building.fresh import _inputs

    keys = set(_inputs(layout))
    package = ROOT / "csto_kg"
    for path in package.rglob("*.py"):
        assert f"csto_kg/{path.relative_to(package)}" in keys
    assert "queries/members.rq" in keys


def test_an_ill_typed_date_is_placed_at_its_file(tmp_path):
    from conftest import scratch_copy

    data = scratch_copy(tmp_path / "data")
    source = data / "graph" / "article" / "zz-bad.ttl"
    source.write_text(
        "@prefix kg: <https://w3id.org/csto-kg/resource/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'kg:zz-odd rdfs:label "odd"@en ; <https://w3id.org/csto-kg/ontology#memberSince> "1993"^^xsd:date .\n'
    )
    proc = cli("validate", "--data", str(data), "--build-dir", str(tmp_path / "build"))
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1
    assert "(no source line)" not in out
    assert "zz-bad.ttl:4" in out
    one_line_error(cli("build", "--data", str(data), "--build-dir", str(tmp_path / "build")), 1, "zz-bad.ttl:4:")


CONSISTENCY_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "invalid" / "consistency").glob("*.ttl"))


@pytest.mark.parametrize("fixture", CONSISTENCY_FIXTURES, ids=[p.stem for p in CONSISTENCY_FIXTURES])
def test_a_node_in_two_disjoint_classes_does_not_validate(fixture, tmp_path):
    from conftest import scratch_copy

    from csto_kg.building.pipeline import validate_sources as validate
    from csto_kg.validate.report import CONSISTENCY

    data = scratch_copy(tmp_path / "data")
    copy = data / "graph" / "article" / f"zz-{fixture.name}"
    copy.write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    report = validate(data, tmp_path / "build")
    assert not report.conforms
    assert [p.rule for p in report.problems] == [CONSISTENCY], report.text()
    assert "disjoint" in report.problems[0].message.lower()


# Parameters inside expressions, or bound by the query itself -------------------------------------


def test_a_parameter_inside_a_select_expression_is_bound_there(ask):
    rows = ask("SELECT (YEAR(?date) AS ?y) WHERE { }", date="2000-01-01")
    assert rows == [{"y": 2000}]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?date WHERE { BIND(1 AS ?date) }",
        "SELECT ?date WHERE { VALUES ?date { 1 } }",
        "SELECT ?date WHERE { VALUES (?a ?date) { (1 2) } }",
        "SELECT (1 AS ?date) WHERE { }",
    ],
)
def test_a_parameter_the_query_binds_itself_is_a_usage_error(where, text):
    one_line_error(cli("query", "-e", text, "-p", "date", "2000-01-01", *where), 2, "binds ?date itself")


def test_a_construct_answer_is_streamed_and_stopped_at_its_timeout(where, tmp_path):
    text = "CONSTRUCT { ?a ?b ?c . ?d ?e ?f } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    one_line_error(cli("query", "-e", text, "--timeout", "2", "-o", str(tmp_path / "g.nt"), *where), 1, "time limit")
    assert list(tmp_path.iterdir()) == []
