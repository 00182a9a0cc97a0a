"""Errors the command line turns into one-line messages and exit codes."""

from __future__ import annotations


def one_line(text: object) -> str:
    """`text` on one line: line breaks and runs of spaces become one space, other control
    characters are shown escaped, so that every error stays a single readable line."""
    flat = " ".join(str(text).split())
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in flat)


class CstoKgError(Exception):
    """A failure the user can act on: bad data, a failed check, an I/O problem (exit 1)."""

    exit_code = 1


class UsageError(CstoKgError):
    """The command was asked for something that cannot be: unknown name, bad value (exit 2)."""

    exit_code = 2


class LoadError(CstoKgError):
    """A source file does not parse; the message names file and line."""


class ConsistencyError(CstoKgError):
    """The reasoned graph is inconsistent or holds ill-typed literals."""


class QueryError(CstoKgError):
    """A query does not parse or fails to run."""
