"""Importing an 835: recognise a file already posted, register it, and post it (in the request
for small files, by a worker for large ones), never posting one adjudication twice.

- A file already imported is recognised by its bytes (SHA-256) or by its content
  (``knead.billing.x12.duplicates.content_key``): a re-send with other line breaks or control
  numbers posts nothing, and the answer names the earlier import.
- A new file may still repeat claim payments posted before (the same payer claim number with
  the same charge and payment, not a reversal). Those are not posted: each is queued for a
  person as a "duplicate payment" naming the earlier 835, and the rest is posted.
- Files with more than ``BACKGROUND_CLAIMS`` claim payments are posted by a ``knead worker``
  (the job "era_import", in ``remittance.jobs``); smaller ones in the request. ``queue`` forces
  either way.
- Posting takes a lock on the remittance and checks it is not posted yet, and marks it posted
  in the same transaction, so a job run twice (its worker died) posts it once.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from knead.billing.x12 import duplicates
from knead.billing.x12.errors import X12Error
from knead.billing.x12.remittance import Remittance as Parsed835
from knead.billing.x12.remittance import read_835
from knead.bulk import insert_rows
from knead.claims.models import Claim
from knead.claims.services import BillingRefused, file_digest
from knead.jobs.models import Job
from knead.remittance import posting
from knead.remittance.models import (
    JobStatus,
    PaymentFingerprint,
    Remittance,
    WorkItem,
    WorkKind,
)

BACKGROUND_CLAIMS = 2000  # files with more claim payments are posted by a worker
_CHUNK = 900  # SQL variables per IN (…) query, under SQLite's limit


@dataclass(frozen=True)
class ImportResult:
    """``remittance``: the new import, or (``already``) the earlier one the file repeats, in
    which case nothing was stored or posted. ``job``: the job posting it, when queued."""

    remittance: Remittance
    already: bool
    job: Job | None = None

    @property
    def message(self) -> str:
        r = self.remittance
        if not self.already:
            if self.job is not None:
                return f"Queued for posting ({r.claim_count:,} claims): job {self.job.pk}."
            return summary(r)
        when = f"{r.created:%m/%d/%Y}" if r.created else "earlier"
        earlier = f"{r.file_name} on {when} (trace {r.trace or 'none'})"
        if r.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return f"This 835 is already being posted: {earlier}. Nothing new was posted."
        return f"This 835 was already imported as {earlier}; nothing was posted."


def summary(remittance: Remittance) -> str:
    """What posting did, in one line."""
    r = remittance
    text = f"Posted {r.processed:,} claims ({r.matched:,} matched, {r.unmatched:,} not found)"
    if r.repeats:
        text += f"; {r.repeats:,} already posted from an earlier 835, queued for review"
    return text + "."


def read(text: str) -> Parsed835:
    """Parse an 835; ``BillingRefused`` naming the segment when it cannot be read."""
    try:
        return read_835(io.StringIO(text))
    except X12Error as error:
        raise BillingRefused(f"The 835 could not be read: {error}") from None


def earlier_import(practice: Any, *, digest: str, key: str) -> Remittance | None:
    """The practice's import with these bytes or this content, if any."""
    return (
        Remittance.objects.filter(practice=practice, sha256=digest).first()
        or Remittance.objects.filter(practice=practice, content_key=key).first()
    )


