"""No budget before verification: allocation, first come and lottery pass unverified
accounts by, and an unverified worker cannot spend."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import User
from wallet.applications import services as applications
from wallet.applications.models import Application
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core import clock
from wallet.grants import applying
from wallet.grants.allocation import allocate
from wallet.grants.lottery import draw_lottery
from wallet.grants.models import Grant, SchemeApplication, SchemeApplicationStatus
from wallet.ledger.models import Hold
from wallet.ledger.services import balance
from wallet.verification.rules import EmailNotVerified


def _grants(db) -> int:
    count = db.scalar(sa.select(sa.func.count(Grant.id)))
    db.commit()  # end the read, so factories can write (SQLite locks)
    return count


def test_three_unverified_accounts_get_nothing_from_the_allocation(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, allocation_mode="entitlement", amount_cents=50_000)
    for _ in range(3):
        make_worker(verified=False)
    assert allocate(scheme.id) is None
    assert _grants(app_ctx) == 0
    verified = make_worker()
    run = allocate(scheme.id)
    assert (run.grants, run.total_cents) == (1, 50_000)
    assert set(app_ctx.scalars(sa.select(Grant.user_id))) == {verified.id}
    assert verify() == []


def test_first_come_refuses_an_unverified_worker_and_writes_nothing(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=2)
    worker = make_worker(verified=False)
    with pytest.raises(EmailNotVerified, match="Bevestig eerst je e-mailadres"):
        applying.apply_for_grant(scheme.id, worker.id)
    assert _grants(app_ctx) == 0
    assert app_ctx.scalar(sa.select(sa.func.count(SchemeApplication.id))) == 0
    app_ctx.commit()
    applying.apply_for_grant(scheme.id, make_worker().id)
    assert _grants(app_ctx) == 1


def test_the_lottery_draw_skips_unverified_applicants(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    scheme = make_windowed_scheme(make_fund(10_000_000), "lottery", grants=5, opened=10, closes=5)
    verified = [make_worker() for _ in range(2)]
    unverified = [make_worker() for _ in range(2)]
    for worker in verified + unverified:
        applying.apply_for_grant(scheme.id, worker.id)
    # They entered while verified; then their address changed and is no longer proved.
    app_ctx.execute(
        sa.update(User)
        .where(User.id.in_([w.id for w in unverified]))
        .values(email_verified_at=None)
    )
    app_ctx.commit()
    with clock.frozen_at(clock.now() + dt.timedelta(days=6)):
        draw = draw_lottery(scheme.id, "seed")
    assert (draw.applicants, draw.winners) == (2, 2)
    assert set(app_ctx.scalars(sa.select(Grant.user_id))) == {w.id for w in verified}
    statuses = dict(
        app_ctx.execute(sa.select(SchemeApplication.user_id, SchemeApplication.status)).all()
    )
    assert {statuses[w.id] for w in unverified} == {SchemeApplicationStatus.LOST}
    event = app_ctx.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lottery_drawn"))
    assert event.after["unverified_not_drawn"] == 2
    assert verify() == []


def test_an_unverified_worker_cannot_spend_a_budget(
    app, app_ctx, accredited_provider, make_fund, make_scheme, make_worker, make_grant
):
    import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    worker = make_worker(verified=False)
    grant = make_grant(make_scheme(make_fund(1_000_000), amount_cents=200_000), worker)
    run = app_ctx.scalar(
        sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
    )
    worker = app_ctx.get(User, worker.id)
    plan = applications.plan_for(worker.id, run)
    assert plan.parts  # the grant would pay
    with pytest.raises(EmailNotVerified) as refused:
        applications.apply(worker, run.id, password=PASSWORD, expected_copay_cents=plan.copay_cents)
    assert refused.value.status == 403
    assert app_ctx.scalar(sa.select(sa.func.count(Application.id))) == 0
    assert app_ctx.scalar(sa.select(sa.func.count(Hold.id))) == 0
    assert balance(grant.account_id).held_cents == 0


def test_the_apply_page_tells_an_unverified_worker_to_verify_first(
    app, client, db, accredited_provider, make_fund, make_scheme, make_worker, make_grant, login
):
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    worker = make_worker(verified=False)
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=200_000), worker)
    run_id = db.scalar(
        sa.select(CourseRun.id).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
    )
    login(client, worker)
    with app.app_context():
        plan = applications.plan_for(worker.id, db.get(CourseRun, run_id))
    form = {"password": PASSWORD, "expected_copay": plan.copay_cents}
    answer = client.post(f"/applications/new?run={run_id}", data=form)
    assert answer.status_code == 403
    assert "Bevestig eerst je e-mailadres" in answer.text
    assert db.scalar(sa.select(sa.func.count(Application.id))) == 0
