"""The claim scrubber: find what a payer would reject before the claim goes out.

``scrub(claim, rules, as_of)`` returns findings, each with a stable rule ID, a severity, a
plain-words message and fix, the 1-based service line (None for the claim), the CMS-1500 box
and the X12 837P location. Every rule is listed in ``RULES`` (from ``data/scrub_rules.json``)
and in docs/scrub-rules.md with what it checks and its source. ``purpose=Purpose.SUPERBILL``
runs the subset that matters for a superbill the client files themselves (no payer-side rules
such as timely filing, coverage or NCCI).

Speed: rule tables are precomputed in ``Rules`` (payer rules memoized per payer and date),
and ICD-10-CM and NPI verdicts are cached per code, so a scrub makes no library calls for
codes it has seen.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from knead.billing.claim import (
    Authorization,
    BillingMode,
    Claim,
    ClaimFrequency,
    CredentialingStatus,
    InjuryKind,
    PayerKind,
    PayerPriority,
    ServiceLine,
)
from knead.billing.codes.icd10 import IcdIssue, icd10_issue, with_dot
from knead.billing.identifiers import npi_check_digit, tax_id_problem
from knead.billing.payer_rules import ComboPolicy, PayerRules
from knead.billing.rules import Rules
from knead.billing.units import UnitRule, allocate_units, units_follow_rule, units_for_minutes
from knead.billing.visit_counts import covering_authorization


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Purpose(StrEnum):
    CLAIM = "claim"  # a claim the practice sends to the payer (837P or CMS-1500)
    SUPERBILL = "superbill"  # a superbill the client files with their own plan


@dataclass(frozen=True, slots=True)
class Rule:
    """One scrub rule: its ID, default severity, where it points and why it exists."""

    id: str
    severity: Severity
    box: str | None
    loop: str | None
    checks: str
    source: str
    superbill: bool = False  # part of the superbill subset


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    fix: str
    line: int | None = None  # 1-based service line, None for the whole claim
    box: str | None = None  # CMS-1500 item
    loop: str | None = None  # X12 837P loop and segment, e.g. "2010AA NM109"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "line": self.line,
            "box": self.box,
            "loop": self.loop,
        }


def _load_rule_table() -> dict[str, Rule]:
    text = resources.files("knead.billing").joinpath("data/scrub_rules.json").read_text()
    return {
        row["id"]: Rule(
            row["id"],
            Severity(row["severity"]),
            row["box"],
            row["loop"],
            row["checks"],
            row["source"],
            row["superbill"],
        )
        for row in json.loads(text)["rules"]
    }


RULES: dict[str, Rule] = _load_rule_table()
_SUPERBILL_RULES = frozenset(r.id for r in RULES.values() if r.superbill)

_DISTINCT_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})
_X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
_DISCIPLINE_MODIFIERS = frozenset({"GP", "GO", "GN"})
_MASSAGE, _MANUAL = "97124", "97140"
_FILING_WARNING_DAYS = 14
_ZERO = Decimal(0)
_NPI_BOXES = {
    "billing provider": ("33a", "2010AA NM109"),
    "rendering provider": ("24J", "2310B NM109"),
    "referring provider": ("17b", "2310A NM109"),
    "service facility": ("32a", "2310C NM109"),
}
_DX_RULES = {
    IcdIssue.INVALID: "DX_INVALID",
    IcdIssue.NOT_BILLABLE: "DX_NOT_BILLABLE",
    IcdIssue.SEVENTH_CHARACTER: "DX_7TH_CHARACTER",
}


@cache
def _npi_issue(value: str) -> tuple[str, str] | None:
    if len(value) != 10 or not value.isdigit() or value[0] not in "12":
        return "NPI_FORMAT", f"{value!r} is not an NPI: it must be 10 digits starting with 1 or 2"
    expected = npi_check_digit(value[:9])
    if int(value[9]) != expected:
        return (
            "NPI_CHECK_DIGIT",
            f"NPI {value} fails its check digit (the last digit should be {expected})",
        )
    return None


@cache
def _dx_issue(code: str) -> tuple[str, str] | None:
    issue = icd10_issue(code)
    return (_DX_RULES[issue[0]], issue[1]) if issue else None


def _is_therapy_code(code: str) -> bool:
    """'Always therapy' physical-medicine codes that Medicare wants GP/GO/GN on."""
    return (code.startswith("97") and not code.startswith("978")) or code == "G0283"


class _Findings:
    """Collects findings for one scrub, applying the purpose's rule subset."""

    __slots__ = ("allowed", "items")

    def __init__(self, allowed: frozenset[str] | None) -> None:
        self.allowed = allowed
        self.items: list[Finding] = []

    def wants(self, rule_id: str) -> bool:
        return self.allowed is None or rule_id in self.allowed

    def add(
        self,
        rule_id: str,
        message: str,
        fix: str,
        line: int | None = None,
        *,
        severity: Severity | None = None,
        box: str | None = None,
        loop: str | None = None,
    ) -> None:
        if self.allowed is not None and rule_id not in self.allowed:
            return
        rule = RULES[rule_id]
        self.items.append(
            Finding(
                rule_id,
                severity or rule.severity,
                message,
                fix,
                line,
                box or rule.box,
                loop or rule.loop,
            )
        )


