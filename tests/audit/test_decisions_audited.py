"""Every decision that moves or can move money writes its audit event in the same transaction
as its effect, in the service that takes it (invariant 6).

Each use case runs through its service while every commit is watched from another connection:
the first commit that shows the effect must also show the audit event (and none before it),
so the two cannot be saved apart. Then the event's subject, action and actor are checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tests.payments.fixtures import PROVIDER_IBAN, approved, make_journey  # noqa: F401
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.bankdetails import services as bankdetails
from wallet.bankdetails.models import BankAccountChange
from wallet.core import clock
from wallet.core.db import session
from wallet.funds import services as funds
from wallet.grants import applying, expiry, granting
from wallet.grants.allocation import allocate
from wallet.grants.imports import import_grants
from wallet.grants.lottery import draw_lottery
from wallet.payments import batches
from wallet.payments.models import PayoutMethod
from wallet.providers import services as providers
from wallet.schemes import services as schemes

NEW_IBAN = "NL39RABO0300065264"


@dataclass
class World:
    """Who acts and on what."""

    admin: object
    fund_id: int
    worker: object
    make_scheme: Callable
    make_windowed_scheme: Callable
    make_worker: Callable
    make_staff: Callable
    provider_user: object
    approved: Callable


@pytest.fixture
def world(
    app_ctx,
    make_staff,
    make_scheme,
    make_windowed_scheme,
    make_worker,
    accredited_provider,
    approved,  # noqa: F811 - the imported fixture
):
    admin = make_staff(Role.FUND_ADMIN)
    funds.deposit(admin.fund_id, 10_000_000, reference="start")
    return World(
        admin,
        admin.fund_id,
        make_worker(),
        make_scheme,
        make_windowed_scheme,
        make_worker,
        make_staff,
        accredited_provider,
        approved,
    )


def _fund(world):
    """The fund for the factories, which work in their own app context: reading it through
    this test's session would hold SQLite's write lock against them."""
    return SimpleNamespace(id=world.fund_id)


def _terms(**values):
    base = {
        "name": "Regeling",
        "allocation_mode": "manual",
        "amount_cents": 100_000,
        "validity_months": 12,
        "rules": {},
    }
    return schemes.SchemeTerms(**{**base, **values})


def _draft(world):
    return schemes.define_scheme(world.fund_id, _terms())


def _define(world):
    schemes.define_scheme(world.fund_id, _terms(), actor_id=world.admin.id)


def _activate(world):
    draft = _draft(world)
    return lambda: schemes.activate_scheme(draft.id, actor_id=world.admin.id)


def _close_scheme(world):
    scheme = world.make_scheme(_fund(world))
    return lambda: schemes.close_scheme(scheme.id, actor_id=world.admin.id)


def _grant_by_hand(world):
    scheme = world.make_scheme(_fund(world))
    return lambda: granting.grant_to_worker(scheme.id, world.worker.id, actor_id=world.admin.id)


def _grant_by_csv(world):
    scheme = world.make_scheme(_fund(world))
    data = f"email;amount\n{world.worker.email};\n".encode()
    return lambda: import_grants(scheme.id, data, actor_id=world.admin.id)


def _first_come(world):
    scheme = world.make_windowed_scheme(_fund(world), "first_come", grants=2)
    return lambda: applying.apply_for_grant(scheme.id, world.worker.id)


def _lottery(world):
    scheme = world.make_windowed_scheme(_fund(world), "lottery", grants=2, opened=10, closes=5)
    applying.apply_for_grant(scheme.id, world.worker.id)

    def draw():
        with clock.frozen_at(clock.now() + dt.timedelta(days=6)):
            draw_lottery(scheme.id, "2027-03-01", actor_id=world.admin.id)

    return draw


def _allocation(world):
    scheme = world.make_scheme(_fund(world), allocation_mode="entitlement", amount_cents=50_000)
    return lambda: allocate(scheme.id, actor_id=world.admin.id)


def _expiry(world):
    scheme = world.make_scheme(_fund(world), validity_months=1)
    granting.grant_to_worker(scheme.id, world.worker.id, actor_id=world.admin.id)
    return lambda: expiry.expire_grants(clock.now() + dt.timedelta(days=40))


def _provider_details(world):
    provider = providers.get_provider(world.provider_user.provider_id)
    details = providers.ProviderDetails(
        name=provider.name,
        vat_number="NL004495445B01",
        street="Straat 1",
        postcode="7500 AA",
        city="Enschede",
        contact_email="info@example.nl",
    )
    return lambda: providers.update_details(provider.id, details, actor_id=world.provider_user.id)


def _iban_requested(world, who: str):
    user = session.get(User, world.admin.id if who == "fund" else world.provider_user.id)
    return lambda: bankdetails.request_change(user, NEW_IBAN, password=PASSWORD)


def _iban_confirmed(world, who: str):
    platform = world.make_staff(Role.PLATFORM_ADMIN)
    _iban_requested(world, who)()
    change_id = session.scalar(sa.select(BankAccountChange.id))
    return lambda: bankdetails.confirm_change(change_id, session.get(User, platform.id))


def _provider_staff(world):
    return lambda: providers.add_staff_member(
        world.provider_user.provider_id,
        name="Collega",
        email="collega@example.nl",
        actor_id=world.provider_user.id,
    )


def _fund_admin(world):
    from wallet.accounts.services import create_staff_user

    platform = world.make_staff(Role.PLATFORM_ADMIN)
    return lambda: create_staff_user(
        email="tweede@fonds.nl",
        name="Tweede",
        password="een lang wachtwoord 123",
        role=Role.FUND_ADMIN,
        fund=funds.get_fund(world.fund_id),
        actor_id=platform.id,
    )


def _payout(step: str):
    def setup(world):
        journeys, fund_id, _ids = world.approved((240_000,))
        admin = journeys[0]["admins"][0]
        world.admin = admin  # the actor checked below
        if step == "create":
            return lambda: batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
        if step == "submit":
            return lambda: batches.submit_batch(batch.id, fund_id, actor=admin)
        batches.submit_batch(batch.id, fund_id, actor=admin)
        item = batch.items[0].id
        if step == "paid":
            return lambda: batches.mark_paid(item, fund_id, actor=admin)
        return lambda: batches.mark_failed(item, fund_id, actor=admin, reason="Rekening opgeheven")

    return setup


def _wrap(action):
    """A set-up that needs nothing before the call."""
    return lambda world: lambda: action(world)


ADMIN, NOBODY, PROVIDER, WORKER, PLATFORM = "admin", "nobody", "provider", "worker", "platform"
# (use case, set-up returning the call, audit subject type and action, actor, effect query)
USE_CASES = [
    ("define scheme", _wrap(_define), "scheme", "define", ADMIN, "SELECT count(*) FROM schemes"),
    (
        "activate scheme",
        _activate,
        "scheme",
        "activate",
        ADMIN,
        "SELECT count(*) FROM schemes WHERE status = 'active'",
    ),
    (
        "close scheme",
        _close_scheme,
        "scheme",
        "close",
        ADMIN,
        "SELECT count(*) FROM schemes WHERE status = 'closed'",
    ),
    (
        "create fund",
        _wrap(lambda w: funds.create_fund("Nieuw fonds", actor_id=w.admin.id)),
        "fund",
        "create",
        ADMIN,
        "SELECT count(*) FROM funds",
    ),
    (
        "deposit",
        _wrap(lambda w: funds.deposit(w.fund_id, 5_000, reference="bank 12", actor_id=w.admin.id)),
        "fund",
        "deposit",
        ADMIN,
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'deposit'",
    ),
    (
        "close fund",
        _wrap(lambda w: funds.close_fund(w.fund_id, actor_id=w.admin.id)),
        "fund",
        "close",
        ADMIN,
        "SELECT count(*) FROM funds WHERE status = 'closed'",
    ),
    (
        "fund IBAN requested",
        lambda w: _iban_requested(w, "fund"),
        "fund",
        "bank_change_requested",
        ADMIN,
        "SELECT count(*) FROM bank_account_changes",
    ),
    (
        "fund IBAN confirmed",
        lambda w: _iban_confirmed(w, "fund"),
        "fund",
        "iban_changed",
        PLATFORM,
        "SELECT count(*) FROM funds WHERE iban = 'NL39RABO0300065264'",
    ),
    ("grant by hand", _grant_by_hand, "grant", "grant", ADMIN, "SELECT count(*) FROM grants"),
    ("grant by CSV", _grant_by_csv, "grant", "grant", ADMIN, "SELECT count(*) FROM grants"),
    ("grant first come", _first_come, "grant", "grant", WORKER, "SELECT count(*) FROM grants"),
    ("lottery", _lottery, "scheme", "lottery_drawn", ADMIN, "SELECT count(*) FROM grants"),
    (
        "allocation",
        _allocation,
        "allocation_run",
        "allocate",
        ADMIN,
        "SELECT count(*) FROM grants WHERE source = 'allocation'",
    ),
    (
        "expiry job",
        _expiry,
        "fund",
        "expire_grants",
        NOBODY,
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'grant_expiry'",
    ),
    (
        "provider details",
        _provider_details,
        "provider",
        "details_changed",
        PROVIDER,
        "SELECT count(*) FROM providers WHERE vat_number IS NOT NULL",
    ),
    (
        "provider IBAN requested",
        lambda w: _iban_requested(w, "provider"),
        "provider",
        "bank_change_requested",
        PROVIDER,
        "SELECT count(*) FROM bank_account_changes",
    ),
    (
        "provider IBAN confirmed",
        lambda w: _iban_confirmed(w, "provider"),
        "provider",
        "iban_changed",
        PLATFORM,
        "SELECT count(*) FROM providers WHERE iban = 'NL39RABO0300065264'",
    ),
    (
        "provider staff",
        _provider_staff,
        "provider",
        "staff_added",
        PROVIDER,
        "SELECT count(*) FROM users",
    ),
    (
        "fund administrator",
        _fund_admin,
        "user",
        "staff_added",
        PLATFORM,
        "SELECT count(*) FROM users",
    ),
    (
        "payout batch create",
        _payout("create"),
        "payout_batch",
        "create",
        ADMIN,
        "SELECT count(*) FROM payout_batches",
    ),
    (
        "payout batch submit",
        _payout("submit"),
        "payout_batch",
        "submit",
        ADMIN,
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'payout_submit'",
    ),
    (
        "payout paid",
        _payout("paid"),
        "payout_item",
        "paid",
        ADMIN,
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'payout_paid'",
    ),
    (
        "payout failed",
        _payout("failed"),
        "payout_line",
        "failed",
        ADMIN,
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'payout_returned'",
    ),
]


@pytest.mark.parametrize(
    ("setup", "subject_type", "action", "actor", "effect"),
    [case[1:] for case in USE_CASES],
    ids=[case[0] for case in USE_CASES],
)
def test_each_money_decision_is_audited_with_its_effect(
    world, observer_engine, setup, subject_type, action, actor, effect
):
    call = setup(world)
    audit = sa.text("SELECT count(*) FROM audit_events WHERE subject_type = :t AND action = :a")

    def counts() -> tuple[int, int]:
        with observer_engine.connect() as connection:
            found = connection.execute(audit, {"t": subject_type, "a": action}).scalar_one()
            return found, connection.execute(sa.text(effect)).scalar_one()

    before = counts()
    seen: list[tuple[bool, bool]] = []

    def watch(_session) -> None:
        events, effects = counts()
        seen.append((events > before[0], effects > before[1]))

    sa.event.listen(Session, "after_commit", watch)
    try:
        call()
    finally:
        sa.event.remove(Session, "after_commit", watch)
    assert seen, "nothing was committed"
    assert seen[-1] == (True, True), seen
    # The first commit with either shows both: no commit saved one without the other.
    first = next(pair for pair in seen if any(pair))
    assert first == (True, True), seen

    event = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.action == action)
        .order_by(AuditEvent.id.desc())
    ).first()
    expected_actor = {
        ADMIN: world.admin.id,
        NOBODY: None,
        WORKER: world.worker.id,
        PROVIDER: world.provider_user.id,
    }.get(actor, event.actor_id)
    assert event.actor_id == expected_actor
    if actor == PLATFORM:
        assert event.actor_id not in (None, world.admin.id)
    assert event.subject_id is not None


def test_bank_details_in_the_trail_show_only_their_last_four_characters(world):
    _iban_confirmed(world, "fund")()
    _provider_details(world)()
    rows = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action.in_(["iban_changed", "details_changed", "bank_change_requested"])
        )
    ).all()
    assert len(rows) == 3
    for row in rows:
        text = repr(row.before) + repr(row.after)
        assert NEW_IBAN not in text
        assert PROVIDER_IBAN not in text
    fund_event = next(row for row in rows if row.action == "iban_changed")
    assert fund_event.after["iban"] == "*" * 14 + NEW_IBAN[-4:]
