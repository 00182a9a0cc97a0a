"""Calls from the front to the Oxigraph server: queries read and counted within the limits,
Graph Store reads buffered and capped, and requests passed on whole.

These functions block; the front runs them in worker threads (one per request in progress,
at most --max-concurrent of them).
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from csto_kg.serve.settings import _MAX_ANSWER_BYTES, HttpError, Settings
from csto_kg.serve.supervisor import Supervisor

_PASS_THROUGH_BYTES = 16 << 20  # most of an answer passed on whole (a Graph Store write's, YASGUI's files)
_CHECK_EVERY = 4096  # lines of an answer read between two looks at the front's memory


class _Broken(Exception):
    """The Oxigraph server broke off a connection (it may have been replaced meanwhile)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Upstream:
    """What the Oxigraph server answered to one query, counted and parsed."""

    kind: str  # "solutions", "boolean" or "graph"
    data: bytes = b""  # the TSV answer (solutions, boolean)
    triples: list[ox.Triple] = field(default_factory=list)
    count: int = 0


@dataclass
class Passed:
    """An answer of the Oxigraph server passed on as it is."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Engine:
    """What one request needs to reach the Oxigraph server."""

    settings: Settings
    supervisor: Supervisor
    # check_memory(need): HttpError 503 if the front, with `need` bytes more, would hold too much
    check_memory: Callable[[int], None] = lambda _need: None

    def host_header(self) -> dict[str, str]:
        """The Host header for the Oxigraph server, which takes the base IRI of a query from
        it: relative IRIs then resolve against this endpoint, not the private address."""
        host = self.settings.public_host
        return {"Host": host} if host else {}

    # ------------------------------------------------------------ queries
    def run_query(self, query: str, dataset: list[tuple[str, str]]) -> Upstream:
        """Run the query on the Oxigraph server; read and count its answer within the limits.

        If the supervisor replaced the server while it ran, the query is sent once more to
        the new one, within the same time limit."""
        supervisor = self.supervisor
        deadline = time.monotonic() + self.settings.timeout + 0.5
        body = urllib.parse.urlencode([("query", query), *dataset]).encode("utf-8")
        ticket, address, _generation = supervisor.begin()
        try:
            while True:
                try:
                    lines, kind, count = self._ask(body, address, deadline, ticket)
                    break
                except _Broken as broken:
                    again = supervisor.resend(ticket)
                    if again is None or time.monotonic() >= deadline:
                        if supervisor.condemned(ticket):
                            raise HttpError(
                                503, "the query took more memory than this server allows (--max-memory); the SPARQL engine was restarted"
                            ) from None
                        raise HttpError(503, broken.message + "; retry in a moment", {"Retry-After": "1"}) from None
                    address = again[0]
        finally:
            supervisor.end(ticket)
        return self._parse(lines, kind, count)

    def _parse(self, lines: list[bytes], kind: str, count: int) -> Upstream:
        size = sum(len(line) for line in lines)
        self.check_memory(size * (5 if kind == "graph" else 1))  # the joined copy, and the parsed triples
        data = b"".join(lines)
        failure = ""
        try:
            return self._parsed(data, kind, count)
        except (SyntaxError, ValueError, OSError) as err:
            # Only the message leaves this block: the error's frames hold engine objects
            # that must be dropped in this thread.
            failure = str(err)
        tail = lines[-1].decode("utf-8", errors="replace").strip() if lines else ""
        if "cancel" in tail.lower():
            raise HttpError(503, self._limit_text())
        raise HttpError(500, f"the SPARQL engine broke off its answer: {tail or failure}")

    def _parsed(self, data: bytes, kind: str, count: int) -> Upstream:
        if kind == "graph":
            triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
            return Upstream("graph", triples=triples, count=count)
        results = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        if isinstance(results, ox.QueryBoolean):
            return Upstream("boolean", data=data, count=1)
        # Read every row now, so that a broken answer fails here and not while writing.
        rows = 0
        for _row in results:
            rows += 1
        return Upstream("solutions", data=data, count=rows)

    def _limit_text(self) -> str:
        return f"the query ran past the time limit of {self.settings.timeout:g} s"

    def _ask(self, body: bytes, address: tuple[str, int], deadline: float, ticket: int) -> tuple[list[bytes], str, int]:
        """One attempt: the lines of the answer, its kind and its count of rows or triples.
        Past the deadline the query is handed to the supervisor (503); a connection the
        server breaks off raises _Broken."""
        conn = http.client.HTTPConnection(*address, timeout=max(0.01, deadline - time.monotonic()))
        attempt = _Attempt(self, conn, ticket, deadline)
        try:
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "text/tab-separated-values, application/n-triples;q=0.9",
                **self.host_header(),
            }
            try:
                conn.request("POST", "/query", body=body, headers=headers)
                attempt.response = conn.getresponse()
            except TimeoutError:
                raise attempt.give_up() from None
            except (OSError, http.client.HTTPException) as err:
                raise _Broken(f"the SPARQL engine did not answer: {err}") from None
            if attempt.response.status != 200:
                raise attempt.refusal()
            return attempt.read_lines()
        finally:
            if not attempt.handed_over:
                conn.close()

    # ------------------------------------------------------------ Graph Store reads
    def read_store(self, target: str, accept: str | None) -> Passed:
        """A Graph Store read: the whole answer read and counted before anything is sent, so
        a broken answer is a 503 (never a 200 with a cut body) and --max-results holds."""
        headers = {"Accept": accept or "application/n-triples", **self.host_header()}
        conn = http.client.HTTPConnection(*self.supervisor.address, timeout=self.settings.timeout)
        try:
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            body = response.read(_MAX_ANSWER_BYTES + 1)
            cut = response.length not in (None, 0) or (response.chunked and response.chunk_left not in (None, 0))
        except (OSError, http.client.HTTPException) as err:
            raise HttpError(503, f"the store broke off its answer: {err}; retry in a moment", {"Retry-After": "1"}) from None
        finally:
            conn.close()
        media = response.getheader("Content-Type", "application/octet-stream")
        if response.status != 200:
            return Passed(response.status, {"Content-Type": media}, body)
        if len(body) > _MAX_ANSWER_BYTES:
            raise HttpError(413, f"the graph is larger than {_MAX_ANSWER_BYTES >> 20} MB, this server's limit; query it in pages")
        if cut:
            raise HttpError(503, "the store broke off its answer; retry in a moment", {"Retry-After": "1"})
        self.check_memory(len(body))
        count = count_statements(body, media)
        limit = self.settings.max_results
        if count > limit:
            raise HttpError(
                413,
                f"the graph has {count} triples, more than this server's limit of {limit} (--max-results); "
                "nothing was sent: query it with LIMIT and OFFSET",
                {"X-Result-Limit": str(limit)},
            )
        return Passed(200, {"Content-Type": media, "Vary": "Accept", "X-Result-Count": str(count)}, body)

    # ------------------------------------------------------------ pass-through
    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes | None = None) -> Passed:
        """Pass a request to the Oxigraph server (a Graph Store write, an update the front has
        read and checked, YASGUI's files) and read its answer whole."""
        sent = {**headers, **self.host_header()}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(*self.supervisor.address, timeout=max(self.settings.timeout, 60))
        try:
            conn.request(method, target, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read(_PASS_THROUGH_BYTES + 1) if method != "HEAD" else b""
        except (OSError, http.client.HTTPException) as err:
            raise HttpError(503, f"the store did not answer: {err}; retry in a moment", {"Retry-After": "1"}) from None
        finally:
            conn.close()
        if len(data) > _PASS_THROUGH_BYTES:
            raise HttpError(413, f"the store's answer is larger than {_PASS_THROUGH_BYTES >> 20} MB, this server's limit")
        kept = {key: value for key in ("Content-Type", "Location") if (value := response.getheader(key))}
        return Passed(response.status, kept, data)


class _Attempt:
    """One query sent to the Oxigraph server, read line by line within the limits."""

    def __init__(self, engine: Engine, conn: http.client.HTTPConnection, ticket: int, deadline: float) -> None:
        self.engine = engine
        self.conn = conn
        self.ticket = ticket
        self.deadline = deadline
        self.response: http.client.HTTPResponse | None = None
        self.handed_over = False

    def give_up(self) -> HttpError:
        """Past the time limit: the supervisor reads the rest and watches the server."""
        self.handed_over = True
        self.engine.supervisor.abandon(self.ticket, self.conn, self.response)
        return HttpError(503, self.engine._limit_text())

    def refusal(self) -> HttpError:
        assert self.response is not None
        try:
            text = self.response.read(64 * 1024).decode("utf-8", errors="replace").strip()
        except (OSError, http.client.HTTPException) as err:
            raise _Broken(f"the SPARQL engine broke off its answer: {err}") from None
        status = 400 if self.response.status == 400 else (503 if "cancel" in text.lower() else 500)
        if status == 503:
            text = self.engine._limit_text()
        return HttpError(status, text or f"the SPARQL engine answered HTTP {self.response.status}")

    def _line(self, most: int) -> bytes:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.give_up()
        if self.conn.sock is not None:
            self.conn.sock.settimeout(left)
        assert self.response is not None
        try:
            return self.response.readline(most)
        except TimeoutError:
            raise self.give_up() from None
        except (OSError, http.client.HTTPException) as err:
            raise _Broken(f"the SPARQL engine broke off its answer: {err}") from None

    def read_lines(self) -> tuple[list[bytes], str, int]:
        assert self.response is not None
        response = self.response
        media = response.getheader("Content-Type", "").split(";")[0].strip()
        kind = "graph" if media == "application/n-triples" else "solutions"
        cap = self.engine.settings.max_results
        lines: list[bytes] = []
        size = 0
        while line := self._line(_MAX_ANSWER_BYTES - size + 1):
            size += len(line)
            if size > _MAX_ANSWER_BYTES:
                raise HttpError(
                    413,
                    f"the result is larger than {_MAX_ANSWER_BYTES >> 20} MB, this server's limit; nothing was sent: "
                    "narrow the query or page through it with LIMIT and OFFSET",
                    {"X-Result-Limit": f"{_MAX_ANSWER_BYTES} bytes"},
                )
            lines.append(line)
            if len(lines) % _CHECK_EVERY == 0:
                self.engine.check_memory(size)  # room for the copy the lines are joined into
            if len(lines) - (kind != "graph") > cap:
                noun = "triples" if kind == "graph" else "rows"
                raise HttpError(
                    413,
                    f"the result has more than {cap} {noun}, this server's limit (--max-results); "
                    "nothing was sent: narrow the query or page through it with LIMIT and OFFSET",
                    {"X-Result-Limit": str(cap)},
                )
        if response.length not in (None, 0) or (response.chunked and response.chunk_left not in (None, 0)):
            raise _Broken("the SPARQL engine broke off its answer")
        return lines, kind, max(0, len(lines) - (kind != "graph"))


def count_statements(body: bytes, media: str) -> int:
    """The triples (or quads) of a Graph Store answer; 503 if it does not parse (cut short)."""
    try:
        fmt = ox.RdfFormat.from_media_type(media.split(";")[0].strip())
        if fmt is None:
            raise ValueError(f"unknown media type {media}")
        return sum(1 for _quad in ox.parse(body, format=fmt))
    except (SyntaxError, ValueError) as err:
        raise HttpError(503, f"the store sent an answer that does not parse ({err}); retry in a moment", {"Retry-After": "1"}) from None
