"""Stripe, through the official SDK over HTTP to localstripe on 127.0.0.1: Connect accounts,
transfers exactly once (also across a crash), co-payments and refunds, signed webhooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from wallet.applications.models import Application, ApplicationStatus
from wallet.books.verify import verify
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, NotFound
from wallet.payments import batches, connect, copayments
from wallet.payments.models import (
    Copayment,
    CopaymentStatus,
    ItemStatus,
    PayoutMethod,
    StripeEvent,
    TransferState,
)
from wallet.payments.reconcile import reconcile
from wallet.providers.models import Provider

SECRET = "whsec_test_leerwallet"


@pytest.fixture
def online(app, stripe_api, monkeypatch):
    """The app configured for Stripe, talking to localstripe."""
    for key, value in {
        "STRIPE_SECRET_KEY": stripe_api.api_key,
        "STRIPE_API_BASE": stripe_api.url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return stripe_api


def sign(payload: bytes, *, at: int | None = None, secret: str = SECRET) -> str:
    """A Stripe-Signature header, as Stripe makes it."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(kind: str, obj: dict, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()


def post(client, payload: bytes, signature: str):
    return client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )


def _events(app) -> int:
    with app.app_context():
        return session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))


def test_webhooks_are_verified_processed_once_and_refused_when_tampered_or_stale(
    app, client, online
):
    payload = event("customer.created", {"id": "cus_1"})
    first = post(client, payload, sign(payload))
    assert first.status_code == 200
    assert first.json["outcome"] == "ignored"
    assert post(client, payload, sign(payload)).json["outcome"] == "already processed"
    assert _events(app) == 1
    tampered = payload.replace(b"cus_1", b"cus_2")
    refused = post(client, tampered, sign(payload))
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    stale = event("customer.created", {"id": "cus_3"}, "evt_old")
    assert post(client, stale, sign(stale, at=int(time.time()) - 301)).status_code == 400
    assert post(client, stale, sign(stale, secret="whsec_other")).status_code == 400
    assert post(client, stale, "").status_code == 400
    assert _events(app) == 1


def test_without_a_webhook_secret_nothing_is_accepted(app, client):
    payload = event("customer.created", {"id": "cus_1"})
    assert post(client, payload, sign(payload)).status_code == 400


def _connect(app, provider_id: int, online, client) -> str:
    with app.app_context():
        url = connect.onboarding_link(
            provider_id,
            return_url="http://127.0.0.1/return",
            refresh_url="http://127.0.0.1/refresh",
        )
        account_id = session.get(Provider, provider_id).stripe_account_id
    assert url.startswith(online.url)
    assert account_id.startswith("acct_")
    return account_id


def test_a_provider_connects_and_the_account_update_arrives_by_webhook(
    app, client, online, stripe_webhooks, accredited_provider, monkeypatch
):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", stripe_webhooks.secret)
    provider_id = accredited_provider.provider_id
    account_id = _connect(app, provider_id, online, client)
    with app.app_context():  # a second onboarding link reuses the account
        connect.onboarding_link(provider_id, return_url="http://x/r", refresh_url="http://x/f")
        assert session.get(Provider, provider_id).stripe_account_id == account_id
    online.server.complete_account(account_id)
    delivery = stripe_webhooks.wait_for("account.updated", id=account_id)
    response = post(client, delivery.payload, delivery.signature)
    assert response.json["outcome"] == "account synced"
    with app.app_context():
        assert session.get(Provider, provider_id).stripe_payouts_enabled is True


def _stripe_batch(app, approved_claims, online, client):
    journeys, fund_id, _ids = approved_claims()
    provider_id = journeys[0]["application"].provider_id
    account_id = _connect(app, provider_id, online, client)
    online.server.complete_account(account_id)
    with app.app_context():
        connect.refresh_account(provider_id)
        batch = batches.create_batch(fund_id, method=PayoutMethod.STRIPE, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        return batch.id, batch.reference, fund_id


def _transfers(online, group: str) -> list:
    return list(online.client.v1.transfers.list({"transfer_group": group}).auto_paging_iter())


def test_a_stripe_batch_pays_each_provider_by_one_transfer(app, client, online, approved):
    batch_id, reference, fund_id = _stripe_batch(app, approved, online, client)
    with app.app_context():
        assert connect.pay_stripe_batch(batch_id, fund_id, actor=None) == []
        with pytest.raises(Conflict):  # paid twice: refused, nothing moves
            connect.pay_stripe_batch(batch_id, fund_id, actor=None)
        item = batches.get_batch(batch_id).items[0]
        assert (item.status, item.transfer_state) == (ItemStatus.PAID, TransferState.CREATED)
        assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.PAID}
        assert reconcile() == []
        assert verify() == []
    transfers = _transfers(online, reference)
    assert [t.amount for t in transfers] == [440_000]


