"""The billing core stays pure: nothing under knead.billing imports Django."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import knead.billing

CORE = Path(knead.billing.__file__).parent


def test_no_module_of_the_billing_core_names_django_in_an_import():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(CORE)}: {name}"
                for name in names
                if name.split(".")[0] in {"django", "ninja"}
            ]
            offenders += [
                f"{path.relative_to(CORE)}: {name}"
                for name in names
                if name.startswith("knead.") and not name.startswith("knead.billing")
            ]
    assert offenders == []


def test_importing_every_core_module_loads_no_django():
    modules = [m.name for m in pkgutil.walk_packages(knead.billing.__path__, "knead.billing.")]
    assert len(modules) > 10
    script = "import importlib, sys\n" + "".join(
        f"importlib.import_module({m!r})\n" for m in modules
    )
    script += "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_claims_never_import_remittance():
    """Claims are what remittance posts against; the remittance app builds on claims, never the
    reverse (the next payer's COB data and the inbound folder live in remittance)."""
    claims = CORE.parent / "claims"
    offenders = []
    for path in claims.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("knead.remittance")]
    assert offenders == []
