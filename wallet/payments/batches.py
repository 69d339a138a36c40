"""Payout batches: make one from a fund's approved claims, submit it, and settle its items.

A batch pays payees of two kinds: providers (their claims) and employers (their approved
reimbursement claims, by SEPA only). Each keeps its own payable account: "provider:<id>:payable"
or "employer:<id>:payable". The ledger moves payable → in transit when a batch is submitted
(less what a provider owes the fund after clawbacks: payable → receivable; employers are never
offset), and in transit → paid out when an item is paid. A failed item's transaction is
reversed: the money is payable again and its claims can go into a later batch. Set-based
throughout, so a batch of 50,000 claims stays quick.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.applications.models import Application, ApplicationStatus
from wallet.audit.models import AuditEvent
from wallet.audit.services import record
from wallet.bankdetails.models import OwnerKind
from wallet.bankdetails.services import owners_with_pending_change
from wallet.claims.models import Claim, ClaimKind, ClaimStatus
from wallet.claims.services import payable_account, receivable_account
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.transitions import advance, advance_many
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.payments import gateway
from wallet.payments.models import (
    BatchStatus,
    ItemStatus,
    PayoutBatch,
    PayoutItem,
    PayoutLine,
    PayoutMethod,
    TransferState,
)
from wallet.payments.payees import employer_problem, payee_problem
from wallet.payments.transitions import BATCH_TRANSITIONS, ITEM_TRANSITIONS
from wallet.placements import reimbursements
from wallet.placements.models import ReimbursementClaim, ReimbursementStatus
from wallet.placements.review import employer_payable
from wallet.providers.models import Provider

claims_table = Claim.__table__
lines_table = PayoutLine.__table__


@dataclass(frozen=True)
class BatchOutcome:
    """The batch made, and the payees (providers, employers) left out with the reason."""

    batch: PayoutBatch
    left_out: list[tuple[str, str]]


def get_batch(batch_id: int, fund_id: int | None = None) -> PayoutBatch:
    """The batch (of `fund_id` when given), or NotFound."""
    batch = session.get(PayoutBatch, batch_id)
    if batch is None or (fund_id is not None and batch.fund_id != fund_id):
        raise NotFound(_("There is no such payout batch."))
    return batch


def _in_transit(fund_id: int) -> int:
    return ledger.open_account(account_codes.fund_in_transit(fund_id), AccountKind.IN_TRANSIT).id


def _paid_out(fund_id: int) -> int:
    return ledger.open_account(account_codes.fund_paid_out(fund_id), AccountKind.PAID_OUT).id


def _debt(provider_id: int, fund_id: int) -> int:
    """What the provider owes the fund after clawbacks (the receivable's shortfall)."""
    return max(0, -ledger.balance(receivable_account(provider_id, fund_id).id).posted_cents)


def _owed(provider_id: int, fund_id: int) -> int:
    """The debt not yet set against a draft batch (two drafts never offset one debt twice)."""
    reserved = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PayoutItem.offset_cents), 0))
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .where(
            PayoutItem.provider_id == provider_id,
            PayoutBatch.fund_id == fund_id,
            PayoutBatch.status == BatchStatus.DRAFT,
        )
    )
    return max(0, _debt(provider_id, fund_id) - int(reserved))  # SUM is numeric on PostgreSQL


def _approved_reimbursements(fund_id: int) -> list:
    return session.execute(
        sa.select(
            ReimbursementClaim.id,
            ReimbursementClaim.employer_id,
            ReimbursementClaim.amount_cents,
            ReimbursementClaim.reference,
        )
        .where(
            ReimbursementClaim.fund_id == fund_id,
            ReimbursementClaim.status == ReimbursementStatus.APPROVED,
        )
        .order_by(ReimbursementClaim.employer_id, ReimbursementClaim.id)
    ).all()


def _payable_employers(fund_id: int, method: PayoutMethod, left_out: list) -> dict:
    """The fund's approved reimbursement claims per employer that can be paid by `method`;
    the others are added to `left_out` with the reason."""
    from wallet.employers.models import Employer

    rows = _approved_reimbursements(fund_id)
    per_employer = {e: list(r) for e, r in itertools.groupby(rows, lambda r: r.employer_id)}
    employers = {
        e.id: e for e in session.scalars(sa.select(Employer).where(Employer.id.in_(per_employer)))
    }
    waiting = owners_with_pending_change(OwnerKind.EMPLOYER, per_employer)
    for employer_id in list(per_employer):
        problem = employer_problem(employers[employer_id], method)
        if problem is None and employer_id in waiting:
            problem = _("bank details awaiting confirmation")
        if problem:
            left_out.append((employers[employer_id].name, problem))
            del per_employer[employer_id]
    return {employers[e]: rows for e, rows in per_employer.items()}


