"""Progress: the library tells a callback, the command line draws it on a terminal, and
--quiet / CSTO_KG_QUIET silence it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

import csto_kg
from csto_kg.cli import main
from csto_kg.cli.progress import drawn
from csto_kg.core import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture()
def not_quiet(monkeypatch):
    monkeypatch.delenv("CSTO_KG_QUIET", raising=False)
    progress.set_quiet(False)
    yield
    progress.set_quiet(False)


def test_the_command_line_draws_progress_on_a_terminal(not_quiet):
    screen = Terminal()
    with drawn("build", 3, screen) as bar:
        bar.stage("load")
        assert "load" in screen.getvalue()  # the first stage shows before any step is done
        bar.stage("reason")
    text = screen.getvalue()
    assert "0/3  load" in text and "1/3  reason" in text  # stages done of the total, and the one at hand
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn in place, ended when done


def test_progress_is_silent_when_piped_or_quiet(not_quiet, monkeypatch):
    piped = io.StringIO()
    with drawn("build", 2, piped) as bar:
        bar.advance()
    assert piped.getvalue() == ""
    screen = Terminal()
    monkeypatch.setenv("CSTO_KG_QUIET", "1")
    with drawn("build", 2, screen) as bar:
        bar.advance()
    assert screen.getvalue() == ""
    monkeypatch.delenv("CSTO_KG_QUIET")
    progress.set_quiet(True)
    assert not progress.wanted(Terminal())


def test_the_library_prints_nothing_and_tells_a_callback(not_quiet, monkeypatch, tmp_path, capsys):
    class Told:
        def __init__(self) -> None:
            self.stages: list[str] = []

        def stage(self, name: str) -> None:
            self.stages.append(name)

        def advance(self, n: int = 1, note: str | None = None) -> None:
            pass

    monkeypatch.setattr("sys.stderr", Terminal())
    told = Told()
    csto_kg.build(ROOT, tmp_path, progress=told)
    assert told.stages == ["load", "reason", "derive", "validate", "describe", "store"]
    assert sys.stderr.getvalue() == ""
    progress.set_reporter(None)
    try:
        csto_kg.build(ROOT, tmp_path / "again")  # nobody installed a reporter: nothing drawn
    finally:
        progress.set_reporter(drawn)
    assert sys.stderr.getvalue() == ""


def test_build_reports_its_stages_on_a_terminal(not_quiet, monkeypatch, tmp_path):
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with pytest.raises(SystemExit) as stop:
        main(["build", "--data", str(ROOT), "--build-dir", str(tmp_path)])
    assert stop.value.code == 0
    text = screen.getvalue()
    for stage in ("load", "reason", "derive", "describe", "store"):
        assert stage in text
    bar, _, summary = text.partition("built ")
    assert bar.count("\n") == 1  # one line, redrawn in place, then the command's own report
    assert "triples" in summary


@pytest.mark.parametrize("args", [["--quiet", "queries"], ["queries", "--quiet"], ["-q", "queries"]])
def test_quiet_flag_before_or_after_the_command(not_quiet, args):
    result = CliRunner().invoke(main, [*args, "--data", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert progress.is_quiet()
    assert not progress.wanted(Terminal())


def test_without_quiet_a_terminal_gets_progress(not_quiet):
    result = CliRunner().invoke(main, ["queries", "--data", str(ROOT)])
    assert result.exit_code == 0
    assert progress.wanted(Terminal())


def test_progress_module_needs_no_dependency():
    source = Path(progress.__file__).read_text()
    imports = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "collections", "contextlib", "os", "sys", "typing"}
