"""The claim life cycle: every allowed move is allowed and every other move is refused."""

from __future__ import annotations

import pytest

from knead.claims.states import ClaimState, TransitionRefused, can_move, check_move

S = ClaimState
# The life cycle, written out by hand (billing issue, "Claim state").
ALLOWED = {
    (S.DRAFT, S.READY), (S.DRAFT, S.CLOSED),
    (S.READY, S.DRAFT), (S.READY, S.SUBMITTED), (S.READY, S.CLOSED),
    (S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.REJECTED), (S.SUBMITTED, S.PAID),
    (S.SUBMITTED, S.PARTIAL), (S.SUBMITTED, S.DENIED),
    (S.ACCEPTED, S.REJECTED), (S.ACCEPTED, S.PAID), (S.ACCEPTED, S.PARTIAL), (S.ACCEPTED, S.DENIED),
    (S.REJECTED, S.DRAFT), (S.REJECTED, S.CLOSED),
    (S.PAID, S.PARTIAL), (S.PAID, S.DENIED), (S.PAID, S.ACCEPTED), (S.PAID, S.CLOSED),
    (S.PARTIAL, S.PAID), (S.PARTIAL, S.DENIED), (S.PARTIAL, S.ACCEPTED), (S.PARTIAL, S.APPEALED),
    (S.PARTIAL, S.CLOSED),
    (S.DENIED, S.PAID), (S.DENIED, S.PARTIAL), (S.DENIED, S.ACCEPTED), (S.DENIED, S.APPEALED),
    (S.DENIED, S.CLOSED),
    (S.APPEALED, S.PAID), (S.APPEALED, S.PARTIAL), (S.APPEALED, S.DENIED), (S.APPEALED, S.CLOSED),
}
EVERY_PAIR = [(a, b) for a in S for b in S if a is not b]


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_moves_are_allowed(current, target):
    check_move(current, target)
    assert can_move(current, target)


@pytest.mark.parametrize(("current", "target"), [p for p in EVERY_PAIR if p not in ALLOWED])
def test_every_other_move_is_refused_with_a_reason(current, target):
    assert not can_move(current, target)
    with pytest.raises(TransitionRefused, match=f"from {current.value.upper()} to {target.value.upper()}"):
        check_move(current, target)


def test_a_draft_cannot_be_submitted_without_being_scrubbed_ready():
    with pytest.raises(TransitionRefused, match="scrubbed clean"):
        check_move(S.DRAFT, S.SUBMITTED)


def test_closed_is_final():
    assert [t for t in S if can_move(S.CLOSED, t)] == []
