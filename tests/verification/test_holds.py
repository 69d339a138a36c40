"""One person, one budget: a duplicate signal holds the newer account's grants until the
fund releases them or cancels them (money back in the pot through the ledger)."""

import pytest
import sqlalchemy as sa

from tests.verification.helpers import worker_form
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.funds.services import fund_figures
from wallet.grants import applying, balances, granting
from wallet.grants.allocation import allocate
from wallet.grants.models import Grant, GrantStatus
from wallet.ledger.models import LedgerTransaction
from wallet.ledger.services import balance
from wallet.verification.holds import TRANSITIONS, decide_hold, open_holds
from wallet.verification.models import GrantHold, HoldDecision, IdentityMatch, MatchKind

SAME = {"name": "Jan de Vries", "postcode": "7511 AB", "house_number": "1"}


def _grant_of(db, user_id) -> Grant:
    db.expire_all()
    return db.scalar(sa.select(Grant).where(Grant.user_id == user_id))


@pytest.fixture
def twins(make_worker):
    """An older account and a newer one with the same name, date of birth and postcode."""
    older = make_worker(**SAME)
    newer = make_worker(**{**SAME, "name": "jan de vries"})  # case does not hide a person
    return older, newer


def test_the_same_name_birth_date_and_postcode_hold_the_newer_accounts_grant(
    app_ctx, make_fund, make_scheme, twins
):
    older, newer = twins
    match = app_ctx.scalar(sa.select(IdentityMatch))
    assert (match.user_id, match.other_user_id, match.kind) == (
        newer.id,
        older.id,
        MatchKind.PERSON,
    )
    app_ctx.commit()
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, allocation_mode="entitlement", amount_cents=50_000)
    run = allocate(scheme.id)
    assert run.grants == 2  # both granted, the money counted ...
    assert _grant_of(app_ctx, older.id).status == GrantStatus.ACTIVE
    held = _grant_of(app_ctx, newer.id)
    assert held.status == GrantStatus.HELD  # ... but the newer account cannot spend it
    assert balances.grants_of(newer.id)[0].available_cents == 0
    assert [item.grant.id for item in open_holds(fund.id)] == [held.id]
    assert verify() == []


def test_a_different_postcode_is_no_signal(app_ctx, make_worker):
    make_worker(**SAME)
    make_worker(**{**SAME, "postcode": "7512 AB"})
    assert app_ctx.scalar(sa.select(sa.func.count(IdentityMatch.id))) == 0


def test_a_first_come_grant_of_a_matched_account_is_held(
    app_ctx, make_fund, make_windowed_scheme, twins
):
    _older, newer = twins
    scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=2)
    applying.apply_for_grant(scheme.id, newer.id)
    assert _grant_of(app_ctx, newer.id).status == GrantStatus.HELD
    assert app_ctx.scalar(sa.select(sa.func.count(GrantHold.id))) == 1


def _held(app_ctx, make_fund, make_scheme, newer, make_staff):
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, amount_cents=150_000)
    granting.grant_to_worker(scheme.id, newer.id, actor_id=None)
    admin = make_staff(Role.FUND_ADMIN, fund_id=fund.id)
    hold = app_ctx.scalar(sa.select(GrantHold))
    admin = app_ctx.get(User, admin.id)
    app_ctx.commit()
    return fund, hold, admin


def test_releasing_makes_the_grant_spendable_and_clears_the_account(
    app_ctx, make_fund, make_scheme, make_staff, twins
):
    _older, newer = twins
    fund, hold, admin = _held(app_ctx, make_fund, make_scheme, newer, make_staff)
    decide_hold(hold.id, HoldDecision.RELEASED, "Called her: a different person", actor=admin)
    grant = _grant_of(app_ctx, newer.id)
    assert grant.status == GrantStatus.ACTIVE
    assert balances.grants_of(newer.id)[0].available_cents == 150_000
    assert app_ctx.scalar(sa.select(IdentityMatch.cleared_at)) is not None
    assert open_holds(fund.id) == []
    event = app_ctx.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hold_released"))
    assert (event.actor_id, event.reason) == (admin.id, "Called her: a different person")
    assert fund_figures(fund.id).available_cents == 850_000
    assert verify() == []


def test_cancelling_returns_the_money_to_the_pot_through_the_ledger(
    app_ctx, make_fund, make_scheme, make_staff, twins
):
    _older, newer = twins
    fund, hold, admin = _held(app_ctx, make_fund, make_scheme, newer, make_staff)
    assert fund_figures(fund.id).available_cents == 850_000
    decide_hold(hold.id, HoldDecision.CANCELLED, "Same person as account 1", actor=admin)
    grant = _grant_of(app_ctx, newer.id)
    assert grant.status == GrantStatus.CANCELLED
    assert balance(grant.account_id).posted_cents == 0
    assert fund_figures(fund.id).available_cents == 1_000_000
    kinds = set(app_ctx.scalars(sa.select(LedgerTransaction.kind)))
    assert "grant_cancel" in kinds
    assert verify() == []
    with pytest.raises(Conflict):
        decide_hold(hold.id, HoldDecision.RELEASED, "changed my mind", actor=admin)


