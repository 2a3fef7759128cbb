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


def _adjustments(adjustments: tuple[Adjustment, ...]) -> str:
    return ",".join(
        f'{{"group":{_q(a.group)},"reason":{_q(a.reason)},"amount":"{a.amount!s}",'
        f'"quantity":{_num(a.quantity)},"segment":{a.position}}}' for a in adjustments)


def _strings(values: tuple[str, ...]) -> str:
    return ",".join(map(_q, values)) if values else ""


def _service(s: ServicePayment) -> str:
    return (
        f'{{"code":{_q(s.code)},"modifiers":[{_strings(s.modifiers)}],"charge":"{s.charge!s}",'
        f'"paid":"{s.paid!s}","units":"{s.units!s}","date":{_day(s.date)},'
        f'"adjustments":[{_adjustments(s.adjustments)}],"remarks":[{_strings(s.remarks)}],'
        f'"allowed":{_num(s.allowed)},"segment":{s.position}}}')


def claim_json(c: ClaimPayment) -> str:
    """The JSON text of one claim payment (the contract's keys, MOA/MIA remarks, segment)."""
    return (
        f'{{"id":{_q(c.id)},"status":{_q(c.status)},"charge":"{c.charge!s}","paid":"{c.paid!s}",'
        f'"patient_responsibility":{_num(c.patient_responsibility)},'
        f'"payer_claim_id":{_q(c.payer_claim_id)},'
        f'"adjustments":[{_adjustments(c.adjustments)}],"remarks":[{_strings(c.remarks)}],'
        f'"services":[{",".join(map(_service, c.services))}],"segment":{c.position}}}')


def _party(p: Party) -> dict[str, str]:
    return {"name": p.name, "id_qualifier": p.id_qualifier, "id": p.id,
            "additional_id": p.additional_id}


def _header_fields(h: PaymentHeader) -> dict[str, object]:
    return {
        "payer": _party(h.payer), "payee": _party(h.payee), "trace": h.trace,
        "originator": h.originator, "method": h.method, "handling": h.handling,
        "credit_debit": h.credit_debit, "amount": str(h.amount),
        "date": h.date.isoformat() if h.date else None,
        "production_date": h.production_date.isoformat() if h.production_date else None,
        "control_number": h.control_number, "segment": h.position,
    }


def _provider_adjustment(p: ProviderAdjustment) -> dict[str, object]:
    return {"reason": p.reason, "reference": p.reference, "amount": str(p.amount),
            "provider_id": p.provider_id,
            "fiscal_period_end": p.fiscal_period_end.isoformat() if p.fiscal_period_end else None,
            "segment": p.position}


def write_remittance_json(events: Iterable[RemittanceEvent], problems: list[Problem],
                          out: SupportsWrite[str]) -> None:
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
            write('],"provider_adjustments":'
                  + _encode([_provider_adjustment(p) for p in event.provider_adjustments]) + "}")
    write('],"problems":')
    write(_encode([p.as_json() for p in sorted(problems, key=lambda p: p.position)]))
    write("}\n")
