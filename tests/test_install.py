"""Where an installed package builds: the user's cache, one folder per version.

The wheel itself, installed where nothing can be written, is run by
scripts/wheel-smoke.sh (from .ci/run); these tests hold the rules it rests on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from csto_kg import __version__
from csto_kg.cli import main
from csto_kg.core import paths
from csto_kg.core.paths import Layout


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache of its own (XDG_CACHE_HOME, as platformdirs reads it on Linux)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CSTO_KG_BUILD", raising=False)
    monkeypatch.delenv("CSTO_KG_DATA", raising=False)
    return tmp_path / "cache" / "csto-kg"


def test_installed_data_builds_in_the_users_cache_per_version(cache: Path):
    bundled = Path(paths.__file__).resolve().parents[1] / "_data"
    assert Layout.resolve(bundled).build_dir == cache / __version__
    assert Layout.resolve(bundled, "/somewhere/else").build_dir == Path("/somewhere/else")


def test_a_source_checkout_builds_beside_its_sources(cache: Path):
    assert Layout.resolve(ROOT).build_dir == ROOT / "build"


def test_csto_kg_build_wins_over_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("CSTO_KG_BUILD", str(tmp_path / "mine"))
    bundled = Path(paths.__file__).resolve().parents[1] / "_data"
    assert Layout.resolve(bundled).build_dir == tmp_path / "mine"


def test_version_and_where_name_the_folders_in_use(cache: Path, tmp_path: Path):
    version = CliRunner().invoke(main, ["--version"])
    assert version.exit_code == 0, version.output
    lines = version.output.splitlines()
    assert lines[0] == f"csto-kg {__version__}"
    assert lines[1].split()[:2] == ["data", str(paths.default_data_root())]
    assert lines[2].split()[:2] == ["build", str(Layout.resolve().build_dir)]
    where = CliRunner().invoke(main, ["where", "--data", str(tmp_path), "--build-dir", str(tmp_path / "b")])
    assert where.exit_code == 0, where.output
    assert where.output.splitlines() == [
        f"data   {tmp_path}  (from --data or CSTO_KG_DATA)",
        f"build  {tmp_path / 'b'}  (from --build-dir or CSTO_KG_BUILD)",
    ]


def _left_by(version: str, folder: Path) -> Path:
    """A build folder as that version of csto-kg leaves it: `current` pointing at a store
    whose manifest names the version."""
    store = folder / "stores" / "20260101T000000-1"
    store.mkdir(parents=True)
    (store / "manifest.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    os.symlink(os.path.relpath(store, folder), folder / "current")
    return folder


def test_a_build_in_the_cache_removes_only_older_versions_builds(cache: Path, tmp_path: Path):
    from csto_kg.building.pipeline import build

    older = _left_by("0.0.9", cache / "0.0.9")
    newer = _left_by("99.0", cache / "99.0")
    mislabelled = _left_by("0.0.7", cache / "0.0.8")  # not what 0.0.8 would have made
    no_build = cache / "0.0.6"
    (no_build / "notes").mkdir(parents=True)
    other = _left_by("0.0.5", cache / "old-0.0.5")
    trash = cache / ".trash-0.0.4-1"  # a removal cut short
    trash.mkdir()
    (cache / __version__).mkdir()
    this = Layout(ROOT, cache / __version__)
    assert paths.older_builds(this) == [older]
    result = build(ROOT, cache / __version__)
    assert result.store.is_relative_to(cache / __version__)
    assert not older.exists() and not trash.exists()
    for kept in (newer, mislabelled, no_build, other):
        assert kept.is_dir(), kept
    assert paths.older_builds(this) == []


def test_a_build_elsewhere_removes_nothing_from_the_cache(cache: Path, tmp_path: Path):
    older = _left_by("0.0.9", cache / "0.0.9")
    assert paths.older_builds(Layout(ROOT, tmp_path / "build")) == []
    assert paths.prune_older_builds(Layout(ROOT, tmp_path / "build")) == []
    assert older.is_dir()


def test_the_package_says_it_is_typed():
    assert (Path(paths.__file__).parents[1] / "py.typed").is_file()