@pytest.mark.parametrize("crash", ["after the call", "before the call arrived"])
def test_a_crash_between_the_call_and_the_commit_still_makes_one_transfer(
    app,
    client,
    online,
    approved,
    monkeypatch,
    crash,
):
    batch_id, reference, fund_id = _stripe_batch(app, approved, online, client)

    def die(*_args, **_kwargs):
        raise SystemExit("the process died")

    target = "confirm_transfer" if crash == "after the call" else "_call"
    with monkeypatch.context() as patched:
        patched.setattr(connect, target, die)
        with app.app_context(), pytest.raises(SystemExit):
            connect.pay_stripe_batch(batch_id, fund_id, actor=None)
    with app.app_context():
        item = batches.get_batch(batch_id).items[0]
        assert (item.status, item.transfer_state) == (ItemStatus.SUBMITTED, TransferState.INTENDED)
        # A second payment run meanwhile leaves the intended item to reconciliation, which
        # waits until the intent is older than a payment run can be.
        assert connect.pay_stripe_batch(batch_id, fund_id, actor=None) == []
        assert reconcile() == []
    later = clock.now() + dt.timedelta(seconds=connect.INTENT_GRACE_SECONDS + 1)
    with clock.frozen_at(later), app.app_context():
        notes = reconcile()
        assert any(
            ("found at Stripe" if crash == "after the call" else "made now") in note
            for note in notes
        ), notes
        assert batches.get_batch(batch_id).items[0].status == ItemStatus.PAID
        assert reconcile() == []
        assert verify() == []
    assert len(_transfers(online, reference)) == 1


@pytest.fixture
def awaiting_copay(
    app, make_journey, accredited_provider, make_fund, make_scheme, make_worker, make_grant
):
    """A worker whose application waits for a € 1.200 own contribution (a 50 % scheme)."""
    from tests.catalogue.conftest import CSV
    from wallet.accounts.models import User
    from wallet.applications import services as applications
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.models import Course, CourseRun

    worker = make_worker()
    make_grant(
        make_scheme(make_fund(1_000_000), amount_cents=300_000, rules={"co_funding_bps": 5_000}),
        worker,
    )
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        worker = session.get(User, worker.id)
        application = applications.apply(
            worker, run_id, password=PASSWORD, expected_copay_cents=120_000
        )
        applications.decide(
            application.id, "confirm", actor=session.get(User, accredited_provider.id)
        )
        return worker, application.id


def test_a_worker_pays_online_and_a_cancellation_refunds(
    app, client, online, stripe_webhooks, awaiting_copay, monkeypatch
):
    from wallet.applications import services as applications

    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", stripe_webhooks.secret)
    worker, application_id = awaiting_copay
    with app.app_context():
        copayment = copayments.start_online(worker, application_id)
        assert copayments.start_online(worker, application_id).id == copayment.id  # one intent
        intent_id = copayment.payment_intent_id
    online.client.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
    online.client.v1.payment_intents.confirm(intent_id)
    delivery = stripe_webhooks.wait_for("payment_intent.succeeded", id=intent_id)
    assert post(client, delivery.payload, delivery.signature).json["outcome"] == (
        "co-payment received"
    )
    assert post(client, delivery.payload, delivery.signature).json["outcome"] == (
        "already processed"
    )
    with app.app_context():
        assert session.get(Application, application_id).status == ApplicationStatus.CONFIRMED
        assert _account("copayments:received") == 120_000
        applications.decide(application_id, "cancel", actor=worker)  # before the start
        copayment = session.get(Copayment, copayment.id)
        assert (copayment.status, copayment.refunded_cents) == (CopaymentStatus.REFUNDED, 120_000)
        assert _account("copayments:received") == 0
        assert verify() == []
        # Tampered: without their audit events, the payment and the refund are named.
        session.execute(sa.text("DELETE FROM audit_events WHERE subject_type = 'copayment'"))
        session.commit()
        found = " ".join(p.detail for p in verify() if p.invariant == "6 decision audited")
        assert "(copay_received)" in found
        assert "(copay_refunded)" in found
    refunds = list(online.client.v1.refunds.list({"payment_intent": intent_id}).auto_paging_iter())
    assert [r.amount for r in refunds] == [120_000]


def _account(code: str) -> int:
    return (
        session.execute(
            sa.text("SELECT posted_cents FROM ledger_accounts WHERE code = :c"), {"c": code}
        ).scalar()
        or 0
    )


