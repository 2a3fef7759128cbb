"""PDFs of the money side: the appeal packet (letter + signed SOAP notes + referral) and the
client statement, built with the documents core (knead.billing.documents)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.platypus import Spacer

from knead.billing.documents.letters import render_letter
from knead.billing.documents.pdf import (
    Letterhead,
    build_pdf,
    data_table,
    heading,
    money,
    text,
    us_date,
)
from knead.billing.documents.soap_note import Amendment, SignedNote, render_soap_note
from knead.billing.documents.superbill import practice_letterhead
from knead.claims.models import Claim
from knead.claims.services import core_claim
from knead.remittance.models import Appeal


def signed_notes(claim: Claim) -> list[SignedNote]:
    """The signed SOAP notes of the claim's visits, in date order."""
    visits = {line.visit_id: line.visit for line in claim.lines.select_related(
        "visit__provider", "visit__client", "visit__signed_by").all()}
    notes = []
    for visit in sorted(visits.values(), key=lambda v: (v.date, v.pk)):
        if not visit.is_signed:
            continue
        notes.append(SignedNote(
            visit_date=visit.date,
            provider_name=f"{visit.provider.first_name} {visit.provider.last_name}",
            client_name=visit.client.full_name,
            client_birth_date=visit.client.date_of_birth,
            subjective=visit.subjective, objective=visit.objective,
            assessment=visit.assessment, plan=visit.plan,
            signed_by=(visit.signed_by.get_full_name() or visit.signed_by.get_username())
            if visit.signed_by else f"{visit.provider.first_name} {visit.provider.last_name}",
            signed_at=visit.signed_at,
            provider_credentials=visit.provider.credentials,
            provider_npi=visit.provider.npi,
            practice_name=visit.practice.name,
            body_regions=tuple(visit.body_region_labels),
            techniques=tuple(t.strip() for t in visit.techniques.split(",") if t.strip()),
            pain_before=visit.pain_before, pain_after=visit.pain_after,
            minutes=sum(line.minutes for line in visit.lines.all()) or None,
            amendments=tuple(
                Amendment(a.author.get_full_name() or a.author.get_username(), a.created,
                          a.reason, a.text)
                for a in visit.amendments.select_related("author")
            ),
        ))
    return notes


def appeal_packet(appeal: Appeal) -> bytes:
    """The edited letter, then each signed SOAP note, then the referral document if it is a
    PDF, as one file."""
    claim = appeal.claim
    letterhead = practice_letterhead(core_claim(claim).billing_provider)
    parts = [render_letter(appeal.letter, letterhead=letterhead, title=f"Appeal {claim.claim_id}")]
    if appeal.attach_notes:
        parts += [render_soap_note(note) for note in signed_notes(claim)]
    if appeal.attach_referral:
        for referral in {line.visit.referral for line in claim.lines.select_related("visit__referral")
                         if line.visit.referral_id}:
            if referral.document and referral.document.name.lower().endswith(".pdf"):
                with referral.document.open("rb") as handle:
                    parts.append(handle.read())
    writer = PdfWriter()
    for part in parts:
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def statement_pdf(practice: Any, client: Any, ledger: Any, today: dt.date) -> bytes:
    """A client statement: every ledger entry and the balance due."""
    lines = [practice.address_line1, f"{practice.city}, {practice.state} {practice.zip_code}".strip(", ")]
    if practice.phone:
        lines.append(practice.phone)
    story: list[Any] = [
        heading("Statement"),
        text(f"{client.full_name}\n" + "\n".join(client.address_lines)),
        Spacer(1, 8),
        text(f"Statement date: {us_date(today)}"),
        Spacer(1, 8),
        data_table(
            ["Date", "Description", "Charges", "Insurance", "Adjustments", "You paid", "You owe"],
            [[us_date(e.day), e.description, _m(e.charge), _m(e.insurer), _m(e.adjustment),
              _m(e.client_paid), _m(e.client_share)] for e in ledger.entries],
            [62, 170, 55, 55, 60, 50, 50],
            right_columns=(2, 3, 4, 5, 6),
            footer=[["", "Balance due from you", "", "", "", "", money(ledger.client_balance)]],
        ),
        Spacer(1, 10),
        text("Please pay the balance due by your next visit. Questions: call the office."),
    ]
    return build_pdf(story, title="Statement", letterhead=Letterhead(practice.name, tuple(line for line in lines if line)),
                     footer=f"Statement for {client.full_name} - {us_date(today)}")


def _m(value: Decimal | None) -> str:
    return money(value) if value else ""
