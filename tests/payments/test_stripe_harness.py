"""The stripe test harness: the official SDK over HTTP against localstripe in this process.

Also pins down what localstripe (1.15) does and does not do, so that a change in it shows.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import stripe

from tests.payments.stripe_server import (
    LocalStripe,
    make_http_client,
    stripe_module_configured,
)

ROOT = Path(__file__).resolve().parents[2]


def _make_account(**extra) -> stripe.Account:
    return stripe.Account.create(
        type="express",
        country="NL",
        email="trainer@example.org",
        capabilities={"transfers": {"requested": True}},
        business_profile={"name": "Trainer BV", "url": "https://trainer.example.org"},
        metadata={"provider_id": "42"},
        **extra,
    )


def _onboarded_account(server: LocalStripe) -> stripe.Account:
    account = _make_account()
    assert server.complete_account(account.id)["payouts_enabled"] is True
    return account


def _raw(url: str, method: str = "GET", body: str | None = None, headers=None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# --- the server ---------------------------------------------------------------------------


def test_server_listens_on_loopback_only(stripe_api):
    parts = urlsplit(stripe_api.url)
    assert parts.scheme == "http"
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    assert parts.port != 8420
    assert stripe.api_base == stripe_api.url
    assert stripe.max_network_retries == 0


def test_module_settings_are_restored(local_stripe):
    names = ("api_key", "api_base", "max_network_retries", "default_http_client")
    before = [getattr(stripe, name) for name in names]
    with stripe_module_configured(local_stripe.url, "sk_test_restore"):
        assert stripe.api_base == local_stripe.url
        assert stripe.api_key == "sk_test_restore"
    assert [getattr(stripe, name) for name in names] == before


def test_a_second_server_in_the_same_process_is_refused(local_stripe):
    with pytest.raises(RuntimeError, match="another LocalStripe"):
        LocalStripe().start()


def test_reset_forgets_objects_and_idempotency_keys(stripe_api):
    account = _make_account()
    stripe.Customer.create(email="a@example.org", idempotency_key="reused")
    stripe_api.server.reset()
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.Account.retrieve(account.id)
    assert missing.value.http_status == 404
    # The key is free again: other parameters are no idempotency error after a reset.
    stripe.Customer.create(email="b@example.org", idempotency_key="reused")
    assert len(stripe.Customer.list().data) == 1


def test_start_stop_cycle_leaves_no_thread_port_or_pickle(tmp_path):
    """In a fresh interpreter: start, use, stop, start again; nothing lingers."""
    script = textwrap.dedent(
        """
        import os, socket, threading
        import stripe
        from tests.payments.stripe_server import LocalStripe, stripe_module_configured

        PICKLE = "/tmp/localstripe.pickle"
        def stat():
            return os.stat(PICKLE).st_mtime_ns if os.path.exists(PICKLE) else None
        before = stat()
        own_pickle = os.environ["OWN_PICKLE"]
        for persist_path in (None, own_pickle):
            server = LocalStripe(persist_path=persist_path).start()
            port = server.port
            with stripe_module_configured(server.url):
                stripe.Customer.create(email="x@example.org")
            server.stop()
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", port)) != 0, "port still open"
        assert stat() == before, "localstripe wrote /tmp/localstripe.pickle"
        assert os.path.getsize(own_pickle) > 0, "persist_path not written"
        assert threading.active_count() == 1, threading.enumerate()
        print("clean")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "OWN_PICKLE": str(tmp_path / "localstripe.pickle"),
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clean"


# --- Connect: accounts and onboarding (TEST-ONLY stand-in) --------------------------------


