"""When a build is current: made from exactly the sources as they are (csto_kg/store.py)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import scratch_copy

from csto_kg import load
from csto_kg.paths import Layout
from csto_kg.pipeline import build
from csto_kg.store import MANIFEST, current_store_path, is_fresh

SOURCE = Path("graph") / "article" / "organisation.ttl"


def _build(data: Path, out: Path) -> Layout:
    build(data, out, show_progress=False, validate=False)
    return Layout.resolve(data, out)


def _settle(data: Path) -> None:
    """Every source last changed an hour ago, as sources usually are when a build runs."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in data.rglob("*.ttl"):
        os.utime(path, ns=(hour_ago, hour_ago))


def _same_size_edit(path: Path) -> None:
    """Change one character, keeping the size and the modification time."""
    info = path.stat()
    text = path.read_bytes()
    at = text.index(b"Collective Security Treaty")
    path.write_bytes(text[:at] + b"X" + text[at + 1 :])
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    copy = scratch_copy(tmp_path / "data")
    assert (copy / SOURCE).is_file()
    return copy


def test_an_edited_source_makes_the_build_stale(data: Path, tmp_path: Path):
    _settle(data)
    layout = _build(data, tmp_path / "build")
    assert is_fresh(layout)
    with (data / SOURCE).open("a", encoding="utf-8") as stream:
        stream.write("\n# an added comment\n")
    assert not is_fresh(layout)


def test_a_touched_source_with_the_same_content_keeps_the_build_current(data: Path, tmp_path: Path):
    _settle(data)
    layout = _build(data, tmp_path / "build")
    os.utime(data / SOURCE)  # now: another time, the same bytes
    assert is_fresh(layout)


def test_a_settled_source_is_judged_by_size_and_time_a_recent_one_by_its_bytes(data: Path, tmp_path: Path):
    """A source of the size and time it had is not read again (as git does); one changed
    just before the build could change again within the same clock tick, so it is."""
    _settle(data)
    settled = _build(data, tmp_path / "settled")
    manifest = json.loads((current_store_path(settled) / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["stats"][str(SOURCE)] is not None
    _same_size_edit(data / SOURCE)
    assert is_fresh(settled)  # the price of not hashing 100 MB on every command

    os.utime(data / SOURCE)  # changed just now
    recent = _build(data, tmp_path / "recent")
    manifest = json.loads((current_store_path(recent) / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["stats"][str(SOURCE)] is None
    _same_size_edit(data / SOURCE)
    assert not is_fresh(recent)


def test_a_source_changed_while_the_build_reads_leaves_it_stale(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _settle(data)
    read = load.load

    def edit_then_read(layout: Layout):
        with (data / SOURCE).open("a", encoding="utf-8") as stream:
            stream.write("\n# changed during the build\n")
        return read(layout)

    monkeypatch.setattr(load, "load", edit_then_read)
    layout = _build(data, tmp_path / "build")
    monkeypatch.undo()
    assert not is_fresh(layout)
    assert is_fresh(_build(data, tmp_path / "build"))
