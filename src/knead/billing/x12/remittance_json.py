"""The JSON form of an 835 (the ``knead x12 835 FILE --json`` contract), written as it streams.

Amounts are strings holding the exact decimal from the file; dates are ISO strings or null.
Every object carries ``segment``, the position of the segment its numbers came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from knead.billing.x12.errors import Problem
from knead.billing.x12.remittance import (
    Adjustment,
    ClaimPayment,
    Party,
    PaymentEnd,
    PaymentHeader,
    ProviderAdjustment,
    RemittanceEvent,
    ServicePayment,
)

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# Claims are formatted by hand rather than through dicts and the json encoder: it is three times
# faster, and text values still go through the json module's own string escaping.
_q = json.encoder.encode_basestring


def _num(value: Decimal | None) -> str:
    return "null" if value is None else f'"{value!s}"'


@lru_cache(maxsize=4096)
def _day(value: date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


# Records are unpacked rather than read by attribute, and Decimals formatted with !s (str)
# rather than format(), and empty lists skip a call: together a quarter less time for a large
# file.
def _adjustments(adjustments: tuple[Adjustment, ...]) -> str:
    return ",".join(
        [
            f'{{"group":{_q(group)},"reason":{_q(reason)},"amount":"{amount!s}",'
            f'"quantity":{_num(quantity)},"segment":{position}}}'
            for group, reason, amount, quantity, position in adjustments
        ]
    )


def _strings(values: tuple[str, ...]) -> str:
    return ",".join(map(_q, values))


def _service(s: ServicePayment) -> str:
    (
        _qualifier,
        code,
        modifiers,
        charge,
        paid,
        units,
        day,
        _end,
        adjustments,
        remarks,
        allowed,
        _control,
        _submitted,
        position,
    ) = s
    return (
        f'{{"code":{_q(code)},"modifiers":[{_strings(modifiers) if modifiers else ""}],"charge":"{charge!s}",'
        f'"paid":"{paid!s}","units":"{units!s}","date":{_day(day)},'
        f'"adjustments":[{_adjustments(adjustments) if adjustments else ""}],"remarks":[{_strings(remarks) if remarks else ""}],'
        f'"allowed":{_num(allowed)},"segment":{position}}}'
    )


def claim_json(c: ClaimPayment) -> str:
    """The JSON text of one claim payment (the contract's keys, MOA/MIA remarks, segment)."""
    (
        claim_id,
        status,
        charge,
        paid,
        responsibility,
        _filing,
        payer_claim_id,
        _frequency,
        _patient,
        _patient_id,
        _start,
        _end,
        adjustments,
        remarks,
        services,
        position,
    ) = c
    return (
        f'{{"id":{_q(claim_id)},"status":{_q(status)},"charge":"{charge!s}","paid":"{paid!s}",'
        f'"patient_responsibility":{_num(responsibility)},'
        f'"payer_claim_id":{_q(payer_claim_id)},'
        f'"adjustments":[{_adjustments(adjustments) if adjustments else ""}],"remarks":[{_strings(remarks) if remarks else ""}],'
        f'"services":[{",".join([_service(s) for s in services])}],"segment":{position}}}'
    )


def _party(p: Party) -> dict[str, str]:
    return {
        "name": p.name,
        "id_qualifier": p.id_qualifier,
        "id": p.id,
        "additional_id": p.additional_id,
    }


def _header_fields(h: PaymentHeader) -> dict[str, object]:
    return {
        "payer": _party(h.payer),
        "payee": _party(h.payee),
        "trace": h.trace,
        "originator": h.originator,
        "method": h.method,
        "handling": h.handling,
        "credit_debit": h.credit_debit,
        "amount": str(h.amount),
        "date": h.date.isoformat() if h.date else None,
        "production_date": h.production_date.isoformat() if h.production_date else None,
        "control_number": h.control_number,
        "segment": h.position,
    }


def _provider_adjustment(p: ProviderAdjustment) -> dict[str, object]:
    return {
        "reason": p.reason,
        "reference": p.reference,
        "amount": str(p.amount),
        "provider_id": p.provider_id,
        "fiscal_period_end": p.fiscal_period_end.isoformat() if p.fiscal_period_end else None,
        "segment": p.position,
    }


def write_remittance_json(
    events: Iterable[RemittanceEvent], problems: list[Problem], out: SupportsWrite[str]
) -> None:
    """Write ``{"payments": [...], "problems": [...]}`` to ``out`` while consuming ``events``.

    ``problems`` is the list the event stream appends to; it is written once the stream ends.
    """
    write = out.write
    write('{"payments":[')
    first_payment = True
    first_claim = True
    for event in events:
        if type(event) is ClaimPayment:
            write(claim_json(event) if first_claim else "," + claim_json(event))
            first_claim = False
        elif type(event) is PaymentHeader:
            head = _encode(_header_fields(event))
            write(("" if first_payment else ",") + head[:-1] + ',"claims":[')
            first_payment = False
            first_claim = True
        elif type(event) is PaymentEnd:
            write(
                '],"provider_adjustments":'
                + _encode([_provider_adjustment(p) for p in event.provider_adjustments])
                + "}"
            )
    write('],"problems":')
    write(_encode([p.as_json() for p in sorted(problems, key=lambda p: p.position)]))
    write("}\n")
