"""Importing the fund's bank statement (camt.053): transfers found on it mark payouts paid.

Each debit line is matched on its end-to-end id (the reference of a provider's claim or of an
employer's reimbursement claim) and its amount. An item
is paid once every transfer of it is on a statement. A returned transfer (R-transaction) turns
its claim back to approved, also when it arrives on a later statement than the debit, or
before it; each return is booked once. Whatever does not match is reported, line by line. A
file imported before is recognised by its hash and changes nothing. The whole import is one
transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.claims.labels import STATUS_LABELS as CLAIM_LABELS
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import ValidationFailed
from wallet.core.templating import money
from wallet.payments import batches
from wallet.payments.camt import StatementLine, StatementProblem, read_statement
from wallet.payments.labels import ITEM_LABELS
from wallet.payments.models import (
    BankStatementImport,
    ItemStatus,
    PayoutBatch,
    PayoutItem,
    PayoutLine,
    PayoutMethod,
)
from wallet.placements.models import ReimbursementClaim


@dataclass
class ImportOutcome:
    """What the statement settled, and every line it could not place, with the reason.
    `duplicate`: this very file was imported before (on `imported_before`); nothing changed."""

    matched: int = 0
    paid_items: list[int] = field(default_factory=list)
    failed_items: list[int] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    duplicate: bool = False
    imported_before: dt.datetime | None = None


Transfer = tuple[PayoutLine, PayoutItem]


def _payout_lines(fund_id: int, end_to_end_ids: set[str]) -> dict[str, Transfer]:
    """The fund's SEPA transfers with these end-to-end ids, released or not (ids are unique: a
    claim batched again gets REF-2, REF-3...). Read once; what a line changes is expired."""
    found: dict[str, Transfer] = {}
    ordered = sorted(end_to_end_ids)
    for start in range(0, len(ordered), 5_000):
        rows = session.execute(
            sa.select(PayoutLine, PayoutItem)
            .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
            .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
            .where(
                PayoutBatch.fund_id == fund_id,
                PayoutBatch.method == PayoutMethod.SEPA,
                PayoutLine.end_to_end_id.in_(ordered[start : start + 5_000]),
            )
            .execution_options(populate_existing=True)
        ).all()
        found.update((line.end_to_end_id, (line, item)) for line, item in rows)
    return found


def _earlier_import(fund_id: int, digest: str) -> BankStatementImport | None:
    query = sa.select(BankStatementImport).where(
        BankStatementImport.fund_id == fund_id, BankStatementImport.file_sha256 == digest
    )
    return session.scalar(query)


def import_statement(fund_id: int, data: bytes, *, actor: User | None) -> ImportOutcome:
    """Mark the payouts on the statement paid, or turn them back when returned (once each,
    in any order of statements). The same file a second time changes nothing."""
    try:
        lines = read_statement(data)
    except StatementProblem as problem:
        raise ValidationFailed(str(problem), errors={"statement": str(problem)}) from None
    _require_own_account(fund_id, lines)
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier_import(fund_id, digest)
    if earlier is not None:
        return ImportOutcome(duplicate=True, imported_before=earlier.imported_at)
    outcome = ImportOutcome()
    try:
        with unit_of_work() as db:
            # Written first: a concurrent import of the same file waits here on the unique
            # index and fails when this one commits.
            stored = BankStatementImport(
                fund_id=fund_id,
                file_sha256=digest,
                imported_at=clock.now(),
                unmatched=[],
                imported_by_id=actor and actor.id,
            )
            db.add(stored)
            db.flush()
            known = _payout_lines(
                fund_id, {line.end_to_end_id for line in lines if line.end_to_end_id}
            )
            touched: set[int] = set()
            for line in lines:
                problem = _apply(known.get(line.end_to_end_id or ""), line, outcome, touched, actor)
                if problem:
                    outcome.unmatched.append(problem)
            for item_id in sorted(touched):
                if batches.settle_if_complete(
                    session.get(PayoutItem, item_id), actor=actor, via="camt.053"
                ):
                    outcome.paid_items.append(item_id)
            stored.matched, stored.unmatched = outcome.matched, list(outcome.unmatched)
    except sa.exc.IntegrityError:
        earlier = _earlier_import(fund_id, digest)
        if earlier is None:
            raise
        return ImportOutcome(duplicate=True, imported_before=earlier.imported_at)
    return outcome


def _apply(
    found: Transfer | None,
    line: StatementLine,
    outcome: ImportOutcome,
    touched: set[int],
    actor: User | None,
) -> str | None:
    """Book one statement line (flush only); why it books nothing, or None. Each line sees
    what the lines before it did, so a debit and its return may come in any order."""
    problem = _problem(line, found)
    if problem:
        return problem
    payout_line, item = found
    if line.returned:  # a bounce, booked as a debit reversal or a credit return
        reason = _("returned by the bank (%(code)s)", code=line.return_reason or "?")
        outcome.returned.append(payout_line.end_to_end_id)
        batches.return_transfer(payout_line, item, actor=actor, reason=reason)
        session.expire(payout_line)
        if session.get(PayoutItem, item.id).status == ItemStatus.FAILED:
            outcome.failed_items.append(item.id)
        else:  # its other transfers may all be on statements now
            touched.add(item.id)
        return None
    session.execute(
        sa.update(PayoutLine.__table__)
        .where(PayoutLine.__table__.c.id == payout_line.id)
        .values(paid_at=clock.now())
    )
    session.expire(payout_line)
    touched.add(item.id)
    outcome.matched += 1
    return None


def _problem(line: StatementLine, found) -> str | None:
    """Why a statement line settles nothing, or None."""
    if found is None:
        if not line.debit and not line.returned:
            return _("%(amount)s received: not a payout", amount=money(line.amount_cents))
        return _(
            "%(id)s, %(amount)s: no payout with this end-to-end id",
            id=line.end_to_end_id or "—",
            amount=money(line.amount_cents),
        )
    payout_line, item = found
    if payout_line.returned_at is not None:
        if line.returned:
            return _("%(id)s: this return was booked already", id=line.end_to_end_id)
        return _("%(id)s: the bank returned this transfer; booked already", id=line.end_to_end_id)
    if payout_line.released:
        return _(
            "%(id)s: this transfer was taken out of its batch (%(reason)s)",
            id=line.end_to_end_id,
            reason=item.failure_reason or "—",
        )
    if line.amount_cents != payout_line.amount_cents:
        return _(
            "%(id)s: the bank paid %(amount)s, the payout is %(expected)s",
            id=line.end_to_end_id,
            amount=money(line.amount_cents),
            expected=money(payout_line.amount_cents),
        )
    if line.returned:
        if item.status not in (ItemStatus.SUBMITTED, ItemStatus.PAID):
            status = ITEM_LABELS[item.status.value]
            return _("%(id)s: already %(status)s", id=line.end_to_end_id, status=status)
        expected = {"paid", "clawed_back"} if item.status == ItemStatus.PAID else {"in_batch"}
        status = _claim_status(payout_line)
        if status.value not in expected:
            status = _claim_label(payout_line, status)
            return _(
                "%(id)s: returned by the bank, but its claim is %(status)s now; check it by hand",
                id=line.end_to_end_id,
                status=status,
            )
        return None
    if not line.debit:
        return _("%(amount)s received: not a payout", amount=money(line.amount_cents))
    if item.status != ItemStatus.SUBMITTED:
        status = ITEM_LABELS[item.status.value]
        return _("%(id)s: already %(status)s", id=line.end_to_end_id, status=status)
    if payout_line.paid_at is not None:
        return _("%(id)s: already on an earlier statement", id=line.end_to_end_id)
    return None


def _claim_status(line: PayoutLine):
    """The status of the line's claim: a provider's or an employer's reimbursement claim."""
    if line.claim_id is not None:
        return session.scalar(sa.select(Claim.status).where(Claim.id == line.claim_id))
    return session.scalar(
        sa.select(ReimbursementClaim.status).where(
            ReimbursementClaim.id == line.reimbursement_claim_id
        )
    )


def _claim_label(line: PayoutLine, status) -> str:
    from wallet.placements.labels import CLAIM_STATUS_LABELS

    labels = CLAIM_LABELS if line.claim_id is not None else CLAIM_STATUS_LABELS
    return str(labels.get(status.value, status.value))


def _require_own_account(fund_id: int, lines: list) -> None:
    """A statement of another account could carry matching ids: only the fund's own counts."""
    from wallet.funds.models import Fund

    own = (session.get(Fund, fund_id).iban or "").replace(" ", "").upper()
    if not own or any(line.account_iban != own for line in lines):
        message = _(
            "This statement is not of the fund's own account (%(iban)s).",
            iban=own or _("no IBAN entered"),
        )
        raise ValidationFailed(message, errors={"statement": message})
