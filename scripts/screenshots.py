"""Screenshots of the site for the README: docs/images/site-{home,state,event,query}.png.

    python scripts/screenshots.py [--chromium /usr/bin/chromium]

Writes the static site of the project's graph (`csto-kg site`) to a temporary folder,
serves it on 127.0.0.1 and photographs four pages in Debian's chromium through
Playwright (pip install playwright; no browser download).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

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
    "site-state.png": ("/id/armenia/", 1500),
    "site-event.png": ("/event/2022-01-kazakhstan-deployment/", 1100),
    "site-query.png": ("/query/", 1100),
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from csto_kg.site.export import site

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        site(out, data_root=ROOT)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as play:
            context = play.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path=args.chromium, args=FLAGS, headless=True
            )
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            for name, (path, height) in SHOTS.items():
                page.set_viewport_size({"width": 1200, "height": height})
                page.goto(base + path)
                if name == "site-home.png":
                    page.fill("#search", "Arm")
                    page.locator("#search-results a").first.wait_for()
                page.screenshot(path=str(Path(args.output) / name))
                print(f"wrote {Path(args.output) / name}", file=sys.stderr)
            context.close()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
