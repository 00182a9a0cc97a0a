"""What the commands share: one-line errors and exit codes, the layout options, the folders line."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from csto_kg import __version__
from csto_kg.core.errors import CstoKgError, UsageError, one_line
from csto_kg.core.paths import where
from csto_kg.core.progress import set_quiet


def fail(err: CstoKgError) -> None:
    click.echo(f"csto-kg: error: {err}", err=True)
    sys.exit(err.exit_code)


def stop(reason: str, code: int) -> NoReturn:
    """End the process at once (from csto_kg.querying.watchdog's thread), saying why on stderr."""
    line = "csto-kg: interrupted" if code == 130 else f"csto-kg: error: {reason}"
    with contextlib.suppress(OSError):
        os.write(2, (line + "\n").encode("utf-8"))
    os._exit(code)


def text_argument(value: str, what: str) -> str:
    """`value` as given on the command line, refused (usage error) when it is not UTF-8:
    Python keeps such bytes as lone surrogates, which no later step can encode."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise UsageError(f"{what} is not valid UTF-8 text: {one_line(raw)}") from None
    return value


def read_stdin() -> str:
    """Standard input as UTF-8 text; other bytes are a usage error."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(f"standard input is not valid UTF-8 text (byte {err.start})") from None


class OneLineGroup(click.Group):
    """A group whose usage errors are one line, as every other error (click prints four)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as err:
            ctx = getattr(err, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            click.echo(f"csto-kg: error: {one_line(err.format_message())}{hint}", err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("csto-kg: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's errors into one line on stderr and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CstoKgError as err:
            fail(err)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`); nothing to report
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("csto-kg: interrupted", err=True)
            sys.exit(130)

    return wrapper


def layout_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--data and --build-dir, shared by every command that reads the graph."""
    func = click.option(
        "--build-dir",
        type=click.Path(file_okay=False),
        envvar="CSTO_KG_BUILD",
        help="Folder of the built store [default: DATA/build; for an installed package, the user's cache].",
    )(func)
    func = click.option(
        "--data",
        "data_root",
        type=click.Path(file_okay=False),
        envvar="CSTO_KG_DATA",
        help="Folder holding ontology/, graph/ and queries/ [default: the installed data].",
    )(func)
    return func


def folders(data_root: str | None = None, build_dir: str | None = None) -> str:
    """The data and build folders in use, one line each, with why."""
    return "\n".join(f"{what:<7}{folder}  ({why})" for what, folder, why in where(data_root, build_dir))


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"csto-kg {__version__}\n{folders()}")
    ctx.exit()


# --quiet / -q: no progress lines on standard error (csto_kg/core/progress.py), accepted
# before the command (`csto-kg --quiet build`) and after it (`csto-kg build --quiet`).
def _quiet_group(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    set_quiet(value)  # once per invocation, before any command's own options


def _quiet_command(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        set_quiet(True)


def _quiet_option(callback: Any) -> click.Option:
    return click.Option(
        ["-q", "--quiet"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        envvar="CSTO_KG_QUIET",
        callback=callback,
        help="Show no progress on standard error (also: CSTO_KG_QUIET=1).",
    )


def _takes_quiet(command: click.Command) -> bool:
    taken = {opt for p in command.params for opt in getattr(p, "opts", [])} | {p.name for p in command.params}
    return not ({"-q", "--quiet", "quiet"} & taken)


def add_quiet(command: click.Command, *, top: bool = False) -> click.Command:
    """Give the command, and every command under it, a --quiet flag.

    On the top group (`top`) the flag sets quiet or not for the whole invocation; below
    it, it only turns quiet on. It is not passed to the command functions
    (expose_value=False); it only silences csto_kg.core.progress, so commands that show
    progress need no change.
    """
    stack = [command]
    while stack:
        one = stack.pop()
        if _takes_quiet(one):
            one.params.append(_quiet_option(_quiet_group if top and one is command else _quiet_command))
        if isinstance(one, click.Group):
            stack.extend(one.commands.values())
    return command