def scrub(
    claim: Claim, rules: Rules, as_of: dt.date, purpose: Purpose = Purpose.CLAIM
) -> list[Finding]:
    """Check a claim against the rule tables on date ``as_of``; return findings in rule order
    (identifiers, diagnoses, lines, coverage, injury, dates)."""
    out = _Findings(_SUPERBILL_RULES if purpose is Purpose.SUPERBILL else None)
    if not claim.lines:
        out.add("LINES_MISSING", "The claim has no service lines.", "Add the services given.")
        return out.items
    first_dos = min(line.service_date for line in claim.lines)
    payer = claim.coverage.payer if claim.coverage else None
    payer_rules = rules.payers.rules_for(
        payer.payer_id if payer else None, payer.kind if payer else None, first_dos
    )
    direct = claim.billing_mode is BillingMode.DIRECT and purpose is Purpose.CLAIM
    _identifiers(claim, out, direct)
    _diagnoses(claim, out)
    _lines(claim, rules, payer_rules, out, direct)
    if direct:
        _coverage(claim, payer_rules, out, sorted({line.service_date for line in claim.lines}))
    _injury(claim, out, direct)
    _dates(claim, payer_rules, out, as_of, direct)
    if not claim.note_signed:
        out.add(
            "NOTE_UNSIGNED",
            "The clinical note for this visit is not signed.",
            "Sign the visit note, then bill.",
        )
    return out.items


def _npi(out: _Findings, value: str | None, who: str) -> None:
    issue = _npi_issue(value or "")
    if issue:
        box, loop = _NPI_BOXES[who]
        out.add(
            issue[0],
            f"The {who}'s {issue[1]}.",
            "Copy the NPI from the NPPES registry; a typo usually breaks the check digit.",
            box=box,
            loop=loop,
        )


def _identifiers(claim: Claim, out: _Findings, direct: bool) -> None:
    billing = claim.billing_provider
    _npi(out, billing.npi, "billing provider")
    if claim.rendering_provider:
        _npi(out, claim.rendering_provider.npi, "rendering provider")
    referring = claim.referring_provider
    if referring and referring.npi:
        _npi(out, referring.npi, "referring provider")
    elif referring:
        out.add(
            "REFERRING_NPI_MISSING",
            f"The referring provider {referring.name.display()} has no NPI on the claim.",
            "Look up the prescriber's NPI in NPPES and add it.",
        )
    if claim.service_facility and claim.service_facility.npi:
        _npi(out, claim.service_facility.npi, "service facility")
    problem = tax_id_problem(billing.tax_id_kind, billing.tax_id)
    if problem:
        out.add(
            "TAX_ID_INVALID", problem, "Use the EIN or SSN exactly as on the IRS letter or card."
        )
    if not direct:
        return
    if len(billing.address.zip) != 9:
        out.add(
            "BILLING_ZIP_NOT_9_DIGITS",
            f"The billing address ZIP {billing.address.zip} has 5 digits; the 837P needs ZIP+4.",
            "Add the 4-digit ZIP extension to the billing address (USPS lookup).",
        )
    coverage = claim.coverage
    if coverage is None:
        out.add(
            "COVERAGE_MISSING",
            "The claim is billed directly but names no payer or subscriber.",
            "Add the client's insurance, or make it a superbill.",
        )
        return
    if not coverage.payer.payer_id.strip():
        out.add(
            "PAYER_ID_MISSING",
            f"The payer {coverage.payer.name} has no payer ID.",
            "Find the payer ID in your clearinghouse's payer list.",
        )
    if not coverage.subscriber.member_id.strip():
        out.add(
            "MEMBER_ID_MISSING",
            "The subscriber has no member ID.",
            "Copy the member ID from the insurance card exactly.",
        )