def create_batch(fund_id: int, *, method: PayoutMethod, actor: User | None) -> BatchOutcome:
    """A draft batch of every approved claim of the fund not in another batch: one item per
    provider (its claims) and one per employer (its reimbursement claims).

    Payees that cannot be paid by `method` (no valid IBAN, a new IBAN not yet confirmed by a
    second person, no Stripe account able to receive payouts, an employer in a Stripe batch,
    a provider not accredited or an employer not verified) are left out and reported; their
    claims wait for the next batch.
    """
    if method == PayoutMethod.STRIPE and not gateway.enabled():
        raise gateway.StripeUnavailable(_("Stripe is not set up here: pay by SEPA file."))
    claims = session.execute(
        sa.select(Claim.id, Claim.provider_id, Claim.amount_cents, Claim.reference)
        .where(Claim.fund_id == fund_id, Claim.status == ClaimStatus.APPROVED)
        .order_by(Claim.provider_id, Claim.id)
    ).all()
    if not claims and not _approved_reimbursements(fund_id):
        raise Conflict(_("There are no approved claims to pay."))
    per_provider = {p: list(rows) for p, rows in itertools.groupby(claims, lambda r: r.provider_id)}
    providers = {
        p.id: p for p in session.scalars(sa.select(Provider).where(Provider.id.in_(per_provider)))
    }
    left_out = []
    # Stripe pays the connected account, whose bank details Stripe keeps: only SEPA waits.
    waiting = (
        owners_with_pending_change(OwnerKind.PROVIDER, per_provider)
        if method == PayoutMethod.SEPA
        else set()
    )
    for provider_id in list(per_provider):
        problem = payee_problem(providers[provider_id], method)
        if problem is None and provider_id in waiting:
            problem = _("bank details awaiting confirmation")
        if problem:
            left_out.append((providers[provider_id].name, problem))
            del per_provider[provider_id]
    per_employer = _payable_employers(fund_id, method, left_out)
    if not per_provider and not per_employer:
        raise ValidationFailed(
            _(
                "Nobody with approved claims can be paid this way: %(why)s",
                why="; ".join(f"{n}: {p}" for n, p in left_out),
            )
        )
    now = clock.now()
    with unit_of_work() as db:
        batch = PayoutBatch(
            reference=None,
            fund_id=fund_id,
            method=method,
            status=BatchStatus.DRAFT,
            created_by_id=actor and actor.id,
            created_at=now,
            left_out=[{"name": name, "reason": reason} for name, reason in left_out],
        )
        db.add(batch)
        db.flush()
        batch.reference = f"PB-{now.year}-{batch.id:06d}"
        line_rows, claim_ids = [], []
        attempts = _earlier_attempts(
            [row.id for rows in per_provider.values() for row in rows], PayoutLine.claim_id
        )
        for provider_id, rows in per_provider.items():
            provider = providers[provider_id]
            gross = sum(row.amount_cents for row in rows)
            offset = min(gross, _owed(provider_id, fund_id))
            item = PayoutItem(
                batch_id=batch.id,
                provider_id=provider_id,
                status=ItemStatus.DRAFT,
                gross_cents=gross,
                offset_cents=offset,
                amount_cents=gross - offset,
                account_holder=provider.name,
                iban=provider.iban,
                bic=provider.bic,
                stripe_account_id=provider.stripe_account_id,
            )
            db.add(item)
            db.flush()
            for row in rows:  # the offset consumes the oldest claims first
                taken = min(offset, row.amount_cents)
                offset -= taken
                tries = attempts.get(row.id, 0)
                end_to_end = row.reference if not tries else f"{row.reference}-{tries + 1}"
                line_rows.append(
                    {
                        "item_id": item.id,
                        "claim_id": row.id,
                        "reimbursement_claim_id": None,
                        "end_to_end_id": end_to_end,
                        "claim_cents": row.amount_cents,
                        "offset_cents": taken,
                        "amount_cents": row.amount_cents - taken,
                        "released": False,
                    }
                )
                claim_ids.append(row.id)
        reimbursement_ids = _employer_items(db, batch, per_employer, line_rows)
        try:
            db.execute(sa.insert(PayoutLine), line_rows)
        except sa.exc.IntegrityError:  # another batch took some of these claims meanwhile
            raise Conflict(_("Some claims changed meanwhile. Please try again.")) from None
        _move_claims(
            claim_ids,
            ClaimStatus.APPROVED,
            ClaimStatus.IN_BATCH,
            "batch",
            actor,
            {"batch": batch.reference},
        )
        reimbursements.move_many(
            reimbursement_ids,
            ReimbursementStatus.APPROVED,
            "batch",
            actor_id=actor and actor.id,
            detail={"batch": batch.reference},
        )
        batch.claim_count = len(claim_ids) + len(reimbursement_ids)
        batch.gross_cents = sum(r["claim_cents"] for r in line_rows)
        batch.offset_cents = sum(r["offset_cents"] for r in line_rows)
        batch.amount_cents = batch.gross_cents - batch.offset_cents
        record(
            "payout_batch",
            batch.id,
            "create",
            actor_id=actor and actor.id,
            after={
                "claims": batch.claim_count,
                "amount": batch.amount_cents,
                "left_out": [name for name, _p in left_out],
            },
        )
    return BatchOutcome(batch, left_out)


