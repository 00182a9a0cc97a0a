"""Endpoint URLs given on the command line: checked once, and shown without secrets."""

from __future__ import annotations

import urllib.parse

from csto_kg.core.errors import UsageError


def shown(url: str) -> str:
    """`url` as messages show it: a password in it replaced by ***, and control characters
    (a line break) escaped, so that the message stays one honest line."""
    scheme, sep, rest = url.rpartition("://") if "://" in url else ("", "", url)
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        rest = f"{userinfo.partition(':')[0]}:***@{host}{slash}{path}"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in f"{scheme}{sep}{rest}")


def checked(url: str, example: str) -> urllib.parse.SplitResult:
    """The parts of an http(s) URL; a UsageError (one line, without the password) for
    anything else, `example` saying what is expected."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError as err:
        raise UsageError(f"invalid endpoint {shown(url)!r}: {err}; give {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UsageError(f"invalid endpoint {shown(url)!r}: give {example}")
    return parts
