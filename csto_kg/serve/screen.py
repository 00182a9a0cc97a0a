"""Screening SPARQL text before it reaches the engine: SERVICE/LOAD targets and nesting depth."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from csto_kg.core.errors import UsageError
from csto_kg.querying.querytext import check_nesting
from csto_kg.serve.settings import _DOT_SEGMENT, ANY, HttpError

# --------------------------------------------------------------------------- outbound requests
# The Oxigraph server evaluates SERVICE by sending the inner query to whatever address the
# query names, and LOAD (an update) by fetching one: served as is, it would be a proxy into
# the network it runs in. The front reads every query and update before passing it on,
# finds each SERVICE and LOAD, and refuses those whose target is not on the allow-list.
#
# It does not parse SPARQL: it splits the text into the tokens the Oxigraph parser reads
# (strings, IRIs, comments, variables, names), with that parser's rules, and errs on the
# side of refusing. The parser matches keywords case-insensitively and without a word
# boundary (`?s ?p 1SERVICE<x>{}` runs a SERVICE), so every name token that holds
# "service" (or "load", in an update) outside a local part counts, and the text is read
# both as written and with its \u escapes decoded. A target passes only if it is an
# absolute IRI, written out or through a declared prefix, equal character for character to
# an allowed URL; a variable passes only with "any".
_PN_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_U = _PN_BASE + "_"
_PN = _PN_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = _PN_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_ECHAR = r"""\\[tbnrf"'\\]"""
_TOKEN_PATTERN = "|".join(
    (
        r"(?P<ws>[ \t\r\n]+)",
        r"(?P<comment>\#[^\r\n]*)",
        rf"(?P<string>'''(?:(?:''|')?(?:[^'\\]|{_ECHAR}))*+'''"
        rf"|\"\"\"(?:(?:\"\"|\")?(?:[^\"\\]|{_ECHAR}))*+\"\"\""
        rf"|'(?:[^'\\\r\n]|{_ECHAR})*+'"
        rf"|\"(?:[^\"\\\r\n]|{_ECHAR})*+\")",
        r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)",
        rf"(?P<var>[?$][{_PN_U}0-9][{_VARNAME}]*+)",
        rf"(?P<bnode>_:[{_PN_U}0-9](?:\.*+[{_PN}])*+)",
        r"(?P<lang>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)",
        # The Oxigraph parser ends a local name at its second run of dots (`ex:a.b.c` is
        # `ex:a.b` and `.c`): so does this, as the rest is then read as code.
        rf"(?P<name>(?:[{_PN_U}0-9](?:\.*+[{_PN}])*+)?:(?:(?:[{_PN_U}0-9:]|{_PLX})(?:[{_PN}:]|{_PLX})*+"
        rf"(?:\.++(?:[{_PN}:]|{_PLX})++)?)?"
        rf"|[{_PN_U}0-9](?:\.*+[{_PN}])*+)",
        rf"(?P<other>[^ \t\r\n#'\"<?$_@:{_PN_U}0-9]+|.)",
    )
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _decode_codepoints(text: str) -> str:
    """`\\uXXXX` and `\\UXXXXXXXX` replaced by the characters they stand for."""

    def one(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else match.group()

    return _CODEPOINT.sub(one, text)


@functools.cache
def _token() -> re.Pattern[str]:
    # Compiled when first needed, not at import: the compilation takes 23 ms (python -X
    # importtime), which every command paid at start, and most queries never mention SERVICE.
    return re.compile(_TOKEN_PATTERN, re.DOTALL)


def _tokens(text: str) -> list[tuple[str, str]]:
    """The tokens of a SPARQL text that matter here, as (kind, text): iri, var, name and
    other (punctuation); whitespace, comments, strings, blank nodes and language tags are
    left out. A quote that opens no complete string is read on as punctuation."""
    return [(m.lastgroup, m.group()) for m in _token().finditer(text) if m.lastgroup not in ("ws", "comment", "string", "bnode", "lang")]  # type: ignore[misc]


@dataclass(frozen=True)
class Outbound:
    """One SERVICE or LOAD in a query or update: the keyword, the target as written, and
    the absolute IRI it stands for (None when the front cannot be sure of one: a
    variable, a relative IRI, an undeclared prefix, something else)."""

    keyword: str
    written: str
    target: str | None


def _iri_value(token: str) -> str | None:
    value = _decode_codepoints(token[1:-1])
    return value if _SCHEME.match(value) else None


def _scan(text: str, keywords: tuple[str, ...]) -> Iterator[Outbound]:
    """Each SERVICE or LOAD of the text, lazily: a caller that stops at the first refused
    one does work linear in the text (the text after a keyword is sliced only when read)."""
    tokens = _tokens(text)
    prefixes: dict[str, str | None] = {}

    def pname(written: str) -> str | None:
        prefix, _, local = written.partition(":")
        namespace = prefixes.get(prefix)
        return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)

    def targets(index: int, rest: str, keyword: str) -> list[Outbound]:
        """What the keyword may send to: `rest` follows it in the same name token, else
        the next token does (after an optional SILENT). Every reading is returned."""
        if rest:
            readings = [rest]
            if rest.lower().startswith("silent"):
                readings = ([rest[6:]] if rest[6:] else []) + ([rest] if ":" in rest else [])
                if not rest[6:]:
                    return targets(index, "", keyword) + [Outbound(keyword, r, pname(r)) for r in readings]
            return [Outbound(keyword, r, pname(r) if ":" in r else None) for r in readings]
        if index + 1 >= len(tokens):
            return [Outbound(keyword, "", None)]
        kind, value = tokens[index + 1]
        if kind == "iri":
            return [Outbound(keyword, value, _iri_value(value))]
        if kind == "var":
            return [Outbound(keyword, value, None)]
        if kind == "name" and value.lower().startswith("silent"):
            found_here = targets(index + 1, value[6:], keyword)
            if ":" in value:
                found_here.append(Outbound(keyword, value, pname(value)))
            return found_here
        if kind == "name" and ":" in value:
            return [Outbound(keyword, value, pname(value))]
        return [Outbound(keyword, value, None)]

    skip = -1
    for index, (kind, value) in enumerate(tokens):
        if kind != "name" or index == skip:
            continue
        head = value.partition(":")[0].lower()
        if head == "prefix" and ":" not in value and index + 2 < len(tokens):
            (k1, v1), (k2, v2) = tokens[index + 1], tokens[index + 2]
            if k1 == "name" and v1.endswith(":") and v1.count(":") == 1 and k2 == "iri":
                prefixes[v1[:-1]] = _iri_value(v2)
                skip = index + 1  # the prefix being declared is no keyword, whatever its name
            continue
        for keyword in keywords:
            start = head.find(keyword)
            while start >= 0:
                yield from targets(index, value[start + len(keyword) :], keyword.upper())
                start = head.find(keyword, start + 1)


def _outbound(text: str, update: bool) -> Iterator[Outbound]:
    keywords = ("service", "load") if update else ("service",)
    lowered = text.lower()
    escaped = "\\u" in lowered
    if not escaped and not any(k in lowered for k in keywords):
        return
    yield from _scan(text, keywords)
    if escaped:
        yield from _scan(_decode_codepoints(text), keywords)


def outbound(text: str, *, update: bool = False) -> list[Outbound]:
    """Every SERVICE (and, in an update, every LOAD) the text may hold, with its target."""
    return list(dict.fromkeys(_outbound(text, update)))


def check_outbound(text: str, allowed: frozenset[str], *, update: bool = False) -> None:
    """Raise HttpError 403 if the text would send a request to an address not allowed."""
    if ANY in allowed:
        return
    for item in _outbound(text, update):
        shown = item.written or "(nothing)"
        if len(shown) > 200:
            shown = shown[:197] + "..."
        if item.target is not None and item.target in allowed and not _DOT_SEGMENT.search(item.target):
            continue
        if item.written.startswith(("?", "$")):
            why = "its address is a variable, allowed only with --allow-service any"
        elif item.target is None:
            why = "its address must be an absolute IRI on the allow-list (--allow-service)"
        elif allowed:
            why = "it is not on this server's allow-list (--allow-service)"
        else:
            why = "this endpoint sends no requests to other addresses (start `csto-kg serve --allow-service URL` to allow one)"
        raise HttpError(403, f"{item.keyword} {shown} is refused: {why}")


def _check_depth(text: str) -> None:
    try:
        check_nesting(text)
    except UsageError as err:
        raise HttpError(400, str(err)) from None