def _diagnoses(claim: Claim, out: _Findings) -> None:
    diagnoses = claim.diagnoses
    if not diagnoses:
        out.add(
            "DX_MISSING",
            "The claim has no diagnosis.",
            "Add the ICD-10-CM code from the referral or your assessment.",
        )
    for index, code in enumerate(diagnoses):
        issue = _dx_issue(code)
        if issue:
            letter = chr(ord("A") + index) if index < 26 else str(index + 1)
            out.add(issue[0], f"Diagnosis {letter}: {issue[1]}", _DX_FIX[issue[0]])
    if len(diagnoses) > 12:
        out.add(
            "DX_TOO_MANY",
            f"The claim has {len(diagnoses)} diagnoses; a claim holds at most 12 (A-L).",
            "Keep the 12 most relevant diagnoses, or split the services over two claims.",
        )
    injury_dx = [code for code in diagnoses if code[:1] in ("S", "T")]
    if injury_dx and claim.injury is None:
        out.add(
            "INJURY_DX_WITHOUT_CASE",
            f"Injury diagnosis {with_dot(injury_dx[0])} but no accident or case details.",
            "If this is an auto, work or other accident, add the case (type, date, state, claim "
            "number); otherwise check the diagnosis.",
        )
    if claim.injury is not None and not injury_dx:
        out.add(
            "INJURY_CASE_WITHOUT_INJURY_DX",
            f"The claim is marked as a {claim.injury.kind.value.replace('_', ' ')} case but has "
            "no injury (S or T) diagnosis.",
            "Add the injury code from the referral, or remove the case if it does not apply.",
        )


_DX_FIX = {
    "DX_INVALID": "Check the code for a typo and pick it from the ICD-10-CM list.",
    "DX_NOT_BILLABLE": "Use the most specific code under this heading.",
    "DX_7TH_CHARACTER": "Add the 7th character (A active treatment, D subsequent, S sequela); "
    "the referral usually says which.",
}


