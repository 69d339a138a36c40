"""The transition tables of employer applications and placements, every (state, action) pair
written out here on its own, so a change to either table shows up as a failing pair."""

from __future__ import annotations

import itertools

import pytest

from wallet.placements.models import (
    APPLICATION_ACTIONS,
    APPLICATION_TRANSITIONS,
    PLACEMENT_ACTIONS,
    PLACEMENT_TRANSITIONS,
    REIMBURSEMENT_ACTIONS,
    REIMBURSEMENT_TRANSITIONS,
    EmployerApplicationStatus,
    PlacementStatus,
    ReimbursementStatus,
)

A = EmployerApplicationStatus
P = PlacementStatus

APPLICATION_EXPECTED = {
    (A.DRAFT, "submit"): A.SUBMITTED,
    (A.DRAFT, "discard"): A.DISCARDED,
    (A.SUBMITTED, "decide"): A.DECIDED,
    (A.SUBMITTED, "withdraw"): A.WITHDRAWN,
}
PLACEMENT_EXPECTED = {
    (P.DRAFT, "submit"): P.IN_REVIEW,
    (P.DRAFT, "withdraw"): P.WITHDRAWN,
    (P.IN_REVIEW, "approve"): P.APPROVED,
    (P.IN_REVIEW, "reject"): P.REJECTED,
    (P.IN_REVIEW, "withdraw"): P.WITHDRAWN,
    (P.APPROVED_ONCE, "approve"): P.APPROVED,
    (P.APPROVED_ONCE, "reject"): P.REJECTED,
    (P.APPROVED_ONCE, "withdraw"): P.WITHDRAWN,
    (P.APPROVED, "not_started"): P.NOT_STARTED,
    (P.APPROVED, "end_early"): P.ENDED_EARLY,
    (P.APPROVED, "retain"): P.RETAINED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(A, APPLICATION_ACTIONS)))
def test_every_application_state_and_action(state, action):
    assert APPLICATION_TRANSITIONS.get((state, action)) == APPLICATION_EXPECTED.get((state, action))


@pytest.mark.parametrize(("state", "action"), list(itertools.product(P, PLACEMENT_ACTIONS)))
def test_every_placement_state_and_action(state, action, app_ctx):
    """The table, and the service's guard that reads it: a missing pair is a Conflict."""
    from wallet.core.errors import Conflict
    from wallet.placements.models import Placement
    from wallet.placements.services import require_step

    expected = PLACEMENT_EXPECTED.get((state, action))
    assert PLACEMENT_TRANSITIONS.get((state, action)) == expected
    placement = Placement(status=state)
    if expected is None:
        with pytest.raises(Conflict):
            require_step(placement, action)
    else:
        assert require_step(placement, action) == expected


def test_closed_and_refused_states_are_ends():
    ends = {P.REJECTED, P.WITHDRAWN, P.NOT_STARTED, P.ENDED_EARLY, P.RETAINED}
    assert not [pair for pair in PLACEMENT_TRANSITIONS if pair[0] in ends]
    assert not [
        pair for pair in APPLICATION_TRANSITIONS if pair[0] in {A.DECIDED, A.WITHDRAWN, A.DISCARDED}
    ]


R = ReimbursementStatus
REIMBURSEMENT_EXPECTED = {
    (R.SUBMITTED, "approve"): R.APPROVED,
    (R.SUBMITTED, "reject"): R.REJECTED,
    (R.APPROVED_ONCE, "approve"): R.APPROVED,
    (R.APPROVED_ONCE, "reject"): R.REJECTED,
    (R.APPROVED, "batch"): R.IN_BATCH,
    (R.IN_BATCH, "pay"): R.PAID,
    (R.IN_BATCH, "unbatch"): R.APPROVED,
    (R.PAID, "return_payment"): R.APPROVED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(R, REIMBURSEMENT_ACTIONS)))
def test_every_reimbursement_claim_state_and_action(state, action, app_ctx):
    """The table, and the service's move that reads it: a missing pair is a Conflict before
    anything is written."""
    from wallet.core.errors import Conflict
    from wallet.placements.models import ReimbursementClaim
    from wallet.placements.reimbursements import move

    expected = REIMBURSEMENT_EXPECTED.get((state, action))
    assert REIMBURSEMENT_TRANSITIONS.get((state, action)) == expected
    if expected is None:
        with pytest.raises(Conflict):
            move(ReimbursementClaim(id=0, status=state), action)
