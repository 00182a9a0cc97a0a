"""`csto-kg site -o DIR`: the graph's pages as a static site (csto_kg/site/export.py)."""

from __future__ import annotations

import click

from csto_kg.cli.options import handle_errors, layout_options
from csto_kg.site.export import site as write


@click.command()
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(), help="Folder to write the site into (replaced whole).")
@layout_options
@handle_errors
def site(out_dir: str, data_root: str | None, build_dir: str | None) -> None:
    """Write the graph's pages as a static site: home, entity pages, query page, downloads.

    One folder per entity path with index.html, the entity's Turtle and JSON-LD beside
    it, the ontology documentation, the dumps, the membership chart and a search
    index. Serve DIR from any static host at its root.
    """
    count = write(out_dir, data_root=data_root, build_dir=build_dir)
    click.echo(f"wrote {out_dir} ({count} pages)", err=True)
