"""The claim life cycle as a state machine: which moves are allowed, and why others are refused.

DRAFT → READY (scrubbed clean) → SUBMITTED (in a batch) → ACCEPTED or REJECTED (999/277CA)
→ PAID, PARTIAL or DENIED (835) → APPEALED → CLOSED. A rejected claim goes back to DRAFT to be
fixed; an 835 may arrive without an acknowledgment (SUBMITTED → PAID …); a reversal (CLP02 22)
can take an adjudicated claim back to ACCEPTED or to another outcome; CLOSED is final.
"""

from __future__ import annotations

from dataclasses import dataclass
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


LABELS: dict[ClaimState, str] = {
    ClaimState.DRAFT: "Draft",
    ClaimState.READY: "Ready",
    ClaimState.SUBMITTED: "Submitted",
    ClaimState.ACCEPTED: "Accepted",
    ClaimState.REJECTED: "Rejected",
    ClaimState.PAID: "Paid",
    ClaimState.PARTIAL: "Partly paid",
    ClaimState.DENIED: "Denied",
    ClaimState.APPEALED: "Appealed",
    ClaimState.CLOSED: "Closed",
}

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


_HOW: dict[ClaimState, str] = {
    S.SUBMITTED: "building a batch",
    S.ACCEPTED: "a 999 or 277CA that accepts it (or an 835 reversal)",
    S.REJECTED: "a 999 or 277CA that rejects it",
    S.PAID: "posting the payer's 835",
    S.PARTIAL: "posting the payer's 835",
    S.DENIED: "posting the payer's 835",
    S.APPEALED: "starting an appeal",
}


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


# The moves a person may choose on a claim's page. The others are made by the file or action
# that proves them: SUBMITTED by a batch, ACCEPTED and REJECTED by a 999 or 277CA, PAID, PARTIAL
# and DENIED by an 835, APPEALED by starting an appeal. READY needs a clean scrub as of that
# moment (claims.services.transition re-scrubs).
HAND_MOVES: tuple[ClaimState, ...] = (S.READY, S.DRAFT, S.CLOSED)


class ClaimAction(StrEnum):
    """What can be done to a claim besides moving it by hand."""

    SCRUB = "scrub"
    BATCH = "batch"
    CORRECT = "correct"  # a replacement claim, frequency 7
    VOID = "void"  # a void claim, frequency 8
    SECONDARY = "secondary"
    APPEAL = "appeal"


ACTION_STATES: dict[ClaimAction, frozenset[ClaimState]] = {
    ClaimAction.SCRUB: frozenset({S.DRAFT, S.READY}),
    ClaimAction.BATCH: frozenset({S.READY}),
    ClaimAction.CORRECT: _ADJUDICATED,
    ClaimAction.VOID: _ADJUDICATED,
    ClaimAction.SECONDARY: _ADJUDICATED,
    ClaimAction.APPEAL: frozenset({S.PARTIAL, S.DENIED, S.APPEALED}),
}


# Primary, secondary, tertiary: the tertiary payer's claim is the last in the chain.
LAST_PRIORITY = 3


def allows(current: ClaimState, action: ClaimAction, *, priority: int = 1) -> bool:
    """Whether ``action`` may be done to a claim in ``current``; the tertiary payer's claim
    (``priority`` 3) has no next payer's claim."""
    if action is ClaimAction.SECONDARY and priority >= LAST_PRIORITY:
        return False
    return current in ACTION_STATES[action]


def hand_moves(current: ClaimState) -> list[ClaimState]:
    """The states a person may move a claim in ``current`` to, in the order offered."""
    return [target for target in HAND_MOVES if can_move(current, target)]


@dataclass(frozen=True, slots=True)
class Offer:
    """One button on a claim's page: an action, or a move by hand to ``target``."""

    action: ClaimAction | None
    label: str
    target: ClaimState | None = None
    confirm: str = ""


_MOVE_LABELS = {
    S.READY: "Scrub and move to READY",
    S.DRAFT: "Back to DRAFT",
    S.CLOSED: "Close",
}
_ACTION_LABELS = {
    ClaimAction.SCRUB: ("Scrub again", ""),
    ClaimAction.CORRECT: ("Corrected claim (7)", ""),
    ClaimAction.VOID: ("Void (8)", "Void this claim with the payer?"),
    ClaimAction.SECONDARY: ("Next payer's claim", ""),
    ClaimAction.APPEAL: ("Start an appeal", ""),
}


_NEXT_PAYER = {1: "Secondary claim", 2: "Tertiary claim"}


def offers(current: ClaimState, *, priority: int = 1) -> tuple[Offer, ...]:
    """The buttons a claim's page shows, in order: its actions, then its moves by hand.

    A draft shows no separate scrub: moving it to READY scrubs it. Batching is offered per
    payer on the batches page, not on a claim. The next payer's claim is named for its place
    (a primary's is the secondary claim, a secondary's the tertiary claim).
    """
    moves = hand_moves(current)
    labels = {**_ACTION_LABELS, ClaimAction.SECONDARY: (_NEXT_PAYER.get(priority, ""), "")}
    actions = [
        Offer(action, *labels[action])
        for action in labels
        if allows(current, action, priority=priority)
        and not (action is ClaimAction.SCRUB and S.READY in moves)
    ]
    return (
        *actions,
        *(Offer(None, _MOVE_LABELS[target], target) for target in moves),
    )


def check_hand_move(current: ClaimState, target: ClaimState) -> None:
    """Raise ``TransitionRefused`` unless a person may move a claim from ``current`` to
    ``target`` (an allowed move that is not the batch's, an acknowledgment's or an 835's)."""
    check_move(current, target)
    if target not in HAND_MOVES:
        raise TransitionRefused(
            f"A claim goes to {target.value.upper()} only by {_HOW[target]}, not by hand."
        )
