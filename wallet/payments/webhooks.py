"""POST /webhooks/stripe: signed events, each processed once, in any order of arrival.

The signature is checked with the endpoint's secret and a 300-second tolerance, so a
tampered or replayed-late event is refused (400). The event's id is stored in the same
transaction as its effect: a second delivery finds it and changes nothing. Effects only move
objects forward (pending → succeeded → refunded), so a late event cannot undo a newer one.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import stripe
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from wallet.audit.services import record
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError
from wallet.core.web import csrf
from wallet.payments import connect, copayments
from wallet.payments.models import Copayment, PayoutItem, StripeEvent

bp = Blueprint("stripe_webhooks", __name__)
TOLERANCE_SECONDS = 300


class BadWebhook(DomainError):
    """A webhook that is not signed by our endpoint's secret, or too old."""

    status = 400
    title = "Bad webhook"
    code = "bad-webhook"


@bp.post("/webhooks/stripe")
@csrf.exempt
def receive():
    """Verify, then process once."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BadWebhook(_("Stripe webhooks are not set up here."))
    payload = request.get_data()
    try:
        stripe.Webhook.construct_event(
            payload,
            request.headers.get("Stripe-Signature", ""),
            secret,
            tolerance=TOLERANCE_SECONDS,
        )
        event = json.loads(payload)  # verified: plain data from here on
    except (ValueError, stripe.SignatureVerificationError):
        raise BadWebhook(
            _("The webhook signature is not valid, or the event is too old.")
        ) from None
    return jsonify(outcome=process(event))


def process(event: dict) -> str:
    """Apply an event's effect and remember its id, in one transaction."""
    if session.get(StripeEvent, event["id"]) is not None:
        return "already processed"
    obj = event["data"]["object"]
    try:
        with unit_of_work() as db:
            outcome = HANDLERS.get(event["type"], _ignored)(obj)
            db.add(
                StripeEvent(
                    id=event["id"],
                    type=event["type"][:60],
                    object_id=str(obj.get("id", ""))[:64] or None,
                    outcome=outcome[:200],
                )
            )
            db.flush()
    except sa.exc.IntegrityError:  # the same event, delivered twice at once: one wins
        session.rollback()
        if session.get(StripeEvent, event["id"]) is None:
            raise  # not the event id: a real failure, so Stripe retries it
        return "already processed"
    return outcome


def _copayment(intent: dict) -> Copayment | None:
    return session.scalar(
        sa.select(Copayment).where(Copayment.payment_intent_id == intent.get("id"))
    )


def _intent_succeeded(intent: dict) -> str:
    copayment = _copayment(intent)
    if copayment is None:
        return "unknown payment intent"
    done = copayments.record_received(copayment.id, via=f"stripe {intent['id']}")
    return "co-payment received" if done else "co-payment already settled"


def _intent_failed(intent: dict) -> str:
    copayment = _copayment(intent)
    if copayment is None:
        return "unknown payment intent"
    error = (intent.get("last_payment_error") or {}).get("message") or "failed"
    return "co-payment failed" if copayments.record_failed(copayment.id, error) else "ignored"


def _charge_refunded(charge: dict) -> str:
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.payment_intent_id == charge.get("payment_intent"))
    )
    if copayment is None:
        return "unknown charge"
    if copayment.status.value == "pending":  # the refund overtook the payment: record both
        copayments.record_received(copayment.id, via=f"stripe {charge.get('payment_intent')}")
    done = copayments.record_refunded(copayment.id, int(charge.get("amount_refunded") or 0), None)
    return "co-payment refunded" if done else "refund already recorded"


def _account_updated(account: dict) -> str:
    provider = connect.sync_account(account)
    return "account synced" if provider else "unknown account"


def _transfer_event(transfer: dict) -> str:
    item = session.scalar(
        sa.select(PayoutItem).where(PayoutItem.stripe_transfer_id == transfer.get("id"))
    )
    if item is None:  # not committed yet (or never): reconciliation finishes intended items
        return "transfer not recorded yet"
    if transfer.get("reversed"):
        record(
            "payout_item",
            item.id,
            "transfer_reversed",
            actor_id=None,
            after={"transfer": transfer.get("id")},
        )
        return "transfer reversal noted"
    return "transfer known"


def _payout_event(payout: dict) -> str:
    return f"payout {payout.get('status', '?')} on a connected account noted"


def _ignored(_obj: dict) -> str:
    return "ignored"


HANDLERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
    "account.updated": _account_updated,
    "transfer.created": _transfer_event,
    "transfer.updated": _transfer_event,
    "transfer.reversed": _transfer_event,
    "payout.paid": _payout_event,
    "payout.failed": _payout_event,
}