def _lines(
    claim: Claim, rules: Rules, payer_rules: PayerRules, out: _Findings, direct: bool
) -> None:
    procedures = rules.procedures.procedures
    dx_count = len(claim.diagnoses)
    seen: dict[tuple[dt.date, str, tuple[str, ...]], int] = {}
    by_date: dict[dt.date, list[tuple[int, ServiceLine]]] = {}
    for number, line in enumerate(claim.lines, start=1):
        by_date.setdefault(line.service_date, []).append((number, line))
        mods = line.modifier_codes
        key = (line.service_date, line.code, tuple(sorted(mods)) if len(mods) > 1 else mods)
        if key in seen:
            out.add(
                "LINE_DUPLICATE",
                f"Line {number} repeats line {seen[key]} ({line.code} on {line.service_date}).",
                "Report the code once for the day with all its units, or add 76/77/59 if it "
                "really was a separate service.",
                number,
            )
        else:
            seen[key] = number
        if line.code not in procedures:
            out.add(
                "PROCEDURE_UNKNOWN",
                f"{line.code!r} is not a procedure code Knead knows.",
                "Pick the CPT/HCPCS code from the procedure list.",
                number,
            )
        if line.charge <= _ZERO:
            out.add(
                "CHARGE_NOT_POSITIVE",
                f"Line {number} charges {line.charge}; a charge must be more than zero.",
                "Enter your usual fee for the service.",
                number,
            )
        if line.units == 0:
            out.add(
                "UNITS_ZERO",
                f"Line {number} bills 0 units.",
                "Remove the line, or enter the units the minutes support.",
                number,
            )
        if not line.pointers:
            out.add(
                "DX_POINTER_MISSING",
                f"Line {number} does not point to a diagnosis.",
                "Point the line to the diagnosis it treats (A first).",
                number,
            )
        bad = [p for p in line.pointers if p > dx_count or p < 1]
        if bad:
            out.add(
                "DX_POINTER_INVALID",
                f"Line {number} points to diagnosis {_letter(bad[0])}, but the claim has "
                f"{dx_count} diagnos{'is' if dx_count == 1 else 'es'}.",
                "Point only to diagnoses listed in Box 21.",
                number,
            )
        if len(line.pointers) > 4:
            out.add(
                "DX_POINTER_TOO_MANY",
                f"Line {number} has {len(line.pointers)} diagnosis pointers; at most 4 fit.",
                "Keep the 4 most relevant, primary first.",
                number,
            )
        if len(mods) > 4:
            out.add(
                "MODIFIERS_TOO_MANY",
                f"Line {number} has {len(mods)} modifiers; at most 4 fit.",
                "Keep the 4 that matter for payment (discipline, distinct service).",
                number,
            )
        if "59" in mods and _X_MODIFIERS.intersection(mods):
            out.add(
                "MODIFIER_59_WITH_X",
                f"Line {number} has both 59 and an X modifier.",
                "Use the X modifier (XE/XS/XP/XU) that fits, or 59 alone, not both.",
                number,
            )
        if (
            direct
            and payer_rules.gp_required
            and _is_therapy_code(line.code)
            and not _DISCIPLINE_MODIFIERS.intersection(mods)
        ):
            out.add(
                "GP_MISSING",
                f"Line {number} ({line.code}) has no GP modifier, which this payer requires.",
                "Add GP (physical therapy plan of care) to the line.",
                number,
            )
    count = len(claim.lines)
    if direct and payer_rules.paper_claims and count > 6:
        out.add(
            "LINES_OVER_PAPER_LIMIT",
            f"The claim has {count} lines; a paper CMS-1500 holds 6.",
            "Split the services over several claims of at most 6 lines.",
        )
    if direct and count > 50:
        out.add(
            "LINES_OVER_837_LIMIT",
            f"The claim has {count} lines; an 837P claim holds 50.",
            "Split the services over several claims.",
        )
    for day, day_lines in by_date.items():
        _day(day, day_lines, rules, payer_rules, out, direct)


def _letter(pointer: int) -> str:
    return chr(ord("A") + pointer - 1) if 1 <= pointer <= 26 else str(pointer)


def _day(
    day: dt.date,
    day_lines: list[tuple[int, ServiceLine]],
    rules: Rules,
    payer_rules: PayerRules,
    out: _Findings,
    direct: bool,
) -> None:
    procedures = rules.procedures.procedures
    timed_minutes: dict[str, int] = {}
    timed_units: dict[str, int] = {}
    first_line: dict[str, int] = {}
    units_by_code: dict[str, int] = {}
    minutes_known = True
    for number, line in day_lines:
        procedure = procedures.get(line.code)
        units_by_code[line.code] = units_by_code.get(line.code, 0) + line.units
        first_line.setdefault(line.code, number)
        if procedure is None:
            continue
        if procedure.timed:
            if line.minutes is None:
                minutes_known = False
                out.add(
                    "TIMED_MINUTES_MISSING",
                    f"Line {number} ({line.code}) is a timed code but records no minutes.",
                    "Record the minutes spent, so the units can be checked.",
                    number,
                )
            else:
                timed_minutes[line.code] = timed_minutes.get(line.code, 0) + line.minutes
            timed_units[line.code] = timed_units.get(line.code, 0) + line.units
    for code, units in units_by_code.items():
        procedure = procedures.get(code)
        if procedure is not None and not procedure.timed and units > 1:
            out.add(
                "UNTIMED_UNITS",
                f"{units} units of untimed code {code} on {day}; untimed codes are 1 unit per "
                "day however long they take.",
                "Bill 1 unit.",
                first_line[code],
            )
    if timed_minutes and minutes_known:
        _timed_units(timed_minutes, timed_units, first_line, payer_rules.unit_rule, out)
    if out.wants("MAX_UNITS_PER_DAY") and direct and payer_rules.max_units_per_day is not None:
        total = sum(units_by_code.values())
        if total > payer_rules.max_units_per_day:
            out.add(
                "MAX_UNITS_PER_DAY",
                f"{total} units on {day}; this payer pays at most "
                f"{payer_rules.max_units_per_day} a day.",
                "Bill the units the payer allows; the rest is not payable by this payer.",
            )
    if not direct:
        return
    _mue(day, day_lines, units_by_code, first_line, rules, out)
    _pairs(day, day_lines, rules, payer_rules, out)


