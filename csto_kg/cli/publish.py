"""Commands of the csto-kg command line: chart and docs.

- `csto-kg chart membership` / `csto-kg chart timeline`: charts (csto_kg/publish/chart.py);
- `csto-kg docs`: HTML documentation of the ontology (csto_kg/publish/ontodoc.py).
"""

from __future__ import annotations

import click

from csto_kg.cli.options import handle_errors, layout_options
from csto_kg.publish.chart import membership_chart, timeline_chart
from csto_kg.publish.ontodoc import docs as write_docs


@click.group()
def chart() -> None:
    """Draw charts of the graph as SVG, PNG or PDF.

    Needs matplotlib: pip install 'csto-kg[chart]'.
    """


@chart.command("membership")
@click.option("-o", "--output", required=True, help="Output file: .svg, .png or .pdf (or - for SVG on standard output).")
@click.option("--date", help="Draw a line at this day (YYYY-MM-DD) and list the members on it.")
@click.option("-f", "--format", "fmt", type=click.Choice(["svg", "png", "pdf"]), help="[default: from the output name].")
@layout_options
@handle_errors
def chart_membership(output: str, date: str | None, fmt: str | None, data_root: str | None, build_dir: str | None) -> None:
    """One row per state that was ever a party or member, one bar per membership.

    \b
    Bars are coloured by status; a stretch whose date is known only to the year or
    month is hatched. Key events (invocations of a treaty article, deployments,
    suspensions, withdrawals) are markers; the founding and the treaty's milestones
    are dashed lines.

    \b
    Examples:
      csto-kg chart membership -o membership.svg
      csto-kg chart membership -o membership.png --date 2000-01-01
    """
    used = membership_chart(output, date, fmt, data_root=data_root, build_dir=build_dir)
    if output != "-":
        click.echo(f"wrote {output} ({used})", err=True)


@chart.command("timeline")
@click.option("-o", "--output", required=True, help="Output file: .svg, .png or .pdf (or - for SVG on standard output).")
@click.option("-f", "--format", "fmt", type=click.Choice(["svg", "png", "pdf"]), help="[default: from the output name].")
@click.option("--top", default=15, show_default=True, type=click.IntRange(1, 40), help="Event classes drawn apart; others: 'other'.")
@layout_options
@handle_errors
def chart_timeline(output: str, fmt: str | None, top: int, data_root: str | None, build_dir: str | None) -> None:
    """Events per year, stacked by event class."""
    used = timeline_chart(output, fmt, top=top, data_root=data_root, build_dir=build_dir)
    if output != "-":
        click.echo(f"wrote {output} ({used})", err=True)


@click.command()
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@layout_options
@handle_errors
def docs(out_dir: str, data_root: str | None, build_dir: str | None) -> None:
    """Write HTML documentation of the ontology (index.html, ontology.ttl) into a folder.

    Every class and property with its English and Russian labels, definition,
    superclasses, domain and range, and example instances from the graph.
    """
    for path in write_docs(out_dir, data_root=data_root, build_dir=build_dir):
        click.echo(f"wrote {path}", err=True)
