"""Latency of the practice app's main pages with many visits (not a test: it prints figures).

Seeds the demo practice to N visits in a throw-away data directory (or uses --data-dir), serves
it on a free loopback port, signs in as the demo owner and requests each page R times over one
connection at a time. Prints median and p95 per page.

    .venv/bin/python bench/pages.py             # 100,000 visits, 30 requests a page
    .venv/bin/python bench/pages.py --quick     # 10,000 visits, 15 requests a page
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

KNEAD = Path(sys.executable).with_name("knead")
PAGES = [
    "/",
    "/clients/",
    "/clients/?q=smith",
    "/clients/5/",
    "/visits/",
    "/visits/?q=smith",
    "/visits/?status=unsigned",
    "/visits/?page=200",
    "/visits/50/",
    "/audit/",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signed_in_opener(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"username": "owner", "password": "knead-demo-2026", "csrfmiddlewaretoken": token}
    opener.open(
        urllib.request.Request(
            f"{base}/accounts/login/",
            urllib.parse.urlencode(form).encode(),
            headers={"Referer": base},
        )
    )
    return opener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10,000 visits, 15 requests a page")
    parser.add_argument("--data-dir", help="reuse this KNEAD_DATA_DIR (seeded to --visits)")
    args = parser.parse_args()
    visits, repeat = (10_000, 15) if args.quick else (args.visits, args.requests)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="knead-bench-pages-"))
    env = {**os.environ, "KNEAD_DATA_DIR": str(data_dir), "DEBUG": "0", "KNEAD_HTTPS": "0"}
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # production refuses to start without
    subprocess.run([KNEAD, "migrate", "-v0"], env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [KNEAD, "demo", "--scale", str(visits)], env=env, check=True, stdout=subprocess.DEVNULL
    )
    print(f"seeded {visits:,} visits in {time.perf_counter() - start:.0f} s ({data_dir})")
    port = _free_port()
    server = subprocess.Popen(
        [KNEAD, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        opener = _signed_in_opener(base)
        print(f"{'page':32} {'median':>8} {'p95':>8}   ({repeat} requests each, whole responses)")
        for path in PAGES:
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                opener.open(base + path).read()
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            print(f"{path:32} {statistics.median(times):6.1f} ms {p95:6.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
