"""The settings of `csto-kg serve`, its limits and defaults, and the error every refusal raises."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from csto_kg.core.errors import UsageError

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESULTS = 100_000

# Paths of the served base that map onto entity IRIs under BASE.
ENTITY_ROOTS = ("id/", "fact/", "event/", "time/", "source/", "graph/")
ONTOLOGY_PATH = "ontology"

DEFAULT_MAX_BODY = 1 << 20  # bytes of a request body: a query, an update, a form, an upload
DEFAULT_MAX_CONCURRENT = 8  # requests worked on at once
DEFAULT_MAX_WAITING = 32  # requests that may wait for one of those places
DEFAULT_MAX_MEMORY = 1 << 30  # bytes the Oxigraph server may hold before it is replaced
DEFAULT_MAX_FRONT_MEMORY = 1 << 30  # bytes the front itself may hold before it refuses requests
DEFAULT_READ_TIMEOUT = 10.0  # seconds a request may take to arrive, once its first byte has

_MAX_ANSWER_BYTES = 64 << 20  # bytes of one answer of the Oxigraph server, past which it is refused
_MAX_ENTITY_PATH = 1024  # characters of an entity path
_LINGER_BYTES = 16 << 20  # most of a refused body read off the connection before it is closed
_SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_LOCAL_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~%!$&'()*+,;=:@/-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --------------------------------------------------------------------------- errors
class HttpError(Exception):
    """An answer other than 200, with a one-line plain-text message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


ANY = "any"
_DOT_SEGMENT = re.compile(r"/\.\.?(?:[/?#]|$)")


@dataclass
class Settings:
    """Every option of `csto-kg serve`, in one place: the command line builds one, and
    start() and serve() take it."""

    host: str = "127.0.0.1"  # address to listen on
    port: int = DEFAULT_PORT  # 0: any free port
    writable: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_results: int = DEFAULT_MAX_RESULTS
    max_body: int = DEFAULT_MAX_BODY
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_waiting: int = DEFAULT_MAX_WAITING
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes the Oxigraph server may hold; None: no limit
    max_front_memory: int | None = DEFAULT_MAX_FRONT_MEMORY  # bytes the front may hold; None: no limit
    read_timeout: float = DEFAULT_READ_TIMEOUT  # seconds a request's head and body may take to arrive
    allow_service: frozenset[str] = frozenset()  # URLs SERVICE and LOAD may reach; ANY: every one
    allow_origin: frozenset[str] = frozenset()  # origins whose pages may write (with writable); ANY: every one
    public_host: str = ""  # Host sent to the Oxigraph server: relative IRIs resolve against the public URL
    void: list[ox.Triple] = field(default_factory=list)
    site: Any = None  # the HTML pages (csto_kg.site.Site) over the served build, set by start()

    def __post_init__(self) -> None:
        """Check every value (UsageError) and normalize the allow-lists."""
        for name, low, text in (
            ("timeout", 0, "more than 0 seconds"),
            ("read_timeout", 0, "more than 0 seconds"),
        ):
            if getattr(self, name) <= low:
                raise UsageError(f"--{name.replace('_', '-')} must be {text}")
        for name, least in (("max_results", 1), ("max_body", 1), ("max_concurrent", 1), ("max_waiting", 0)):
            if getattr(self, name) < least:
                raise UsageError(f"--{name.replace('_', '-')} must be at least {least}")
        if self.max_memory is not None and self.max_memory < 64 << 20:
            raise UsageError("--max-memory must be at least 64 MB")
        if self.max_front_memory is not None and self.max_front_memory < 64 << 20:
            raise UsageError("--max-front-memory must be at least 64 MB")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"invalid port {self.port}")
        self.allow_service = allowed_services(self.allow_service)
        self.allow_origin = allowed_origins(self.allow_origin)

    @property
    def max_connections(self) -> int:
        """Open connections (kept-alive ones too) past which a new one is turned away."""
        return max(64, 4 * (self.max_concurrent + self.max_waiting))


def _split(url: str, refused: UsageError) -> urllib.parse.SplitResult:
    """The parts of `url`; `refused` where urlsplit cannot read it (an unclosed `[`)."""
    try:
        return urllib.parse.urlsplit(url)
    except ValueError:
        raise refused from None


def allowed_services(urls: Iterable[str]) -> frozenset[str]:
    """The allow-list of SERVICE and LOAD targets: absolute http(s) URLs, or "any"."""
    allowed = set()
    for url in urls:
        url = url.strip()
        if url.lower() == ANY:
            allowed.add(ANY)
            continue
        refused = UsageError(f"--allow-service wants an absolute http(s) URL (or `any`), not {url!r}")
        parts = _split(url, refused)
        if parts.scheme not in ("http", "https") or not parts.netloc or _CONTROL.search(url) or " " in url or _DOT_SEGMENT.search(url):
            raise refused
        allowed.add(url)
    return frozenset(allowed)


def allowed_origins(origins: Iterable[str]) -> frozenset[str]:
    """The origins (scheme://host[:port]) whose pages may send writes, or "any"."""
    allowed = set()
    for origin in origins:
        origin = origin.strip().rstrip("/")
        refused = UsageError(f"--allow-origin wants an origin such as https://example.org (or `any`), not {origin!r}")
        parts = _split(origin, refused)
        if origin.lower() != ANY and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path or _CONTROL.search(origin)):
            raise refused
        allowed.add(origin.lower() if origin.lower() == ANY else origin)
    return frozenset(allowed)