def _timed_units(
    minutes: dict[str, int],
    units: dict[str, int],
    first_line: dict[str, int],
    rule: UnitRule,
    out: _Findings,
) -> None:
    total_minutes = sum(minutes.values())
    under_8 = [
        code
        for code, m in minutes.items()
        if units[code] > 0 and (total_minutes < 8 if rule is UnitRule.CMS else m < 8)
    ]
    for code in under_8:
        out.add(
            "TIMED_UNDER_8_MINUTES",
            f"{code} ran {minutes[code]} minutes"
            + (f" ({total_minutes} timed minutes in all)" if len(minutes) > 1 else "")
            + "; under 8 minutes earns no unit.",
            "Do not bill the service, or record the real minutes if more were given.",
            first_line[code],
        )
    if under_8 or units_follow_rule(minutes, units, rule):
        return
    expected = allocate_units(minutes, rule)
    described = ", ".join(f"{c} {minutes[c]} min" for c in minutes)
    billed = ", ".join(f"{c} x {units[c]}" for c in minutes)
    wanted = ", ".join(f"{c} x {expected[c]}" for c in minutes)
    how = (
        f"the CMS total-time rule gives {units_for_minutes(total_minutes)} units for "
        f"{total_minutes} minutes"
        if rule is UnitRule.CMS
        else "the AMA rule rounds each code on its own"
    )
    out.add(
        "UNITS_MINUTES_MISMATCH",
        f"Units do not match minutes ({described}): billed {billed}, but {how}.",
        f"Bill {wanted}.",
        min(first_line[c] for c in minutes),
    )


def _mue(
    day: dt.date,
    day_lines: list[tuple[int, ServiceLine]],
    units_by_code: dict[str, int],
    first_line: dict[str, int],
    rules: Rules,
    out: _Findings,
) -> None:
    ncci = rules.ncci
    for code, units in units_by_code.items():
        limit = ncci.mue_limit(code, day)
        if limit is None or limit.limit is None:
            continue
        if limit.per_day and units > limit.limit:
            out.add(
                "MUE_EXCEEDED",
                f"{units} units of {code} on {day}; the MUE allows {limit.limit} a day.",
                "Bill no more than the MUE; appeal with records only if it is a clinical "
                "(MAI 3) edit and the care was needed.",
                first_line[code],
            )
        elif not limit.per_day:
            for number, line in day_lines:
                if line.code == code and line.units > limit.limit:
                    out.add(
                        "MUE_EXCEEDED",
                        f"Line {number} bills {line.units} units of {code}; the MUE allows "
                        f"{limit.limit} per line.",
                        "Split the units over lines with 76/77/59 if the care was distinct.",
                        number,
                    )


