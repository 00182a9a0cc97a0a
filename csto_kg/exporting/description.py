"""The dataset description (VoID and DCAT) of a build, from a store or a layout.

csto_kg/building/void.py makes the description and the build stores it; this module
finds the build to describe, building it first when it is missing or stale.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from csto_kg.building import void
from csto_kg.building.ensure import ensure_built
from csto_kg.core.built import open_store
from csto_kg.core.paths import Layout


def _store(source: ox.Store | Layout | Path | str | None) -> ox.Store:
    if isinstance(source, ox.Store):
        return source
    layout = source if isinstance(source, Layout) else Layout.resolve(source)
    ensure_built(layout)
    return open_store(layout)


def description(store_or_layout: ox.Store | Layout | Path | str | None = None, endpoint: str | None = None) -> bytes:
    """The VoID/DCAT description of the built dataset as Turtle.

    `store_or_layout` is an open store, a Layout, or a data root (None: the default
    layout; a stale or missing build is rebuilt). With `endpoint`, the description names
    that URL as the dataset's SPARQL endpoint (void:sparqlEndpoint, dcat:DataService).
    """
    return void.description(_store(store_or_layout), endpoint)
