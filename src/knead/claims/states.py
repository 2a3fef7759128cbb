"""The claim life cycle as a state machine: which moves are allowed, and why others are refused.

DRAFT → READY (scrubbed clean) → SUBMITTED (in a batch) → ACCEPTED or REJECTED (999/277CA)
→ PAID, PARTIAL or DENIED (835) → APPEALED → CLOSED. A rejected claim goes back to DRAFT to be
fixed; an 835 may arrive without an acknowledgment (SUBMITTED → PAID …); a reversal (CLP02 22)
can take an adjudicated claim back to ACCEPTED or to another outcome; CLOSED is final.
"""

from __future__ import annotations

from enum import StrEnum


class ClaimState(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIAL = "partial"
    DENIED = "denied"
    APPEALED = "appealed"
    CLOSED = "closed"


S = ClaimState
_ADJUDICATED = frozenset({S.PAID, S.PARTIAL, S.DENIED})

TRANSITIONS: dict[ClaimState, frozenset[ClaimState]] = {
    S.DRAFT: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.DRAFT, S.SUBMITTED, S.CLOSED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED} | _ADJUDICATED),
    S.ACCEPTED: frozenset({S.REJECTED} | _ADJUDICATED),
    S.REJECTED: frozenset({S.DRAFT, S.CLOSED}),
    S.PAID: frozenset({S.PARTIAL, S.DENIED, S.ACCEPTED, S.CLOSED}),
    S.PARTIAL: frozenset({S.PAID, S.DENIED, S.ACCEPTED, S.APPEALED, S.CLOSED}),
    S.DENIED: frozenset({S.PAID, S.PARTIAL, S.ACCEPTED, S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset(_ADJUDICATED | {S.CLOSED}),
    S.CLOSED: frozenset(),
}

_WHY_NOT: dict[ClaimState, str] = {
    S.DRAFT: "a draft must be scrubbed clean (READY) before anything else",
    S.READY: "a ready claim can only be batched, sent back to draft, or cancelled",
    S.SUBMITTED: "a submitted claim waits for its acknowledgment or remittance",
    S.ACCEPTED: "an accepted claim waits for the payer's remittance",
    S.REJECTED: "a rejected claim must be fixed (back to DRAFT) or closed",
    S.PAID: "a paid claim can only be re-adjudicated by the payer or closed",
    S.PARTIAL: "a partly paid claim can be appealed, re-adjudicated or closed",
    S.DENIED: "a denied claim can be appealed, re-adjudicated or closed",
    S.APPEALED: "an appealed claim waits for the payer's new decision",
    S.CLOSED: "a closed claim is final",
}


class TransitionRefused(ValueError):
    """A move the life cycle does not allow; the message says which and why."""


def can_move(current: ClaimState, target: ClaimState) -> bool:
    return target in TRANSITIONS[current]


def check_move(current: ClaimState, target: ClaimState) -> None:
    """Raise ``TransitionRefused`` unless ``current → target`` is allowed."""
    if not can_move(current, target):
        allowed = ", ".join(sorted(s.value.upper() for s in TRANSITIONS[current])) or "nothing"
        raise TransitionRefused(
            f"A claim cannot go from {current.value.upper()} to {target.value.upper()}: "
            f"{_WHY_NOT[current]} (allowed: {allowed})."
        )
