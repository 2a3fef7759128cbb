"""The ``knead`` command explains itself and hands Django's commands their arguments."""

from __future__ import annotations

import os
import subprocess
import sys


def knead(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # The production settings, not the test suite's (which pytest-django puts in the
    # environment), on a throwaway SQLite database in the caller's KNEAD_DATA_DIR.
    drop = {
        "DJANGO_SETTINGS_MODULE",
        "KNEAD_HTTPS",
        "DEBUG",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
    }
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-m", "knead.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
    )


def test_help_names_and_explains_the_app_commands():
    result = knead("--help")
    assert result.returncode == 0
    for command in (
        "serve",
        "demo",
        "migrate",
        "createsuperuser",
        "check",
        "units",
        "scrub",
        "x12",
    ):
        assert f"\n    {command}" in result.stdout


def test_check_deploy_passes_with_production_defaults(tmp_path):
    result = knead("check", "--deploy", env={"KNEAD_DATA_DIR": str(tmp_path), "DEBUG": "0"})
    assert result.returncode == 0, result.stderr
    # Only the HSTS preload opt-in remains (README, "Deploying").
    assert "security.W021" in result.stderr + result.stdout
    assert (
        "W008" not in result.stderr + result.stdout and "W012" not in result.stderr + result.stdout
    )


def test_migrate_takes_djangos_own_options(tmp_path):
    result = knead("migrate", "--plan", env={"KNEAD_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "visits.0001_initial" in result.stdout