def start_import(
    text: str, *, name: str, user: Any, practice: Any, queue: bool | None = None
) -> ImportResult:
    """Recognise, register and post (or queue) an 835.

    A file whose bytes or content match an earlier import that did not fail is not stored;
    the result names that import. One that matches a failed import takes its place and is
    posted again. ``queue`` None: queue files over ``BACKGROUND_CLAIMS`` claims; True/False:
    always/never. Raises ``BillingRefused`` naming the segment when the file cannot be read;
    nothing is stored then.
    """
    digest = file_digest(text)
    existing = Remittance.objects.filter(practice=practice, sha256=digest).first()
    if existing and existing.status != JobStatus.FAILED:
        return ImportResult(existing, True)
    parsed = read(text)
    key = duplicates.content_key(parsed)
    earlier = existing or Remittance.objects.filter(practice=practice, content_key=key).first()
    if earlier and earlier.status != JobStatus.FAILED:
        return ImportResult(earlier, True)
    claims = sum(len(p.claims) for p in parsed.payments)
    queued = claims > BACKGROUND_CLAIMS if queue is None else queue
    facts = (text, name, digest, key, parsed, user, practice)
    try:
        with transaction.atomic():
            remittance = _register(earlier, *facts)
            if queued:
                from knead.jobs.services import enqueue

                job = enqueue("era_import", practice, user, remittance=remittance.pk)
                return ImportResult(remittance, False, job)
            return ImportResult(post_remittance(remittance, parsed, user), False)
    except IntegrityError:
        # The same file, uploaded at the same moment by someone else, registered first; or
        # another import posted one of the same payments at the same moment.
        again = earlier_import(practice, digest=digest, key=key)
        if again is not None and again.status != JobStatus.FAILED:
            return ImportResult(again, True)
        message = "Another import posted one of its payments at the same moment; import it again."
        _register_failed(earlier, facts, message)
        raise BillingRefused(message) from None
    except Exception as error:
        _register_failed(earlier, facts, f"Posting stopped, nothing was posted: {error}")
        raise


def _register_failed(earlier: Remittance | None, facts: tuple[Any, ...], message: str) -> None:
    """Keep a failed import with its reason (its posting rolled back): importing the file again
    retries it."""
    with transaction.atomic():
        failed = Remittance.objects.filter(pk=earlier.pk).first() if earlier else None
        _register(failed, *facts, status=JobStatus.FAILED, error=message)


def _register(
    failed: Remittance | None,
    text: str,
    name: str,
    digest: str,
    key: str,
    parsed: Parsed835,
    user: Any,
    practice: Any,
    *,
    status: str = JobStatus.QUEUED,
    error: str = "",
) -> Remittance:
    first = parsed.payments[0].header if parsed.payments else None
    remittance = failed or Remittance(practice=practice)
    remittance.file_name = name[:120]
    remittance.sha256 = digest
    remittance.content_key = key
    remittance.content = text
    remittance.payer_name = first.payer.name[:60] if first else ""
    remittance.trace = first.trace[:50] if first else ""
    remittance.paid_on = first.date if first else None
    remittance.amount = sum((p.header.amount for p in parsed.payments), posting.ZERO)
    remittance.claim_count = sum(len(p.claims) for p in parsed.payments)
    remittance.processed = remittance.matched = remittance.unmatched = remittance.repeats = 0
    remittance.status = status
    remittance.error = error
    remittance.problems = [
        {"segment": p.position, "segment_id": p.segment_id, "message": p.message}
        for p in parsed.problems
    ]
    remittance.stamp(user)
    remittance.save()
    return remittance


def post_remittance(
    remittance: Remittance,
    parsed: Parsed835,
    user: Any,
    on_progress: Callable[[int, int, str | None], None] | None = None,
) -> Remittance:
    """Post a registered remittance once: lock it, and unless it is posted already, post every
    claim payment that repeats no earlier adjudication, queue the repeats, and record what was
    posted, all in one transaction (the caller's, when it has one open). Returns the remittance
    as posted. ``on_progress(done, total, note)`` hears how many claim payments were matched,
    every thousand, and once all are, that the postings are being saved."""
    with transaction.atomic():
        locked = Remittance.objects.select_for_update().get(pk=remittance.pk)
        if locked.status == JobStatus.DONE:
            return locked
        keys = duplicates.keys_to_look_up(parsed)
        live, reversals, where = _fingerprints(locked.practice_id, keys)
        review = duplicates.review(parsed, live, reversals)
        repeats = review.repeats
        kept = duplicates.without(parsed, {v.claim.position for v in repeats})
        total = sum(len(p.claims) for p in kept.payments)

        def progress(done: int) -> None:
            if on_progress is not None:
                saving = "Saving the postings and updating the claims" if done >= total else None
                on_progress(done, total, saving)

        locked = posting.post(locked, kept, user, progress)
        _record(locked, review)
        _queue_repeats(locked, repeats, where, user)
        if repeats:
            locked.repeats = len(repeats)
            locked.save(update_fields=["repeats"])
    return locked


