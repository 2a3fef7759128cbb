"""Billing history for the demo practice, told as a true story and made through the billing
services themselves (``claims.services`` and ``remittance.imports``, and through them the
ledger), each step on its own day of the story (``knead.demo.clock``):

- Every second week (the last time a week ago) the biller makes claims from the signed visits
  of the days before, scrubs them as of that day and sends one 837P batch per payer; the
  clearinghouse's 999 accepts each batch that day.
- Each payer answers a batch with one ERA two to six weeks later, dated that day (BPR16 and
  DTM*405), so every payment comes after its batch and every batch after its visits. A batch
  whose ERA is not due yet is still waiting: A/R.
- The ERAs carry payments, partial payments, CO-97 and CO-197 denials, PR-2 coinsurance and
  PR-1 deductibles, one reversal, one claim number the payer keyed wrongly (a claim not found,
  for the biller to post by hand), one claim the first commercial payer allowed below its
  contracted rates (underpaid lines), and a few claims the payer has not answered (to chase).
- Washington Apple Health (Medicaid) is the payer of last resort and leaves nothing to the
  client: its ERAs carry no patient share (no PR). A client with commercial primary coverage
  and Medicaid secondary gets a secondary claim once the primary has paid; Medicaid pays the
  client's share the primary left (OA-23 for the rest). Workers' comp leaves no patient share
  either.

All names, numbers and amounts are invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    Segment,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.claims.models import Claim
from knead.claims.services import (
    billable_visits,
    build_batch,
    create_claims,
    import_acknowledgement,
    scrub_claim,
)
from knead.claims.states import ClaimState
from knead.clients.models import Coverage
from knead.demo.clock import story_day
from knead.practice import clock
from knead.practice.models import ContractRate, Membership, Payer, PayerKind, Role
from knead.remittance.imports import start_import
from knead.remittance.secondary import secondary_claim
from knead.visits.models import Visit
from knead.visits.services import fee_schedule

SEED = 2026
CADENCE = 14  # days between batches
LAST_BATCH = 7  # days before today
# Days from a batch to the payer's ERA, at least and at most, by kind of payer.
ANSWER_DAYS = {
    PayerKind.COMMERCIAL: (14, 28),
    PayerKind.MEDICAID: (21, 35),
    PayerKind.AUTO: (21, 42),
    PayerKind.WORKERS_COMP: (21, 35),
}
# Payers whose ERAs leave nothing to the client (no PR group).
NO_PATIENT_SHARE = frozenset({PayerKind.MEDICAID, PayerKind.WORKERS_COMP})
REVERSAL_DAYS = 10  # from the ERA that paid the claim to the one that takes it back
_CENT = Decimal("0.01")
# Payers allow 80% of the charge (the first commercial payer's contract says so); one
# claim is allowed 70%. The client's share (where there is one) is 20% of the allowed.
_ALLOWED = Decimal("0.8")
_SHORT = Decimal("0.7")
_COINSURANCE = Decimal("0.2")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


def era_text(
    payer_name: str,
    paid_on: dt.date,
    trace: str,
    body: list[Segment],
    amount: Decimal,
    control: int,
) -> str:
    """An 835 paying ``amount`` on ``paid_on`` (BPR16, DTM*405 and the interchange date)."""
    day = paid_on.strftime("%Y%m%d")
    header: list[Segment] = [
        ("BPR", "I", _money(amount), "C", "ACH", "CCP", "01", "999999992", "DA", "123456",
         "1512345678", "", "01", "999988880", "DA", "98765", day),
        ("TRN", "1", trace, "1512345678"),
        ("DTM", "405", day),
        ("N1", "PR", payer_name.upper()[:60]), ("N3", "PO BOX 100"),
        ("N4", "SEATTLE", "WA", "98101"), ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
        ("N1", "PE", "DEMO PRACTICE", "XX", "1234567893"), ("LX", "1"),
    ]  # fmt: skip
    return write_interchange(
        TradingPartners("DEMOPAYER", "KNEADDEMO"), MemoryControlNumbers(control - 1), "HP",
        "005010X221A1", [TransactionSet("835", "", [*header, *body])],
        dt.datetime.combine(paid_on, dt.time(9)),
    ).text  # fmt: skip


def _negate(segment: Segment) -> Segment:
    """The reversal of an SVC or CAS segment: its amounts (and units) with a minus sign."""
    if segment[0] == "SVC":
        _tag, code, charge, paid, empty, units = segment
        return ("SVC", code, f"-{charge}", f"-{paid}" if paid != "0" else "0", empty, f"-{units}")
    if segment[0] == "CAS":
        return ("CAS", segment[1], segment[2], f"-{segment[3]}")
    return segment


@dataclass
class _Answer:
    """An ERA due on ``day``: the payer's answer to the claims of one batch."""

    day: dt.date
    payer: Payer
    claims: list[Claim]


