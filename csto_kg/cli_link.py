"""Commands of the csto-kg command line: link (registered by csto_kg.cli)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the csto-kg group."""
