"""Commands of the csto-kg command line: serve and push."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click

from csto_kg.cli.options import handle_errors, layout_options
from csto_kg.linking.push import push as run_push
from csto_kg.serve import settings as defaults
from csto_kg.serve.run import serve as run_serve
from csto_kg.serve.settings import Settings

_UNITS = (("G", 30), ("M", 20), ("k", 10))  # powers of 1024, largest first, as the help writes them
_SIZE = re.compile(r"(\d+)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)


class ByteSize(click.ParamType):
    """A number of bytes: 1048576, 512k, 1M, 2G (powers of 1024)."""

    name = "SIZE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, int):
            return value
        match = _SIZE.fullmatch(str(value).strip())
        if not match:
            self.fail(f"{value!r} is not a size such as 1048576, 512k, 1M or 1G", param, ctx)
        number = int(match.group(1)) << {unit.lower(): shift for unit, shift in _UNITS}.get(match.group(2).lower(), 0)
        if number < 1:
            self.fail("the size must be at least 1 byte", param, ctx)
        return number


def _size(number: int) -> str:
    """A number of bytes as the options write it (1G, 1M, 512k), for the defaults the help shows."""
    for unit, shift in _UNITS:
        if number >= 1 << shift and number % (1 << shift) == 0:
            return f"{number >> shift}{unit}"
    return str(number)


def _shown(name: str, default: Any, kind: click.ParamType, text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A serve option whose default the help shows: the limits and the port."""
    return click.option(name, default=default, show_default=True, type=kind, help=text)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 opens it to the network.")
@_shown("--port", defaults.DEFAULT_PORT, click.IntRange(0, 65535), "Port to listen on (0: any free port).")
@click.option("--writable", is_flag=True, help="Accept SPARQL updates and Graph Store writes (to the served copy only).")
@_shown("--timeout", defaults.DEFAULT_TIMEOUT, click.FloatRange(min=0, min_open=True), "Seconds a query may run.")
@_shown(
    "--read-timeout",
    defaults.DEFAULT_READ_TIMEOUT,
    click.FloatRange(min=0, min_open=True),
    "Seconds a request (head and body) may take to arrive once it starts; past that the connection is closed.",
)
@_shown(
    "--max-results",
    defaults.DEFAULT_MAX_RESULTS,
    click.IntRange(min=1),
    "Most rows (or triples) one answer may hold, Graph Store reads too; a larger one fails with HTTP 413.",
)
@_shown(
    "--max-body",
    _size(defaults.DEFAULT_MAX_BODY),
    ByteSize(),
    "Largest request body (query, update, form or upload), e.g. 512k, 1M; a larger one gets HTTP 413.",
)
@_shown(
    "--max-concurrent",
    defaults.DEFAULT_MAX_CONCURRENT,
    click.IntRange(min=1),
    "Requests worked on at once; others wait their turn (see --max-waiting).",
)
@_shown(
    "--max-waiting",
    defaults.DEFAULT_MAX_WAITING,
    click.IntRange(min=0),
    "Requests that may wait for a turn (within --timeout); past that, HTTP 503 with Retry-After.",
)
@_shown(
    "--max-memory",
    _size(defaults.DEFAULT_MAX_MEMORY),
    ByteSize(),
    "Memory the Oxigraph server may hold (Linux); past it, it is replaced by a new one.",
)
@_shown(
    "--max-front-memory",
    _size(defaults.DEFAULT_MAX_FRONT_MEMORY),
    ByteSize(),
    "Memory the server's front may hold (Linux); past it, it refuses requests (HTTP 503) rather than grow.",
)
@click.option(
    "--allow-service",
    "allow_service",
    multiple=True,
    metavar="URL",
    help="An endpoint SERVICE (and, with --writable, LOAD) may reach, matched exactly; repeatable; "
    "`any` allows every address. Default: none (HTTP 403).",
)
@click.option(
    "--allow-origin",
    "allow_origin",
    multiple=True,
    metavar="ORIGIN",
    help="With --writable, a web origin (https://example.org) whose pages may send writes; repeatable; `any` allows every one. "
    "Default: none (a write from another origin gets HTTP 403).",
)
@layout_options
@handle_errors
def serve(data_root: str | None, build_dir: str | None, **options: Any) -> None:
    """Serve the reasoned graph: a SPARQL 1.1 endpoint and entity pages.

    Runs the Oxigraph server on a copy of the current build (building first if it is
    missing or stale). The endpoint is URL/query; GET URL/id/armenia describes
    https://w3id.org/csto-kg/id/armenia. Queries see the union of all named graphs.
    Read-only unless --writable. SERVICE and LOAD reach no other address unless
    --allow-service names it. Ctrl-C (or SIGTERM) stops it.
    """
    settings = Settings(**options)

    def ready(running: Any) -> None:
        mode = "read-write" if settings.writable else "read-only"
        click.echo(f"csto-kg: serving the graph ({mode}) at {running.url}", err=True)
        if settings.allow_service:
            reach = ", ".join(sorted(settings.allow_service))
            click.echo(f"csto-kg: SERVICE{' and LOAD' if settings.writable else ''} may reach: {reach}", err=True)
        click.echo(running.endpoint)
        click.get_text_stream("stdout").flush()

    run_serve(settings, data_root=data_root, build_dir=build_dir, on_ready=ready)


@click.command()
@click.option("--endpoint", required=True, help="The store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store.")
@click.option("--graph", help="IRI of the named graph to replace [default: https://w3id.org/csto-kg/].")
@click.option("--user", help="User name, if the store asks for HTTP basic or digest authentication.")
@click.option("--password", envvar="CSTO_KG_STORE_PASSWORD", help="Password for --user [env CSTO_KG_STORE_PASSWORD].")
@click.option("--inferred", is_flag=True, help="Upload the reasoned closure, not only what the sources assert.")
@layout_options
@handle_errors
def push(
    endpoint: str,
    graph: str | None,
    user: str | None,
    password: str | None,
    inferred: bool,
    data_root: str | None,
    build_dir: str | None,
) -> None:
    """Upload the built graph to a triple store, replacing one named graph whole.

    Works with any store that speaks the SPARQL 1.1 Graph Store HTTP Protocol
    (Oxigraph, Apache Jena Fuseki, Virtuoso, GraphDB, ...): one HTTP PUT of the full
    graph, so a failed upload leaves the old graph in place.

    \b
    Examples:
      csto-kg push --endpoint http://127.0.0.1:7878/store --inferred
      csto-kg push --endpoint http://127.0.0.1:3030/ds/data --graph https://example.org/csto
      csto-kg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba --password dba --inferred
    """
    result = run_push(endpoint, graph, user=user, password=password, inferred=inferred, data_root=data_root, build_dir=build_dir)
    what = "asserted and inferred" if inferred else "asserted"
    click.echo(
        f"pushed {result.triples} {what} triples ({result.bytes} bytes) to graph <{result.graph}> at {result.url} (HTTP {result.status})",
        err=True,
    )