@dataclass
class _Paid:
    claim: Claim
    lines: list[Segment]
    paid: Decimal
    patient: Decimal


@dataclass
class _Story:
    practice: Any
    user: Any
    rng: random.Random
    today: dt.date
    answers: list[_Answer] = field(default_factory=list)
    reversal: tuple[dt.date, Payer, _Paid] | None = None
    # Secondary claims made after their primary paid, waiting for the next batch day.
    secondaries: list[Claim] = field(default_factory=list)
    # The client's share the primary left on each line (claim pk → line position → amount).
    shares: dict[int, dict[int, Decimal]] = field(default_factory=dict)
    contracted: Payer | None = None
    mistyped: bool = False  # the first claim answered comes back with a mistyped number
    short_paid: bool = False  # one claim of the contracted payer is allowed 70%
    reversed_one: bool = False
    claims: int = 0
    batches: int = 0
    eras: int = 0
    secondary_count: int = 0

    def tell(self, visits: list[Visit]) -> None:
        """From the first batch day after the oldest visit to today, day by day."""
        batch_days: list[dt.date] = []
        day = self.today - dt.timedelta(days=LAST_BATCH)
        while day > visits[0].date:
            batch_days.insert(0, day)
            day -= dt.timedelta(days=CADENCE)
        waiting = list(visits)
        day = batch_days[0] if batch_days else self.today
        while day < self.today:
            due = [a for a in self.answers if a.day == day]
            reverse_today = self.reversal is not None and self.reversal[0] == day
            if due or reverse_today or day in batch_days:
                with story_day(day):
                    for answer in due:
                        self._answer(answer)
                    if reverse_today:
                        self._reverse()
                    if day in batch_days:
                        waiting = self._batch_day(day, waiting)
            day += dt.timedelta(days=1)

    # --- the biller's batch day -----------------------------------------------------------

    def _batch_day(self, day: dt.date, waiting: list[Visit]) -> list[Visit]:
        """Claims for the visits before ``day``, plus the secondaries waiting; scrubbed, then
        one batch per payer. Returns the visits still to bill."""
        if self.contracted is None:
            self._contract()
        due = [v for v in waiting if v.date < day]
        claims = create_claims(due, user=self.user, practice=self.practice) if due else []
        self.claims += len(claims)
        claims += self.secondaries
        self.secondaries = []
        for claim in claims:
            scrub_claim(claim, user=self.user, as_of=day)
        ready = [c for c in claims if c.status == ClaimState.READY]
        for payer_id in sorted({c.payer_id for c in ready}):
            group = [c for c in ready if c.payer_id == payer_id]
            batch = build_batch(group, user=self.user, practice=self.practice, as_of=day).batch
            if batch is None:
                continue
            self.batches += 1
            sent = [c for c in group if c.batch_id == batch.pk]
            self._acknowledge(batch, day)
            payer = sent[0].payer
            low, high = ANSWER_DAYS.get(PayerKind(payer.kind), (14, 28))
            answered = day + dt.timedelta(days=self.rng.randint(low, high))
            if answered < self.today:
                self.answers.append(_Answer(answered, payer, sent))
        return [v for v in waiting if v.date >= day]

    def _contract(self) -> None:
        """The first commercial payer's contract: 80% of the fee schedule for each code."""
        payer = (
            Payer.objects.for_practice(self.practice)
            .filter(kind=PayerKind.COMMERCIAL)
            .order_by("pk")
            .first()
        )
        if payer is None:
            return
        self.contracted = payer
        ContractRate.objects.bulk_create(
            ContractRate(practice=self.practice, payer=payer, code=code,
                         allowed=(fee * _ALLOWED).quantize(_CENT, ROUND_DOWN),
                         created_by=self.user, updated_by=self.user)
            for code, fee in sorted(fee_schedule(self.practice).items())
        )  # fmt: skip

    def _acknowledge(self, batch: Any, day: dt.date) -> None:
        """The clearinghouse's 999 accepting the batch, the day it was sent."""
        text = write_interchange(
            TradingPartners("CLEARINGHOUSE", "KNEADDEMO"), MemoryControlNumbers(batch.pk), "FA",
            "005010X231A1", [TransactionSet("999", "005010X231A1", [
                ("AK1", "HC", str(batch.group_control), "005010X222A1"),
                ("AK2", "837", "0001", "005010X222A1"), ("IK5", "A"),
                ("AK9", "A", "1", "1", "1")])],
            dt.datetime.combine(day, dt.time(16)),
        ).text  # fmt: skip
        import_acknowledgement(
            text, name=f"{batch.file_name}.999", user=self.user, practice=self.practice
        )

    # --- the payer's answer ---------------------------------------------------------------

    def _answer(self, answer: _Answer) -> None:
        """The payer's ERA for one batch, posted on its day; secondaries for the primaries it
        paid whose client has Medicaid (or another plan) as secondary coverage."""
        payer = answer.payer
        no_share = payer.kind in NO_PATIENT_SHARE
        body: list[Segment] = []
        total = Decimal(0)
        paid_claims: list[_Paid] = []
        for claim in answer.claims:
            if claim.primary_claim_id:
                segments, paid = self._pay_secondary(claim)
                body += segments
                total += paid
                continue
            lines = list(claim.lines.order_by("position"))
            roll = self.rng.random()
            if roll < 0.03:
                continue  # not answered yet: the biller will chase it
            if roll < 0.09:
                body += [("CLP", claim.claim_id, "4", _money(claim.charge), "0", "", "12",
                          f"D{claim.pk:08d}")]  # fmt: skip
                for line in lines:
                    body += [
                        ("SVC", ("HC", line.code, *line.modifiers), _money(line.charge), "0", "",
                         str(line.units)),
                        ("DTM", "472", line.service_date.strftime("%Y%m%d")),
                        ("CAS", "CO", "197", _money(line.charge)),
                    ]  # fmt: skip
                continue
            denied = roll < 0.16 and len(lines) > 1
            share = _ALLOWED
            if payer == self.contracted and paid_claims and not self.short_paid and not denied:
                share, self.short_paid = _SHORT, True
            segments, paid, patient, by_line = self._paid_lines(lines, denied, share, no_share)
            if 0.16 <= roll < 0.22:
                # The whole client share went to the deductible (PR-1).
                segments = [s if s[:2] != ("CAS", "PR") else ("CAS", "PR", "1", s[3])
                            for s in segments]  # fmt: skip
            number = claim.claim_id
            if not self.mistyped:
                number, self.mistyped = "KM" + number[2:], True
            body += [("CLP", number, "1", _money(claim.charge), _money(paid), _money(patient),
                      "12", f"D{claim.pk:08d}"), *segments]  # fmt: skip
            total += paid
            if number == claim.claim_id:
                paid_claims.append(_Paid(claim, segments, paid, patient))
                self.shares[claim.pk] = by_line
        if not body:
            return
        self.eras += 1
        start_import(
            era_text(payer.name, answer.day, f"DEMO{payer.pk:03d}{answer.day:%Y%m%d}", body,
                     total, 600 + self.eras),
            name=f"era-{payer.payer_id}-{answer.day:%Y%m%d}.835", user=self.user,
            practice=self.practice, queue=False,
        )  # fmt: skip
        self._after_payment(payer, answer.day, paid_claims)

    def _paid_lines(
        self, lines: list[Any], denied: bool, share: Decimal, no_share: bool
    ) -> tuple[list[Segment], Decimal, Decimal, dict[int, Decimal]]:
        """SVC loops: ``share`` of the charge allowed, the client's 20% of it (PR-2) unless the
        payer leaves no patient share; ``denied`` denies the last line (CO-97)."""
        segments: list[Segment] = []
        paid = patient = Decimal(0)
        by_line: dict[int, Decimal] = {}
        for index, line in enumerate(lines):
            svc = ("SVC", ("HC", line.code, *line.modifiers), _money(line.charge))
            day = ("DTM", "472", line.service_date.strftime("%Y%m%d"))
            if denied and index == len(lines) - 1:
                segments += [(*svc, "0", "", str(line.units)), day,
                             ("CAS", "CO", "97", _money(line.charge))]  # fmt: skip
                continue
            allowed = (line.charge * share).quantize(_CENT)
            client = Decimal(0) if no_share else (allowed * _COINSURANCE).quantize(_CENT)
            segments += [(*svc, _money(allowed - client), "", str(line.units)), day,
                         ("CAS", "CO", "45", _money(line.charge - allowed))]  # fmt: skip
            if client:
                segments.append(("CAS", "PR", "2", _money(client)))
            by_line[line.position] = client
            paid += allowed - client
            patient += client
        return segments, paid, patient, by_line

    def _pay_secondary(self, claim: Claim) -> tuple[list[Segment], Decimal]:
        """A secondary payer's answer (CLP02 2): it pays, line by line, the client's share the
        primary left, and adjusts the rest as the prior payer's (OA-23); no patient share."""
        left = self.shares.get(claim.primary_claim_id or 0, {})
        segments: list[Segment] = []
        paid = Decimal(0)
        for line in claim.lines.order_by("position"):
            pays = left.get(line.position, Decimal(0))
            segments += [
                ("SVC", ("HC", line.code, *line.modifiers), _money(line.charge), _money(pays), "",
                 str(line.units)),
                ("DTM", "472", line.service_date.strftime("%Y%m%d")),
            ]  # fmt: skip
            if line.charge - pays:
                segments.append(("CAS", "OA", "23", _money(line.charge - pays)))
            paid += pays
        return [
            ("CLP", claim.claim_id, "2", _money(claim.charge), _money(paid), "0",
             claim.payer.claim_filing_indicator or "MC", f"D{claim.pk:08d}"),
            *segments,
        ], paid  # fmt: skip

    def _after_payment(self, payer: Payer, day: dt.date, paid_claims: list[_Paid]) -> None:
        """Secondary claims for the primaries paid in full whose client has a secondary
        coverage, and (once) a reversal planned for a paid claim of a client without one."""
        dual = set(
            Coverage.objects.for_practice(self.practice)
            .filter(priority=2, client__in=[p.claim.client_id for p in paid_claims])
            .values_list("client_id", flat=True)
        )
        for item in paid_claims:
            claim = Claim.objects.get(pk=item.claim.pk)
            if claim.client_id in dual:
                if claim.status == ClaimState.PAID and item.patient > 0:
                    self.secondaries.append(secondary_claim(claim, user=self.user))
                    self.secondary_count += 1
            elif not self.reversed_one and claim.status == ClaimState.PAID:
                when = day + dt.timedelta(days=REVERSAL_DAYS)
                if when < self.today:
                    self.reversal, self.reversed_one = (when, payer, item), True

    def _reverse(self) -> None:
        """The payer takes back one payment it made (CLP02 22), on the day planned."""
        assert self.reversal is not None
        day, payer, item = self.reversal
        claim = item.claim
        self.eras += 1
        start_import(
            era_text(payer.name, day, f"DEMOREV{payer.pk:03d}{day:%Y%m%d}",
                     [("CLP", claim.claim_id, "22", f"-{_money(claim.charge)}",
                       f"-{_money(item.paid)}", f"-{_money(item.patient)}", "12",
                       f"D{claim.pk:08d}"), *[_negate(s) for s in item.lines]],
                     -item.paid, 700 + self.eras),
            name=f"era-{payer.payer_id}-{day:%Y%m%d}-reversal.835", user=self.user,
            practice=self.practice, queue=False,
        )  # fmt: skip
        self.reversal = None


def seed_billing(practice: Any, out: Callable[[str], None] = print, seed: int = SEED) -> None:
    """The demo practice's billing history, up to today; does nothing if it has claims."""
    if Claim.objects.filter(practice=practice).exists():
        out("Billing demo data already there.")
        return
    membership = (Membership.objects.filter(practice=practice, role=Role.BILLER).first()
                  or Membership.objects.filter(practice=practice, role=Role.OWNER).first())  # fmt: skip
    visits = billable_visits(practice)
    if not visits:
        out("Billing: no signed visits to bill.")
        return
    story = _Story(practice, membership.user if membership else None, random.Random(seed),
                   clock.today(practice))  # fmt: skip
    story.tell(visits)
    out(
        f"Billing: {story.claims} claims and {story.secondary_count} secondary claims in "
        f"{story.batches} batches, {story.eras} remittances posted."
    )
