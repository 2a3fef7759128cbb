"""The claim life cycle: every allowed move is allowed and every other move is refused."""

from __future__ import annotations

import pytest

from knead.claims.states import (
    ClaimAction,
    ClaimState,
    TransitionRefused,
    allows,
    can_move,
    check_hand_move,
    check_move,
    hand_moves,
    offers,
)

S = ClaimState
# The life cycle, written out by hand (billing issue, "Claim state").
ALLOWED = {
    (S.DRAFT, S.READY),
    (S.DRAFT, S.CLOSED),
    (S.READY, S.DRAFT),
    (S.READY, S.SUBMITTED),
    (S.READY, S.CLOSED),
    (S.SUBMITTED, S.ACCEPTED),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.PAID),
    (S.SUBMITTED, S.PARTIAL),
    (S.SUBMITTED, S.DENIED),
    (S.ACCEPTED, S.REJECTED),
    (S.ACCEPTED, S.PAID),
    (S.ACCEPTED, S.PARTIAL),
    (S.ACCEPTED, S.DENIED),
    (S.REJECTED, S.DRAFT),
    (S.REJECTED, S.CLOSED),
    (S.PAID, S.PARTIAL),
    (S.PAID, S.DENIED),
    (S.PAID, S.ACCEPTED),
    (S.PAID, S.CLOSED),
    (S.PARTIAL, S.PAID),
    (S.PARTIAL, S.DENIED),
    (S.PARTIAL, S.ACCEPTED),
    (S.PARTIAL, S.APPEALED),
    (S.PARTIAL, S.CLOSED),
    (S.DENIED, S.PAID),
    (S.DENIED, S.PARTIAL),
    (S.DENIED, S.ACCEPTED),
    (S.DENIED, S.APPEALED),
    (S.DENIED, S.CLOSED),
    (S.APPEALED, S.PAID),
    (S.APPEALED, S.PARTIAL),
    (S.APPEALED, S.DENIED),
    (S.APPEALED, S.CLOSED),
}
EVERY_PAIR = [(a, b) for a in S for b in S if a is not b]


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_moves_are_allowed(current, target):
    check_move(current, target)
    assert can_move(current, target)


@pytest.mark.parametrize(("current", "target"), [p for p in EVERY_PAIR if p not in ALLOWED])
def test_every_other_move_is_refused_with_a_reason(current, target):
    assert not can_move(current, target)
    with pytest.raises(
        TransitionRefused, match=f"from {current.value.upper()} to {target.value.upper()}"
    ):
        check_move(current, target)


def test_a_draft_cannot_be_submitted_without_being_scrubbed_ready():
    with pytest.raises(TransitionRefused, match="scrubbed clean"):
        check_move(S.DRAFT, S.SUBMITTED)


def test_closed_is_final():
    assert [t for t in S if can_move(S.CLOSED, t)] == []


# Moves a person may make, from the life cycle above with SUBMITTED (a batch), ACCEPTED and
# REJECTED (a 999/277CA), PAID/PARTIAL/DENIED (an 835) and APPEALED (an appeal) left out.
BY_HAND = {
    S.DRAFT: [S.READY, S.CLOSED],
    S.READY: [S.DRAFT, S.CLOSED],
    S.SUBMITTED: [],
    S.ACCEPTED: [],
    S.REJECTED: [S.DRAFT, S.CLOSED],
    S.PAID: [S.CLOSED],
    S.PARTIAL: [S.CLOSED],
    S.DENIED: [S.CLOSED],
    S.APPEALED: [S.CLOSED],
    S.CLOSED: [],
}


@pytest.mark.parametrize("state", list(S))
def test_moves_by_hand_are_ready_draft_and_close_where_the_life_cycle_allows(state):
    assert hand_moves(state) == BY_HAND[state]


@pytest.mark.parametrize("state", list(S))
def test_a_move_by_hand_to_a_state_a_file_proves_is_refused(state):
    for target in (S.SUBMITTED, S.ACCEPTED, S.REJECTED, S.PAID, S.PARTIAL, S.DENIED, S.APPEALED):
        with pytest.raises(TransitionRefused):
            check_hand_move(state, target)


# The page's buttons per state: a draft's scrub is its move to READY; corrections, voids and
# secondary claims follow an adjudication; appeals a partial payment, a denial or an appeal.
OFFERS = {
    S.DRAFT: ["Scrub and move to READY", "Close"],
    S.READY: ["Scrub again", "Back to DRAFT", "Close"],
    S.SUBMITTED: [],
    S.ACCEPTED: [],
    S.REJECTED: ["Back to DRAFT", "Close"],
    S.PAID: ["Corrected claim (7)", "Void (8)", "Secondary claim", "Close"],
    S.PARTIAL: ["Corrected claim (7)", "Void (8)", "Secondary claim", "Start an appeal", "Close"],
    S.DENIED: ["Corrected claim (7)", "Void (8)", "Secondary claim", "Start an appeal", "Close"],
    S.APPEALED: ["Start an appeal", "Close"],
    S.CLOSED: [],
}


@pytest.mark.parametrize("state", list(S))
def test_the_offers_of_each_state(state):
    assert [o.label for o in offers(state)] == OFFERS[state]


def test_a_secondary_is_offered_a_tertiary_claim_and_a_tertiary_no_next_payer():
    assert "Tertiary claim" in [o.label for o in offers(S.PAID, priority=2)]
    assert allows(S.PAID, ClaimAction.SECONDARY, priority=2)
    assert [o.label for o in offers(S.PAID, priority=3)] == [
        "Corrected claim (7)",
        "Void (8)",
        "Close",
    ]
    assert not allows(S.PAID, ClaimAction.SECONDARY, priority=3)


def test_only_a_ready_claim_can_be_batched_and_only_drafts_and_ready_claims_scrubbed():
    assert [s for s in S if allows(s, ClaimAction.BATCH)] == [S.READY]
    assert [s for s in S if allows(s, ClaimAction.SCRUB)] == [S.DRAFT, S.READY]
