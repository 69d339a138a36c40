"""Stripe Connect: providers' Express accounts, and payout items paid by Transfers.

A transfer is never made twice for one item, also when the process dies between the call and
the commit: the intent is committed first (transfer_state = intended), the call carries an
idempotency key derived from the item, and the result is committed after. Reconciliation
finishes items left intended: it finds their transfer by transfer group, or repeats the call
with the same key (Stripe then returns the first transfer instead of making a second).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import stripe
from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, DomainError, NotFound
from wallet.core.transitions import advance
from wallet.payments import batches, gateway
from wallet.payments.models import (
    BatchStatus,
    ItemStatus,
    PayoutBatch,
    PayoutItem,
    PayoutMethod,
    TransferState,
)
from wallet.providers.models import Provider

items = PayoutItem.__table__
# An intent younger than this may belong to a payment run still under way: left alone.
INTENT_GRACE_SECONDS = 600


def _provider(provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("There is no such provider."))
    return provider


def onboarding_link(provider_id: int, *, return_url: str, refresh_url: str) -> str:
    """Where the provider's staff finish their Express account (made on first use)."""
    provider = _provider(provider_id)
    api = gateway.client()
    try:
        if not provider.stripe_account_id:
            account = api.v1.accounts.create(
                {
                    "type": "express",
                    "country": "NL",
                    "email": provider.contact_email or None,
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"provider": str(provider.id)},
                },
                {"idempotency_key": f"leerwallet-provider-{provider.id}-account"},
            )
            with unit_of_work():
                provider.stripe_account_id = account.id
                record(
                    "provider",
                    provider.id,
                    "stripe_connect",
                    actor_id=None,
                    after={"account": account.id},
                )
        link = api.v1.account_links.create(
            {
                "account": provider.stripe_account_id,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            }
        )
    except stripe.StripeError as error:
        raise gateway.failed(error) from None
    return link.url


def sync_account(account: dict | stripe.Account) -> Provider | None:
    """Keep what an account can do (from a webhook or the return page); flush only."""
    if isinstance(account, stripe.StripeObject):
        account = account.to_dict()
    provider = session.scalar(
        sa.select(Provider).where(Provider.stripe_account_id == account["id"])
    )
    if provider is None:
        return None
    enabled = bool(account.get("payouts_enabled")) and bool(account.get("details_submitted"))
    if provider.stripe_payouts_enabled != enabled:
        provider.stripe_payouts_enabled = enabled
        record(
            "provider",
            provider.id,
            "stripe_account",
            actor_id=None,
            after={"payouts_enabled": enabled},
        )
        session.flush()
    return provider


def refresh_account(provider_id: int) -> Provider:
    """Ask Stripe how the provider's account stands now (the return page)."""
    provider = _provider(provider_id)
    if not provider.stripe_account_id:
        return provider
    try:
        account = gateway.client().v1.accounts.retrieve(provider.stripe_account_id)
    except stripe.StripeError as error:
        raise gateway.failed(error) from None
    with unit_of_work():
        sync_account(account)
    return provider


def _idempotency_key(item_id: int) -> str:
    return f"leerwallet-payout-item-{item_id}"


def _intend(item: PayoutItem) -> bool:
    """Commit the intent before calling Stripe; False when another process has it."""
    with unit_of_work():
        taken = advance(
            PayoutItem,
            item.id,
            TransferState.NONE,
            TransferState.INTENDED,
            column="transfer_state",
            intended_at=clock.now(),
            where=[items.c.status == ItemStatus.SUBMITTED.value],
        )
    session.expire(item)
    return taken


def _call(item: PayoutItem, batch: PayoutBatch) -> stripe.Transfer:
    return gateway.client().v1.transfers.create(
        {
            "amount": item.amount_cents,
            "currency": "eur",
            "destination": item.stripe_account_id,
            "transfer_group": batch.reference,
            "description": f"Leerwallet {batch.reference}",
            "metadata": {"payout_item": str(item.id), "batch": batch.reference},
        },
        {"idempotency_key": _idempotency_key(item.id)},
    )