def test_webhooks_in_any_order_end_in_the_latest_state(app, client, online, awaiting_copay):
    worker, application_id = awaiting_copay
    with app.app_context():
        intent_id = copayments.start_online(worker, application_id).payment_intent_id
    refunded = event(
        "charge.refunded",
        {"id": "ch_1", "object": "charge", "payment_intent": intent_id, "amount_refunded": 120_000},
        "evt_refund",
    )
    succeeded = event(
        "payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"}, "evt_paid"
    )
    assert post(client, refunded, sign(refunded)).json["outcome"] == "co-payment refunded"
    assert post(client, succeeded, sign(succeeded)).json["outcome"] == "co-payment already settled"
    with app.app_context():
        assert session.scalar(sa.select(Copayment.status)) == CopaymentStatus.REFUNDED
        assert _account("copayments:received") == 0
        assert verify() == []


def test_a_co_payment_for_someone_elses_application_is_not_found(
    app, client, online, awaiting_copay, make_worker, login
):
    _worker, application_id = awaiting_copay
    stranger = make_worker()
    with app.app_context(), pytest.raises(NotFound):
        copayments.start_online(stranger, application_id)
    login(client, stranger)
    assert client.get(f"/applications/{application_id}/pay").status_code == 404
    assert client.post(f"/applications/{application_id}/pay").status_code == 404
    with app.app_context():
        assert session.scalar(sa.select(sa.func.count()).select_from(Copayment)) == 0


def test_offline_the_worker_pays_by_bank_transfer_and_the_provider_confirms(
    app, client, awaiting_copay, login, accredited_provider
):
    worker, application_id = awaiting_copay
    login(client, worker)
    page = client.get(f"/applications/{application_id}/pay")
    assert page.status_code == 200
    assert "LW-" in page.text
    with app.app_context(), pytest.raises(Conflict):
        copayments.start_online(worker, application_id)  # no Stripe keys: offline
    client.post("/logout")
    login(client, accredited_provider)
    client.post(
        f"/applications/{application_id}/record_copayment",
        data={"payment_reference": "NL-BANK-123"},
    )
    with app.app_context():
        assert session.get(Application, application_id).status == ApplicationStatus.CONFIRMED
        assert _account("copayments:received") == 120_000
        assert verify() == []


def test_a_co_payment_booked_twice_behind_the_app_s_back_is_caught(
    app, client, awaiting_copay, login, accredited_provider
):
    """The account of co-payments received is what the workers' payments say, not what any
    audited copay_received transaction put there."""
    from wallet.ledger.models import LedgerAccount, LedgerTransaction, Posting

    _worker, application_id = awaiting_copay
    login(client, accredited_provider)
    client.post(
        f"/applications/{application_id}/record_copayment",
        data={"payment_reference": "NL-BANK-123"},
    )
    with app.app_context():
        assert verify() == []
        first = session.scalar(
            sa.select(LedgerTransaction).where(LedgerTransaction.kind == "copay_received")
        )
        again = session.execute(
            sa.insert(LedgerTransaction.__table__)
            .values(
                kind="copay_received",
                description="again",
                reference=first.reference,
                created_at=clock.now(),
            )
            .returning(LedgerTransaction.__table__.c.id)
        ).scalar_one()
        accounts = LedgerAccount.__table__
        for code, cents in (("external:copayments", -120_000), ("copayments:received", 120_000)):
            account = session.scalar(sa.select(LedgerAccount.id).where(LedgerAccount.code == code))
            session.execute(
                sa.insert(Posting.__table__).values(
                    transaction_id=again, account_id=account, amount_cents=cents
                )
            )
            session.execute(
                sa.update(accounts)
                .where(accounts.c.id == account)
                .values(posted_cents=accounts.c.posted_cents + cents)
            )
        session.commit()
        problems = verify()
        assert any(
            p.invariant == "4 co-payments agree with the payments"
            and "copayments:received" in p.detail
            for p in problems
        ), problems


def test_reconciliation_reports_a_ledger_that_disagrees_with_the_payments(app, approved):
    _journeys, fund_id, _ids = approved()
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        assert reconcile() == []
        session.execute(
            sa.text(
                "UPDATE payout_items SET amount_cents = amount_cents - 1, "
                "gross_cents = gross_cents - 1"
            )
        )
        session.commit()
        assert any("in_transit" in note for note in reconcile())
    with clock.frozen_at(clock.now() + dt.timedelta(days=6)), app.app_context():
        assert any("not on a bank statement" in note for note in reconcile())