def _employer_items(db, batch: PayoutBatch, per_employer: dict, line_rows: list) -> list[int]:
    """One item per employer, its lines added to `line_rows`; the reimbursement claims' ids.
    Employers owe the fund nothing a payout could settle: no offset."""
    ids = [row.id for rows in per_employer.values() for row in rows]
    attempts = _earlier_attempts(ids, PayoutLine.reimbursement_claim_id)
    for employer, rows in per_employer.items():
        gross = sum(row.amount_cents for row in rows)
        item = PayoutItem(
            batch_id=batch.id,
            employer_id=employer.id,
            status=ItemStatus.DRAFT,
            gross_cents=gross,
            offset_cents=0,
            amount_cents=gross,
            account_holder=employer.name,
            iban=employer.iban,
            bic=employer.bic,
        )
        db.add(item)
        db.flush()
        for row in rows:
            tries = attempts.get(row.id, 0)
            end_to_end = row.reference if not tries else f"{row.reference}-{tries + 1}"
            line_rows.append(
                {
                    "item_id": item.id,
                    "claim_id": None,
                    "reimbursement_claim_id": row.id,
                    "end_to_end_id": end_to_end,
                    "claim_cents": row.amount_cents,
                    "offset_cents": 0,
                    "amount_cents": row.amount_cents,
                    "released": False,
                }
            )
    return ids


def _earlier_attempts(claim_ids: list[int], column) -> dict[int, int]:
    """How often each claim was in a batch before (`column`: the line's claim_id or its
    reimbursement_claim_id). A claim paid again after a failed transfer gets end-to-end id
    REF-2, REF-3...: a late line for the old transfer never matches it."""
    found: dict[int, int] = {}
    for start in range(0, len(claim_ids), 5_000):
        chunk = claim_ids[start : start + 5_000]
        found.update(
            session.execute(
                sa.select(column, sa.func.count(PayoutLine.id))
                .where(column.in_(chunk))
                .group_by(column)
            ).all()
        )
    return found


def _move_claims(
    claim_ids: list[int],
    before: ClaimStatus,
    after: ClaimStatus,
    action: str,
    actor: User | None,
    detail: dict,
) -> None:
    """Move many claims at once; all of them or none (someone else moved one meanwhile)."""
    if not claim_ids:
        return
    moved = advance_many(Claim, claim_ids, before, after, updated_at=clock.now())
    if moved != len(claim_ids):
        raise Conflict(_("Some claims changed meanwhile. Please try again."))
    now, actor_id = clock.now(), actor and actor.id
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "at": now,
                "actor_id": actor_id,
                "subject_type": "claim",
                "subject_id": claim_id,
                "action": action,
                "before": {"status": before.value},
                "after": {"status": after.value, **detail},
                "reason": None,
            }
            for claim_id in claim_ids
        ],
    )


def _split(rows) -> tuple[list[int], list[int]]:
    """(providers' claim ids, employers' reimbursement claim ids) of (claim_id,
    reimbursement_claim_id) rows."""
    claims = sorted(claim for claim, _r in rows if claim is not None)
    return claims, sorted(reimbursement for _c, reimbursement in rows if reimbursement is not None)


def _claim_ids(*where) -> tuple[list[int], list[int]]:
    """The claims of the live lines that match `where`, of both kinds."""
    query = sa.select(PayoutLine.claim_id, PayoutLine.reimbursement_claim_id).where(
        PayoutLine.released.is_(False), *where
    )
    return _split(session.execute(query).all())


def _move_both(
    ids: tuple[list[int], list[int]],
    before: ClaimStatus,
    after: ClaimStatus,
    action: str,
    actor: User | None,
    detail: dict,
) -> list[int]:
    """Move providers' claims and employers' reimbursement claims along their tables (the
    states a payout moves them between have the same names); the providers' claim ids."""
    claim_ids, reimbursement_ids = ids
    _move_claims(claim_ids, before, after, action, actor, detail)
    reimbursements.move_many(
        reimbursement_ids,
        ReimbursementStatus(before.value),
        action,
        actor_id=actor and actor.id,
        detail=detail,
    )
    return claim_ids


