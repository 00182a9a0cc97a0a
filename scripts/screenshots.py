"""Screenshots of the site for the README: docs/images/site-{home,state,event,query}.png.

    python scripts/screenshots.py [--chromium /usr/bin/chromium]

Starts `csto-kg serve` on a free port of 127.0.0.1 (building first if needed), as a
newcomer would, and photographs four of its pages in Debian's chromium through
Playwright (pip install playwright; no browser download): the home page with a search
typed, Armenia's page, an event, and the query page with a named query's rows. Every
request to another host is refused.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = {
    "site-home.png": ("/", 1700),
    "site-state.png": ("/id/armenia", 1500),
    "site-event.png": ("/event/2022-01-kazakhstan-deployment", 1100),
    "site-query.png": ("/query", 1100),
}


def _serve() -> tuple[subprocess.Popen, str]:
    """`csto-kg serve` on a free port; its process and its address."""
    process = subprocess.Popen([sys.executable, "-m", "csto_kg", "-q", "serve", "--port", "0", "--data", str(ROOT)], stdout=subprocess.PIPE)
    line = process.stdout.readline().decode().strip() if process.stdout else ""  # the endpoint, printed once it answers
    if not line.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"csto-kg serve did not start ({line or 'no address printed'})")
    return process, line.rsplit("/", 1)[0]


def _shoot(page: Any, name: str) -> None:  # a Playwright page
    if name == "site-home.png":
        page.fill("#search", "Arm")
        page.locator("#search-results a").first.wait_for()
    elif name == "site-query.png":
        page.locator(".yasqe").first.wait_for()
        page.locator("button[data-query='members']").click()
        page.locator(".yasr table tbody tr").first.wait_for(timeout=30000)
        page.get_by_label("Simple view").check()  # values without their datatypes, as a reader wants them


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    process, base = _serve()
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as play:
            context = play.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path=args.chromium, args=FLAGS, headless=True
            )
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            for name, (path, height) in SHOTS.items():
                page.set_viewport_size({"width": 1200, "height": height})
                page.goto(base + path)
                _shoot(page, name)
                page.screenshot(path=str(Path(args.output) / name))
                print(f"wrote {Path(args.output) / name}", file=sys.stderr)
            context.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
