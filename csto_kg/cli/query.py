"""The query command: a named query, a .rq file or SPARQL text, on the build or a remote endpoint.

Its own module, because it is the command run most and its start is what a user waits
for: it imports what running a query needs, not the build, export or validation code,
and the client for remote endpoints only when --endpoint is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from csto_kg.building.ensure import ready_query
from csto_kg.cli.options import handle_errors, layout_options, read_stdin, stop, text_argument
from csto_kg.core import formats
from csto_kg.core.errors import UsageError, one_line
from csto_kg.core.output import open_output
from csto_kg.core.paths import Layout
from csto_kg.querying.sparql import QUERY_TIMEOUT, run_built
from csto_kg.querying.watchdog import guard
from csto_kg.serve.screen import outbound
from csto_kg.serve.settings import ANY, allowed_services


@click.command()
@click.argument("target", required=False)
@click.option("-e", "--expression", help="SPARQL text to run instead of TARGET.")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE", help="Bind a parameter (repeatable).")
@click.option("-f", "--format", "fmt", help="table, csv, tsv, json or xml for SELECT/ASK; an RDF format for CONSTRUCT/DESCRIBE.")
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for standard output.")
@click.option("--asserted", is_flag=True, help="Query what the sources assert, without inferences.")
@click.option("--endpoint", metavar="URL", help="Run the query on this remote SPARQL endpoint instead of the built graph.")
@click.option(
    "--graph",
    metavar="IRI",
    help="With --endpoint: query this named graph as the default graph (sent as default-graph-uri), e.g. the one `push` wrote.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Stop the query after this many seconds, writing included (0: no limit) [default: 300, or 60 for --endpoint].",
)
@click.option(
    "--allow-service",
    "allow_service",
    multiple=True,
    metavar="URL",
    help="An endpoint the query's SERVICE may reach, matched exactly; repeatable; `any` allows every address. "
    "A URL given with -p counts as named. Default: none.",
)
@layout_options
@handle_errors
def query(
    target: str | None,
    expression: str | None,
    params: tuple[tuple[str, str], ...],
    fmt: str | None,
    output: str,
    asserted: bool,
    endpoint: str | None,
    graph: str | None,
    timeout: float | None,
    allow_service: tuple[str, ...],
    data_root: str | None,
    build_dir: str | None,
) -> None:
    """Run a named query, a .rq FILE, or SPARQL from standard input (-).

    \b
    Examples:
      csto-kg query members
      csto-kg query members -p date 2000-01-01 --format csv
      csto-kg query -e "SELECT ?s WHERE { ?s a csto:State }"
      echo "ASK { kg:armenia a csto:State }" | csto-kg query -
      csto-kg query --endpoint https://query.wikidata.org/sparql wikidata-query.rq
      csto-kg query members-heads-of-state --allow-service https://query.wikidata.org/sparql
    """
    if expression is not None and target is not None:
        raise UsageError("give either TARGET or -e, not both")
    if expression is None and target is None:
        raise UsageError("give a query name, a .rq file, - for standard input, or -e TEXT (see `csto-kg queries`)")
    if expression is not None:
        text = text_argument(expression, "-e")
    else:
        text = read_stdin() if target == "-" else text_argument(str(target), "TARGET")
    given = _given(params)
    screen = service_screen(allow_service, given)
    if graph is not None and endpoint is None:
        raise UsageError("--graph applies to a remote --endpoint; the built graph's sources are all queried")
    if endpoint is not None:
        if asserted:
            raise UsageError("--asserted applies to the built graph, not to a remote --endpoint")
        _query_endpoint(text, given, fmt, output, endpoint, graph, timeout=timeout, screen=screen, data_root=data_root, build_dir=build_dir)
        return
    _check_format(fmt)
    # As csto_kg.query() does it, with the build outside the time limit: a build is not the query.
    layout = Layout.resolve(data_root, build_dir)
    named = ready_query(text, layout)
    limit = QUERY_TIMEOUT if timeout is None else timeout
    with guard(limit or None, stop):
        result = run_built(named, layout, given, asserted=asserted, screen=screen)
        _write(result, fmt, output)


def _given(params: tuple[tuple[str, str], ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for name, value in params:
        if name in given:
            raise UsageError(f"parameter {one_line(name)!r} given twice: give each -p once")
        given[text_argument(name, "-p name")] = text_argument(value, f"-p {one_line(name)}")
    return given


def _check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in formats.names() and fmt not in ("ttl", "jsonld", "json-ld"):
        raise UsageError(f"unknown format {fmt!r}; known: {', '.join(formats.names())}")


def service_screen(allow: tuple[str, ...], given: dict[str, str]) -> Callable[[str], None]:
    """A check of the query text that runs: each SERVICE must name an endpoint the user
    named, with --allow-service or as the value of a -p parameter; otherwise a usage
    error. The scan is the server's (csto_kg.serve.screen), so both refuse the same texts."""
    allowed = allowed_services(allow)
    named = allowed | {value for value in given.values() if _is_url(value)}

    def screen(text: str) -> None:
        lowered = text.lower()
        if ANY in allowed or ("service" not in lowered and "\\u" not in lowered):
            return
        for item in outbound(text):
            if item.target is None or item.target not in named:
                shown = one_line(item.written or "(nothing)")
                shown = shown if len(shown) <= 200 else shown[:197] + "..."
                raise UsageError(f"SERVICE {shown} is refused: name its endpoint with --allow-service URL (or -p NAME URL)")

    return screen


def _is_url(value: str) -> bool:
    try:
        allowed_services([value])
    except UsageError:
        return False
    return value.lower() != "any"


def _query_endpoint(text: str, given: dict[str, str], fmt: str | None, output: str, endpoint: str, graph: str | None, **kw: Any) -> None:
    # Loaded here, not at the top: http.client and ssl are 27 ms of every cold start
    # (python -X importtime), and only --endpoint talks to the network.
    from csto_kg.linking import remote

    _check_format(fmt)
    timeout = kw.pop("timeout")
    limit = remote.DEFAULT_TIMEOUT if timeout is None else timeout
    # The whole request, its retries and the writing, not only each read from the socket.
    with guard(limit or None, stop):
        result = remote.query_endpoint(text, given, endpoint=endpoint, graph=graph, timeout=limit or None, **kw)
        _write(result, fmt, output)


def _write(result: Any, fmt: str | None, output: str) -> None:
    if fmt is None and output not in ("-", ""):
        fmt = (formats.rdf_format(path=output) if result.kind == "graph" else formats.result_format(path=output)).name
    with open_output(output) as stream:
        result.write(stream, fmt)
    if result.kind == "select" and (fmt in (None, "table")) and output == "-":
        count = result.written if result.written is not None else len(result.rows)
        click.echo(f"({count} rows)", err=True)