def _line_ids(line: PayoutLine) -> tuple[list[int], list[int]]:
    return _split([(line.claim_id, line.reimbursement_claim_id)])


def payable_of(item: PayoutItem) -> int:
    """The payee's payable account: a provider's or an employer's, never the one for the other."""
    if item.employer_id is not None:
        return employer_payable(item.employer_id)
    return payable_account(item.provider_id)


def discard_batch(batch_id: int, fund_id: int, *, actor: User | None) -> PayoutBatch:
    """Give up a draft batch: its claims are approved and unbatched again."""
    batch = get_batch(batch_id, fund_id)
    _require(batch, "discard")
    item_ids = [item.id for item in batch.items]
    with unit_of_work():
        _set_batch(batch, "discard")
        _move_both(
            _claim_ids(PayoutLine.item_id.in_(item_ids)),
            ClaimStatus.IN_BATCH,
            ClaimStatus.APPROVED,
            "unbatch",
            actor,
            {"batch": batch.reference},
        )
        session.execute(
            sa.update(lines_table).where(lines_table.c.item_id.in_(item_ids)).values(released=True)
        )
        record("payout_batch", batch.id, "discard", actor_id=actor and actor.id)
    return batch


def _require(batch: PayoutBatch, action: str) -> BatchStatus:
    """Where `action` takes the batch by the table, or Conflict saying why not."""
    return BATCH_TRANSITIONS.target(batch.status, action)


def _set_batch(batch: PayoutBatch, action: str, **values) -> None:
    """Move the batch along the table if it is still where the caller saw it."""
    before = batch.status
    if not advance(
        PayoutBatch, batch.id, before, BATCH_TRANSITIONS.target(before, action), **values
    ):
        raise Conflict(_("The batch changed meanwhile. Please look again."))
    session.expire(batch)


def submit_batch(batch_id: int, fund_id: int, *, actor: User | None) -> PayoutBatch:
    """Money goes in transit: one ledger transaction per provider (less what it owes)."""
    batch = get_batch(batch_id, fund_id)
    _require(batch, "submit")
    transit = _in_transit(fund_id)
    with unit_of_work():
        # The execution date is fixed now, so the SEPA file is the same file at every download.
        _set_batch(batch, "submit", submitted_at=clock.now(), execution_date=clock.today())
        offset_only = []
        _require_confirmed_ibans(batch)
        for item in batch.items:
            if item.provider_id is not None and item.offset_cents > _debt(
                item.provider_id, fund_id
            ):
                raise Conflict(
                    _(
                        "What %(name)s owes the fund changed since this draft; discard "
                        "it and make a new batch.",
                        name=item.account_holder,
                    )
                )
            entries = [(payable_of(item), -item.gross_cents), (transit, item.amount_cents)]
            if item.offset_cents:
                entries.append(
                    (receivable_account(item.provider_id, fund_id).id, item.offset_cents)
                )
            transaction = ledger.record(
                entries,
                kind="payout_submit",
                actor_id=actor and actor.id,
                description=f"Payout {batch.reference}",
                reference=batch.reference,
            )
            item.transit_transaction_id = transaction.id
            item.status = ITEM_TRANSITIONS.target(item.status, "submit")
            if item.amount_cents == 0:
                offset_only.append(item)
        session.flush()
        _settle_offset_lines(batch, actor)
        for item in offset_only:  # nothing to transfer: settled by what the provider owed
            _settle_item(item, batch, actor, via="offset")
        record(
            "payout_batch",
            batch.id,
            "submit",
            actor_id=actor and actor.id,
            after={"amount": batch.amount_cents, "offset": batch.offset_cents},
        )
        _close_if_done(batch)
    return batch


def _require_confirmed_ibans(batch: PayoutBatch) -> None:
    """Conflict when a payee's IBAN changed since the draft or a new one waits for a second
    person: the transfer would go to an account nobody confirmed is still right."""
    if batch.method != PayoutMethod.SEPA:
        return
    from wallet.employers.models import Employer

    for kind, model, column in (
        (OwnerKind.PROVIDER, Provider, "provider_id"),
        (OwnerKind.EMPLOYER, Employer, "employer_id"),
    ):
        items = {getattr(i, column): i for i in batch.items if getattr(i, column) is not None}
        if not items:
            continue
        current = dict(
            session.execute(sa.select(model.id, model.iban).where(model.id.in_(items))).all()
        )
        waiting = owners_with_pending_change(kind, items)
        for payee_id, item in items.items():
            if payee_id in waiting or current.get(payee_id) != item.iban:
                raise Conflict(
                    _(
                        "The bank details of %(name)s changed since this draft or "
                        "await confirmation; discard it and make a new batch.",
                        name=item.account_holder,
                    )
                )