def _pairs(
    day: dt.date,
    day_lines: list[tuple[int, ServiceLine]],
    rules: Rules,
    payer_rules: PayerRules,
    out: _Findings,
) -> None:
    if len(day_lines) < 2:
        return
    ncci = rules.ncci
    for i, (number_a, a) in enumerate(day_lines):
        for number_b, b in day_lines[i + 1 :]:
            if a.code == b.code:
                continue
            edit = ncci.ptp_edit(a.code, b.code, day)
            if edit is not None:
                col2_number, col2 = (number_b, b) if b.code == edit.column2 else (number_a, a)
                if edit.modifier_indicator == 0:
                    out.add(
                        "NCCI_NEVER_TOGETHER",
                        f"{edit.column2} cannot be billed with {edit.column1} on the same day "
                        "(NCCI edit, no modifier allowed).",
                        f"Remove {edit.column2}; it is included in {edit.column1}.",
                        col2_number,
                    )
                elif not _DISTINCT_MODIFIERS.intersection(col2.modifier_codes):
                    out.add(
                        "NCCI_MODIFIER_NEEDED",
                        f"{edit.column2} with {edit.column1} on the same day is an NCCI pair: "
                        f"{edit.rationale}.",
                        f"If the services were distinct, add 59 (or XS/XU) to {edit.column2} "
                        "and document it; otherwise remove it.",
                        col2_number,
                    )
            if {a.code, b.code} == {_MASSAGE, _MANUAL}:
                policy = payer_rules.massage_with_manual_therapy
                if policy is not ComboPolicy.ALLOWED:
                    out.add(
                        "MASSAGE_WITH_MANUAL_THERAPY",
                        "97124 (massage) and 97140 (manual therapy) on the same day: many "
                        "payers pay only one.",
                        "Document separate time blocks and distinct regions or techniques; "
                        "add 59/XS/XU only if this payer's edit requires it.",
                        number_b,
                        severity=Severity.ERROR if policy is ComboPolicy.ERROR else None,
                    )


def _outside(dates: list[dt.date], start: dt.date | None, end: dt.date | None) -> dt.date | None:
    """The first of ``dates`` before ``start`` or after ``end`` (either may be open), or None."""
    return next((d for d in dates if (start and d < start) or (end and d > end)), None)


def _coverage(claim: Claim, payer_rules: PayerRules, out: _Findings, dates: list[dt.date]) -> None:
    """Coverage, referral and authorization checks. ``dates`` are the claim's distinct dates of
    service, in order: every one must fall in the coverage, referral and authorization dates,
    and each is one visit counted against their visit limits."""
    coverage = claim.coverage
    if coverage is None:
        return
    dos = _outside(dates, coverage.effective, coverage.terminates)
    if dos:
        out.add(
            "COVERAGE_NOT_ACTIVE",
            f"The visit on {dos} is outside the coverage dates "
            f"({coverage.effective or '…'} to {coverage.terminates or '…'}).",
            "Verify eligibility; bill the right payer or the client.",
        )
    if payer_rules.credentialing_required:
        if coverage.provider_status is CredentialingStatus.NOT_CREDENTIALED:
            out.add(
                "PROVIDER_NOT_CREDENTIALED",
                f"The provider is not credentialed with {coverage.payer.name}.",
                "Give the client a superbill, or finish credentialing before billing.",
            )
        elif coverage.provider_status is CredentialingStatus.PENDING:
            out.add(
                "PROVIDER_NOT_CREDENTIALED",
                f"Credentialing with {coverage.payer.name} is still pending.",
                "Hold the claim until credentialing is approved (check the effective date).",
                severity=Severity.WARNING,
            )
    limit = (
        coverage.visits_per_year
        if coverage.visits_per_year is not None
        else payer_rules.visits_per_year
    )
    used = coverage.visits_used_this_year
    if limit is not None and used is not None and used + len(dates) > limit:
        out.add(
            "VISIT_LIMIT_REACHED",
            f"{used} of {limit} visits this benefit year are already used"
            + (f", and this claim has {len(dates)} visits." if len(dates) > 1 else "."),
            "Bill a secondary payer or the client (with a waiver where required).",
        )
    _referral(claim, payer_rules, out, dates)
    _authorization(claim, payer_rules, out, dates)
    if claim.frequency is not ClaimFrequency.ORIGINAL and not claim.original_claim_number:
        out.add(
            "ORIGINAL_CLAIM_NUMBER_MISSING",
            f"A {'replacement' if claim.frequency is ClaimFrequency.REPLACEMENT else 'void'} "
            "claim must name the payer's original claim number.",
            "Copy the payer claim number from the remittance (835 CLP07).",
        )
    if coverage.priority is not PayerPriority.PRIMARY and not coverage.other_payers:
        out.add(
            "COB_PRIOR_PAYER_MISSING",
            f"The claim goes to a {coverage.priority.value} payer but carries no prior payer's "
            "payment.",
            "Add the primary payer's payment and adjustments from its remittance.",
        )


