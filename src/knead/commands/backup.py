"""``knead backup`` and ``knead restore``: the database and the uploads in one archive
(docs/backup.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from knead.commands import django_setup


def _backup(args: argparse.Namespace) -> int:
    django_setup()
    from knead.backup import BackupError, create_backup, default_backup_name

    output = Path(args.output or default_backup_name(dt.datetime.now(dt.UTC)))
    try:
        manifest = create_backup(output)
    except BackupError as error:
        print(f"knead backup: {error}", file=sys.stderr)
        return error.code
    uploads = "no uploads (not a local folder)" if manifest.uploads is None else (
        f"{len(manifest.uploads)} uploads"
    )  # fmt: skip
    print(
        f"Backed up {len(manifest.tables)} tables ({manifest.rows} rows) and {uploads} to {output}."
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    django_setup()
    from knead import __version__
    from knead.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(Path(args.file), replace=args.yes)
    except BackupError as error:
        print(f"knead restore: {error}", file=sys.stderr)
        return error.code
    uploads = "left the uploads as they were" if manifest.uploads is None else (
        f"{len(manifest.uploads)} uploads"
    )  # fmt: skip
    print(
        f"Restored {len(manifest.tables)} tables ({manifest.rows} rows, every count checked) "
        f"and {uploads} from {args.file}, made by Knead {manifest.knead_version} at "
        f"{manifest.created_at}."
    )
    if manifest.knead_version != __version__:
        print(f"This is Knead {__version__}: run `knead migrate` before serving.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="write the database and the uploads to one archive",
        description="Write the database (SQLite's online backup, or pg_dump on PostgreSQL) and "
        "the uploads to one .tar.gz archive with a manifest of every table's row count. Safe "
        "while the server runs. The archive holds patient records: keep it as safe as the "
        "database.",
    )
    backup.add_argument(
        "-o", "--output", metavar="FILE", help="archive to write (default knead-backup-DATE.tar.gz)"
    )
    backup.set_defaults(handler=_backup)

    restore = subparsers.add_parser(
        "restore",
        help="replace the database and the uploads with a backup's",
        description="Restore a `knead backup` archive into the configured database and the "
        "uploads folder, then check every table's row count. Stop `knead serve` and every "
        "`knead worker` first (a database in use is refused). The backup must come from the "
        "same database vendor (SQLite or PostgreSQL).",
    )
    restore.add_argument("file", metavar="FILE", help="the archive `knead backup` wrote")
    restore.add_argument(
        "--yes", action="store_true", help="replace a database that already holds data"
    )
    restore.set_defaults(handler=_restore)
