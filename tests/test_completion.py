"""Shell completion of the command line: bash, zsh and fish."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from csto_kg.cli import main


@pytest.mark.parametrize(
    "shell, marker",
    [("bash", "complete -o nosort -F"), ("zsh", "#compdef csto-kg"), ("fish", "complete --no-files --command csto-kg")],
)
def test_completion_script_for_each_shell(shell, marker):
    result = CliRunner().invoke(main, [], prog_name="csto-kg", env={"_CSTO_KG_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert "_CSTO_KG_COMPLETE" in result.stdout


def test_completion_of_commands_and_subcommands():
    def complete(words: str, cword: int) -> list[str]:
        env = {"_CSTO_KG_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        result = CliRunner().invoke(main, [], prog_name="csto-kg", env=env)
        assert result.exit_code == 0, result.output
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert {"chart", "check"} <= set(complete("csto-kg ch", 1))
    assert set(complete("csto-kg chart ", 2)) == {"membership", "timeline"}
    assert "--date" in complete("csto-kg chart membership --d", 3)
