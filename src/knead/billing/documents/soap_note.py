"""The signed SOAP note of one visit, and its PDF.

Only signed notes can be built: an unsigned note has no ``signed_by``/``signed_at`` and is
rejected. Later additions are amendments: each keeps who made it, when, why and its text, and
the PDF prints them after the signed note as amendments, never merged into the original text.
A correction of the billed facts (date, services, diagnoses) prints the same way: the facts as
signed and as corrected, side by side, with who corrected them, when and why. The note's header
shows the facts as they stand now (the last correction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer

from knead.billing.codes.icd10 import with_dot
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.pdf import (
    CONTENT_WIDTH,
    Letterhead,
    build_pdf,
    field_grid,
    heading,
    rich,
    text,
    us_date,
    us_datetime,
)

PAIN_MIN, PAIN_MAX = 0, 10


@dataclass(frozen=True, slots=True)
class Amendment:
    """A correction or addition made after signing."""

    author: str
    at: dt.datetime
    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class BilledLine:
    """One service line as billed: code, modifiers, minutes, units and diagnosis pointers."""

    code: str
    minutes: int
    units: int
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = ()

    def display(self) -> str:
        """E.g. "97124-GP, 60 min, 4 units, dx A B"."""
        code = "-".join((self.code, *self.modifiers))
        letters = " ".join("ABCDEFGHIJKL"[p - 1] for p in self.pointers if 1 <= p <= 12)
        parts = [code, f"{self.minutes} min", f"{self.units} unit{'s' if self.units != 1 else ''}"]
        return ", ".join(parts + ([f"dx {letters}"] if letters else []))


@dataclass(frozen=True, slots=True)
class BilledFacts:
    """What a visit bills: its date, diagnoses (ICD-10-CM, wire form, A first) and lines."""

    visit_date: dt.date
    diagnoses: tuple[str, ...]
    lines: tuple[BilledLine, ...]


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction of a signed visit's billed facts, made after signing."""

    author: str
    at: dt.datetime
    reason: str
    original: BilledFacts
    corrected: BilledFacts

    def changes(self) -> tuple[tuple[str, str, str], ...]:
        """(what, as signed, as corrected) for each fact that changed, in plain words."""
        out = []
        was, now = self.original, self.corrected
        if was.visit_date != now.visit_date:
            out.append(("Visit date", us_date(was.visit_date), us_date(now.visit_date)))
        if was.diagnoses != now.diagnoses:
            out.append(("Diagnoses", _diagnoses(was.diagnoses), _diagnoses(now.diagnoses)))
        if was.lines != now.lines:
            out.append(("Services", _services(was.lines), _services(now.lines)))
        return tuple(out)


def _diagnoses(codes: tuple[str, ...]) -> str:
    letters = "ABCDEFGHIJKL"
    return ", ".join(f"{letters[i]} {with_dot(code)}" for i, code in enumerate(codes[:12]))


def _services(lines: tuple[BilledLine, ...]) -> str:
    return "; ".join(line.display() for line in lines) or "none"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A signed SOAP note. Pain is the client's 0-10 rating before and after treatment."""

    visit_date: dt.date
    provider_name: str
    client_name: str
    client_birth_date: dt.date
    subjective: str
    objective: str
    assessment: str
    plan: str
    signed_by: str
    signed_at: dt.datetime
    provider_credentials: str | None = None
    provider_npi: str | None = None
    practice_name: str | None = None
    body_regions: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    pain_before: int | None = None
    pain_after: int | None = None
    minutes: int | None = None
    amendments: tuple[Amendment, ...] = ()
    corrections: tuple[Correction, ...] = ()

    def __post_init__(self) -> None:
        if not self.signed_by.strip():
            raise DocumentError("A SOAP note can be printed only once it is signed (signed_by).")
        for name in ("pain_before", "pain_after"):
            value = getattr(self, name)
            if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
                raise DocumentError(f"{name} must be between 0 and 10; got {value}.")
        if self.signed_at.date() < self.visit_date:
            raise DocumentError(
                f"The note is signed ({self.signed_at.date()}) before its visit ({self.visit_date})."
            )
        for i, amendment in enumerate(self.amendments):
            if amendment.at < self.signed_at:
                raise DocumentError(
                    f"amendments[{i}] is dated before the note was signed; corrections made "
                    "before signing belong in the note itself."
                )
        for i, correction in enumerate(self.corrections):
            if correction.at < self.signed_at:
                raise DocumentError(
                    f"corrections[{i}] is dated before the note was signed; a note is "
                    "corrected only once signed."
                )

    @property
    def provider_display(self) -> str:
        return ", ".join(p for p in (self.provider_name, self.provider_credentials) if p)