def _referral(claim: Claim, payer_rules: PayerRules, out: _Findings, dates: list[dt.date]) -> None:
    referral = claim.referral
    if referral is None:
        if payer_rules.referral_required and claim.referring_provider is None:
            out.add(
                "REFERRAL_MISSING",
                "This payer requires a referral or prescription, and none is on the claim.",
                "Add the referring provider and referral details.",
            )
        return
    dos = _outside(dates, referral.issued, referral.expires)
    if dos:
        out.add(
            "REFERRAL_EXPIRED",
            f"The visit on {dos} is outside the referral's dates "
            f"({referral.issued or '…'} to {referral.expires or '…'}).",
            "Ask the prescriber for a renewed referral.",
        )
    if (
        referral.visits_allowed is not None
        and referral.visits_used + len(dates) > referral.visits_allowed
    ):
        out.add(
            "REFERRAL_VISITS_USED_UP",
            f"The referral's {referral.visits_allowed} visits are used up.",
            "Ask the prescriber for more visits.",
        )


def _authorization(
    claim: Claim, payer_rules: PayerRules, out: _Findings, dates: list[dt.date]
) -> None:
    """Every line needs an authorization covering its code when the plan (the coverage's own
    answer) or the payer requires one, or once the payer's free visits are used up. Each line
    counts against the one authorization covering it: its date must be inside that one's dates,
    and its units and its visit count against that one's limits."""
    coverage = claim.coverage
    used = coverage.visits_used_this_year if coverage else None
    required = (
        coverage.authorization_required
        if coverage is not None and coverage.authorization_required is not None
        else payer_rules.authorization_required
    )
    after = payer_rules.authorization_after_visits
    reached = after is not None and used is not None and used + len(dates) > after
    authorizations = claim.authorizations
    if not authorizations:
        if required:
            out.add(
                "AUTH_MISSING",
                "This payer requires prior authorization, and none is on the claim.",
                "Request authorization (or a retro-authorization) and add its number.",
            )
        elif reached and used is not None:
            out.add(
                "AUTH_MISSING",
                f"This payer requires authorization after {after} visits; this claim reaches "
                f"visit {used + len(dates)}, and no authorization is on the claim.",
                "Request authorization for the further visits and add its number.",
            )
        return
    covered: dict[Authorization, list[ServiceLine]] = {}
    for number, line in enumerate(claim.lines, start=1):
        auth = covering_authorization(line.code, line.service_date, authorizations)
        if auth is not None:
            covered.setdefault(auth, []).append(line)
        elif required or reached:
            numbers = ", ".join(a.number for a in authorizations)
            out.add(
                "AUTH_LINE_NOT_COVERED",
                f"Line {number} ({line.code}) needs prior authorization, and no authorization "
                f"on the claim covers {line.code} (on the claim: {numbers}).",
                f"Request authorization for {line.code} and link it to the visit, or remove "
                "the line.",
                number,
            )
    for auth, lines in covered.items():
        _authorization_limits(auth, lines, out)


def _authorization_limits(auth: Authorization, lines: list[ServiceLine], out: _Findings) -> None:
    """One authorization against the lines it covers on this claim."""
    dates = sorted({line.service_date for line in lines})
    dos = _outside(dates, auth.starts, auth.ends)
    if dos:
        out.add(
            "AUTH_EXPIRED",
            f"The visit on {dos} is outside authorization {auth.number} "
            f"({auth.starts or '…'} to {auth.ends or '…'}).",
            "Request an extension or a new authorization.",
        )
    if auth.visits_allowed is not None and auth.visits_used + len(dates) > auth.visits_allowed:
        out.add(
            "AUTH_VISITS_USED_UP",
            f"Authorization {auth.number}'s {auth.visits_allowed} visits are used up.",
            "Request more visits from the payer.",
        )
    if auth.units_allowed is not None:
        units = sum(line.units for line in lines)
        if auth.units_used + units > auth.units_allowed:
            left = max(auth.units_allowed - auth.units_used, 0)
            codes = ", ".join(sorted({line.code for line in lines}))
            out.add(
                "AUTH_UNITS_USED_UP",
                f"This visit bills {units} units of {codes} under authorization {auth.number}, "
                f"which has {left} left.",
                "Request more units, or bill only the authorized units.",
            )


