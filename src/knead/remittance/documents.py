"""PDFs of the money side: the appeal packet (letter + signed SOAP notes + referral), built with
the documents core (knead.billing.documents). Client statements are the ledger's
(``knead.ledger.statements``)."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

from knead.billing.documents.letters import render_letter
from knead.billing.documents.soap_note import SignedNote, render_soap_note
from knead.billing.documents.superbill import practice_letterhead
from knead.claims.models import Claim
from knead.claims.services import core_claim
from knead.paperwork.services import signed_note
from knead.remittance.models import Appeal


def signed_notes(claim: Claim) -> list[SignedNote]:
    """The signed SOAP notes of the claim's visits, in date order."""
    visits = {
        line.visit_id: line.visit
        for line in claim.lines.select_related(
            "visit__provider", "visit__client", "visit__signed_by"
        ).all()
    }
    # One way to print a note: with its amendments and corrections (paperwork.signed_note).
    return [
        signed_note(visit)
        for visit in sorted(visits.values(), key=lambda v: (v.date, v.pk))
        if visit.is_signed
    ]


def appeal_packet(appeal: Appeal) -> bytes:
    """The edited letter, then each signed SOAP note, then the referral document if it is a
    PDF, as one file."""
    claim = appeal.claim
    letterhead = practice_letterhead(core_claim(claim).billing_provider)
    parts = [render_letter(appeal.letter, letterhead=letterhead, title=f"Appeal {claim.claim_id}")]
    if appeal.attach_notes:
        parts += [render_soap_note(note) for note in signed_notes(claim)]
    if appeal.attach_referral:
        for referral in {
            line.visit.referral
            for line in claim.lines.select_related("visit__referral")
            if line.visit.referral_id
        }:
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
