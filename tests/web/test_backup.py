"""``knead backup`` and ``knead restore``, run as subprocesses against databases of their own
(a SQLite file; PostgreSQL too when DATABASE_URL names a server, as on CI's PostgreSQL pass).

Each vendor's data is built once per module (migrate, the worker tests' scenario: a practice,
claims and an 835 that a ``knead worker --batch`` posts) and copied for each test. The tests
read the databases with plain SQL: every table's row count and a hash of its sorted rows.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from knead.backup import BackupError, default_backup_name, find_pg_tool

SCENARIO = Path(__file__).parent / "jobs" / "scenario.py"
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql://"))
UPLOAD = "referrals/2026/03/referral-0001.pdf"
UPLOAD_BYTES = b"%PDF-1.4\n% a synthetic referral for the backup tests\n%%EOF\n"
SNAPSHOT = dict[str, tuple[int, str]]


def _env(folder: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="knead.settings", KNEAD_DATA_DIR=str(folder))
    return env | ({"DATABASE_URL": url} if url else {})


def _seed(env: dict[str, str], folder: Path) -> None:
    for command in (
        [sys.executable, "-m", "knead.cli", "migrate", "--verbosity", "0"],
        [sys.executable, str(SCENARIO), "setup", "30"],
        [sys.executable, "-m", "knead.cli", "worker", "--batch"],
    ):
        subprocess.run(command, env=env, cwd=folder, check=True, capture_output=True, timeout=600)


def _pg_url(name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", PG_URL)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


class Site:
    """One install: its data folder, database, environment and plain-SQL views of them."""

    def __init__(self, vendor: str, folder: Path, pg_name: str | None = None) -> None:
        self.vendor = vendor
        self.folder = folder
        self.pg_name = pg_name
        self.env = _env(folder, _pg_url(pg_name) if pg_name else None)
        self.uploads = folder / "uploads"
        self.sqlite = folder / "knead.sqlite3"

    def knead(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "knead.cli", *args],
            env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            with closing(sqlite3.connect(self.sqlite)) as db, db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(_pg_url(self.pg_name or ""), autocommit=True) as db:
            cursor = db.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def snapshot(self) -> SNAPSHOT:
        """Every table's row count and a SHA-256 of its rows, sorted; on PostgreSQL also each
        sequence's last value (SQLite keeps those in its table sqlite_sequence)."""
        if self.vendor == "sqlite":
            tables = [
                r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
        else:
            tables = [r[0] for r in self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]  # fmt: skip
        result = {}
        for table in tables:
            rows = sorted(repr(row) for row in self.query(f'SELECT * FROM "{table}"'))
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        if self.vendor == "postgresql":
            sequences = self.query("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
            result["sequences"] = (len(sequences), repr(sequences))
        return result

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.uploads).as_posix(): p.read_bytes()
            for p in self.uploads.rglob("*")
            if p.is_file()
        }

    def wipe(self) -> None:
        """Delete the database (PostgreSQL: drop it and create it empty) and the uploads."""
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite}{suffix}").unlink(missing_ok=True)
        else:
            _pg_admin(f'DROP DATABASE "{self.pg_name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{self.pg_name}"')
        shutil.rmtree(self.uploads)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    _seed(_env(folder, None), folder)
    return folder / "knead.sqlite3"


@pytest.fixture(scope="module")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ON_POSTGRES:
        pytest.skip("DATABASE_URL is not PostgreSQL (CI runs this on its PostgreSQL pass)")
    name = f"knead_backup_template_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    folder = tmp_path_factory.mktemp("postgres-template")
    _seed(_env(folder, _pg_url(name)), folder)
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], Site]]:
    """Builds a seeded install of a vendor, with one upload in place."""
    databases: list[str] = []

    def make(vendor: str) -> Site:
        folder = tmp_path / vendor
        (folder / "uploads" / UPLOAD).parent.mkdir(parents=True)
        (folder / "uploads" / UPLOAD).write_bytes(UPLOAD_BYTES)
        if vendor == "sqlite":
            shutil.copyfile(request.getfixturevalue("sqlite_template"), folder / "knead.sqlite3")
            return Site(vendor, folder)
        template = request.getfixturevalue("postgres_template")
        name = f"knead_backup_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        databases.append(name)
        return Site(vendor, folder, name)

    yield make
    for name in databases:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _add_session(site: Site) -> None:
    """A row the backup does not have."""
    site.query(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('after-the-backup', 'x', '2030-01-01 00:00:00+00:00')"
    )