_CASE_PAYERS = {PayerKind.AUTO: "auto", PayerKind.WORKERS_COMP: "workers' comp"}
_CASE_NAMES = {
    InjuryKind.AUTO: "auto",
    InjuryKind.EMPLOYMENT: "workers' comp",
    InjuryKind.OTHER_ACCIDENT: "accident",
}


def _injury(claim: Claim, out: _Findings, direct: bool) -> None:
    injury = claim.injury
    if injury is None:
        payer = claim.coverage.payer if claim.coverage else None
        if direct and payer is not None and payer.kind in _CASE_PAYERS:
            out.add(
                "INJURY_CASE_MISSING",
                f"The claim goes to {payer.name}, an {_CASE_PAYERS[payer.kind]} payer, but has "
                "no case details.",
                "Add the case: type, accident date, state and the carrier's claim number.",
            )
        return
    kind = injury.kind
    if kind is not InjuryKind.OTHER_ACCIDENT and not injury.claim_number:
        out.add(
            "INJURY_CLAIM_NUMBER_MISSING",
            f"The {_CASE_NAMES[kind]} case has no carrier claim number.",
            "Get the claim number from the adjuster or the client's claim letter.",
        )
    if injury.accident_date is None:
        out.add(
            "INJURY_DATE_MISSING",
            "The case has no accident or injury date.",
            "Add the date of the accident or injury.",
        )
    if not injury.state:
        out.add(
            "INJURY_STATE_MISSING",
            "The case does not say in which state the accident happened.",
            "Add the 2-letter state of the accident.",
            severity=None if kind is InjuryKind.AUTO else Severity.WARNING,
        )


def _dates(
    claim: Claim, payer_rules: PayerRules, out: _Findings, as_of: dt.date, direct: bool
) -> None:
    future = [n for n, line in enumerate(claim.lines, start=1) if line.service_date > as_of]
    for number in future:
        out.add(
            "DOS_IN_FUTURE",
            f"Line {number} is dated {claim.lines[number - 1].service_date}, after {as_of}.",
            "Bill a visit only after it has happened; check the date.",
            number,
        )
    if not direct or claim.frequency is ClaimFrequency.VOID:
        return
    first = min(line.service_date for line in claim.lines)
    start, counted_from = first, "the date of service"
    coverage = claim.coverage
    if coverage is not None and coverage.priority is not PayerPriority.PRIMARY:
        # A secondary payer's clock usually runs from the prior payer's remittance.
        paid = [o.paid_date for o in coverage.other_payers if o.paid_date]
        if paid:
            start, counted_from = max(paid), "the prior payer's payment"
    months = payer_rules.timely_filing_months
    if months:
        deadline, limit = add_months(start, months), f"{months} months"
    else:
        days = payer_rules.timely_filing_days
        deadline, limit = start + dt.timedelta(days=days), f"{days} days"
    if as_of > deadline:
        out.add(
            "TIMELY_FILING_PASSED",
            f"The filing limit ({limit} from {counted_from}, {start}) passed on {deadline}.",
            "Send only with proof of timely filing; otherwise write the charge off.",
        )
    elif (deadline - as_of).days < _FILING_WARNING_DAYS:
        out.add(
            "TIMELY_FILING_SOON",
            f"Only {(deadline - as_of).days} days left to file (deadline {deadline}).",
            "Send the claim now.",
        )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, or the month's last day when it has no
    such day: a 12-month limit from Feb 29 ends on Feb 28 (billing-rules.md §11.1)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
