"""Django validators that wrap the billing core's checks, so forms show its plain-words messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from knead.billing.codes.icd10 import icd10_problem
from knead.billing.codes.procedures import catalog
from knead.billing.identifiers import TaxIdKind, npi_problem, tax_id_problem


def validate_npi(value: str) -> None:
    if problem := npi_problem(value):
        raise ValidationError(problem, code="npi")


def validate_ein_or_ssn(kind: str, value: str) -> None:
    if problem := tax_id_problem(TaxIdKind(kind), value):
        raise ValidationError(problem, code="tax_id")


def validate_icd10(value: str) -> None:
    if problem := icd10_problem(value):
        raise ValidationError(problem, code="icd10")


def validate_procedure_code(value: str) -> None:
    if value not in catalog():
        raise ValidationError(
            f"{value} is not a procedure code Knead knows (massage and physical-medicine codes only).",
            code="procedure",
        )


def validate_procedure_list(value: str) -> None:
    """A comma-separated list of known procedure codes, e.g. ``97124, 97140``."""
    for code in split_codes(value):
        validate_procedure_code(code)


def split_codes(value: str) -> list[str]:
    return [
        part.strip().upper() for part in (value or "").replace(";", ",").split(",") if part.strip()
    ]
