"""Real ``knead worker`` processes on a database of their own (a SQLite file; PostgreSQL when
DATABASE_URL names one): a worker killed with SIGKILL in the middle of posting an 835 leaves
the job to another worker, and every payment is posted exactly once.

The database is not pytest's (the workers are other processes): each test migrates a fresh one,
builds its data with ``scenario.py`` and reads the job's state with plain SQL while it runs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from knead.billing.x12.synthetic import iter_claim_truth, synthetic_835

SCENARIO = Path(__file__).with_name("scenario.py")
CLAIMS = 6000
LEASE = "3"  # seconds: a dead worker's job is taken over after this
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql://"))


class Database:
    """A fresh database for the workers, its environment, and plain SQL to read it."""

    def __init__(self, env: dict[str, str], query: Callable[[str], list[tuple[Any, ...]]],
                 write_locked: Callable[[], bool]) -> None:  # fmt: skip
        self.env = env
        self.query = query
        self.write_locked = write_locked


def _base_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="knead.settings",
        KNEAD_DATA_DIR=str(folder),
        KNEAD_JOB_LEASE_SECONDS=LEASE,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    env = _base_env(tmp_path)
    path = tmp_path / "knead.sqlite3"

    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path, timeout=5) as connection:
            return connection.execute(sql).fetchall()

    def write_locked() -> bool:
        """Another connection holds SQLite's write lock (a transaction is open)."""
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        finally:
            connection.close()

    _migrate(env)
    yield Database(env, query, write_locked)


@pytest.fixture
def postgres_db(tmp_path: Path) -> Iterator[Database]:
    if not ON_POSTGRES:
        pytest.skip("DATABASE_URL is not PostgreSQL (CI runs this on its PostgreSQL pass)")
    import psycopg

    name = f"knead_workers_{uuid.uuid4().hex[:10]}"
    server = re.sub(r"/[^/]*$", "/postgres", PG_URL)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = re.sub(r"/[^/]*$", f"/{name}", PG_URL)
    env = _base_env(tmp_path) | {"DATABASE_URL": url}

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as connection:
            return connection.execute(sql).fetchall()

    _migrate(env)
    yield Database(env, query, lambda: False)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "knead.cli", "migrate", "--verbosity", "0"],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


def _scenario(db: Database, folder: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCENARIO), *args],
        env=db.env, cwd=folder, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker(db: Database, folder: Path, name: str) -> subprocess.Popen[bytes]:
    log = (folder / f"worker-{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "knead.cli", "worker", "--interval", "0.2", "--worker-id", name],
        env=db.env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait(what: str, check: Callable[[], bool], timeout: float, folder: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    logs = "\n".join(p.read_text()[-2000:] for p in folder.glob("worker-*.log"))
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def _expected_postings(text: str) -> int:
    """One posting per SVC (its payment), per CAS amount (claim or line level) and per PLB
    amount: counted from the file's segments, not by the posting code."""
    count = 0
    for segment in text.split("~"):
        elements = segment.split("*")
        if elements[0] == "SVC":
            count += 1
        elif elements[0] == "CAS":
            count += len(elements[2::3])  # reason, amount, quantity triplets after the group
        elif elements[0] == "PLB":
            count += len(elements[3::2])  # (reason:reference, amount) pairs after the date
    return count


def _kill_mid_posting(db: Database, folder: Path) -> None:
    ids = _scenario(db, folder, "setup", str(CLAIMS))
    job, remittance = ids["job"], ids["remittance"]
    text = (folder / "era.835").read_text()
    first = _worker(db, folder, "first")
    second = None
    try:
        _wait(
            "the first worker to start the job",
            lambda: (
                db.query(f"SELECT state, worker_id FROM jobs_job WHERE id = {job}")
                == [("running", "first")]
            ),
            60,
            folder,
        )
        if ON_POSTGRES and "DATABASE_URL" in db.env:
            # Progress written from the heartbeat connection while the posting transaction is
            # open (none of the transaction's rows are visible yet).
            _wait(
                "progress while posting",
                lambda: db.query(f"SELECT done FROM jobs_job WHERE id = {job}")[0][0] > 0,
                60,
                folder,
            )
        else:
            # The job's own autocommitted writes take the lock too: wait for the remittance to
            # be marked running first, so the lock seen is the posting transaction's.
            _wait(
                "the remittance to be marked running",
                lambda: (
                    db.query(f"SELECT status FROM remittance_remittance WHERE id = {remittance}")
                    == [("running",)]
                ),
                60,
                folder,
            )
            _wait("the posting transaction to hold the write lock", db.write_locked, 60, folder)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        # Killed inside its transaction: nothing of it was committed.
        assert db.query(f"SELECT status FROM remittance_remittance WHERE id = {remittance}") == [
            ("running",)
        ]
        assert db.query(
            f"SELECT COUNT(*) FROM remittance_posting WHERE remittance_id = {remittance}"
        ) == [(0,)]
        second = _worker(db, folder, "second")
        _wait(
            "the second worker to finish the job",
            lambda: db.query(f"SELECT state FROM jobs_job WHERE id = {job}") == [("done",)],
            180,
            folder,
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        second = None
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    report = _scenario(db, folder, "report", str(remittance))
    _, truth = synthetic_835(CLAIMS, seed=4242)
    claims = list(iter_claim_truth(truth))
    paid = sum((c.paid for c in claims), Decimal(0))
    paid_to_ours = sum((c.paid for c in claims if c.status != "22"), Decimal(0))
    assert report["status"] == "done"
    assert (report["job_state"], report["attempts"], report["worker"]) == ("done", 2, "second")
    assert report["postings"] == _expected_postings(text)
    assert report["fingerprints"] == CLAIMS
    assert Decimal(report["paid"]) == paid  # every payment once, reversals included
    assert Decimal(report["claims_paid"]) == paid_to_ours  # each of our claims paid once
    assert db.query(
        "SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at"
    ) == [
        ("FAILED",),
        ("SUCCESSFUL",),
    ]  # the killed worker's attempt is marked failed, not left running


def test_a_worker_killed_mid_posting_on_sqlite_leaves_the_job_to_another(sqlite_db, tmp_path):
    _kill_mid_posting(sqlite_db, tmp_path)


def test_a_worker_killed_mid_posting_on_postgres_leaves_the_job_to_another(postgres_db, tmp_path):
    _kill_mid_posting(postgres_db, tmp_path)


def test_serve_in_demo_mode_runs_one_worker_beside_the_server_and_stops_it(sqlite_db, tmp_path):
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "knead.cli", "serve", "--port", str(port), "--workers", "1"],
        env=sqlite_db.env | {"DEBUG": "1"}, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait("the demo worker to start", lambda: bool(sqlite_db.query(
            "SELECT pid FROM jobs_worker WHERE stopped_at IS NULL")), 60, tmp_path)  # fmt: skip

        def answers() -> bool:
            try:
                return (
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/").status == 200
                )
            except OSError:
                return False

        _wait("the server to answer", answers, 60, tmp_path)
        [(pid,)] = sqlite_db.query("SELECT pid FROM jobs_worker")
        assert pid != serve.pid  # a process of its own, not a thread of the server
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the worker stopped with the server
    assert sqlite_db.query("SELECT stopped_at IS NOT NULL FROM jobs_worker") == [(1,)]
