"""Reminders before a grant expires: 90, 30 and 7 days ahead, each sent once, in the worker's
language; never for a spent or an expired grant."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.core import clock
from wallet.core.db import session
from wallet.grants.models import Grant
from wallet.grants.reminders import send_expiry_reminders
from wallet.notifications.models import OutboxMessage
from wallet.scheduler.jobs import run_job


def _at(moment: dt.datetime):
    return clock.frozen_at(moment)


def _reminders(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (m.user_id, m.subject)
            for m in session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.topic == "grant_expiring")
                .order_by(OutboxMessage.id)
            )
        ]


@pytest.fixture
def granted(app, make_fund, make_scheme, make_worker, make_grant):
    """make(language="nl") -> (worker, grant, expires_at): € 1.000 valid for 12 months."""
    scheme = make_scheme(make_fund(1_000_000), amount_cents=100_000)

    def make(language: str = "nl"):
        worker = make_worker()
        with app.app_context():
            from wallet.accounts.models import User

            session.get(User, worker.id).preferred_language = language
            session.commit()
        grant = make_grant(scheme, worker)
        return worker, grant, grant.expires_at

    return make


def test_one_reminder_per_threshold_and_never_twice(app, granted):
    worker, _grant, expires = granted()
    with _at(expires - dt.timedelta(days=120)), app.app_context():
        assert send_expiry_reminders() == 0  # not yet
    for days in (90, 30, 7):
        with _at(expires - dt.timedelta(days=days - 0.5)), app.app_context():
            assert run_job("grant-expiry-reminders") == "1 expiry reminders sent"
            assert send_expiry_reminders() == 0
    with _at(expires + dt.timedelta(days=1)), app.app_context():
        assert send_expiry_reminders() == 0  # expired: nothing more
    assert [user for user, _subject in _reminders(app)] == [worker.id] * 3


def test_a_grant_first_seen_close_to_its_expiry_gets_one_reminder(app, granted):
    _worker, _grant, expires = granted()
    with _at(expires - dt.timedelta(days=20)), app.app_context():
        assert send_expiry_reminders() == 1  # the 30-day one; the 90-day one has passed
    with _at(expires - dt.timedelta(days=6)), app.app_context():
        assert send_expiry_reminders() == 1  # the 7-day one
        assert send_expiry_reminders() == 0
    assert len(_reminders(app)) == 2


def test_no_reminder_for_a_spent_or_an_expired_grant(app, granted):
    from wallet.core.db import unit_of_work
    from wallet.ledger import services as ledger
    from wallet.ledger.models import AccountKind

    _worker, spent, expires = granted()
    granted()  # a second worker's grant, expired below
    with app.app_context(), unit_of_work():
        account = session.get(Grant, spent.id).account_id
        other = ledger.open_account("test:elsewhere", AccountKind.PAYABLE).id
        ledger.place_hold(account, other, 100_000)  # everything reserved for a course
    with _at(expires + dt.timedelta(days=1)), app.app_context():
        from wallet.grants.expiry import expire_grants

        expire_grants()
        assert send_expiry_reminders() == 0
    with _at(expires - dt.timedelta(days=5)), app.app_context():
        assert send_expiry_reminders() == 0  # one has nothing available, the other expired


@pytest.mark.parametrize(
    ("language", "words"),
    [("nl", "verloopt op"), ("en", "expires on"), ("de", "läuft am")],
)
def test_the_reminder_is_in_the_workers_language(app, granted, language, words):
    _worker, _grant, expires = granted(language)
    with _at(expires - dt.timedelta(days=10)), app.app_context():
        send_expiry_reminders()
    ((_user, subject),) = _reminders(app)
    assert words in subject
    assert str(expires.year) in subject


def test_the_worker_sees_what_to_spend_and_when_the_first_part_expires(
    app, make_fund, make_scheme, make_worker, make_grant, client, login
):
    """Two budgets: € 1.000 for 12 months and € 500 for 24; the headline says € 1.500 to
    spend, of which € 1.000 expires first."""
    from wallet.grants.balances import grants_of, spendable

    fund = make_fund(1_000_000)
    worker = make_worker()
    make_grant(make_scheme(fund, amount_cents=100_000), worker)
    make_grant(make_scheme(fund, name="Later", amount_cents=50_000, validity_months=24), worker)
    with app.app_context():
        headline = spendable(grants_of(worker.id))
        assert (headline.cents, headline.expiring_cents) == (150_000, 100_000)
    login(client, worker)
    page = client.get("/").text
    assert "€\xa01.500,00" in page
    assert "€\xa01.000,00 daarvan verloopt op" in page
