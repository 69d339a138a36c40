"""Commitments under concurrency and over many amounts: a scheme never commits more than its
budget, nor a fund more than its pot, and what is released goes back exactly."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger.test_concurrency import run_concurrently
from tests.placements.conftest import person
from wallet.accounts.models import User
from wallet.books.verify import verify
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.ledger.models import Hold, HoldStatus
from wallet.ledger.services import balance
from wallet.placements import followups, review, services
from wallet.placements.models import Placement, PlacementStatus
from wallet.schemes.models import Scheme

PERSONS, FITS = 200, 120
EXAMPLE = itertools.count()  # people of one example are not those of an earlier one
QUOTE = 10_000  # 50 % of it: € 50 a person


def _sent_group(app, scene, count: int) -> list[int]:
    """One application of DTAB with `count` persons, sent; their placement ids."""
    people = [
        person(
            full_name=f"Leerling {i:03d}", quote_cents=QUOTE, provider_id=scene.provider.provider_id
        )
        for i in range(count)
    ]
    with app.app_context():
        dtab = session.get(User, scene.dtab.id)
        application = services.compose_application(dtab, dtab.employer_id, scene.scheme.id, people)
        services.submit_application(dtab, application.id)
        return [p.id for p in application.placements]


def test_200_approvals_at_once_against_a_budget_for_120_commit_exactly_120(app, make_scene):
    scene = make_scene(
        total_budget_cents=FITS * QUOTE // 2,
        cap_per_employer_year_cents=None,
        retention_months=None,
        retention_share_bps=0,
    )
    placements = _sent_group(app, scene, PERSONS)
    admins = [scene.admin, scene.admin2]

    def approve(i: int) -> str:
        admin = session.get(User, admins[i % 2].id)
        review.review(placements[i], "approve", actor=admin)
        return "approved"

    outcomes = run_concurrently(app, PERSONS, approve)
    assert outcomes["approved"] == FITS, outcomes
    assert outcomes["SchemeCapReached"] == PERSONS - FITS, outcomes
    with app.app_context():
        scheme = session.get(Scheme, scene.scheme.id)
        assert scheme.committed_cents == scheme.total_cap_cents == FITS * QUOTE // 2
        approved = session.scalar(
            sa.select(sa.func.count()).where(Placement.status == PlacementStatus.APPROVED)
        )
        held = session.scalar(
            sa.select(sa.func.sum(Hold.amount_cents)).where(Hold.status == HoldStatus.PENDING)
        )
        assert approved == FITS
        assert held == FITS * QUOTE // 2
        assert verify() == []


def test_approvals_at_once_never_overdraw_the_fund(app, make_scene):
    """The scheme's budget is large; the fund's pot holds 7 commitments of € 50."""
    scene = make_scene(deposit=7 * QUOTE // 2 + 10, retention_months=None, retention_share_bps=0)
    placements = _sent_group(app, scene, 20)

    def approve(i: int) -> str:
        review.review(placements[i], "approve", actor=session.get(User, scene.admin.id))
        return "approved"

    outcomes = run_concurrently(app, 20, approve)
    assert outcomes["approved"] == 7, outcomes
    assert outcomes["InsufficientFunds"] == 13, outcomes
    with app.app_context():
        pot = session.get(Fund, scene.fund.id).pot_account_id
        assert balance(pot).available_cents == 10
        assert verify() == []


def test_two_administrators_approving_one_person_at_once_commit_once(app, scene):
    (placement_id,) = _sent_group(app, scene, 1)

    def approve(i: int) -> str:
        admin = session.get(User, (scene.admin, scene.admin2)[i % 2].id)
        review.review(placement_id, "approve", actor=admin)
        return "approved"

    outcomes = run_concurrently(app, 6, approve)
    assert outcomes["approved"] == 1, outcomes
    with app.app_context():
        assert session.get(Scheme, scene.scheme.id).committed_cents == QUOTE // 2
        assert verify() == []


STEPS = st.lists(
    st.tuples(
        st.integers(1, 2_000_000),  # the quote
        st.sampled_from(["reject", "approve", "approve_less", "not_started", "end_early"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS, share=st.integers(1, 10_000), held_back=st.integers(0, 9_999))
def test_commitments_and_releases_always_add_up(app, make_scene, steps, share, held_back):
    """Whatever is approved, rejected or closed: each commitment is within the share of the
    quote and the caps, committed = still held + released never counted twice, the pot and
    the scheme get back exactly what was released, and verify is clean."""
    scene = make_scene(
        share_bps=share,
        cap_per_person_cents=600_000,
        cap_per_employer_year_cents=None,
        retention_months=6 if held_back else None,
        retention_share_bps=held_back,
    )
    example = next(EXAMPLE)
    people = [
        person(
            full_name=f"Persoon {example}-{i}",
            quote_cents=quote,
            provider_id=scene.provider.provider_id,
        )
        for i, (quote, _step) in enumerate(steps)
    ]
    with app.app_context():
        dtab = session.get(User, scene.dtab.id)
        admin = session.get(User, scene.admin.id)
        application = services.compose_application(dtab, dtab.employer_id, scene.scheme.id, people)
        services.submit_application(dtab, application.id)
        pot = session.get(Fund, scene.fund.id).pot_account_id
        start = balance(pot).available_cents
        expected_held = 0
        for placement, (quote, step) in zip(application.placements, steps, strict=True):
            most = min(quote * share // 10_000, 600_000)
            assert placement.requested_cents == most
            if step == "reject" or most == 0:
                review.review(placement.id, "reject", actor=admin, reason="Past niet")
                continue
            cents = most if step != "approve_less" else max(1, most // 2)
            review.review(placement.id, "approve", actor=admin, cents=cents)
            later = cents * held_back // 10_000 if held_back else 0
            if step == "not_started":
                followups.close(placement.id, "not_started", actor=dtab, reason="Niet begonnen")
                cents = 0
            elif step == "end_early":
                followups.close(placement.id, "end_early", actor=dtab, reason="Gestopt")
                cents -= later
            session.refresh(placement)
            assert placement.committed_cents == cents == review.pending_commitment(placement)
            expected_held += cents
        assert balance(pot).available_cents == start - expected_held
        assert session.get(Scheme, scene.scheme.id).committed_cents == expected_held
        assert verify() == []


@pytest.fixture(autouse=True)
def _today_is_fixed():
    """The scheme's window in tests/schemes/conftest.py is open on this date."""
    from wallet.core import clock

    with clock.frozen_at(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)):
        yield
