"""The claim JSON format: ``claim_from_dict``, ``claim_to_dict`` and ``load_claims``.

The JSON mirrors the dataclasses in ``knead.billing.claim`` field for field (format and
examples: docs/claim-json.md; schema: schema/claim.schema.json). Money is a string or number
with at most 2 decimals (``"85.00"``), dates are ``YYYY-MM-DD``, enumerations use their values.
Unknown keys are rejected, so a typo cannot silently drop a fact.

Every problem raises ClaimFormatError naming the JSON field path, e.g.
``lines[2].minutes: must be a whole number ≥ 0``. Identifiers the scrubber reports (NPI, tax
ID, ICD-10-CM and procedure codes) are only normalized here, not validated (see claim.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from knead.billing import claim as model
from knead.billing.codes.code_lists import (
    ClaimFilingIndicator,
    Modifier,
    PlaceOfService,
    TaxonomyCode,
)
from knead.billing.errors import InvalidCode


class ClaimFormatError(ValueError):
    """Claim JSON that cannot become a Claim. ``path`` is the JSON field path."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path or "(claim)"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


_CODE_TYPES: dict[type, Callable[[str], Any]] = {
    PlaceOfService: PlaceOfService,
    Modifier: Modifier,
    TaxonomyCode: TaxonomyCode,
    ClaimFilingIndicator: ClaimFilingIndicator,
}
_MONEY = re.compile(r"-?\d+(\.\d{1,2})?")
_STATE = re.compile(r"[A-Z]{2}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _digits(value: str) -> str:
    return re.sub(r"[\s().+-]", "", value)


def _zip(value: str, path: str) -> str:
    digits = value.replace("-", "").strip()
    if not re.fullmatch(r"\d{5}|\d{9}", digits):
        raise ClaimFormatError(
            path, f"must be a 5- or 9-digit ZIP code like 98101-1234; got {value!r}"
        )
    return digits


def _phone(value: str, path: str) -> str:
    digits = _digits(value)
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not re.fullmatch(r"\d{10}", digits):
        raise ClaimFormatError(path, f"must be a 10-digit US phone number; got {value!r}")
    return digits


def _state(value: str, path: str) -> str:
    state = value.strip().upper()
    if not _STATE.fullmatch(state):
        raise ClaimFormatError(path, f"must be a 2-letter state code like WA; got {value!r}")
    return state


def _identifier(value: str, path: str) -> str:
    return value.strip()


def _tax_id(value: str, path: str) -> str:
    return re.sub(r"[\s-]", "", value)


def _procedure_code(value: str, path: str) -> str:
    return value.strip().upper()


# Field-specific normalizers for plain-string fields: (class name, field name) → normalizer.
_STRING_FIELDS: dict[tuple[str, str], Callable[[str, str], str]] = {
    ("Address", "zip"): _zip,
    ("Address", "state"): _state,
    ("InjuryCase", "state"): _state,
    ("ProviderLicense", "state"): _state,
    ("Contact", "phone"): _phone,
    ("Adjuster", "phone"): _phone,
    ("BillingProvider", "phone"): _phone,
    ("BillingProvider", "npi"): _identifier,
    ("RenderingProvider", "npi"): _identifier,
    ("ReferringProvider", "npi"): _identifier,
    ("ServiceFacility", "npi"): _identifier,
    ("BillingProvider", "tax_id"): _tax_id,
    ("ServiceLine", "code"): _procedure_code,
    ("Authorization", "codes"): _procedure_code,
}
# Whole numbers that must be ≥ 1 rather than ≥ 0.
_POSITIVE_INTS = {("ServiceLine", "pointers"), ("LineAdjudication", "line")}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _optional_inner(hint: Any) -> Any | None:
    """Return X for ``X | None``, else None."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


def _parse_value(hint: Any, value: Any, path: str, owner: str, name: str) -> Any:
    inner = _optional_inner(hint)
    if inner is not None:
        return None if value is None else _parse_value(inner, value, path, owner, name)
    if value is None:
        raise ClaimFormatError(path, "is required and cannot be null")
    if typing.get_origin(hint) is tuple:
        item_hint = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ClaimFormatError(path, "must be a list")
        return tuple(
            _parse_value(item_hint, item, _join(path, i), owner, name)
            for i, item in enumerate(value)
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and hint not in _CODE_TYPES:
        return _parse_object(hint, value, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise ClaimFormatError(path, "must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, Decimal | float) and value == int(value) and value >= 0:
                value = int(value)
            else:
                raise ClaimFormatError(path, "must be a whole number ≥ 0")
        minimum = 1 if (owner, name) in _POSITIVE_INTS else 0
        if value < minimum:
            raise ClaimFormatError(path, f"must be a whole number ≥ {minimum}")
        return value
    if hint is Decimal:
        return _money(value, path)
    if hint is dt.date:
        if not isinstance(value, str):
            raise ClaimFormatError(path, "must be a date written YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ClaimFormatError(
                path, f"must be a real date written YYYY-MM-DD; got {value!r}"
            ) from None
    if not isinstance(value, str):
        raise ClaimFormatError(path, "must be a string")
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in hint)
            raise ClaimFormatError(path, f"must be one of {allowed}; got {value!r}") from None
    if hint in _CODE_TYPES:
        try:
            return _CODE_TYPES[hint](value.strip().upper())
        except InvalidCode as error:
            raise ClaimFormatError(path, str(error)) from None
    if hint is str:
        normalizer = _STRING_FIELDS.get((owner, name))
        text = normalizer(value, path) if normalizer else value.strip()
        if not text:
            raise ClaimFormatError(path, "cannot be empty")
        return text
    raise TypeError(f"claim_json cannot parse {hint!r}")  # a model field type not handled above


def _money(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ClaimFormatError(path, 'must be an amount of money like "85.00"')
    text = str(value).strip()
    if isinstance(value, float):
        text = repr(value)
    if not _MONEY.fullmatch(text):
        raise ClaimFormatError(
            path, f'must be an amount with at most 2 decimals like "85.00"; got {value!r}'
        )
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ClaimFormatError(path, f"is not an amount of money: {value!r}") from None


def _parse_object(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise ClaimFormatError(path, f"must be an object ({cls.__name__})")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ClaimFormatError(
            _join(path, unknown[0]),
            f"is not a field of {cls.__name__}; known fields: {', '.join(fields)}",
        )
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in data:
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required:
                raise ClaimFormatError(_join(path, name), "is required")
            continue
        kwargs[name] = _parse_value(hints[name], data[name], _join(path, name), cls.__name__, name)
    _check_object(cls, kwargs, path)
    return cls(**kwargs)


def _check_object(cls: type, values: dict[str, Any], path: str) -> None:
    """Cross-field rules that make a claim unbuildable (rather than merely scrub-worthy)."""
    if cls is model.BillingProvider and bool(values.get("organization")) == bool(
        values.get("person")
    ):
        raise ClaimFormatError(
            path, "give either organization (a practice) or person (a sole practitioner)"
        )
    if cls is model.Claim and not values["lines"]:
        raise ClaimFormatError(_join(path, "lines"), "needs at least one service line")


def claim_from_dict(data: Any, path: str = "") -> model.Claim:
    """Build a Claim from parsed JSON; raises ClaimFormatError naming the field path."""
    claim: model.Claim = _parse_object(model.Claim, data, path)
    return claim


def _to_json(value: Any) -> Any:
    if type(value) in _CODE_TYPES:
        return value.code
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = _to_json(getattr(value, f.name))
            if item is None or item == [] or item == {}:
                continue
            out[f.name] = item
        return out
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def claim_to_dict(claim: model.Claim) -> dict[str, Any]:
    """The claim as JSON-ready data; ``claim_from_dict(claim_to_dict(c)) == c``.

    Empty optional fields are left out. Diagnoses are written without the decimal point.
    """
    data: dict[str, Any] = _to_json(claim)
    return data


def load_claims(source: str | Path) -> list[model.Claim]:
    """Load one claim or a JSON list of claims from a file path or from JSON text.

    A string starting with ``{`` or ``[`` is JSON text; anything else is a path. Paths in
    errors start with ``[i]`` for lists.
    """
    if isinstance(source, Path) or not source.lstrip().startswith(("{", "[")):
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise ClaimFormatError("", f"cannot read {source}: {error.strerror}") from None
    else:
        text = source
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ClaimFormatError(
            "", f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if isinstance(data, list):
        return [claim_from_dict(item, f"[{i}]") for i, item in enumerate(data)]
    return [claim_from_dict(data)]


def dump_claims(claims: list[model.Claim] | model.Claim) -> str:
    """Claims as indented JSON text (one object for a single claim)."""
    if isinstance(claims, model.Claim):
        return json.dumps(claim_to_dict(claims), indent=2)
    return json.dumps([claim_to_dict(c) for c in claims], indent=2)