def test_no_answer_from_stripe_keeps_the_intent_and_a_failure_is_refused(
    app, client, online, approved, monkeypatch
):
    import stripe

    batch_id, reference, fund_id = _stripe_batch(app, approved, online, client)

    def no_answer(*_args, **_kwargs):
        raise stripe.APIConnectionError("timed out")

    with monkeypatch.context() as patched, app.app_context():
        patched.setattr(connect, "_call", no_answer)
        problems = connect.pay_stripe_batch(batch_id, fund_id, actor=None)
        assert len(problems) == 1
        item = batches.get_batch(batch_id).items[0]
        assert item.transfer_state == TransferState.INTENDED
        with pytest.raises(Conflict):  # failing it now could pay the provider twice
            batches.mark_failed(item.id, fund_id, actor=None, reason="geen antwoord")
    later = clock.now() + dt.timedelta(seconds=connect.INTENT_GRACE_SECONDS + 1)
    with clock.frozen_at(later), app.app_context():
        assert any("made now" in note for note in reconcile())
    assert len(_transfers(online, reference)) == 1


def test_the_refund_rule_is_the_one_at_cancellation_and_late_payments_go_back(
    app, client, online, awaiting_copay
):
    from wallet.applications import services as applications

    worker, application_id = awaiting_copay
    with app.app_context():
        intent_id = copayments.start_online(worker, application_id).payment_intent_id
        # The provider cannot also book a bank transfer while the online payment runs.
        from wallet.accounts.models import User

        staff = session.scalar(sa.select(User).where(User.provider_id.is_not(None)))
        with pytest.raises(Conflict):
            applications.decide(
                application_id, "record_copayment", actor=staff, payment_reference="NL-1"
            )
        applications.decide(application_id, "expire", actor=None)  # nobody paid in time
    online.client.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
    online.client.v1.payment_intents.confirm(intent_id)  # ... and then the payment came
    paid = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    assert post(client, paid, sign(paid)).json["outcome"] == "co-payment received"
    with app.app_context():
        assert session.get(Application, application_id).status == ApplicationStatus.EXPIRED
        assert any("refund of an ended application" in note for note in reconcile())
        assert session.scalar(sa.select(Copayment.refunded_cents)) == 120_000
        assert _account("copayments:received") == 0
        assert verify() == []


def test_a_cancellation_after_the_start_refunds_what_the_rule_said_then(
    app, client, online, stripe_webhooks, awaiting_copay, monkeypatch
):
    from wallet.applications import services as applications
    from wallet.payments.models import Copayment as CopaymentRow

    worker, application_id = awaiting_copay
    with app.app_context():
        copayment = copayments.start_online(worker, application_id)
        intent_id = copayment.payment_intent_id
    online.client.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
    online.client.v1.payment_intents.confirm(intent_id)
    paid = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    post(client, paid, sign(paid))
    with app.app_context():  # Stripe is down at the moment of cancelling, before the start
        monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
        applications.decide(application_id, "cancel", actor=worker)
        assert session.get(CopaymentRow, copayment.id).refund_due_cents == 120_000
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", online.url)
    with clock.frozen_at(clock.now() + dt.timedelta(days=40)), app.app_context():
        reconcile()  # after the start now, yet the refund decided at cancellation holds
        assert session.get(CopaymentRow, copayment.id).refunded_cents == 120_000
        assert verify() == []


def test_the_connect_and_pay_pages_work_with_stripe(
    app, client, online, accredited_provider, awaiting_copay, login
):
    login(client, accredited_provider)
    assert client.get("/provider/stripe").status_code == 200
    going = client.post("/provider/stripe")
    assert going.status_code == 302
    assert going.headers["Location"].startswith(online.url)
    with app.app_context():
        account_id = session.get(Provider, accredited_provider.provider_id).stripe_account_id
    online.server.complete_account(account_id)
    back = client.get("/provider/stripe/return")
    assert back.status_code == 302
    with app.app_context():
        assert session.get(Provider, accredited_provider.provider_id).stripe_payouts_enabled
    client.post("/logout")

    worker, application_id = awaiting_copay
    login(client, worker)
    app.config["STRIPE_PUBLISHABLE_KEY"] = "pk_test_leerwallet"
    try:
        page = client.post(f"/applications/{application_id}/pay")
    finally:
        app.config["STRIPE_PUBLISHABLE_KEY"] = None
    assert page.status_code == 200
    assert "data-client-secret" in page.text
    assert "js.stripe.com" in page.headers["Content-Security-Policy"]
    with app.app_context():
        assert session.scalar(sa.select(Copayment.payment_intent_id)).startswith("pi_")