def _settle_offset_lines(batch: PayoutBatch, actor: User | None) -> None:
    """Claims paid in full by what the provider owed are paid now: no transfer carries them."""
    lines = session.execute(
        sa.select(PayoutLine.id, PayoutLine.claim_id, PayoutLine.reimbursement_claim_id)
        .join(PayoutItem)
        .where(
            PayoutItem.batch_id == batch.id,
            PayoutLine.amount_cents == 0,
            PayoutLine.released.is_(False),
        )
    ).all()
    if not lines:
        return
    session.execute(
        sa.update(lines_table)
        .where(lines_table.c.id.in_([i for i, *_c in lines]))
        .values(paid_at=clock.now())
    )
    claim_ids = _move_both(
        _split([ids for _i, *ids in lines]),
        ClaimStatus.IN_BATCH,
        ClaimStatus.PAID,
        "pay",
        actor,
        {"batch": batch.reference, "via": "offset"},
    )
    _pay_applications(claim_ids, actor)


def _settle_item(item: PayoutItem, batch: PayoutBatch, actor: User | None, *, via: str) -> None:
    now = clock.now()
    if not ITEM_TRANSITIONS.advance(PayoutItem, item.id, "pay", paid_at=now):
        raise Conflict(_("This payment was settled already."))
    if item.amount_cents:
        ledger.transfer(
            _in_transit(batch.fund_id),
            _paid_out(batch.fund_id),
            item.amount_cents,
            kind="payout_paid",
            description=f"Paid {batch.reference} ({via})",
            reference=batch.reference,
            actor_id=actor and actor.id,
        )
    transferred = _claim_ids(PayoutLine.item_id == item.id, PayoutLine.amount_cents > 0)
    session.execute(
        sa.update(lines_table)
        .where(
            lines_table.c.item_id == item.id,
            lines_table.c.released.is_(False),
            lines_table.c.amount_cents > 0,
        )
        .values(paid_at=now)
    )
    claim_ids = _move_both(
        transferred,
        ClaimStatus.IN_BATCH,
        ClaimStatus.PAID,
        "pay",
        actor,
        {"batch": batch.reference, "via": via},
    )
    _pay_applications(claim_ids, actor)
    record("payout_item", item.id, "paid", actor_id=actor and actor.id, after={"via": via})
    session.expire(item)


def _pay_applications(claim_ids: list[int], actor: User | None) -> None:
    """Applications whose final claim is paid are paid (set-based, with their audit)."""
    final = sa.select(Claim.application_id).where(
        Claim.id.in_(claim_ids), Claim.kind == ClaimKind.FINAL
    )
    ids = list(
        session.scalars(
            sa.select(Application.id).where(
                Application.id.in_(final), Application.status == ApplicationStatus.INVOICED
            )
        )
    )
    if not ids:
        return
    table = Application.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id.in_(ids))
        .values(status=ApplicationStatus.PAID.value, updated_at=clock.now())
    )
    now, actor_id = clock.now(), actor and actor.id
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "at": now,
                "actor_id": actor_id,
                "subject_type": "application",
                "subject_id": i,
                "action": "pay",
                "before": {"status": "invoiced"},
                "after": {"status": "paid"},
                "reason": None,
            }
            for i in ids
        ],
    )


def _close_if_done(batch: PayoutBatch) -> None:
    open_items = session.scalar(
        sa.select(sa.func.count(PayoutItem.id)).where(
            PayoutItem.batch_id == batch.id, PayoutItem.status == ItemStatus.SUBMITTED
        )
    )
    if open_items == 0:
        _set_batch(batch, "close", closed_at=clock.now())


def get_item(item_id: int, fund_id: int | None = None) -> PayoutItem:
    """The item (of a batch of `fund_id` when given), or NotFound."""
    item = session.get(PayoutItem, item_id)
    if item is None or (
        fund_id is not None and session.get(PayoutBatch, item.batch_id).fund_id != fund_id
    ):
        raise NotFound(_("There is no such payment."))
    return item


def mark_paid(item_id: int, fund_id: int | None, *, actor: User | None, via: str = "manual"):
    """The bank (or Stripe) paid the provider: in transit → paid out, claims paid."""
    item = get_item(item_id, fund_id)
    batch = session.get(PayoutBatch, item.batch_id)
    if item.status != ItemStatus.SUBMITTED:
        raise Conflict(_("This payment was settled already."))
    with unit_of_work():
        _settle_item(item, batch, actor, via=via)
        _close_if_done(batch)
    return item