def _fingerprints(practice_id: int, keys: set[str]) -> tuple[set[str], set[str], dict[str, int]]:
    """Of ``keys``: the live adjudications, the reversals posted, and the remittance each key
    was last posted from."""
    live: set[str] = set()
    reversals: set[str] = set()
    where: dict[str, int] = {}
    wanted = sorted(keys)
    for start in range(0, len(wanted), _CHUNK):
        rows = (
            PaymentFingerprint.objects.filter(
                practice_id=practice_id, key__in=wanted[start : start + _CHUNK]
            )
            .order_by("id")
            .values_list("key", "reversal", "undone_by_id", "remittance_id")
        )
        for key, reversal, undone_by, remittance_id in rows:
            if reversal:
                reversals.add(key)
                where[key] = remittance_id
            elif undone_by is None:
                live.add(key)
                where[key] = remittance_id
    return live, reversals, where


def _record(remittance: Remittance, review: duplicates.Review) -> None:
    """Store a fingerprint of every claim payment posted; mark the adjudications reversed."""
    for start in range(0, len(keys := sorted(review.undone)), _CHUNK):
        PaymentFingerprint.objects.filter(
            practice_id=remittance.practice_id,
            key__in=keys[start : start + _CHUNK],
            reversal=False,
            undone_by__isnull=True,
        ).update(undone_by=remittance)
    money = connection.ops.adapt_decimalfield_value
    rows = [
        (
            remittance.practice_id,
            remittance.pk,
            v.claim.position,
            v.key,
            v.claim.reversal,
            remittance.pk if v.claim.position in review.undone_here else None,
            v.claim.id[:38],
            v.claim.payer_claim_id[:50],
            money(v.claim.charge),
            money(v.claim.paid),
        )
        for v in review.verdicts
        if not v.repeat
    ]
    insert_rows(
        PaymentFingerprint,
        (
            "practice",
            "remittance",
            "segment",
            "key",
            "reversal",
            "undone_by",
            "claim_number",
            "payer_claim_number",
            "charge",
            "paid",
        ),
        rows,
    )


def _queue_repeats(
    remittance: Remittance,
    repeats: tuple[duplicates.Verdict, ...],
    where: dict[str, int],
    user: Any,
) -> None:
    """A "duplicate payment" work item per claim payment not posted, naming the earlier 835."""
    if not repeats:
        return
    earlier = {
        r.pk: r
        for r in Remittance.objects.filter(pk__in=set(where.values())).only(
            "file_name", "trace", "created", "paid_on"
        )
    }
    ids = sorted({v.claim.id for v in repeats})
    claims: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        claims.update(
            Claim.objects.filter(
                practice_id=remittance.practice_id,
                deleted_at__isnull=True,
                claim_id__in=ids[start : start + _CHUNK],
            ).values_list("claim_id", "id")
        )
    items = []
    for v in repeats:
        cp = v.claim
        before = earlier.get(where.get(v.key, 0))
        named = (
            f"{before.file_name} imported {before.created:%m/%d/%Y} (trace {before.trace or 'none'})"
            if before
            else "an earlier 835"
        )
        what = "reversal" if cp.reversal else "payment"
        item = WorkItem(
            practice_id=remittance.practice_id,
            remittance=remittance,
            claim_id=claims.get(cp.id),
            kind=WorkKind.DUPLICATE,
            amount=cp.paid,
            segment=cp.position,
            detail={
                "why": f"This {what} of ${cp.charge:.2f} billed, ${cp.paid:.2f} paid "
                f"(payer claim {cp.payer_claim_id or cp.id}) was already posted from {named}. "
                "It was not posted again. If the payer really paid twice, the second payment is "
                "an overpayment to return; otherwise mark this done.",
                "claim_id": cp.id,
                "payer_claim_id": cp.payer_claim_id,
                "status": cp.status,
                "charge": f"{cp.charge:.2f}",
                "paid": f"{cp.paid:.2f}",
                "earlier_remittance": before.pk if before else None,
            },
        )
        item.stamp(user)
        items.append(item)
    WorkItem.objects.bulk_create(items, batch_size=2000)


def import_job(remittance: Remittance) -> Job | None:
    """The latest job posting this remittance, if it was queued."""
    return (
        Job.objects.filter(
            practice_id=remittance.practice_id, kind="era_import", args__remittance=remittance.pk
        )
        .order_by("-created", "-id")
        .first()
    )