def confirm_transfer(item_id: int, transfer_id: str, actor: User | None) -> None:
    """Record the transfer and settle the item: in transit → paid out, claims paid."""
    with unit_of_work():
        done = advance(
            PayoutItem,
            item_id,
            TransferState.INTENDED,
            TransferState.CREATED,
            column="transfer_state",
            stripe_transfer_id=transfer_id,
        )
        if not done:
            raise Conflict(_("This payment's transfer was recorded already."))
        batches.mark_paid(item_id, None, actor=actor, via=f"stripe {transfer_id}")


def pay_stripe_batch(batch_id: int, fund_id: int, *, actor: User | None) -> list[str]:
    """Transfer every submitted item of a Stripe batch; problems are returned, not raised."""
    require_no_unit_of_work("pay_stripe_batch")
    batch = batches.get_batch(batch_id, fund_id)
    if batch.method != PayoutMethod.STRIPE or batch.status != BatchStatus.SUBMITTED:
        raise Conflict(_("Only a submitted Stripe batch is paid by transfers."))
    problems = []
    for item in list(batch.items):
        if item.status != ItemStatus.SUBMITTED or item.transfer_state != TransferState.NONE:
            continue
        if not _intend(item):
            continue
        try:
            transfer = _call(item, batch)
        except stripe.StripeError as error:
            if _refused(error):  # Stripe said no: nothing was made, the intent is withdrawn
                _withdraw(item)
            else:  # no answer: it may exist; reconciliation finds it or makes it, once
                problems.append(
                    _(
                        "%(name)s: no answer from Stripe; reconciliation finishes it.",
                        name=item.account_holder,
                    )
                )
                continue
            problems.append(f"{item.account_holder}: {gateway.failed(error).detail}")
            continue
        confirm_transfer(item.id, transfer.id, actor)
    return problems


def _refused(error: stripe.StripeError) -> bool:
    """A definite no (bad request, unknown account): certainly no transfer was made."""
    definite = (
        stripe.InvalidRequestError,
        stripe.CardError,
        stripe.PermissionError,
        stripe.AuthenticationError,
    )
    return isinstance(error, definite) and not isinstance(error, stripe.IdempotencyError)


def _withdraw(item: PayoutItem) -> None:
    with unit_of_work():
        advance(
            PayoutItem,
            item.id,
            TransferState.INTENDED,
            TransferState.NONE,
            column="transfer_state",
            intended_at=None,
        )


def finish_intended() -> list[str]:
    """Reconciliation: finish items whose process died between the call and the commit."""
    require_no_unit_of_work("finish_intended")
    settled = clock.now() - dt.timedelta(seconds=INTENT_GRACE_SECONDS)
    left = session.scalars(
        sa.select(PayoutItem).where(
            PayoutItem.transfer_state == TransferState.INTENDED,
            PayoutItem.status == ItemStatus.SUBMITTED,
            PayoutItem.intended_at <= settled,
        )
    ).all()
    session.rollback()
    notes = []
    for item in left:
        batch = session.get(PayoutBatch, item.batch_id)
        try:
            found = _find_transfer(item, batch)
            transfer = found or _call(item, batch)
        except stripe.StripeError as error:
            notes.append(f"{batch.reference} {item.account_holder}: {gateway.failed(error).detail}")
            continue
        try:
            confirm_transfer(item.id, transfer.id, None)
        except DomainError as error:
            notes.append(
                f"{batch.reference} {item.account_holder}: transfer {transfer.id} "
                f"not recorded: {error.detail}"
            )
            continue
        how = "found at Stripe" if found else "made now (the first call never arrived)"
        notes.append(f"{batch.reference} {item.account_holder}: transfer {transfer.id} {how}")
    return notes


def _find_transfer(item: PayoutItem, batch: PayoutBatch) -> stripe.Transfer | None:
    listed = gateway.client().v1.transfers.list({"transfer_group": batch.reference, "limit": 100})
    for transfer in listed.auto_paging_iter():
        if (transfer.to_dict().get("metadata") or {}).get("payout_item") == str(item.id):
            return transfer
    return None