VENDORS = pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])


@VENDORS
def test_a_backup_restored_into_a_wiped_install_gives_back_every_row_and_the_uploads(
    make_site: Callable[[str], Site], vendor: str
) -> None:
    site = make_site(vendor)
    before = site.snapshot()
    assert before["claims_claim"][0] == 29  # the scenario's 30 less one reversal
    assert before["jobs_job"][0] == 1
    archive = site.folder.parent / "backup.tar.gz"

    made = site.knead("backup", "-o", str(archive))
    assert made.returncode == 0, made.stderr
    assert "and 1 uploads to" in made.stdout
    assert archive.stat().st_mode & 0o777 == 0o600

    site.wipe()
    restored = site.knead("restore", str(archive))

    assert restored.returncode == 0, restored.stderr
    assert "every count checked" in restored.stdout
    assert site.snapshot() == before
    assert site.files() == {UPLOAD: UPLOAD_BYTES}
    if vendor == "sqlite":
        assert site.sqlite.stat().st_mode & 0o777 == 0o600


@VENDORS
def test_the_manifest_names_the_version_the_vendor_and_every_tables_row_count(
    make_site: Callable[[str], Site], vendor: str
) -> None:
    site = make_site(vendor)
    counts = {table: rows for table, (rows, _hash) in site.snapshot().items()}
    archive = site.folder / "backup.tar.gz"
    assert site.knead("backup", "-o", str(archive)).returncode == 0

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]

    database = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[vendor]
    assert names == ["manifest.json", database, f"uploads/{UPLOAD}"]
    assert manifest["format"] == "knead-backup"
    assert manifest["knead_version"] == "0.1.0"
    assert manifest["vendor"] == vendor
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", manifest["created_at"])
    assert manifest["tables"]["claims_claim"] == 29
    assert manifest["tables"] == {
        t: n for t, n in counts.items() if t not in ("sqlite_sequence", "sequences")
    }
    assert manifest["uploads"] == {UPLOAD: hashlib.sha256(UPLOAD_BYTES).hexdigest()}


@VENDORS
def test_restore_refuses_a_database_holding_data_without_yes_and_replaces_it_with_yes(
    make_site: Callable[[str], Site], vendor: str
) -> None:
    site = make_site(vendor)
    before = site.snapshot()
    archive = site.folder.parent / "backup.tar.gz"
    assert site.knead("backup", "-o", str(archive)).returncode == 0
    _add_session(site)
    (site.uploads / UPLOAD).write_bytes(b"changed after the backup")
    (site.uploads / "later.pdf").write_bytes(b"uploaded after the backup")
    changed = site.snapshot()
    assert changed["django_session"][0] == 1

    refused = site.knead("restore", str(archive))

    assert refused.returncode == 1
    assert "already holds data" in refused.stderr
    assert "--yes" in refused.stderr
    assert site.snapshot() == changed
    assert site.files() == {
        UPLOAD: b"changed after the backup",
        "later.pdf": b"uploaded after the backup",
    }

    replaced = site.knead("restore", str(archive), "--yes")

    assert replaced.returncode == 0, replaced.stderr
    assert site.snapshot() == before
    assert site.files() == {UPLOAD: UPLOAD_BYTES}