def test_account_and_account_link(stripe_api):
    account = _make_account()
    assert account.id.startswith("acct_")
    assert account.object == "account"
    assert account.type == "express"
    assert account.email == "trainer@example.org"
    assert account.metadata.to_dict() == {"provider_id": "42"}
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert account.details_submitted is False
    assert account.capabilities.to_dict() == {"transfers": "inactive"}

    link = stripe.AccountLink.create(
        account=account.id,
        refresh_url="http://127.0.0.1:5000/payouts/onboarding/refresh",
        return_url="http://127.0.0.1:5000/payouts/onboarding/done",
        type="account_onboarding",
    )
    assert link.object == "account_link"
    assert link.url == f"{stripe_api.url}/_test/onboarding/{account.id}"
    assert link.expires_at > link.created

    status, _, page = _raw(link.url)
    assert status == 200
    assert b"Complete onboarding" in page


def test_completing_onboarding_sends_a_signed_account_updated(stripe_api, stripe_webhooks):
    account = _make_account()
    stripe_api.server.complete_account(account.id)

    delivery = stripe_webhooks.wait_for("account.updated", id=account.id)
    assert delivery.signature.startswith("t=")
    assert ",v1=" in delivery.signature
    event = stripe.Webhook.construct_event(
        delivery.payload, delivery.signature, stripe_webhooks.secret, tolerance=300
    )
    assert event.type == "account.updated"
    assert event.account == account.id
    assert event.data.object.id == account.id
    assert event.data.object.charges_enabled is True
    assert event.data.object.payouts_enabled is True
    assert event.data.object.details_submitted is True
    assert event.data.previous_attributes.payouts_enabled is False

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            delivery.payload.replace(b"true", b"false"),
            delivery.signature,
            stripe_webhooks.secret,
            tolerance=300,
        )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.payload, delivery.signature, "whsec_other")

    again = stripe.Account.retrieve(account.id)
    assert again.capabilities.to_dict() == {"transfers": "active"}
    assert again.requirements.currently_due == []


def test_partial_onboarding(stripe_api):
    account = _make_account()
    done = stripe_api.server.complete_account(account.id, payouts_enabled=False)
    assert done["details_submitted"] is True
    assert done["payouts_enabled"] is False
    assert done["capabilities"] == {"transfers": "pending"}
    assert done["requirements"]["disabled_reason"] == "requirements.pending_verification"


def test_onboarding_page_button_redirects_to_the_return_url(stripe_api):
    account = _make_account()
    link = stripe.AccountLink.create(
        account=account.id,
        refresh_url="http://127.0.0.1:5000/refresh",
        return_url="http://127.0.0.1:5000/done",
        type="account_onboarding",
    )
    # No API key: a browser follows the link.
    status, headers, _ = _raw(link.url, method="POST")
    assert status == 303
    assert headers["Location"] == "http://127.0.0.1:5000/done"
    assert stripe.Account.retrieve(account.id).payouts_enabled is True