def mark_failed(item_id: int, fund_id: int | None, *, actor: User | None, reason: str):
    """The transfer bounced or was refused: its claims' money is payable again and the claims
    approved (claims already settled by offset stay paid)."""
    item = get_item(item_id, fund_id)
    if not reason.strip():
        raise ValidationFailed(
            _("Give the reason the payment failed."), errors={"reason": _("Give a reason.")}
        )
    if item.status != ItemStatus.SUBMITTED:
        raise Conflict(_("This payment was settled already."))
    if item.transfer_state != TransferState.NONE:
        raise Conflict(
            _("A Stripe transfer was made or may be on its way for this payment; reconcile first.")
        )
    with unit_of_work():
        for line in _open_lines(item.id):
            fail_line(line, item, actor=actor, reason=reason.strip())
    return item


def _open_lines(item_id: int) -> list[PayoutLine]:
    return list(
        session.scalars(
            sa.select(PayoutLine)
            .where(
                PayoutLine.item_id == item_id,
                PayoutLine.released.is_(False),
                PayoutLine.amount_cents > 0,
                PayoutLine.paid_at.is_(None),
            )
            .order_by(PayoutLine.id)
        )
    )


def fail_line(line: PayoutLine, item: PayoutItem, *, actor: User | None, reason: str) -> None:
    """One claim's transfer came back: undo its share of the item (flush only)."""
    batch = session.get(PayoutBatch, item.batch_id)
    released = session.execute(
        sa.update(lines_table)
        .where(
            lines_table.c.id == line.id,
            lines_table.c.released.is_(False),
            lines_table.c.paid_at.is_(None),
        )
        .values(released=True)
    ).rowcount
    if released != 1:
        raise Conflict(_("This transfer was settled already."))
    _book_return(line, item, batch, _in_transit(batch.fund_id), actor=actor, reason=reason)
    _move_both(
        _line_ids(line),
        ClaimStatus.IN_BATCH,
        ClaimStatus.APPROVED,
        "unbatch",
        actor,
        {"batch": batch.reference, "failed": reason},
    )
    record("payout_line", line.id, "failed", actor_id=actor and actor.id, reason=reason)
    session.expire(item)
    if not _open_lines(item.id) and not _paid_transfers(item.id):
        ITEM_TRANSITIONS.advance(PayoutItem, item.id, "fail")
        session.expire(item)
        _close_if_done(batch)


def return_transfer(line: PayoutLine, item: PayoutItem, *, actor: User | None, reason: str) -> None:
    """The bank returned one claim's transfer, before or after its item was paid: its money
    is payable again (its offset owed again) and its claim approved again; a claim clawed back
    since it was paid stays so, and the provider owes less by what came back (flush only)."""
    batch = session.get(PayoutBatch, item.batch_id)
    session.refresh(item)
    paid = item.status == ItemStatus.PAID
    if (item.status, "return") not in ITEM_TRANSITIONS:
        raise Conflict(_("This transfer was settled already."))
    claim_status = line.claim_id and session.scalar(
        sa.select(Claim.status).where(Claim.id == line.claim_id)
    )
    after_clawback = paid and claim_status == ClaimStatus.CLAWED_BACK
    now = clock.now()
    returned = session.execute(
        sa.update(lines_table)
        .where(
            lines_table.c.id == line.id,
            lines_table.c.released.is_(False),
            lines_table.c.returned_at.is_(None),
        )
        .values(released=True, returned_at=now, returned_after_clawback=after_clawback)
    ).rowcount
    if returned != 1:  # a return is booked once, whatever the order of the statements
        raise Conflict(_("This transfer was settled already."))
    if after_clawback:  # the claim stays clawed back; what the provider owes changes
        _book_return_after_clawback(line, item, batch, actor=actor, reason=reason)
    elif paid:  # the money left paid-out
        _book_return(line, item, batch, _paid_out(batch.fund_id), actor=actor, reason=reason)
        _move_both(
            _line_ids(line),
            ClaimStatus.PAID,
            ClaimStatus.APPROVED,
            "return_payment",
            actor,
            {"batch": batch.reference, "returned": reason},
        )
        if line.claim_id is not None:
            _unpay_application(line.claim_id, actor, reason)
    else:  # not paid yet: it never left in-transit
        _book_return(line, item, batch, _in_transit(batch.fund_id), actor=actor, reason=reason)
        _move_both(
            _line_ids(line),
            ClaimStatus.IN_BATCH,
            ClaimStatus.APPROVED,
            "unbatch",
            actor,
            {"batch": batch.reference, "failed": reason},
        )
    record(
        "payout_line",
        line.id,
        "returned",
        actor_id=actor and actor.id,
        reason=reason,
        before={"status": item.status.value, "paid": line.paid_at is not None},
        after={
            "amount": line.amount_cents,
            "claim": line.claim_id,
            "reimbursement_claim": line.reimbursement_claim_id,
            "after_clawback": after_clawback,
        },
    )
    topic = "payment_returned_after_clawback" if after_clawback else "payment_returned"
    _tell_of_return(line, item, batch, reason, topic)
    session.expire(item)
    if not _paid_transfers(item.id) and (paid or not _open_lines(item.id)):
        ITEM_TRANSITIONS.advance(PayoutItem, item.id, "return")
        session.expire(item)
        if not paid:
            _close_if_done(batch)


