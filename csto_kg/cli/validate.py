"""The `csto-kg validate` command: SHACL shapes, violation queries and the OWL-RL
consistency check, with a report a contributor can act on."""

from __future__ import annotations

import sys

import click

from csto_kg.building.ensure import validate_sources as run_validate
from csto_kg.cli.options import handle_errors, layout_options
from csto_kg.core.output import open_output

_FORMATS = ("text", "json", "turtle")


@click.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice([*_FORMATS, "ttl"]),
    help="text (default), json, or turtle (the SHACL validation report vocabulary) [default: from the output name, else text].",
)
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for standard output.")
@layout_options
@handle_errors
def validate(fmt: str | None, output: str, data_root: str | None, build_dir: str | None) -> None:
    """Check the sources against the shapes and the quality checks, without building.

    Runs the SHACL shapes of shapes/ (pySHACL over the reasoned graph), the
    violation queries of queries/checks/ and the OWL-RL consistency check. For each
    problem the report gives the file and line where the node is asserted, the
    node and its label, what is wrong and how to fix it. Exit status 0 when the
    graph is valid, 1 when it is not, 2 on a usage error. `csto-kg build` runs the
    same validation and refuses a graph that fails it.

    \b
    Examples:
      csto-kg validate
      csto-kg validate --format json -o report.json
      csto-kg validate --format turtle
    """
    if fmt is None and output != "-":
        fmt = {".json": "json", ".ttl": "turtle"}.get(output[output.rfind(".") :].lower(), "text")
    report = run_validate(data_root, build_dir)
    with open_output(output) as stream:
        report.write(stream, "turtle" if fmt == "ttl" else fmt)
    if output != "-" or fmt not in (None, "text"):
        click.echo(report.summary(), err=True)
    if not report.conforms:
        sys.exit(1)
