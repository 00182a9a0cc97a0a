"""When a build is current: made from exactly the sources as they are (csto_kg/building/fresh.py)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import scratch_copy

from csto_kg.building import fresh, load
from csto_kg.building.pipeline import build
from csto_kg.core.built import MANIFEST, current_store_path
from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout

SOURCE = Path("graph") / "article" / "organisation.ttl"


def _build(data: Path, out: Path) -> Layout:
    build(data, out, validate=False)
    return Layout.resolve(data, out)


def _settle(data: Path) -> None:
    """Every source last changed an hour ago, as sources usually are when a build runs."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in data.rglob("*.ttl"):
        os.utime(path, ns=(hour_ago, hour_ago))


def _manifest(layout: Layout) -> dict:
    path = current_store_path(layout)
    assert path is not None
    return json.loads((path / MANIFEST).read_text(encoding="utf-8"))


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
    assert fresh.is_fresh(layout)
    with (data / SOURCE).open("a", encoding="utf-8") as stream:
        stream.write("\n# an added comment\n")
    assert not fresh.is_fresh(layout)


def test_a_touched_source_with_the_same_content_keeps_the_build_current(data: Path, tmp_path: Path):
    _settle(data)
    layout = _build(data, tmp_path / "build")
    os.utime(data / SOURCE)  # now: another time, the same bytes
    assert fresh.is_fresh(layout)


def test_settled_sources_are_not_read_again_recent_ones_are(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A source of the size and times it had is not hashed again (as git does); one changed
    just before the build could change again within the same clock tick, so it is."""
    hashed: list[Path] = []
    digest = fresh._digest
    monkeypatch.setattr(fresh, "_digest", lambda path: hashed.append(path) or digest(path))
    _settle(data)
    settled = _build(data, tmp_path / "settled")
    assert _manifest(settled)["stats"][str(SOURCE)] is not None
    hashed.clear()
    assert fresh.is_fresh(settled) and hashed == []
    os.utime(data / SOURCE)  # another time, the same bytes: hashed once, still current
    assert fresh.is_fresh(settled) and hashed == [data / SOURCE]

    recent = _build(data, tmp_path / "recent")  # SOURCE changed just now
    assert _manifest(recent)["stats"][str(SOURCE)] is None
    hashed.clear()
    assert fresh.is_fresh(recent) and hashed == [data / SOURCE]


def test_a_same_size_edit_that_keeps_the_modification_time_shows(data: Path, tmp_path: Path):
    """As `cp -p`, `rsync -a` or `tar` keep it: the change time still moves."""
    _settle(data)
    layout = _build(data, tmp_path / "build")
    _same_size_edit(data / SOURCE)
    assert not fresh.is_fresh(layout)


def test_an_added_or_removed_source_makes_the_build_stale(data: Path, tmp_path: Path):
    _settle(data)
    layout = _build(data, tmp_path / "build")
    extra = data / "graph" / "article" / "extra.ttl"
    extra.write_text("", encoding="utf-8")
    assert not fresh.is_fresh(layout)
    extra.unlink()
    assert fresh.is_fresh(layout)
    moved = (data / SOURCE).rename(tmp_path / "away.ttl")
    assert not fresh.is_fresh(layout)
    moved.rename(data / SOURCE)
    assert fresh.is_fresh(layout)


def test_an_older_or_damaged_manifest(data: Path, tmp_path: Path):
    _settle(data)
    layout = _build(data, tmp_path / "build")
    path = current_store_path(layout) / MANIFEST
    manifest = _manifest(layout)
    del manifest["stats"]  # as builds before the sizes and times were kept wrote it
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert fresh.is_fresh(layout)
    for damaged in ({**manifest, "stats": ["x"]}, {**manifest, "sources": "x"}, ["not", "an", "object"]):
        path.write_text(json.dumps(damaged), encoding="utf-8")
        assert not fresh.is_fresh(layout)  # built again, not a traceback


def test_an_input_that_cannot_be_read_is_a_one_line_error(data: Path, tmp_path: Path):
    (data / "graph" / "article" / "gone.ttl").symlink_to(tmp_path / "nowhere.ttl")
    with pytest.raises(CstoKgError, match=r"^cannot read .*gone\.ttl: No such file"):
        _build(data, tmp_path / "build")


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
    assert not fresh.is_fresh(layout)
    assert fresh.is_fresh(_build(data, tmp_path / "build"))
