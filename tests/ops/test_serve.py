"""``knead serve`` as it runs in production: gunicorn on a free loopback port, on a fresh
SQLite database of its own (the server is another process: pytest's database is not its)."""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CLIENT_NAME = "Zebulon Quackenbush"
MB = 1024 * 1024
DEADLINE = 60  # seconds to wait for a process to get going; a hung one fails, never a slow one


def _env(folder: Path, **extra: str) -> dict[str, str]:
    # The production settings, not the test suite's, over plain HTTP; SECRET_KEY comes from
    # the suite's environment (tests/settings.py).
    drop = {"DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL", "CACHE_URL", "WEB_CONCURRENCY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(KNEAD_DATA_DIR=str(folder), KNEAD_HTTPS="0", PYTHONUNBUFFERED="1", **extra)
    return env


def _knead(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "knead.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        umask=0o022,  # the usual umask: the database's mode must not depend on it
        timeout=300,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(what: str, check: Callable[[], bool], log: Path | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text()[-3000:] if log else ''}")


def _status(url: str) -> int | None:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@contextlib.contextmanager
def _serving(env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    """``knead serve ARGS`` until the block ends (then SIGTERM, and it must exit 0)."""
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "knead.cli", "serve", "--port", str(port), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT, umask=0o022,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("the server to answer", lambda: _status(f"{base}/accounts/login/") == 200, log)
        yield base
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=DEADLINE) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a freshly migrated SQLite database."""
    env = _env(tmp_path_factory.mktemp("knead-serve"))
    result = _knead("migrate", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    return env


@pytest.fixture(scope="module")
def server(
    migrated: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """``knead serve`` (gunicorn, two processes) on that database: its address and its log."""
    log = tmp_path_factory.mktemp("knead-serve-log") / "serve.log"
    with _serving(migrated, log, "--workers", "2", "--threads", "2") as base:
        yield base, log


def test_serve_runs_gunicorn_with_the_sign_in_page_and_static_files(server):
    base, _ = server
    page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=10)
    assert page.headers["Server"].startswith("gunicorn")
    assert b"Sign in" in page.read()
    css = urllib.request.urlopen(f"{base}/static/knead/knead.css", timeout=10)
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")


def test_healthz_names_the_missing_worker_then_answers_ok_once_one_runs(server, migrated, tmp_path):
    base, _ = server
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/healthz", timeout=10)
    assert refused.value.code == 503
    assert json.load(refused.value)["worker"].startswith("no worker has sent a heartbeat")
    with (tmp_path / "worker.log").open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "knead.cli", "worker"], env=migrated, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait("healthz to answer 200", lambda: _status(f"{base}/healthz") == 200)
        body = json.load(urllib.request.urlopen(f"{base}/healthz", timeout=10))
        assert body == {"database": "ok", "worker": "ok", "workers": 1}
    finally:
        worker.terminate()
        worker.wait(timeout=DEADLINE)


def test_the_database_and_its_wal_and_shm_files_are_owner_only(server, migrated):
    _, _ = server  # serving: its connections keep the -wal and -shm files open
    database = Path(migrated["KNEAD_DATA_DIR"]) / "knead.sqlite3"
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {
        "knead.sqlite3": "0o600",
        "knead.sqlite3-wal": "0o600",
        "knead.sqlite3-shm": "0o600",
    }


def test_a_100_mb_upload_is_refused_before_its_body_is_sent(server):
    base, _ = server
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
    connection.putrequest("POST", "/billing/remittance/upload/")
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(100 * MB))
    connection.endheaders()
    connection.send(b"\0" * MB)  # the first megabyte only: the server answers without the rest
    response = connection.getresponse()
    assert response.status == 413
    assert "This file is 100 MB; the largest Knead accepts is 50 MB." in response.read().decode()
    connection.close()


def test_gunicorns_log_names_paths_but_no_query_string_or_form_value(server):
    base, log = server
    query = urllib.parse.urlencode({"q": CLIENT_NAME})
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(f"{base}/clients/?{query}", timeout=10)  # redirected to sign in
    page = browser.open(f"{base}/accounts/login/?{query}", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "username": CLIENT_NAME, "password": "Quackenbush-1"}
    answer = browser.open(
        f"{base}/accounts/login/", urllib.parse.urlencode(form).encode(), timeout=10
    )
    assert answer.status == 200  # a failed sign-in: the page again
    _wait(
        "the sign-in POST in the access log",
        lambda: '"POST /accounts/login/" 200' in log.read_text(),
        log,
    )
    text = log.read_text()
    assert '"GET /clients/" 302' in text
    assert '"GET /accounts/login/" 200' in text
    for word in ("Zebulon", "Quackenbush", "q="):
        assert word not in text


def test_two_processes_share_the_database_cache(migrated):
    database = Path(migrated["KNEAD_DATA_DIR"]) / "knead.sqlite3"
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "knead_cache" in tables  # made by `knead migrate`
    setter = "from django.core.cache import cache; cache.set('shared-test', 'seen by both', 60)"
    getter = "from django.core.cache import cache; print(cache.get('shared-test'))"
    assert _knead("manage", "shell", "--no-imports", "-c", setter, env=migrated).returncode == 0
    read = _knead("manage", "shell", "--no-imports", "-c", getter, env=migrated)
    assert read.stdout.strip() == "seen by both", read.stderr


def test_cache_url_selects_djangos_redis_backend(tmp_path):
    show = "from django.conf import settings; print(settings.CACHES['default'])"
    result = _knead(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        show,
        env=_env(tmp_path, CACHE_URL="redis://127.0.0.1:6390/2"),
    )
    assert result.stdout.strip() == (
        "{'BACKEND': 'django.core.cache.backends.redis.RedisCache', "
        "'LOCATION': 'redis://127.0.0.1:6390/2'}"
    ), result.stderr


def test_serve_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = {k: v for k, v in _env(tmp_path).items() if k != "SECRET_KEY"}
    result = _knead("serve", "--port", str(_free_port()), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("knead: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_a_demo_without_a_secret_key_makes_one_up_for_its_owner_only(tmp_path):
    env = {k: v for k, v in _env(tmp_path, DEBUG="1").items() if k != "SECRET_KEY"}
    assert _knead("check", env=env).returncode == 0
    key = tmp_path / "secret_key"
    assert oct(stat.S_IMODE(key.stat().st_mode)) == "0o600"
    assert len(key.read_text().strip()) >= 50


def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(tmp_path):
    # Port 1 on loopback: nothing listens there.
    env = _env(tmp_path, DATABASE_URL="postgres://knead@127.0.0.1:1/knead")
    with _serving(env, tmp_path / "serve.log", "--workers", "1") as base:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/healthz", timeout=10)
        assert refused.value.code == 503
        assert json.load(refused.value) == {
            "database": "unreachable (OperationalError)",
            "worker": "unknown: the database is unreachable",
        }
