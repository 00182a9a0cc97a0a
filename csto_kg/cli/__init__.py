"""The csto-kg command line: parses options, calls the library, prints.

Results go to standard output, diagnostics to standard error. Exit codes: 0 ok, 1 a
failed check or runtime error, 2 a usage error.
"""

from __future__ import annotations

import click

from csto_kg.cli import graph as cli_graph
from csto_kg.cli import link as cli_link
from csto_kg.cli import publish as cli_publish
from csto_kg.cli import serve as cli_serve
from csto_kg.cli import site as cli_site
from csto_kg.cli import validate as cli_validate
from csto_kg.cli.options import OneLineGroup, show_version
from csto_kg.cli.progress import drawn
from csto_kg.core.progress import set_reporter


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


# The library reports the progress of long work to a callback; the command line draws it.
set_reporter(drawn)

# The publish module comes last: it adds --quiet to every command registered before it.
for _module in (cli_graph, cli_link, cli_serve, cli_validate, cli_site, cli_publish):
    _module.register(main)
