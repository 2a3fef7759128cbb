"""How many server processes ``knead serve`` starts, and the development server's flag."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

from knead.ops.server import default_workers
from tests.ops.test_serve import _env, _free_port, _status, _wait


def test_web_concurrency_sets_the_number_of_workers():
    assert default_workers({"WEB_CONCURRENCY": "3"}, cores=16) == 3


def test_without_web_concurrency_two_workers_per_core_plus_one():
    assert default_workers({}, cores=2) == 5


def test_the_default_stops_at_eight_workers():
    assert default_workers({}, cores=16) == 8


def test_serve_dev_runs_djangos_development_server(tmp_path):
    port = _free_port()
    with (tmp_path / "dev.log").open("wb") as out:
        # A session of its own: the autoreloader serves from a child process, stopped together.
        server = subprocess.Popen(
            [sys.executable, "-m", "knead.cli", "serve", "--dev", "--port", str(port)],
            env=_env(tmp_path), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/accounts/login/"
        _wait("the development server", lambda: _status(url) == 200, tmp_path / "dev.log")
        assert urllib.request.urlopen(url, timeout=10).headers["Server"].startswith("WSGIServer")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
