"""Claims under concurrency and over many amounts: money moves once, exactly as approved."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.claims.conftest import claim_input
from tests.ledger.test_concurrency import run_concurrently, while_one_is_open
from wallet.books.verify import verify
from wallet.claims import services
from wallet.claims.models import ClaimKind, ClaimPart, ClaimStatus
from wallet.core.db import session, unit_of_work
from wallet.grants.balances import payable_account_id
from wallet.ledger.models import LedgerTransaction
from wallet.ledger.services import balance


def test_two_administrators_approving_at_once_move_the_money_once(app, make_journey):
    j = make_journey()
    with app.app_context():
        claim_id = services.submit(j["staff"], j["application"].id, claim_input()).id

    def approve(i: int) -> str:
        services.review(claim_id, "approve", actor=j["admins"][i % 2])
        return "approved"

    outcomes = run_concurrently(app, 6, approve)
    assert outcomes["approved"] == 1, outcomes
    assert sum(outcomes.values()) == 6
    with app.app_context():
        assert services.get_claim(claim_id).status == ClaimStatus.APPROVED
        assert balance(payable_account_id(j["application"].provider_id)).posted_cents == 240_000
        kinds = Counter(session.scalars(sa.select(LedgerTransaction.kind)))
        assert kinds["hold_post"] == 1
        assert verify() == []


def test_a_double_click_on_send_makes_one_claim(app, make_journey):
    j = make_journey()
    data = claim_input()

    def send(_i: int) -> str:
        services.submit(j["staff"], j["application"].id, data)
        return "sent"

    outcomes = run_concurrently(app, 4, send)
    assert outcomes["sent"] == 1, outcomes
    with app.app_context():
        assert len(services.claims_of_application(j["application"].id)) == 1


@pytest.mark.postgres
def test_the_last_seat_of_a_run_goes_once(
    app, accredited_provider, make_fund, make_scheme, make_worker, make_grant
):
    from tests.catalogue.conftest import CSV
    from tests.conftest import PASSWORD
    from wallet.accounts.models import User
    from wallet.applications import services as applications
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.models import Course, CourseRun

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )  # 12 seats
    scheme = make_scheme(make_fund(10_000_000), amount_cents=300_000)
    workers = [make_worker() for _ in range(20)]
    for worker in workers:
        make_grant(scheme, worker)

    def apply(i: int) -> str:
        worker = session.get(User, workers[i].id)
        applications.apply(worker, run_id, password=PASSWORD, expected_copay_cents=0)
        return "applied"

    outcomes = run_concurrently(app, 20, apply)
    assert outcomes == Counter({"applied": 12, "Conflict": 8})
    with app.app_context():
        assert verify() == []


@pytest.mark.postgres
def test_one_open_application_does_not_keep_other_workers_waiting(
    app, accredited_provider, make_fund, make_scheme, make_worker, make_grant
):
    """References come from the row's id, not a shared placeholder in the unique column."""
    from tests.catalogue.conftest import CSV
    from tests.conftest import PASSWORD
    from wallet.accounts.models import User
    from wallet.applications import services as applications
    from wallet.applications.models import Application
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.models import Course, CourseRun

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        runs = session.scalars(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1")
            .order_by(CourseRun.code)
        ).all()
        with unit_of_work():  # made by the first application ever, here before the race
            payable_account_id(accredited_provider.provider_id)
    scheme = make_scheme(make_fund(10_000_000), amount_cents=300_000)
    workers = [make_worker() for _ in range(2)]
    for worker in workers:
        make_grant(scheme, worker)

    def apply(i: int) -> None:
        worker = session.get(User, workers[i].id)
        applications.apply(worker, runs[i], password=PASSWORD, expected_copay_cents=0)

    assert while_one_is_open(app, lambda: apply(0), lambda: apply(1)) == "done"
    with app.app_context():
        references = session.scalars(sa.select(Application.reference)).all()
        assert len(references) == 2
        assert all(reference.startswith("LW-") for reference in references)


@pytest.mark.postgres
def test_one_open_claim_does_not_keep_other_providers_waiting(app, make_journey):
    from wallet.claims.models import Claim

    journeys = [make_journey(), make_journey()]

    def submit(i: int) -> None:
        j = journeys[i]
        services.submit(j["staff"], j["application"].id, claim_input(invoice_number=f"F-{i}"))

    assert while_one_is_open(app, lambda: submit(0), lambda: submit(1)) == "done"
    with app.app_context():
        references = session.scalars(sa.select(Claim.reference)).all()
        assert len(references) == 2
        assert all(reference.startswith("DC-") for reference in references)


NUMBERS = itertools.count(1)


# The journeys share one course run of 12 seats (and the database is emptied per test, not per
# example): 10 examples, each its own worker, fund and invoice numbers.
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    advance_pct=st.integers(min_value=0, max_value=90),
    advance_share=st.floats(min_value=0, max_value=1),
    final_share=st.floats(min_value=0.01, max_value=1),
)
def test_whatever_is_claimed_the_ledger_adds_up(
    app, make_journey, advance_pct, advance_share, final_share
):
    """Advance (if the scheme has one) and final claim of any size: the provider's payable
    account holds exactly what was approved, the worker's grant lost exactly that, and nothing
    stays held."""
    j = make_journey(
        rules={"advance_share_bps": advance_pct * 100},
        stage="in_progress" if advance_pct else "completed",
    )
    approved = 0
    with app.app_context():
        from wallet.applications import services as applications

        payable = payable_account_id(j["application"].provider_id)
        paid_before = balance(payable).posted_cents  # the provider is shared by the examples

        if advance_pct:
            most = 240_000 * advance_pct // 100
            cents = int(most * advance_share)
            if cents:
                advance = services.submit(
                    j["staff"],
                    j["application"].id,
                    claim_input(
                        kind=ClaimKind.ADVANCE,
                        invoice_number=f"A-{next(NUMBERS)}",
                        amount_cents=cents,
                    ),
                )
                services.review(advance.id, "approve", actor=j["admins"][0])
                approved += cents
            applications.decide(j["application"].id, "complete", actor=j["staff"])
        rest = 240_000 - approved
        cents = max(1, int(rest * final_share))
        final = services.submit(
            j["staff"],
            j["application"].id,
            claim_input(invoice_number=f"F-{next(NUMBERS)}", amount_cents=cents),
        )
        services.review(final.id, "approve", actor=j["admins"][1])
        approved += cents
        grant = balance(j["grant"].account_id)
        assert grant.held_cents == 0
        assert grant.posted_cents == 300_000 - approved
        assert balance(payable).posted_cents - paid_before == approved
        claims = [c.id for c in services.claims_of_application(j["application"].id)]
        parts = sa.select(sa.func.sum(ClaimPart.cents)).where(ClaimPart.claim_id.in_(claims))
        assert session.scalar(parts) == approved
        assert verify() == []