def test_only_the_funds_administrators_decide_with_a_reason(
    app_ctx, make_fund, make_scheme, make_staff, twins
):
    _older, newer = twins
    _fund, hold, admin = _held(app_ctx, make_fund, make_scheme, newer, make_staff)
    stranger_id = make_staff(Role.FUND_ADMIN).id  # of another fund
    stranger = app_ctx.get(User, stranger_id)
    with pytest.raises(Forbidden):
        decide_hold(hold.id, HoldDecision.CANCELLED, "not mine to say", actor=stranger)
    with pytest.raises(ValidationFailed):
        decide_hold(hold.id, HoldDecision.CANCELLED, " ", actor=admin)
    assert _grant_of(app_ctx, newer.id).status == GrantStatus.HELD
    assert verify() == []


@pytest.mark.parametrize(
    ("status", "decision", "after"),
    [
        (status, decision, TRANSITIONS.get((status, decision)))
        for status in GrantStatus
        for decision in HoldDecision
    ],
)
def test_the_transition_table(status, decision, after):
    expected = {
        (GrantStatus.HELD, HoldDecision.RELEASED): GrantStatus.ACTIVE,
        (GrantStatus.HELD, HoldDecision.CANCELLED): GrantStatus.CANCELLED,
    }
    assert after == expected.get((status, decision))


def test_the_same_browser_at_registration_is_a_signal(client, db):
    client.get("/register")  # the browser gets its device cookie
    client.post("/register", data=worker_form(email="een@example.nl", name="Een"))
    client.post("/logout")
    client.post("/register", data=worker_form(email="twee@example.nl", name="Twee"))
    ids = dict(db.execute(sa.select(User.email, User.id)).all())
    match = db.scalar(sa.select(IdentityMatch))
    assert (match.user_id, match.other_user_id, match.kind) == (
        ids["twee@example.nl"],
        ids["een@example.nl"],
        MatchKind.DEVICE,
    )


def test_a_browser_shared_at_sign_in_holds_the_newer_accounts_active_grants(
    app, client, db, make_worker, make_fund, make_scheme, make_grant, login
):
    older, newer = make_worker(), make_worker()
    grant = make_grant(make_scheme(make_fund(1_000_000)), newer)
    client.get("/")
    login(client, newer)
    client.post("/logout")
    assert _grant_of(db, newer.id).status == GrantStatus.ACTIVE
    login(client, older)
    assert _grant_of(db, newer.id).status == GrantStatus.HELD
    assert db.scalar(sa.select(GrantHold.grant_id)) == grant.id
    with app.app_context():
        assert verify() == []


def test_the_fund_decides_on_its_hold_queue_page(
    app, client, db, make_fund, make_scheme, make_staff, twins, login
):
    _older, newer = twins
    with app.app_context():
        _fund, hold, admin = _held(db, make_fund, make_scheme, newer, make_staff)
    login(client, admin)
    page = client.get("/fund/held-budgets")
    assert page.status_code == 200
    assert "jan de vries" in page.text
    assert "Jan de Vries" in page.text  # the older account it matched
    refused = client.post(f"/fund/held-budgets/{hold.id}", data={"decision": "cancelled"})
    assert refused.status_code == 303
    assert _grant_of(db, newer.id).status == GrantStatus.HELD
    asked = client.post(
        f"/fund/held-budgets/{hold.id}", data={"decision": "cancelled", "reason": "Same person"}
    )
    assert asked.status_code == 200
    assert 'name="confirm" value="1"' in asked.text
    assert _grant_of(db, newer.id).status == GrantStatus.HELD
    decided = {"decision": "cancelled", "reason": "Same person", "confirm": "1"}
    done = client.post(f"/fund/held-budgets/{hold.id}", data=decided)
    assert done.status_code == 303
    assert _grant_of(db, newer.id).status == GrantStatus.CANCELLED
    assert "hold-" not in client.get("/fund/held-budgets").text
    with app.app_context():
        assert verify() == []


@pytest.mark.parametrize("role", [Role.WORKER, Role.PROVIDER_STAFF, Role.PLATFORM_ADMIN])
def test_only_fund_administrators_see_the_hold_queue(client, make_user, login, role):
    login(client, make_user(role))
    assert client.get("/fund/held-budgets").status_code == 403


def test_the_worker_sees_the_held_budget_as_on_hold(
    app, client, db, make_fund, make_scheme, make_staff, twins, login
):
    _older, newer = twins
    with app.app_context():
        _held(db, make_fund, make_scheme, newer, make_staff)
    login(client, newer)
    page = client.get("/").text
    assert "Vastgehouden: het fonds controleert het" in page


def test_two_administrators_deciding_at_once_decide_once(
    app, make_fund, make_scheme, make_staff, twins
):
    from tests.ledger.test_concurrency import run_concurrently
    from wallet.core.db import session

    _older, newer = twins
    with app.app_context():
        fund, hold, admin = _held(session, make_fund, make_scheme, newer, make_staff)
        other = make_staff(Role.FUND_ADMIN, fund_id=fund.id)
        session.commit()
    actors = [admin.id, other.id]

    def cancel(i: int) -> str:
        decide_hold(
            hold.id, HoldDecision.CANCELLED, f"reason {i}", actor=session.get(User, actors[i])
        )
        return "cancelled"

    outcomes = run_concurrently(app, 2, cancel)
    assert outcomes == {"cancelled": 1, "Conflict": 1}
    with app.app_context():
        cancels = session.scalar(
            sa.select(sa.func.count(LedgerTransaction.id)).where(
                LedgerTransaction.kind == "grant_cancel"
            )
        )
        assert cancels == 1
        assert fund_figures(fund.id).available_cents == 1_000_000
        assert verify() == []
