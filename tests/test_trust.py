"""What an outsider tried in order to break csto-kg, each held: outputs, build folders,
bytes that are not UTF-8, full disks, odd source files, and one-line errors throughout."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
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


def test_output_to_dev_stdout_is_written_in_place(where, tmp_path):
    out = tmp_path / "out.csv"
    with out.open("wb") as stream:
        proc = cli("query", "members", "-f", "csv", "-o", "/dev/stdout", *where, stdout=stream, stderr=subprocess.PIPE)
    assert proc.returncode == 0
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


@pytest.mark.parametrize("output", ["-", "/dev/full"])
def test_a_full_disk_is_one_line(where, output):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this platform")
    with open("/dev/full", "wb") as full:
        proc = cli("query", "members", "-f", "csv", "-o", output, *where, stdout=full, stderr=subprocess.PIPE)
    one_line_error(proc, 1, "No space left")
