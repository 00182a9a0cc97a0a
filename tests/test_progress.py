"""The progress line the build draws on a terminal, and --quiet / CSTO_KG_QUIET."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

import csto_kg
from csto_kg.cli import main
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


def test_progress_draws_on_a_terminal_and_clears_the_line(not_quiet):
    screen = Terminal()
    with progress.Progress("build", total=3, stream=screen) as bar:
        bar.stage("load")
        bar.stage("reason")
        assert "1/3 reason" in bar.line()
    text = screen.getvalue()
    assert text.startswith("\r") and "[" in text and "load" in text and "reason" in text
    assert text.endswith("\r") and text.rsplit("\r", 2)[-2].strip() == ""  # the line is cleared at the end


def test_progress_is_silent_when_piped_or_quiet(not_quiet, monkeypatch):
    piped = io.StringIO()
    with progress.Progress("build", total=2, stream=piped) as bar:
        bar.advance()
    assert piped.getvalue() == ""
    screen = Terminal()
    monkeypatch.setenv("CSTO_KG_QUIET", "1")
    with progress.Progress("build", total=2, stream=screen) as bar:
        bar.advance()
    assert screen.getvalue() == ""
    monkeypatch.delenv("CSTO_KG_QUIET")
    progress.set_quiet(True)
    assert not progress.wanted(Terminal())


def test_build_reports_its_stages_on_a_terminal(not_quiet, monkeypatch, tmp_path):
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    csto_kg.build(ROOT, tmp_path)
    text = screen.getvalue()
    for stage in ("load", "reason", "derive", "describe", "store"):
        assert stage in text
    assert "\n" not in text  # one line, redrawn in place


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
    assert imports <= {"__future__", "os", "sys", "time", "typing"}
