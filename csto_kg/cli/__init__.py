"""The csto-kg command line: parses options, calls the library, prints.

Results go to standard output, diagnostics to standard error. Exit codes: 0 ok, 1 a
failed check or runtime error, 2 a usage error.
"""

from __future__ import annotations

import importlib

import click

from csto_kg.cli.options import OneLineGroup, add_quiet, show_version
from csto_kg.cli.progress import drawn
from csto_kg.core.progress import set_reporter

# Every command, by the module of csto_kg/cli/ that defines it as a module-level function
# of the same name. A module is imported when one of its commands runs (or `--help` lists
# them all), as click's documentation shows for large command lines: a cold `query
# members` no longer loads linking, charts, the site or the server (13 ms of 0.21 s).
COMMANDS = {
    "build": "graph",
    "query": "query",
    "queries": "graph",
    "check": "graph",
    "export": "graph",
    "where": "graph",
    "links": "link",
    "reconcile": "link",
    "enrich": "link",
    "serve": "serve",
    "push": "serve",
    "validate": "validate",
    "site": "site",
    "chart": "publish",
    "docs": "publish",
}


class CommandLine(OneLineGroup):
    """The csto-kg group: its commands come from COMMANDS, each loaded when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return add_quiet(getattr(importlib.import_module(f"csto_kg.cli.{module}"), cmd_name))


@click.group(cls=CommandLine, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=show_version,
    help="Show the version and the data and build folders in use, and exit.",
)
def main() -> None:
    """A knowledge graph of the Collective Security Treaty Organization.

    Start with `csto-kg query members`: the states that are members today.
    """


add_quiet(main, top=True)
# The library reports the progress of long work to a callback; the command line draws it.
set_reporter(drawn)
