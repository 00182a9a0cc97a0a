"""The Oxigraph server process: finding it, copying the build for it, running it."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from csto_kg.core.built import open_store
from csto_kg.core.errors import CstoKgError
from csto_kg.core.paths import Layout


# --------------------------------------------------------------------------- backend
def find_oxigraph() -> str:
    """The `oxigraph` server binary: $CSTO_KG_OXIGRAPH, beside this Python, or on PATH."""
    given = os.environ.get("CSTO_KG_OXIGRAPH")
    if given:
        return given
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise CstoKgError("the Oxigraph server is not installed: pip install 'csto-kg[serve]' (or set CSTO_KG_OXIGRAPH to its binary)")


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: let the kernel stop the child if this process dies without cleaning up."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def copy_build(layout: Layout, folder: Path, binary: str) -> Path:
    """Load every graph of the current build into a new Oxigraph store in `folder`.

    The copy goes through an N-Quads dump and `oxigraph load`, so the store is written
    by the server's own version of Oxigraph whatever version pyoxigraph is.
    """
    dump = folder / "graph.nq"
    with open(dump, "wb") as stream:
        open_store(layout).dump(stream, format=ox.RdfFormat.N_QUADS)
    location = folder / "store"
    done = subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    dump.unlink()
    if done.returncode != 0:
        raise CstoKgError(f"cannot copy the build for the server: {done.stderr.strip() or done.stdout.strip()}")
    return location


@dataclass(eq=False)
class Backend:
    """An Oxigraph server on 127.0.0.1 over `location`, run as a child process."""

    binary: str
    location: Path
    _: KW_ONLY
    writable: bool
    timeout: float
    log: Path
    port: int = field(default=0, init=False)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self, wait: float = 20.0) -> None:
        for _attempt in range(3):
            self.port = free_port()
            command = [
                self.binary,
                "serve" if self.writable else "serve-read-only",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
                "--timeout-s",
                str(max(1, round(self.timeout))),
            ]
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                )
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                if self._answers():
                    return
                time.sleep(0.05)
            else:
                self.stop()
                raise CstoKgError(f"the Oxigraph server did not answer within {wait:.0f} s")
            # It exited: most likely the port was taken in between; try another.
        message = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise CstoKgError("the Oxigraph server did not start: " + " / ".join(message))

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection(*self.address, timeout=1)
            conn.request("GET", "/query?query=ASK%7B%7D")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def kill(self) -> None:
        """Stop it now, queries in progress and all (SIGKILL)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _memory(pid: int) -> int | None:
    """The resident memory of a process in bytes (Linux; None elsewhere or if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
