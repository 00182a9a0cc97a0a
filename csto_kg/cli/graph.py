"""The graph's commands: build, queries, check, export and where (query has its own module)."""

from __future__ import annotations

import sys

import click

from csto_kg.api import build as run_build
from csto_kg.api import export as run_export
from csto_kg.building.ensure import ensure_built
from csto_kg.cli.options import folders, handle_errors, layout_options
from csto_kg.core.built import open_store
from csto_kg.core.paths import Layout
from csto_kg.querying.catalogue import catalogue
from csto_kg.querying.sparql import compact
from csto_kg.validate.checks import run_checks


@click.command()
@layout_options
@handle_errors
def build(data_root: str | None, build_dir: str | None) -> None:
    """Load, check and reason over the sources, and store the result.

    A failed build leaves the previous build as it was.
    """
    result = run_build(data_root, build_dir)
    total = sum(result.triples.values())
    click.echo(f"built {total} triples in {result.store}", err=True)
    for graph, count in result.triples.items():
        click.echo(f"  {count:>8}  {graph}", err=True)


@click.command()
@click.option("--tag", help="Only queries with this tag.")
@layout_options
@handle_errors
def queries(tag: str | None, data_root: str | None, build_dir: str | None) -> None:
    """List the named queries with their summaries and parameters."""
    layout = Layout.resolve(data_root, build_dir)
    for name, named in catalogue(layout.queries_dir).items():
        if tag and tag not in named.tags:
            continue
        click.echo(f"{name}: {named.summary}")
        for param in named.params:
            extra = f"default {param.default}" if param.default is not None else ("required" if param.required else "optional")
            kind = f"{param.type} {'|'.join(param.choices)}".strip()
            click.echo(f"    -p {param.name} ({kind}, {extra}): {param.description}")


@click.command()
@layout_options
@handle_errors
def check(data_root: str | None, build_dir: str | None) -> None:
    """Run the quality checks (queries that must return nothing); exit 1 if any fails."""
    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    failed = 0
    for name, result in run_checks(open_store(layout), layout.queries_dir).items():
        if not result.rows:
            click.echo(f"ok    {name}")
            continue
        failed += 1
        click.echo(f"FAIL  {name}: {len(result.rows)} violation(s)")
        for row in result.rows[:20]:
            click.echo("        " + "  ".join(compact(t) for t in row))
    if failed:
        click.echo(f"csto-kg: {failed} check(s) failed", err=True)
        sys.exit(1)


@click.command()
@click.option("-f", "--format", "fmt", help="turtle, json-ld, nt, nquads, xml or trig [default: from the output name, else turtle].")
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for standard output.")
@click.option("--inferred", is_flag=True, help="Export the reasoned closure, not only what the sources assert.")
@click.option("--void", "--with-description", "with_void", is_flag=True, help="Include the dataset description (VoID and DCAT).")
@layout_options
@handle_errors
def export(fmt: str | None, output: str, inferred: bool, with_void: bool, data_root: str | None, build_dir: str | None) -> None:
    """Export the graph with its ontology; TriG and N-Quads keep each source in its own graph."""
    used = run_export(output, fmt, inferred=inferred, with_void=with_void, data_root=data_root, build_dir=build_dir)
    if output != "-":
        click.echo(f"wrote {output} ({used.name})", err=True)


@click.command()
@layout_options
@handle_errors
def where(data_root: str | None, build_dir: str | None) -> None:
    """Say which data folder and which build folder the commands use.

    An installed package builds in the user's cache, one folder per version; a build
    that an older version left there is removed when this one builds.
    """
    click.echo(folders(data_root, build_dir))
