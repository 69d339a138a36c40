"""Cancelling a held grant gives its amount back to the scheme's cap (committed_cents) in the
same transaction as the money's return to the pot, audited; the cap can then be granted to
someone else and `ledger verify` stays clean."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.verification.test_holds import SAME
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.grants import granting
from wallet.grants.cap import SchemeCapReached
from wallet.grants.models import Grant, GrantStatus
from wallet.schemes.models import Scheme
from wallet.verification.holds import decide_hold
from wallet.verification.models import GrantHold, HoldDecision


def test_a_cancelled_held_grant_frees_the_schemes_cap(
    app, app_ctx, make_fund, make_scheme, make_staff, make_worker
):
    older = make_worker(**SAME)
    newer = make_worker(**{**SAME, "name": "jan de vries"})  # held: the same person
    someone = make_worker(name="Fatima El Amrani")
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, amount_cents=150_000, total_cap_cents=300_000)
    granting.grant_to_worker(scheme.id, older.id, actor_id=None)
    granting.grant_to_worker(scheme.id, newer.id, actor_id=None)
    app_ctx.commit()
    assert app_ctx.get(Scheme, scheme.id).committed_cents == 300_000
    with pytest.raises(SchemeCapReached):  # the cap is full
        granting.grant_to_worker(scheme.id, someone.id, actor_id=None)
    app_ctx.rollback()
    admin = app_ctx.get(User, make_staff(Role.FUND_ADMIN, fund_id=fund.id).id)
    hold = app_ctx.scalar(sa.select(GrantHold))

    decide_hold(hold.id, HoldDecision.CANCELLED, "Same person as account 1", actor=admin)

    app_ctx.expire_all()
    assert app_ctx.get(Scheme, scheme.id).committed_cents == 150_000
    event = app_ctx.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hold_cancelled"))
    assert event.after["cap_released_cents"] == 150_000
    assert event.after["cents"] == 150_000
    assert verify() == []
    # The freed room is granted to someone else, and the books still agree.
    granting.grant_to_worker(scheme.id, someone.id, actor_id=None)
    app_ctx.commit()
    assert app_ctx.get(Scheme, scheme.id).committed_cents == 300_000
    statuses = app_ctx.scalars(sa.select(Grant.status).order_by(Grant.id)).all()
    assert statuses == [GrantStatus.ACTIVE, GrantStatus.CANCELLED, GrantStatus.ACTIVE]
    assert verify() == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])  # as the operator runs it
    assert result.exit_code == 0, result.output


def test_verify_names_a_scheme_whose_cap_was_not_given_back(
    app_ctx, make_fund, make_scheme, make_staff, make_worker
):
    make_worker(**SAME)
    newer = make_worker(**{**SAME, "name": "jan de vries"})
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, amount_cents=150_000, total_cap_cents=300_000)
    granting.grant_to_worker(scheme.id, newer.id, actor_id=None)
    app_ctx.commit()
    admin = app_ctx.get(User, make_staff(Role.FUND_ADMIN, fund_id=fund.id).id)
    hold = app_ctx.scalar(sa.select(GrantHold))
    decide_hold(hold.id, HoldDecision.CANCELLED, "Same person as account 1", actor=admin)
    # As the code before this fix left it: the cap still counting the cancelled grant.
    app_ctx.execute(sa.update(Scheme).where(Scheme.id == scheme.id).values(committed_cents=150_000))
    app_ctx.commit()
    assert [problem.invariant for problem in verify()] == ["3 fund covers grants"]