def _pain(value: int | None) -> str:
    return f"{value}/10" if value is not None else "not recorded"


def soap_note_story(note: SignedNote) -> list[Flowable]:
    """The flowables of one SOAP note (used alone or after a superbill in a packet)."""
    story: list[Flowable] = [
        text("SOAP Note (signed)", "title"),
        text(f"Visit of {us_date(note.visit_date)}", "muted"),
        Spacer(1, 6),
        field_grid(
            [
                [
                    ("Client", note.client_name),
                    ("Date of birth", us_date(note.client_birth_date)),
                    ("Visit date", us_date(note.visit_date)),
                ],
                [
                    ("Provider", note.provider_display),
                    ("Provider NPI", note.provider_npi or ""),
                    ("Treatment time", f"{note.minutes} minutes" if note.minutes else ""),
                ],
                [
                    ("Body regions", ", ".join(note.body_regions)),
                    (
                        "Pain before / after",
                        f"{_pain(note.pain_before)} / {_pain(note.pain_after)}",
                    ),
                    ("Techniques", ", ".join(note.techniques)),
                ],
            ],
            [CONTENT_WIDTH * 0.4, CONTENT_WIDTH * 0.25, CONTENT_WIDTH * 0.35],
        ),
    ]
    for title, body in (
        ("S - Subjective", note.subjective),
        ("O - Objective", note.objective),
        ("A - Assessment", note.assessment),
        ("P - Plan", note.plan),
    ):
        story += [heading(title), text(body)]
    story += [
        Spacer(1, 10),
        KeepTogether(
            [
                rich(
                    f"<b>Electronically signed</b> by {escape(note.signed_by)} on "
                    f"{escape(us_datetime(note.signed_at))}. The text above is the note as signed.",
                    "small",
                )
            ]
        ),
    ]
    if note.amendments:
        story += [Spacer(1, 6), heading("Amendments (added after signing)")]
        for number, amendment in enumerate(note.amendments, start=1):
            story.append(
                KeepTogether(
                    [
                        rich(
                            f"<b>Amendment {number}</b> by {escape(amendment.author)} on "
                            f"{escape(us_datetime(amendment.at))}. "
                            f"<b>Reason:</b> {escape(amendment.reason)}",
                            "small",
                        ),
                        text(amendment.text),
                        Spacer(1, 0.08 * inch),
                    ]
                )
            )
    if note.corrections:
        story += [Spacer(1, 6), heading("Corrections of the billed facts (after signing)")]
        for number, correction in enumerate(note.corrections, start=1):
            rows = [
                [(f"{what} as signed", was), (f"{what} corrected", now)]
                for what, was, now in correction.changes()
            ]
            story.append(
                KeepTogether(
                    [
                        rich(
                            f"<b>Correction {number}</b> by {escape(correction.author)} on "
                            f"{escape(us_datetime(correction.at))}. "
                            f"<b>Reason:</b> {escape(correction.reason)}",
                            "small",
                        ),
                        field_grid(rows, [CONTENT_WIDTH * 0.5, CONTENT_WIDTH * 0.5]),
                        Spacer(1, 0.08 * inch),
                    ]
                )
            )
    return story


def soap_note_footer(note: SignedNote) -> str:
    """The footer of a note's pages: it names the client and the visit on every page."""
    return f"SOAP note - {note.client_name} - visit of {us_date(note.visit_date)}"


def render_soap_note(
    note: SignedNote, *, letterhead: Letterhead | None = None, out: BinaryIO | None = None
) -> bytes:
    """The PDF of one signed SOAP note."""
    return build_pdf(
        soap_note_story(note),
        title=f"SOAP note {note.visit_date.isoformat()}",
        letterhead=letterhead or (Letterhead(note.practice_name) if note.practice_name else None),
        footer=soap_note_footer(note),
        out=out,
    )
