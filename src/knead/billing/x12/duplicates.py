"""Recognising an 835 by what it says, not by its bytes.

A payer re-sends the same remittance with different bytes: line breaks or none, a trailing
newline, new ISA13/GS06/ST02 control numbers, another production date. What stays the same is
the money: the payer, each payment's TRN02 trace number and BPR02 amount, and each claim
payment's payer claim number (CLP07) with its charge and payment (CLP03, CLP04).

- ``content_key`` is a SHA-256 of exactly those facts (order-free), so a re-send has the
  content key of the file it repeats.
- ``adjudication_key`` names one adjudication: payer + CLP07 + CLP03 + CLP04. When CLP07 is
  empty the claim's CLP01 (the claim number Knead sent) stands in for it.
- ``review`` walks a file's claim payments in order against the adjudications already posted
  and says which repeat one of them and must not be posted again. A reversal (CLP02 22) is
  never a repeat of its original: it undoes it (the keys of the original and of its reversal
  differ only by the sign of the amounts), after which the same adjudication may be posted
  again. A reversal is a repeat only of an earlier reversal whose original has not been posted
  again since.

Pure functions over the parsed 835 (``remittance.read_835``); no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Set
from decimal import Decimal
from typing import NamedTuple

from knead.billing.x12.remittance import ClaimPayment, PaymentHeader, Remittance


def _money(amount: Decimal) -> str:
    """Two decimals whatever the file wrote: ``120``, ``120.0`` and ``120.00`` are the same."""
    return f"{amount:.2f}"


def payer_key(header: PaymentHeader) -> str:
    """Who paid: TRN03 (the payer's originating company ID) and the 1000A N1*PR ID; the payer's
    name, in capitals, only when the file carries neither ID."""
    ids = [header.originator.strip().upper(), header.payer.id.strip().upper()]
    if any(ids):
        return "id:" + "/".join(ids)
    return "name:" + " ".join(header.payer.name.upper().split())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _claim_number(claim: ClaimPayment) -> str:
    number = claim.payer_claim_id.strip()
    return f"clp07:{number}" if number else f"clp01:{claim.id.strip()}"


def adjudication_key(payer: str, claim: ClaimPayment) -> str:
    """The identity of one adjudication (hex SHA-256): payer, payer claim number, CLP03, CLP04."""
    return _digest(f"{payer}|{_claim_number(claim)}|{_money(claim.charge)}|{_money(claim.paid)}")


def undone_key(payer: str, claim: ClaimPayment) -> str:
    """For a reversal: the key of the adjudication it undoes (the same amounts, signs turned)."""
    return _digest(f"{payer}|{_claim_number(claim)}|{_money(-claim.charge)}|{_money(-claim.paid)}")


def content_key(remittance: Remittance) -> str:
    """The file's identity by content (hex SHA-256). The same for any two files that carry the
    same payments (payer, trace, amount, credit or debit) with the same claim payments (claim
    number sent, status, payer claim number, charge, payment), whatever their order or bytes."""
    lines = []
    for payment in remittance.payments:
        header = payment.header
        claims = sorted(
            "|".join((cp.id, cp.status, cp.payer_claim_id, _money(cp.charge), _money(cp.paid)))
            for cp in payment.claims
        )
        lines.append(
            "\n".join(
                [
                    f"{payer_key(header)}|{header.trace}|{_money(header.amount)}|"
                    f"{header.credit_debit}",
                    *claims,
                ]
            )
        )
    return _digest("\n\n".join(sorted(lines)))


class Verdict(NamedTuple):
    """What to do with one claim payment of the file."""

    claim: ClaimPayment
    payer: str
    key: str  # adjudication_key
    undoes: str  # for a reversal, the key of the adjudication it undoes; else ""
    repeat: bool  # already posted (an adjudication with ``key``): queue it, do not post it


class Review(NamedTuple):
    verdicts: tuple[Verdict, ...]  # in file order
    undone: frozenset[str]  # keys posted before this file that a reversal in it undoes
    undone_here: frozenset[int]  # positions of claims posted by this file and reversed in it

    @property
    def repeats(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.repeat)


def keys_to_look_up(remittance: Remittance) -> set[str]:
    """Every key ``review`` may ask about: each claim's own key and, for reversals, the key of
    the adjudication undone."""
    keys: set[str] = set()
    for payment in remittance.payments:
        payer = payer_key(payment.header)
        for cp in payment.claims:
            keys.add(adjudication_key(payer, cp))
            if cp.reversal:
                keys.add(undone_key(payer, cp))
    return keys


def review(remittance: Remittance, live: Set[str], reversals: Iterable[str] = ()) -> Review:
    """Sort a file's claim payments into those to post and the repeats.

    ``live``: keys of adjudications posted earlier and not reversed since. ``reversals``: keys
    of reversals posted earlier. A claim payment whose key is live is a repeat; so is a
    reversal whose original is not live when an identical reversal was posted before. Earlier
    claim payments of the same file count as posted for the later ones.
    """
    live_now = set(live)
    reversed_now = set(reversals)
    undone: set[str] = set()
    undone_here: set[int] = set()
    posted_here: dict[str, int] = {}  # key → position of the claim of this file that posted it
    verdicts = []
    for payment in remittance.payments:
        payer = payer_key(payment.header)
        for cp in payment.claims:
            key = adjudication_key(payer, cp)
            if cp.reversal:
                original = undone_key(payer, cp)
                if original in live_now:
                    live_now.discard(original)
                    if original in posted_here:
                        undone_here.add(posted_here.pop(original))
                    else:
                        undone.add(original)
                    repeat = False
                else:
                    repeat = key in reversed_now
                reversed_now.add(key)
                verdicts.append(Verdict(cp, payer, key, original, repeat))
                continue
            repeat = key in live_now
            if not repeat:
                live_now.add(key)
                posted_here[key] = cp.position
            verdicts.append(Verdict(cp, payer, key, "", repeat))
    return Review(tuple(verdicts), frozenset(undone), frozenset(undone_here))


def without(remittance: Remittance, positions: Set[int]) -> Remittance:
    """The remittance less the claim payments at ``positions`` (their CLP segments)."""
    if not positions:
        return remittance
    return remittance._replace(
        payments=tuple(
            payment._replace(
                claims=tuple(cp for cp in payment.claims if cp.position not in positions)
            )
            for payment in remittance.payments
        )
    )
