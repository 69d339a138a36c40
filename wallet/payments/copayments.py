"""Workers' own contributions: paid online (a Stripe PaymentIntent, card or iDEAL) or by bank
transfer, refunded when the application is cancelled before the course starts.

The ledger records what was received (outside world → co-payments received) and what was
refunded (the reverse). Stripe's answer arrives by webhook; every change is conditional on
the co-payment's current status, so events may come in any order and more than once.
"""

from __future__ import annotations

import sqlalchemy as sa
import stripe
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.applications.models import Application, ApplicationStatus
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, NotFound
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.payments import gateway
from wallet.payments.models import Copayment, CopaymentStatus
from wallet.payments.transitions import COPAYMENT_TRANSITIONS


def _accounts() -> tuple[int, int]:
    outside = ledger.open_account(
        account_codes.COPAY_SOURCE, AccountKind.FUNDING_SOURCE, allow_negative=True
    ).id
    received = ledger.open_account(account_codes.COPAY_RECEIVED, AccountKind.COPAY_RECEIVED).id
    return outside, received


def _advance(copayment_id: int, action: str, **values) -> bool:
    """Move the co-payment along its table from wherever `action` is allowed; whether it
    moved (False: recorded before, a replayed or late event)."""
    return COPAYMENT_TRANSITIONS.advance(Copayment, copayment_id, action, **values)


def _own_waiting(user: User, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or user.role != Role.WORKER or application.user_id != user.id:
        raise NotFound(_("There is no such application."))
    if application.status != ApplicationStatus.AWAITING_COPAYMENT:
        raise Conflict(_("No own contribution is due for this application now."))
    return application


def start_online(user: User, application_id: int) -> Copayment:
    """A PaymentIntent for the worker's own contribution (one per application)."""
    application = _own_waiting(user, application_id)
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.application_id == application.id)
    )
    if copayment is not None and copayment.payment_intent_id:
        return copayment
    try:
        intent = gateway.client().v1.payment_intents.create(
            {
                "amount": application.copay_cents,
                "currency": "eur",
                "payment_method_types": ["card", "ideal"],
                "metadata": {"application": application.reference},
            },
            {"idempotency_key": f"leerwallet-copay-{application.id}"},
        )
    except stripe.StripeError as error:
        raise gateway.failed(error) from None
    with unit_of_work() as db:
        if copayment is None:
            copayment = Copayment(
                application_id=application.id,
                method="stripe",
                amount_cents=application.copay_cents,
                status=CopaymentStatus.PENDING,
            )
            db.add(copayment)
        copayment.payment_intent_id = intent.id
        copayment.updated_at = clock.now()
    return copayment


def record_received(copayment_id: int, *, via: str) -> bool:
    """Pending → succeeded, the money on the ledger, the application confirmed; flush only.

    False when it was recorded before (a replayed or late event)."""
    copayment = session.get(Copayment, copayment_id)
    if not _advance(copayment_id, "receive", updated_at=clock.now()):
        return False
    outside, received = _accounts()
    application = session.get(Application, copayment.application_id)
    ledger.transfer(
        outside,
        received,
        copayment.amount_cents,
        kind="copay_received",
        description=f"Own contribution {application.reference} ({via})",
        reference=application.reference,
    )
    if application.status == ApplicationStatus.AWAITING_COPAYMENT:
        applications.move(
            application, "record_copayment", actor_id=None, payment_reference=via[:50]
        )
    record("copayment", copayment.id, "received", actor_id=None, after={"via": via})
    session.expire(copayment)
    return True


def record_failed(copayment_id: int, message: str) -> bool:
    """A pending payment failed; the worker may try again. Flush only."""
    moved = _advance(copayment_id, "fail", updated_at=clock.now())
    if moved:
        record("copayment", copayment_id, "failed", actor_id=None, reason=message[:500])
    return moved


def record_refunded(copayment_id: int, cents: int, refund_id: str | None) -> bool:
    """Succeeded → refunded, the ledger reversed for `cents`; flush only."""
    copayment = session.get(Copayment, copayment_id)
    if not _advance(
        copayment_id, "refund", refunded_cents=cents, refund_id=refund_id, updated_at=clock.now()
    ):
        return False
    outside, received = _accounts()
    if cents:
        # The application's reference, as on the payment: verify finds the copayment by it.
        application = session.get(Application, copayment.application_id)
        ledger.transfer(
            received,
            outside,
            cents,
            kind="copay_refunded",
            description=f"Own contribution refunded ({refund_id or 'bank'})",
            reference=application.reference,
        )
    record("copayment", copayment_id, "refunded", actor_id=None, after={"cents": cents})
    session.expire(copayment)
    return True


ENDED = (ApplicationStatus.CANCELLED, ApplicationStatus.EXPIRED, ApplicationStatus.REJECTED)


def fix_refund_due(application: Application) -> None:
    """On cancellation, inside its transaction: what goes back by the scheme's rule now (all
    of it before the course starts, nothing after), whenever the refund is paid. Flush only."""
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.application_id == application.id)
    )
    if copayment is None or copayment.method != "stripe" or copayment.refund_due_cents is not None:
        return
    before_start = application.run.starts_on > clock.today()
    copayment.refund_due_cents = copayment.amount_cents if before_start else 0
    # Decided by the scheme's rule on the cancellation (audited there with its actor).
    record(
        "copayment",
        copayment.id,
        "refund_decided",
        actor_id=None,
        after={"cents": copayment.refund_due_cents, "before_start": before_start},
    )


def refund_if_ended(application_id: int) -> str | None:
    """An online co-payment of an application that ended (cancelled, or expired or rejected
    while a payment was under way) goes back: retry-safe with one idempotency key."""
    require_no_unit_of_work("refund_if_ended")
    application = session.get(Application, application_id)
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.application_id == application_id)
    )
    if (
        application is None
        or application.status not in ENDED
        or copayment is None
        or copayment.method != "stripe"
        or copayment.status != CopaymentStatus.SUCCEEDED
    ):
        return None
    due = copayment.refund_due_cents
    cents = copayment.amount_cents if due is None else due  # never started: all of it
    refund_id = None
    if cents:
        try:
            refund = gateway.client().v1.refunds.create(
                {
                    "payment_intent": copayment.payment_intent_id,
                    "amount": cents,
                    "metadata": {"application": application.reference},
                },
                {"idempotency_key": f"leerwallet-copay-refund-{copayment.id}"},
            )
        except stripe.StripeError as error:
            return f"{application.reference}: {gateway.failed(error).detail}"
        refund_id = refund.id
    with unit_of_work():
        record_refunded(copayment.id, cents, refund_id)
    return f"{application.reference}: {cents} cents refunded"


def record_bank_transfer(application: Application, payment_reference: str) -> None:
    """The provider saw the own contribution arrive by bank transfer; flush only."""
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.application_id == application.id)
    )
    if copayment is not None and copayment.method == "stripe":
        raise Conflict(
            _(
                "The worker started paying online; wait for that payment (or its "
                "failure) before recording a bank transfer."
            )
        )
    if copayment is None:
        copayment = Copayment(
            application_id=application.id,
            method="bank_transfer",
            amount_cents=application.copay_cents,
            status=CopaymentStatus.PENDING,
        )
        session.add(copayment)
        session.flush()
    record_received(copayment.id, via=f"bank {payment_reference}"[:50])
