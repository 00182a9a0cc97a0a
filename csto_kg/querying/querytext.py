"""Reading SPARQL text without parsing it: its form and the prefixes it uses, and binding
parameters by writing the bound terms into it.

Pure text functions, shared by the local query path (where a parameter written as a
constant lets Oxigraph's planner start from it) and the remote one (where the engine's
substitution is not at hand).
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import PREFIXES

_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", re.S
)


_OPAQUE = re.compile(rf"#[^\n]*|{_STRING.pattern}|['\"].*|{_IRIREF.pattern}", re.S)


def _blank_out(text: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces, so that its structure
    (keywords, braces, prefixed names) can be read by position without being fooled by
    what those contain. Positions stay as in the original (an unterminated string runs to
    the end). One regular-expression pass: linear in the text."""
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


_WORD = re.compile(r"(?<![\w:?$])([A-Za-z]\w*)(?![\w:])")


def keywords(text: str) -> set[str]:
    """The bare words of the query (keywords and function names; not variables, prefixed
    names, or what comments, strings and IRIs hold), upper-cased."""
    return {m.group(1).upper() for m in _WORD.finditer(_blank_out(text))}


_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.I)
_UPDATE = re.compile(r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.I)
_DECLARED = re.compile(r"(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.I)
_USED = re.compile(r"(?<![\w.?$:-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:")


def query_form(text: str) -> str:
    """'select', 'ask', 'construct' or 'describe'. Raises UsageError for anything else."""
    plain = _blank_out(text)
    found = _FORM.search(plain)
    if not found:
        if _UPDATE.search(plain):
            raise UsageError("only queries can be sent to a remote endpoint, not updates")
        raise UsageError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return found.group(1).lower()


def is_update(text: str) -> bool:
    """True for a SPARQL update (INSERT, DELETE, DROP, ...): an update keyword and no query form."""
    plain = _blank_out(text)
    return not _FORM.search(plain) and bool(_UPDATE.search(plain))


def with_prefixes(text: str) -> str:
    """The query with PREFIX declarations added for the project's prefixes it uses
    without declaring (the local engine knows them; a remote endpoint does not)."""
    plain = _blank_out(text)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(plain)}
    used = {m.group(1) or "" for m in _USED.finditer(plain)}
    missing = sorted(p for p in used - declared if p in PREFIXES)
    if not missing:
        return text
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + text


_VARIABLE = re.compile(r"[?$]([A-Za-z_][\w]*)")
_CLAUSE = re.compile(r"(?<![\w:?$])(SELECT|WHERE|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES)(?![\w:])", re.I)


_AS_BEFORE = re.compile(r"(?<![\w:?$])AS\s*\Z", re.I)


def substitute(text: str, bound: dict[ox.Variable, Any]) -> str:
    """Bind parameters for a remote endpoint, where the engine's substitution is not at hand.

    This does what SPARQL substitution (SEP-0007) does: every occurrence of a bound
    variable, in subqueries and nested groups too, becomes the bound term, written in
    its N-Triples form (`str(term)`), which escapes it, so a value can never become
    query text. In the outer SELECT clause the variable becomes `(TERM AS ?var)`, so
    answers still carry it; a subquery stops projecting it (the outer query then sees
    only the constant); in GROUP BY and ORDER BY it becomes the expression `(TERM)`.
    Comments, strings and IRIs are left alone.
    """
    if not bound:
        return text
    terms = {v.value: str(t) for v, t in bound.items()}
    plain = _blank_out(text)
    form = _FORM.search(plain)
    outer_select = form.start() if form and form.group(1).upper() == "SELECT" else None
    # Where each clause starts, to tell a projection or a GROUP BY from a pattern.
    clauses = [(m.start(), m.group(1).split()[0].upper()) for m in _CLAUSE.finditer(plain)]
    out: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(plain):
        name = match.group(1)
        if name not in terms:
            continue
        opened = [(at, kind) for at, kind in clauses if at < match.start()]
        at, clause = opened[-1] if opened else (0, "")
        # A projection ends at the first `{` after SELECT (the WHERE keyword is optional).
        if clause == "SELECT" and "{" in plain[at : match.start()]:
            clause = "WHERE"
        # A subquery's GROUP BY or ORDER BY ends with the subquery: what follows its `}` is
        # a pattern again, where a parenthesised term would read as an RDF collection.
        elif clause in ("GROUP", "ORDER") and "}" in plain[at : match.start()]:
            clause = "WHERE"
        if _AS_BEFORE.search(plain[max(0, match.start() - 64) : match.start()]) or (
            clause == "VALUES" and "{" not in plain[at : match.start()]
        ):
            raise UsageError(f"the query binds ?{name} itself (AS, BIND or VALUES): it is not a parameter that can be given a value")
        term = terms[name]
        in_expression = clause == "SELECT" and plain.count("(", at, match.start()) > plain.count(")", at, match.start())
        if in_expression:  # `SELECT (YEAR(?date) AS ?y)`: the term, inside the expression
            replacement = term
        elif clause == "SELECT" and at == outer_select:
            replacement = f"({term} AS ?{name})"
        elif clause == "SELECT":
            replacement = ""
        elif clause in ("GROUP", "ORDER"):
            replacement = f"({term})"
        else:
            replacement = term
        out.append(text[last : match.start()])
        out.append(replacement)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


NESTING_LIMIT = 64
_NESTING = re.compile(r"[{}()]|(?:![ \t\r\n]*)+")


def check_nesting(text: str, limit: int = NESTING_LIMIT) -> None:
    """Refuse a query whose groups, parentheses or `!` chains nest deeper than `limit`.

    The engine's parser recurses once per level and a few thousand levels crash it, so a
    deep query is stopped here, in one linear pass over the text (comments, strings and
    IRIs left out), before it reaches the engine."""
    depth = 0
    for match in _NESTING.finditer(_blank_out(text)):
        token = match.group()
        if token in "{(":
            depth += 1
            deepest = depth
        elif token in "})":
            depth = max(0, depth - 1)
            continue
        else:  # a run of `!`, the last one an operator if `=` follows (`!=`)
            bangs = token.count("!") - (text[match.end() : match.end() + 1] == "=")
            deepest = depth + bangs
        if deepest > limit:
            raise UsageError(f"the query nests groups, parentheses or `!` more than {limit} levels deep, which this engine refuses")
