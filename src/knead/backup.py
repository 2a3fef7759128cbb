"""Backups of a Knead install: the database and the uploads in one archive (docs/backup.md).

An archive is a gzip-compressed tar. Its first member is ``manifest.json`` (the Knead version,
the database vendor, when it was made, every table's row count and each upload's SHA-256); then
the database, ``database.sqlite3`` (a copy made with SQLite's online backup API, safe while the
server runs) or ``database.pgdump`` (``pg_dump --format=custom``); then ``uploads/``, the files
under the default storage's folder (MEDIA_ROOT).

A restore checks the whole archive before it changes anything: the manifest, the vendor, the
database member and every upload's checksum. Afterwards it compares every table's row count with
the manifest's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection, transaction

from knead import __version__

FORMAT = "knead-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PG_LIB_DIR = Path("/usr/lib/postgresql")
STOP_SERVER = "stop `knead serve` and every `knead worker`, then restore again"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why in plain words.

    ``code`` is the exit code: 2 for a file that is not a backup this install can restore,
    1 for everything else."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Manifest:
    """What an archive holds. ``uploads`` maps each upload's path (relative to the uploads
    folder) to its SHA-256, or is None when uploads live in a non-local storage backend."""

    knead_version: str
    vendor: str
    created_at: str
    tables: dict[str, int]
    uploads: dict[str, str] | None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "knead_version": self.knead_version,
                "vendor": self.vendor,
                "created_at": self.created_at,
                "tables": self.tables,
                "uploads": self.uploads,
            },
            indent=2,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes, source: Path) -> Manifest:
        """Read a manifest; BackupError (code 2) when it is not one this Knead understands."""
        try:
            raw = json.loads(data)
        except ValueError:
            raw = None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupError(f"{source} is not a Knead backup (its manifest is unreadable).", 2)
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{source} is a Knead backup in format {raw.get('format_version')}; this Knead "
                f"reads format {FORMAT_VERSION}.",
                2,
            )
        tables, uploads = raw.get("tables"), raw.get("uploads")
        if (
            raw.get("vendor") not in DATABASE_MEMBER
            or not isinstance(tables, dict)
            or not all(isinstance(n, int) for n in tables.values())
            or not (uploads is None or isinstance(uploads, dict))
        ):
            raise BackupError(f"{source} is not a Knead backup (its manifest is incomplete).", 2)
        return cls(
            knead_version=str(raw.get("knead_version")),
            vendor=raw["vendor"],
            created_at=str(raw.get("created_at")),
            tables=tables,
            uploads=uploads,
        )


def default_backup_name(now: dt.datetime) -> str:
    """``knead-backup-YYYYMMDD-HHMMSS.tar.gz``, for ``now`` in UTC."""
    return f"knead-backup-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.tar.gz"


def find_pg_tool(name: str, search_root: Path = PG_LIB_DIR) -> str:
    """The path of a PostgreSQL client program: ``name`` on PATH, else in the newest
    ``<search_root>/<version>/bin``; BackupError when neither has it."""
    if found := shutil.which(name):
        return found

    def version(program: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in program.parent.parent.name.split(".") if part.isdigit())

    candidates = sorted(search_root.glob(f"*/bin/{name}"), key=version)
    if not candidates:
        raise BackupError(
            f"{name} was not found on PATH or in {search_root}/*/bin. Install the PostgreSQL "
            "client programs of the server's major version (Debian: postgresql-client-15)."
        )
    return str(candidates[-1])


def create_backup(output: Path) -> Manifest:
    """Write the database and the uploads to the archive ``output`` (mode 0600; written under
    a temporary name and renamed, so a failed backup leaves no partial file)."""
    vendor = _vendor()
    output = output.resolve()
    root = _uploads_root()
    if root and output.is_relative_to(root.resolve()):
        raise BackupError(f"Write the backup outside the uploads folder ({root}).")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".knead-backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[vendor]
        tables = _sqlite_backup(dump) if vendor == "sqlite" else _postgres_backup(dump)
        dump.chmod(0o600)
        files = dict(_upload_files(root)) if root else None
        manifest = Manifest(
            knead_version=__version__,
            vendor=vendor,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            tables=tables,
            uploads=None if files is None else {n: _sha256(p) for n, p in files.items()},
        )
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for name, path in (files or {}).items():
                tar.add(path, arcname=f"{UPLOADS}/{name}")
        partial.chmod(0o600)
        os.replace(partial, output)
    return manifest


def read_manifest(archive: Path) -> Manifest:
    """The archive's manifest; BackupError (code 2) when the file is not a Knead backup."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.", 2)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.next()
            reader = tar.extractfile(member) if member and member.name == MANIFEST else None
            if reader is None:
                raise BackupError(f"{archive} is not a Knead backup (it has no manifest).", 2)
            data = reader.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a Knead backup (not a .tar.gz archive).", 2) from error
    return Manifest.from_json(data, archive)


