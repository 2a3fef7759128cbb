"""The billing core stays pure (nothing under knead.billing imports Django), and the database
speaks its vocabulary."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

from django.apps import apps as django_apps
from django.db import models

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


def _core_enums() -> dict[str, type[StrEnum]]:
    """Every StrEnum of the billing core and of the claim life cycle, by name."""
    found: dict[str, type[StrEnum]] = {}
    names = [m.name for m in pkgutil.walk_packages(knead.billing.__path__, "knead.billing.")]
    for name in [*names, "knead.claims.states"]:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                found.setdefault(value.__name__, value)
    return found


def _django_choices() -> list[type[models.TextChoices]]:
    django_apps.get_models()  # every app's models (and their choices) are imported
    classes, todo = [], list(models.TextChoices.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("knead"):
            classes.append(cls)
    return classes


def test_every_django_choices_class_named_like_a_core_enum_has_exactly_its_values():
    core = _core_enums()
    shared = [cls for cls in _django_choices() if cls.__name__ in core]
    assert {"PayerKind", "InjuryKind", "Relationship", "Sex", "ClaimFrequency"} <= {
        cls.__name__ for cls in shared
    }
    drifted = [
        cls.__name__
        for cls in shared
        if list(cls.values) != [member.value for member in core[cls.__name__]]
    ]
    assert drifted == []


def test_claim_status_has_one_vocabulary_the_life_cycle_states():
    status = django_apps.get_model("claims", "Claim")._meta.get_field("status")
    assert [value for value, _ in status.choices] == [
        "draft", "ready", "submitted", "accepted", "rejected",
        "paid", "partial", "denied", "appealed", "closed",
    ]  # fmt: skip
    names = {cls.__name__ for cls in _django_choices()}
    assert "ClaimStatus" not in names


def test_workers_comp_is_one_word_in_the_database_and_the_core():
    payer_kind = django_apps.get_model("practice", "Payer")._meta.get_field("kind")
    case_kind = django_apps.get_model("clients", "Case")._meta.get_field("kind")
    assert "workers_comp" in dict(payer_kind.choices)
    assert "employment" in dict(case_kind.choices)
    assert "wc" not in dict(payer_kind.choices) | dict(case_kind.choices)


def test_today_comes_only_from_the_practice_clock():
    """``knead.practice.clock.today`` is the one "today": nothing else asks the machine's or the
    install's date (``knead.billing`` takes dates as arguments)."""
    one_today = CORE.parent / "practice" / "clock.py"
    patterns = (
        "date.today(",
        "timezone.localdate(",
        "timezone.now().date()",
        "datetime.now().date()",
    )
    offenders = [
        f"{path.relative_to(CORE.parent)}:{number}: {line.strip()}"
        for path in CORE.parent.rglob("*.py")
        if path != one_today and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern in line for pattern in patterns)
    ]
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