def _book_return(
    line: PayoutLine,
    item: PayoutItem,
    batch: PayoutBatch,
    source: int,
    *,
    actor: User | None,
    reason: str,
) -> None:
    """The line's money back from `source` (in transit or paid out) to what is payable to the
    payee, the debt it settled owed again, and the line out of the totals."""
    entries = [(source, -line.amount_cents), (payable_of(item), line.claim_cents)]
    if line.offset_cents:
        entries.append((receivable_account(item.provider_id, batch.fund_id).id, -line.offset_cents))
    ledger.record(
        entries,
        kind="payout_returned",
        actor_id=actor and actor.id,
        description=f"Returned {line.end_to_end_id}: {reason}"[:300],
        reference=batch.reference,
    )
    _shrink(item, batch, line, reason)


def _book_return_after_clawback(
    line: PayoutLine, item: PayoutItem, batch: PayoutBatch, *, actor: User | None, reason: str
) -> None:
    """A paid claim was clawed back (the provider owes all of it), then the bank returned its
    transfer: the provider got only the debt the claim settled, so it owes that debt again
    and the clawback less the returned money: the receivable rises by the transfer."""
    entries = [
        (_paid_out(batch.fund_id), -line.amount_cents),
        (receivable_account(item.provider_id, batch.fund_id).id, line.amount_cents),
    ]
    ledger.record(
        entries,
        kind="payout_returned",
        actor_id=actor and actor.id,
        description=f"Returned {line.end_to_end_id} after clawback: {reason}"[:300],
        reference=batch.reference,
    )
    _shrink(item, batch, line, reason)


def _shrink(item: PayoutItem, batch: PayoutBatch, line: PayoutLine, reason: str) -> None:
    """Take a returned line out of its item's and batch's totals (they sum what was sent)."""
    table = PayoutItem.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == item.id)
        .values(
            gross_cents=table.c.gross_cents - line.claim_cents,
            offset_cents=table.c.offset_cents - line.offset_cents,
            amount_cents=table.c.amount_cents - line.amount_cents,
            failure_reason=reason[:300],
        )
    )
    totals = PayoutBatch.__table__
    session.execute(
        sa.update(totals)
        .where(totals.c.id == batch.id)
        .values(
            claim_count=totals.c.claim_count - 1,
            gross_cents=totals.c.gross_cents - line.claim_cents,
            offset_cents=totals.c.offset_cents - line.offset_cents,
            amount_cents=totals.c.amount_cents - line.amount_cents,
        )
    )
    session.expire(batch)


def _unpay_application(claim_id: int, actor: User | None, reason: str) -> None:
    """A paid application whose final claim's payment came back is invoiced again."""
    from wallet.applications import services as applications

    claim = session.get(Claim, claim_id)
    application = session.get(Application, claim.application_id)
    if claim.kind == ClaimKind.FINAL and application.status == ApplicationStatus.PAID:
        applications.move(application, "return_payment", actor_id=actor and actor.id, reason=reason)


def _tell_of_return(
    line: PayoutLine, item: PayoutItem, batch: PayoutBatch, reason: str, topic: str
) -> None:
    """The payee (check its bank details) and the fund hear of the returned payment."""
    from wallet.notifications.services import notify_employer, notify_fund_admins, notify_provider

    params = {
        "reference": line_reference(line),
        "batch": batch.reference,
        "amount_cents": line.amount_cents,
        "reason": reason,
    }
    if item.employer_id is not None:
        notify_employer(item.employer_id, topic, **params)
    else:
        notify_provider(item.provider_id, topic, **params)
    notify_fund_admins(batch.fund_id, topic, **params)