def restore_backup(archive: Path, *, replace: bool) -> Manifest:
    """Restore ``archive`` into the configured database and the uploads folder.

    Refused (nothing changed) when the file is not a backup, was made on the other database
    vendor, or is damaged; when the database holds data and ``replace`` is False; and when
    other sessions use the database (the server and workers must be stopped). Raises
    BackupError (code 1) when a restored table's row count differs from the manifest's."""
    manifest = read_manifest(archive)
    vendor = _vendor()
    if manifest.vendor != vendor:
        raise BackupError(
            f"{archive} is a {VENDOR_LABEL[manifest.vendor]} backup, but this Knead uses "
            f"{VENDOR_LABEL[vendor]}: restore it where DATABASE_URL names a "
            f"{VENDOR_LABEL[manifest.vendor]} database. Nothing was changed.",
            2,
        )
    held = sum(_counts(vendor).values())
    if held and not replace:
        raise BackupError(
            f"The database already holds data ({held} rows); restoring replaces all of it and "
            "the uploads. Run again with --yes to go ahead. Nothing was changed."
        )
    root = _uploads_root()
    # Staged beside the uploads folder, so that moving it into place is a rename.
    staging = root.parent if root else Path(settings.DATA_DIR)
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging, prefix=".knead-restore-") as work:
        dump, uploads = _extract(archive, manifest, Path(work))
        if vendor == "sqlite":
            _sqlite_restore(dump, manifest)
        else:
            _postgres_restore(dump)
        if root and uploads:
            if root.exists():
                os.replace(root, Path(work) / "replaced-uploads")
            os.replace(uploads, root)
    counts = _counts(vendor)
    differ = sorted(name for name, rows in manifest.tables.items() if counts.get(name) != rows)
    if differ:
        raise BackupError(
            f"Restored, but these tables' row counts differ from the backup's: {', '.join(differ)}."
        )
    return manifest


def _vendor() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups cover SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    return {
        name: db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in names
    }


def _postgres_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    counts = {}
    for (name,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _counts(vendor: str) -> dict[str, int]:
    """Every table's row count in the configured database (empty when it has none)."""
    if vendor == "sqlite":
        path = _sqlite_path()
        if not path.exists():
            return {}
        with closing(sqlite3.connect(path)) as db:
            return _sqlite_counts(db)
    try:
        with connection.cursor() as cursor:
            return _postgres_counts(cursor)
    except DatabaseError as error:
        raise BackupError(f"Cannot read the database: {error}".strip()) from error


def _sqlite_backup(dump: Path) -> dict[str, int]:
    """Copy the database with SQLite's online backup API (writers carry on meanwhile); the row
    counts are the copy's own."""
    path = _sqlite_path()
    if not path.exists():
        raise BackupError(f"There is no database at {path}; nothing to back up.")
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(dump)) as copy:
        source.backup(copy)
        return _sqlite_counts(copy)


def _pg_env() -> dict[str, str]:
    """The environment for pg_dump and pg_restore: the connection from DATABASE_URL, the
    password in PGPASSWORD so that it never shows on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if db.get(key):
            env[variable] = str(db[key])
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run_pg_tool(name: str, *args: str) -> None:
    done = subprocess.run(
        [find_pg_tool(name), *args], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        # DETAIL, CONTEXT and LINE lines can quote a record's values: keep the error lines only.
        errors = [line for line in done.stderr.splitlines() if "error:" in line.lower()]
        raise BackupError(f"{name} failed: {' '.join(errors) or f'exit {done.returncode}'}")


def _postgres_backup(dump: Path) -> dict[str, int]:
    """``pg_dump`` of the snapshot in which the rows are counted, so that counts and dump
    agree while the server keeps writing."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _postgres_counts(cursor)
        _run_pg_tool("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}")
    return counts


def _uploads_root() -> Path | None:
    """The uploads folder, or None when the default storage is not a local folder."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _upload_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _extract(archive: Path, manifest: Manifest, work: Path) -> tuple[Path, Path | None]:
    """Unpack the database and the uploads into ``work`` and check the uploads' checksums;
    BackupError (code 2) when anything is missing or damaged."""
    damaged = BackupError(f"{archive} is damaged: its contents do not match its manifest.", 2)
    database = DATABASE_MEMBER[manifest.vendor]
    try:
        with tarfile.open(archive, "r:gz") as tar:
            wanted = [
                m
                for m in tar.getmembers()
                if m.name == database or (m.isfile() and m.name.startswith(f"{UPLOADS}/"))
            ]
            # The "data" filter refuses absolute paths, ".." and links out of the folder.
            tar.extractall(work, members=wanted, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise damaged from error
    dump = work / database
    if not dump.is_file():
        raise damaged
    if manifest.uploads is None:
        return dump, None
    uploads = work / UPLOADS
    uploads.mkdir(exist_ok=True)
    found = {name: _sha256(path) for name, path in _upload_files(uploads)}
    if found != manifest.uploads:
        raise damaged
    return dump, uploads


def _sqlite_restore(dump: Path, manifest: Manifest) -> None:
    """Put the backup's database file in place of the configured one. Other connections
    would keep writing to the replaced file, so none may be open."""
    with closing(sqlite3.connect(dump)) as copy:
        if _sqlite_counts(copy) != manifest.tables:
            raise BackupError("The database in the backup does not match its manifest.", 2)
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        # Leaving WAL mode needs the only connection: it fails while a server or worker has one.
        with closing(sqlite3.connect(target, timeout=0)) as db:
            try:
                db.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError as error:
                raise BackupError(f"The database is in use: {STOP_SERVER}.") from error
    staged = target.with_name(f"{target.name}.restoring")
    shutil.move(dump, staged)
    staged.chmod(0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def _postgres_restore(dump: Path) -> None:
    """``pg_restore --clean --if-exists --no-owner`` in one transaction: on failure the
    database is left as it was."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        others = cursor.fetchone()[0]
    if others:
        raise BackupError(f"The database is in use by {others} other sessions: {STOP_SERVER}.")
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()  # pg_restore drops the tables; this process must not hold them
    _run_pg_tool(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={name}",
        str(dump),
    )