def test_account_errors_look_like_stripe(stripe_api):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        _make_account(tos_shown_and_accepted=True)
    assert unknown.value.param == "tos_shown_and_accepted"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.Account.retrieve("acct_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as no_link:
        stripe.AccountLink.create(
            account="acct_doesnotexist",
            refresh_url="http://x.example/r",
            return_url="http://x.example/d",
            type="account_onboarding",
        )
    assert no_link.value.param == "account"


# --- Connect: transfers (TEST-ONLY stand-in) ----------------------------------------------


def test_transfer_with_the_same_idempotency_key_happens_once(stripe_api, stripe_webhooks):
    account = _onboarded_account(stripe_api.server)
    params = {
        "amount": 12_345,
        "currency": "eur",
        "destination": account.id,
        "transfer_group": "payout-batch-7",
        "metadata": {"payout_id": "7", "claim_id": "3"},
        "description": "Claim 3",
    }
    first = stripe.Transfer.create(**params, idempotency_key="payout-7")
    second = stripe.Transfer.create(**params, idempotency_key="payout-7")
    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert first.object == "transfer"
    assert (first.amount, first.currency, first.destination) == (12_345, "eur", account.id)
    assert first.metadata.to_dict() == {"payout_id": "7", "claim_id": "3"}
    assert first.reversed is False
    assert first.created > 0

    listed = stripe.Transfer.list(transfer_group="payout-batch-7")
    assert listed.object == "list"
    assert [t.id for t in listed.data] == [first.id]
    assert listed.has_more is False

    with pytest.raises(stripe.IdempotencyError) as clash:
        stripe.Transfer.create(**{**params, "amount": 99}, idempotency_key="payout-7")
    assert stripe.IdempotencyError is stripe.error.IdempotencyError
    assert clash.value.http_status == 400
    assert clash.value.error.type == "idempotency_error"
    assert "same parameters" in clash.value.user_message
    assert len(stripe.Transfer.list(transfer_group="payout-batch-7").data) == 1

    fetched = stripe.Transfer.retrieve(first.id)
    assert fetched.to_dict() == first.to_dict()

    stripe_api.server.drain()
    created = [d for d in stripe_webhooks.deliveries if d.type == "transfer.created"]
    assert len(created) == 1


def test_transfer_list_filters(stripe_api):
    one, two = _onboarded_account(stripe_api.server), _onboarded_account(stripe_api.server)
    a = stripe.Transfer.create(amount=100, currency="eur", destination=one.id, transfer_group="g1")
    b = stripe.Transfer.create(amount=200, currency="eur", destination=two.id, transfer_group="g1")
    c = stripe.Transfer.create(amount=300, currency="eur", destination=one.id, transfer_group="g2")
    assert [t.id for t in stripe.Transfer.list(transfer_group="g1").data] == [b.id, a.id]
    assert [t.id for t in stripe.Transfer.list(destination=one.id).data] == [c.id, a.id]
    page = stripe.Transfer.list(limit=2)
    assert [t.id for t in page.data] == [c.id, b.id]
    assert page.has_more is True
    assert [t.id for t in page.auto_paging_iter()] == [c.id, b.id, a.id]


def test_transfer_to_an_unknown_destination_is_a_400(stripe_api):
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe.Transfer.create(amount=100, currency="eur", destination="acct_nobody")
    assert error.value.http_status == 400
    assert error.value.param == "destination"
    body = error.value.json_body["error"]
    assert body["type"] == "invalid_request_error"
    assert "acct_nobody" in body["message"]


def test_transfer_needs_a_finished_onboarding(stripe_api):
    account = _make_account()
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe.Transfer.create(amount=100, currency="eur", destination=account.id)
    assert error.value.code == "insufficient_capabilities_for_transfer"


def test_idempotency_keys_are_per_api_key(stripe_api):
    account = _onboarded_account(stripe_api.server)
    params = {"amount": 100, "currency": "eur", "destination": account.id}
    mine = stripe.Transfer.create(**params, idempotency_key="k")
    http_client = make_http_client()
    other_platform = stripe_api.server.client("sk_test_another", http_client=http_client)
    try:
        theirs = other_platform.v1.transfers.create(params, {"idempotency_key": "k"})
    finally:
        http_client.close()
    assert theirs.id != mine.id


def test_stripe_client_works_like_the_module(stripe_api):
    client = stripe_api.client
    account = client.v1.accounts.create(
        {"type": "express", "country": "NL", "capabilities": {"transfers": {"requested": True}}}
    )
    stripe_api.server.complete_account(account.id)
    params = {"amount": 500, "currency": "eur", "destination": account.id, "transfer_group": "c"}
    first = client.v1.transfers.create(params, {"idempotency_key": "client-1"})
    again = client.v1.transfers.create(params, {"idempotency_key": "client-1"})
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.transfers.create({**params, "amount": 501}, {"idempotency_key": "client-1"})
    assert [t.id for t in client.v1.transfers.list({"transfer_group": "c"}).data] == [first.id]
    assert client.v1.transfers.retrieve(first.id).amount == 500


# --- localstripe's own endpoints through the same harness ---------------------------------


def test_card_payment_intent_succeeds_with_a_signed_webhook(stripe_api, stripe_webhooks):
    intent = stripe.PaymentIntent.create(
        amount=2_500,
        currency="eur",
        payment_method_types=["card"],
        payment_method="pm_card_visa",
        confirm=True,
        metadata={"claim_id": "3"},
    )
    assert intent.status == "succeeded"
    assert intent.metadata.to_dict() == {"claim_id": "3"}

    delivery = stripe_webhooks.wait_for("payment_intent.succeeded", id=intent.id)
    event = stripe.Webhook.construct_event(
        delivery.payload, delivery.signature, stripe_webhooks.secret, tolerance=300
    )
    assert event.data.object.id == intent.id
    assert event.data.object.amount == 2_500

    refund = stripe.Refund.create(payment_intent=intent.id, amount=500)
    assert refund.status == "succeeded"
    assert refund.amount == 500


def test_payment_intent_confirmed_in_a_second_step(stripe_api):
    intent = stripe.PaymentIntent.create(amount=1_000, currency="eur")
    assert intent.status == "requires_payment_method"
    intent = stripe.PaymentIntent.modify(intent.id, payment_method="pm_card_visa")
    assert intent.status == "requires_confirmation"
    assert stripe.PaymentIntent.confirm(intent.id).status == "succeeded"


def test_declined_card(stripe_api, stripe_webhooks):
    with pytest.raises(stripe.CardError) as declined:
        stripe.PaymentIntent.create(
            amount=1_000, currency="eur", payment_method="pm_card_chargeCustomerFail", confirm=True
        )
    assert declined.value.code == "card_declined"
    stripe_webhooks.wait_for("payment_intent.payment_failed")


def test_localstripe_endpoints_honour_idempotency_keys(stripe_api, stripe_webhooks):
    params = {
        "amount": 700,
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "confirm": True,
    }
    first = stripe.PaymentIntent.create(**params, idempotency_key="pay-claim-3")
    second = stripe.PaymentIntent.create(**params, idempotency_key="pay-claim-3")
    assert second.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        stripe.PaymentIntent.create(**{**params, "amount": 701}, idempotency_key="pay-claim-3")
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        stripe.Customer.create(idempotency_key="pay-claim-3")
    stripe_api.server.drain()
    succeeded = [d for d in stripe_webhooks.deliveries if d.type == "payment_intent.succeeded"]
    assert len(succeeded) == 1
    assert len(stripe.Charge.list().data) == 1


def test_what_localstripe_does_not_do(stripe_api):
    """Limits the app has to live with in tests (update when localstripe learns more)."""
    # iDEAL: accepted as a payment_method_type, but not echoed, and no iDEAL PaymentMethod.
    intent = stripe.PaymentIntent.create(
        amount=1_000, currency="eur", payment_method_types=["card", "ideal"]
    )
    assert intent.status == "requires_payment_method"
    assert "payment_method_types" not in intent
    with pytest.raises(stripe.InvalidRequestError):
        stripe.PaymentMethod.create(type="ideal", ideal={"bank": "ing"})
    # Parameters it does not know are a 400, not ignored.
    with pytest.raises(stripe.InvalidRequestError, match="description"):
        stripe.PaymentIntent.create(amount=1_000, currency="eur", description="Claim 3")
    with pytest.raises(stripe.InvalidRequestError, match="automatic_payment_methods"):
        stripe.PaymentIntent.create(
            amount=1_000, currency="eur", automatic_payment_methods={"enabled": True}
        )
    # latest_charge comes expanded (an object), where Stripe sends an id.
    paid = stripe.PaymentIntent.create(
        amount=1_000, currency="eur", payment_method="pm_card_visa", confirm=True
    )
    assert isinstance(paid.latest_charge, stripe.Charge)
    # No Checkout, no webhook endpoints API: Stripe-style 404 from the stand-in.
    with pytest.raises(stripe.InvalidRequestError, match="Unrecognized request URL") as nope:
        stripe.checkout.Session.create(
            mode="payment",
            line_items=[{"price": "price_x", "quantity": 1}],
            success_url="http://127.0.0.1/ok",
        )
    assert nope.value.http_status == 404


def test_unauthenticated_requests_are_refused(stripe_api):
    status, _, body = _raw(f"{stripe_api.url}/v1/transfers")
    assert status == 401
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
