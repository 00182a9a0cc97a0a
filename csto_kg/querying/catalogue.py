"""The catalogue of named queries: one .rq file each, documented by a header.

Headers follow grlc's convention of `#+ key: value` lines inside SPARQL comments, so each
file stays valid SPARQL:

    #+ summary: States that were members on a date, with their status
    #+ description: One or more lines; a following line that starts with
    #+   two spaces continues the previous value.
    #+ tags: membership, time
    #+ param: date (date, default today): The day to look at.
    #+ param: source (enum article|atop, default article): Which source to follow.
    #+ param: state (entity, optional): A state, as kg:armenia, armenia or a full IRI.

Each `param` binds the SPARQL variable of the same name (a '-' becomes '_'): the value,
checked and turned into an RDF term, is written into the query as an escaped constant
(csto_kg.querying.querytext.substitute), never pasted as text. A SELECT query lists its parameters
among its result variables, so every answer also says what it answers (`date`, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from csto_kg.core.errors import UsageError

_PARAM = re.compile(r"^(?P<name>[A-Za-z][\w-]*)\s*\((?P<spec>[^)]*)\)\s*:?\s*(?P<doc>.*)$")
PARAM_TYPES = ("date", "string", "entity", "integer", "enum", "iri")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str = ""
    default: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def variable(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _parse_param(value: str, where: str) -> Param:
    match = _PARAM.match(value.strip())
    if not match:
        raise UsageError(f"{where}: malformed param line {value!r}")
    parts = [p.strip() for p in match["spec"].split(",") if p.strip()]
    if not parts:
        raise UsageError(f"{where}: param {match['name']!r} has no type")
    kind, *rest = parts[0].split(None, 1)
    if kind not in PARAM_TYPES:
        raise UsageError(f"{where}: param {match['name']!r} has unknown type {kind!r}")
    choices = tuple(rest[0].split("|")) if kind == "enum" and rest else ()
    default = None
    required = True
    for option in parts[1:]:
        if option.startswith("default "):
            default = option[len("default ") :].strip()
            required = False
        elif option == "optional":
            required = False
    return Param(match["name"], kind, match["doc"].strip(), default, required, choices)


def parse_header(text: str, name: str, path: Path) -> NamedQuery:
    fields: dict[str, list[str]] = {}
    params: list[Param] = []
    last: str | None = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.lstrip().startswith("#"):
                break
            continue
        body = line[2:]
        if body.startswith("   ") and last is not None:  # continuation line
            fields[last][-1] += " " + body.strip()
            continue
        key, _, value = body.strip().partition(":")
        key = key.strip()
        last = key
        if key == "param":
            params.append(_parse_param(value, f"{path}"))
            last = None
        else:
            fields.setdefault(key, []).append(value.strip())
    tags = tuple(t.strip() for v in fields.get("tags", []) for t in v.split(",") if t.strip())
    return NamedQuery(
        name=name,
        path=path,
        text=text,
        summary=" ".join(fields.get("summary", [])),
        description=" ".join(fields.get("description", [])),
        tags=tags,
        params=tuple(params),
    )


def catalogue(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query in `queries_dir`, by name (the file name without .rq)."""
    found = {}
    for path in sorted(queries_dir.glob("*.rq")):
        found[path.stem] = parse_header(_read(path), path.stem, path)
    return found


def named(queries_dir: Path, name: str) -> NamedQuery | None:
    """The named query `name` of `queries_dir`, or None: its one file read, not the
    whole catalogue (a command runs one query; reading them all cost every start 1.5 ms)."""
    if not name or Path(name).name != name:  # a name in the folder, as catalogue() lists it; never a path
        return None
    path = queries_dir / f"{name}.rq"
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system is no query's
        return None
    return parse_header(_read(path), name, path) if found else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise UsageError(f"cannot read query file {path}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise UsageError(f"query file {path} is not UTF-8 text (byte {err.start})") from None


def load_query_file(path: Path) -> NamedQuery:
    return parse_header(_read(path), path.stem, path)


def from_text(text: str, name: str = "<query>") -> NamedQuery:
    return parse_header(text, name, Path(name))