def _paid_transfers(item_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count(PayoutLine.id)).where(
            PayoutLine.item_id == item_id,
            PayoutLine.released.is_(False),
            PayoutLine.amount_cents > 0,
            PayoutLine.paid_at.is_not(None),
        )
    )


def settle_if_complete(item: PayoutItem, *, actor: User | None, via: str) -> bool:
    """Paid once every remaining transfer of the item is on a statement (flush only)."""
    session.expire(item)
    if item.status != ItemStatus.SUBMITTED or _open_lines(item.id):
        return False
    if not _paid_transfers(item.id):
        return False
    _settle_item(item, session.get(PayoutBatch, item.batch_id), actor, via=via)
    _close_if_done(session.get(PayoutBatch, item.batch_id))
    return True


def batches_of_fund(fund_id: int) -> list[PayoutBatch]:
    """The fund's batches, newest first."""
    query = sa.select(PayoutBatch).where(PayoutBatch.fund_id == fund_id)
    return list(session.scalars(query.order_by(PayoutBatch.id.desc())))


def page_of_batches(
    fund_id: int, *, status: BatchStatus | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[PayoutBatch], int]:
    """One page of the fund's batches (of one status when given), newest first, and how many
    there are in all."""
    where = [PayoutBatch.fund_id == fund_id]
    if status is not None:
        where.append(PayoutBatch.status == status)
    total = session.scalar(sa.select(sa.func.count(PayoutBatch.id)).where(*where))
    query = sa.select(PayoutBatch).where(*where).order_by(PayoutBatch.id.desc())
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def line_reference(line: PayoutLine) -> str | None:
    """The reference of the claim the line pays (a provider's or an employer's)."""
    if line.claim_id is not None:
        return session.scalar(sa.select(Claim.reference).where(Claim.id == line.claim_id))
    return session.scalar(
        sa.select(ReimbursementClaim.reference).where(
            ReimbursementClaim.id == line.reimbursement_claim_id
        )
    )


def claim_references(batch: PayoutBatch) -> dict[int, str]:
    """The reference of the claim of every line in the batch, by line id."""
    rows = session.execute(
        sa.select(PayoutLine.id, sa.func.coalesce(Claim.reference, ReimbursementClaim.reference))
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .outerjoin(Claim, Claim.id == PayoutLine.claim_id)
        .outerjoin(ReimbursementClaim, ReimbursementClaim.id == PayoutLine.reimbursement_claim_id)
        .where(PayoutItem.batch_id == batch.id)
    )
    return dict(rows.all())


def lines_by_item(
    batch: PayoutBatch, item_ids: list[int] | None = None
) -> dict[int, list[PayoutLine]]:
    """The batch's lines per item (of the items `item_ids` only, when given)."""
    query = (
        sa.select(PayoutLine)
        .join(PayoutItem)
        .where(PayoutItem.batch_id == batch.id)
        .order_by(PayoutLine.id)
    )
    if item_ids is not None:
        query = query.where(PayoutLine.item_id.in_(item_ids))
    rows = session.scalars(query)
    grouped: dict[int, list[PayoutLine]] = defaultdict(list)
    for line in rows:
        grouped[line.item_id].append(line)
    return grouped


def has_transfers(batch: PayoutBatch) -> bool:
    """Whether the batch still moves money to a bank: a line with an amount, not released,
    of a payee whose payment did not fail."""
    query = (
        sa.select(PayoutLine.id)
        .join(PayoutItem)
        .where(
            PayoutItem.batch_id == batch.id,
            PayoutItem.status != ItemStatus.FAILED,
            PayoutLine.amount_cents > 0,
            PayoutLine.released.is_(False),
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def make_due_batches() -> list[BatchOutcome]:
    """The scheduled job: a draft SEPA batch for every open fund with approved claims. An
    administrator still submits it; a fund whose providers cannot be paid is skipped."""
    from wallet.core.db import require_no_unit_of_work
    from wallet.funds.models import Fund, FundStatus

    require_no_unit_of_work("make_due_batches")
    funds = session.scalars(
        sa.select(Fund.id).where(
            Fund.status == FundStatus.OPEN,
            sa.or_(
                sa.exists().where(Claim.fund_id == Fund.id, Claim.status == ClaimStatus.APPROVED),
                sa.exists().where(
                    ReimbursementClaim.fund_id == Fund.id,
                    ReimbursementClaim.status == ReimbursementStatus.APPROVED,
                ),
            ),
        )
    ).all()
    session.rollback()
    outcomes = []
    for fund_id in funds:
        try:
            outcomes.append(create_batch(fund_id, method=PayoutMethod.SEPA, actor=None))
        except (Conflict, ValidationFailed):
            continue  # nothing payable after all: reported on the fund's payout page
    return outcomes