def _text_file(site: Site, folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("not an archive\n")
    return path


def _archive_without_manifest(site: Site, folder: Path) -> Path:
    path = folder / "other.tar.gz"
    (folder / "database.sqlite3").write_bytes(b"SQLite format 3\x00")
    with tarfile.open(path, "w:gz") as tar:
        tar.add(folder / "database.sqlite3", arcname="database.sqlite3")
    return path


def _truncated_backup(site: Site, folder: Path) -> Path:
    """A backup of the site cut in half: its manifest (the first member) is whole, the
    database is not."""
    path = folder / "backup.tar.gz"
    assert site.knead("backup", "-o", str(path)).returncode == 0
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _rewritten(archive: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of ``archive`` with each member's bytes passed through ``change(name, bytes)``."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return out


def _tampered_upload(site: Site, folder: Path) -> Path:
    """A backup of the site whose upload's bytes no longer match the manifest's checksum."""
    assert site.knead("backup", "-o", str(folder / "backup.tar.gz")).returncode == 0
    return _rewritten(
        folder / "backup.tar.gz",
        folder / "tampered.tar.gz",
        lambda name, data: b"not the referral" if name == f"uploads/{UPLOAD}" else data,
    )


@VENDORS
@pytest.mark.parametrize(
    ("bad_file", "message"),
    [
        (_text_file, "is not a Knead backup (not a .tar.gz archive)"),
        (_archive_without_manifest, "is not a Knead backup (it has no manifest)"),
        (_truncated_backup, "is damaged"),
        (_tampered_upload, "is damaged: its contents do not match its manifest"),
    ],
    ids=["text", "no-manifest", "truncated", "tampered-upload"],
)
def test_a_file_that_is_not_a_whole_backup_is_refused_and_nothing_changes(
    make_site: Callable[[str], Site],
    tmp_path: Path,
    vendor: str,
    bad_file: Callable[[Site, Path], Path],
    message: str,
) -> None:
    site = make_site(vendor)
    before = site.snapshot()
    path = bad_file(site, tmp_path)

    refused = site.knead("restore", str(path), "--yes")

    assert refused.returncode == 2
    assert message in refused.stderr
    assert site.snapshot() == before
    assert site.files() == {UPLOAD: UPLOAD_BYTES}


def _claims_count(name: str, data: bytes) -> bytes:
    """The manifest with one claim fewer than its database holds."""
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["tables"]["claims_claim"] = 28
    return json.dumps(manifest).encode()


def test_a_sqlite_backup_whose_database_disagrees_with_its_manifest_changes_nothing(
    make_site: Callable[[str], Site], tmp_path: Path
) -> None:
    site = make_site("sqlite")
    assert site.knead("backup", "-o", str(tmp_path / "backup.tar.gz")).returncode == 0
    wrong = _rewritten(tmp_path / "backup.tar.gz", tmp_path / "wrong.tar.gz", _claims_count)
    _add_session(site)  # so that a restore, had it happened, would show
    before = site.snapshot()

    refused = site.knead("restore", str(wrong), "--yes")

    assert refused.returncode == 2
    assert "The database in the backup does not match its manifest" in refused.stderr
    assert site.snapshot() == before


def test_a_postgresql_restore_whose_counts_differ_from_the_manifest_names_the_tables(
    make_site: Callable[[str], Site], tmp_path: Path
) -> None:
    site = make_site("postgresql")
    assert site.knead("backup", "-o", str(tmp_path / "backup.tar.gz")).returncode == 0
    wrong = _rewritten(tmp_path / "backup.tar.gz", tmp_path / "wrong.tar.gz", _claims_count)

    restored = site.knead("restore", str(wrong), "--yes")

    assert restored.returncode == 1
    assert restored.stderr.strip() == (
        "knead restore: Restored, but these tables' row counts differ from the backup's: claims_claim."
    )
    assert site.query("SELECT COUNT(*) FROM claims_claim") == [(29,)]


def test_a_backup_from_the_other_vendor_is_refused_and_nothing_changes(
    make_site: Callable[[str], Site],
) -> None:
    sqlite_site, postgres_site = make_site("sqlite"), make_site("postgresql")
    sqlite_backup = sqlite_site.folder / "backup.tar.gz"
    postgres_backup = postgres_site.folder / "backup.tar.gz"
    assert sqlite_site.knead("backup", "-o", str(sqlite_backup)).returncode == 0
    assert postgres_site.knead("backup", "-o", str(postgres_backup)).returncode == 0
    sqlite_before, postgres_before = sqlite_site.snapshot(), postgres_site.snapshot()

    into_postgres = postgres_site.knead("restore", str(sqlite_backup), "--yes")
    into_sqlite = sqlite_site.knead("restore", str(postgres_backup), "--yes")

    assert into_postgres.returncode == 2
    assert "is a SQLite backup, but this Knead uses PostgreSQL" in into_postgres.stderr
    assert into_sqlite.returncode == 2
    assert "is a PostgreSQL backup, but this Knead uses SQLite" in into_sqlite.stderr
    assert postgres_site.snapshot() == postgres_before
    assert sqlite_site.snapshot() == sqlite_before


@VENDORS
def test_restore_refuses_a_database_that_another_process_has_open(
    make_site: Callable[[str], Site], vendor: str
) -> None:
    site = make_site(vendor)
    archive = site.folder.parent / "backup.tar.gz"
    assert site.knead("backup", "-o", str(archive)).returncode == 0
    before = site.snapshot()
    if vendor == "sqlite":
        server = sqlite3.connect(site.sqlite)
        server.execute("PRAGMA journal_mode=WAL")
        server.execute("SELECT COUNT(*) FROM claims_claim").fetchone()
    else:
        import psycopg

        server = psycopg.connect(_pg_url(site.pg_name or ""), autocommit=True)  # type: ignore[assignment]
    try:
        refused = site.knead("restore", str(archive), "--yes")
    finally:
        server.close()

    assert refused.returncode == 1
    assert "The database is in use" in refused.stderr
    assert "stop `knead serve` and every `knead worker`" in refused.stderr
    assert site.snapshot() == before


def test_a_sqlite_backup_taken_during_a_write_holds_the_committed_rows_only(
    make_site: Callable[[str], Site],
) -> None:
    site = make_site("sqlite")
    writer = sqlite3.connect(site.sqlite, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO django_session VALUES ('in-flight', 'x', '2030-01-01 00:00:00')")
    archive = site.folder / "backup.tar.gz"
    try:
        made = site.knead("backup", "-o", str(archive))
        writer.execute("COMMIT")
    finally:
        writer.close()

    assert made.returncode == 0, made.stderr
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["tables"]["django_session"] == 0
    assert site.query("SELECT session_key FROM django_session") == [("in-flight",)]


def test_a_backup_is_not_written_into_the_uploads_folder(
    make_site: Callable[[str], Site],
) -> None:
    site = make_site("sqlite")

    refused = site.knead("backup", "-o", str(site.uploads / "backup.tar.gz"))

    assert refused.returncode == 1
    assert "Write the backup outside the uploads folder" in refused.stderr
    assert site.files() == {UPLOAD: UPLOAD_BYTES}


def test_pg_tools_are_found_in_the_newest_postgresql_version_when_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for version in ("9.6", "13", "15"):
        program = tmp_path / "lib" / version / "bin" / "pg_dump"
        program.parent.mkdir(parents=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)

    assert find_pg_tool("pg_dump", tmp_path / "lib") == str(tmp_path / "lib/15/bin/pg_dump")


def test_a_missing_pg_tool_is_a_plain_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(BackupError) as raised:
        find_pg_tool("pg_restore", tmp_path / "lib")

    assert str(raised.value).startswith("pg_restore was not found on PATH or in ")
    assert "Install the PostgreSQL client programs" in str(raised.value)


def test_the_default_backup_name_carries_the_utc_date_and_time() -> None:
    import datetime as dt

    pacific = dt.timezone(dt.timedelta(hours=-8))
    now = dt.datetime(2026, 3, 2, 9, 5, 7, tzinfo=pacific)

    assert default_backup_name(now) == "knead-backup-20260302-170507.tar.gz"
