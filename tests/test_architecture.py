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


def test_only_the_claim_state_machine_writes_a_claims_state():
    """``claims.services`` (``transition``, ``move_many``) is the one writer of
    ``Claim.status``: no other module assigns it, updates it in bulk or in SQL."""
    import re

    writes = re.compile(
        r"claim\w*\.status\s*=[^=]"  # claim.status = …, primary_claim.status = …
        r"|Claim\.objects[^\n]*\.update\([^)]*status"  # Claim.objects….update(status=…)
        r"|UPDATE\s+claims_claim\b",  # raw SQL
        re.IGNORECASE,
    )
    offenders = []
    for path in sorted(CORE.parent.rglob("*.py")):
        relative = path.relative_to(CORE.parent).as_posix()
        if relative == "claims/services.py" or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{relative}: {m.group(0)}" for m in writes.finditer(text)]
        if re.search(r"update_many\(\s*Claim,\s*\[[^\]]*\"status\"", text):
            offenders.append(f"{relative}: update_many(Claim, [... 'status' ...])")
    assert offenders == []
