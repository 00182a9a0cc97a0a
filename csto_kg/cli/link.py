"""Commands of the csto-kg command line: links, reconcile and enrich."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from csto_kg.building.ensure import ensure_built
from csto_kg.cli.options import handle_errors, layout_options
from csto_kg.core.built import open_store
from csto_kg.core.output import open_output
from csto_kg.core.paths import Layout
from csto_kg.linking import enrich as enrichment
from csto_kg.linking import link, remote
from csto_kg.linking.reconcile import run


def endpoint_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--endpoint and --timeout, shared by the commands that ask Wikidata."""
    func = click.option(
        "--timeout",
        default=remote.DEFAULT_TIMEOUT,
        show_default=True,
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds to wait for the endpoint to connect and to answer.",
    )(func)
    func = click.option(
        "--endpoint",
        default=remote.DEFAULT_ENDPOINT,
        show_default=True,
        metavar="URL",
        help="SPARQL endpoint of Wikidata, or of a copy of it.",
    )(func)
    return func


@click.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    help="Output format [default: table, or from the output name].",
)
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for standard output.")
@layout_options
@handle_errors
def links(fmt: str | None, output: str, data_root: str | None, build_dir: str | None) -> None:
    """List the owl:sameAs links to Wikidata, DBpedia and GeoNames, and the entities without any.

    The links come from reference/identifiers.csv, the table of checked identifiers;
    an entity the table does not name stays unlinked.
    """
    if fmt is None and output != "-":
        fmt = {".csv": "csv", ".json": "json"}.get(output[output.rfind(".") :].lower(), "table")
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    store = open_store(layout)
    found, without = link.links(store), link.unlinked(store)
    with open_output(output) as stream:
        link.write(found, without, stream, fmt)
    click.echo(f"({len(found)} links from {len({x.entity for x in found})} entities; {len(without)} entities without links)", err=True)


@click.command()
@endpoint_options
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "turtle", "ttl"]),
    help="Output format [default: table, or from the output name].",
)
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for standard output.")
@layout_options
@handle_errors
def reconcile(endpoint: str, timeout: float, fmt: str | None, output: str, data_root: str | None, build_dir: str | None) -> None:
    """Compare the linked entities' facts with Wikidata, fact by fact.

    For each fact this graph holds about an entity linked to Wikidata (labels, type;
    capital, population and area of states; headquarters, Secretaries General, member
    count and members of the organisation, with their dates), the report says whether
    the two graphs agree, disagree, or only one of them has it. Exit status 0 whatever
    the outcome; 1 if the endpoint cannot be queried.

    \b
    Examples:
      csto-kg reconcile
      csto-kg reconcile --format json -o report.json
      csto-kg reconcile --endpoint http://localhost:7878/query
    """
    if fmt is None and output != "-":
        fmt = {".json": "json", ".ttl": "turtle"}.get(output[output.rfind(".") :].lower(), "table")
    report = run(remote.Endpoint(endpoint, timeout=timeout), data_root=data_root, build_dir=build_dir)
    with open_output(output) as stream:
        report.write(stream, fmt)
    click.echo(f"({len(report.comparisons)} facts: {report.summary()})", err=True)


@click.command()
@endpoint_options
@click.option("--remove", is_flag=True, help="Remove the enrichment and rebuild without it.")
@layout_options
@handle_errors
def enrich(endpoint: str, timeout: float, remove: bool, data_root: str | None, build_dir: str | None) -> None:
    """Add Wikidata's population figures and heads of state, in a graph of their own.

    The facts go to the named graph https://w3id.org/csto-kg/graph/enrich-wikidata,
    each with the endpoint it came from (prov:wasDerivedFrom) and the time it was
    fetched (prov:generatedAtTime); the source graphs are left as they are and
    nothing is reasoned from them. The store is rebuilt with them. Off unless asked
    for; `csto-kg enrich --remove` takes them out again.
    """
    if remove:
        if enrichment.remove(data_root=data_root, build_dir=build_dir):
            click.echo(f"removed the enrichment graph {enrichment.GRAPH_ENRICH} and rebuilt", err=True)
        else:
            click.echo("no enrichment to remove", err=True)
        return
    result = enrichment.enrich(remote.Endpoint(endpoint, timeout=timeout), data_root=data_root, build_dir=build_dir)
    click.echo(f"enriched: {result.facts} facts from {result.endpoint} in {enrichment.GRAPH_ENRICH}", err=True)
    click.echo(f"  kept in {result.path}; remove with `csto-kg enrich --remove`", err=True)
