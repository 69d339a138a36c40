"""Importing the fund's bank statement (camt.053): transfers found on it mark payouts paid.

Each debit line is matched on its end-to-end id (the claim reference) and its amount. An item
is paid once every transfer of it is on a statement; a returned transfer fails its item.
Whatever does not match is reported, line by line. Importing the same statement twice changes
nothing the second time. The whole import is one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import ValidationFailed
from wallet.core.templating import money
from wallet.payments import batches
from wallet.payments.camt import StatementProblem, read_statement
from wallet.payments.labels import ITEM_LABELS
from wallet.payments.models import (
    BankStatementImport,
    ItemStatus,
    PayoutBatch,
    PayoutItem,
    PayoutLine,
)


@dataclass
class ImportOutcome:
    """What the statement settled, and every line it could not place, with the reason."""

    matched: int = 0
    paid_items: list[int] = field(default_factory=list)
    failed_items: list[int] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _live_lines(fund_id: int, end_to_end_ids: set[str]) -> dict[str, tuple[PayoutLine, PayoutItem]]:
    rows = session.execute(
        sa.select(PayoutLine, PayoutItem)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .where(PayoutBatch.fund_id == fund_id, PayoutLine.released.is_(False),
               PayoutLine.end_to_end_id.in_(end_to_end_ids))
    ).all()  # fmt: skip
    return {line.end_to_end_id: (line, item) for line, item in rows}


def import_statement(fund_id: int, data: bytes, *, actor: User | None) -> ImportOutcome:
    """Mark the payouts on the statement paid (or failed, when returned)."""
    try:
        lines = read_statement(data)
    except StatementProblem as problem:
        raise ValidationFailed(str(problem), errors={"statement": str(problem)}) from None
    _require_own_account(fund_id, lines)
    ids = {line.end_to_end_id for line in lines if line.end_to_end_id}
    known = _live_lines(fund_id, ids)
    outcome = ImportOutcome()
    matched: dict[int, list[PayoutLine]] = {}
    returned: list[tuple[PayoutLine, PayoutItem, str]] = []
    for line in lines:
        found = known.get(line.end_to_end_id or "")
        problem = _problem(line, found)
        if problem:
            outcome.unmatched.append(problem)
            continue
        payout_line, item = found
        if line.returned:  # a bounce, booked as a debit reversal or a credit return
            code = line.return_reason or "?"
            returned.append((payout_line, item, _("returned by the bank (%(code)s)", code=code)))
            continue
        matched.setdefault(item.id, []).append(payout_line)
        outcome.matched += 1
    with unit_of_work() as db:
        now = clock.now()
        for payout_line, item, reason in returned:
            batches.fail_line(payout_line, item, actor=actor, reason=reason)
            if session.get(PayoutItem, item.id).status == ItemStatus.FAILED:
                outcome.failed_items.append(item.id)
        for paid_lines in matched.values():
            db.execute(sa.update(PayoutLine.__table__)
                       .where(PayoutLine.__table__.c.id.in_([p.id for p in paid_lines]))
                       .values(paid_at=now))  # fmt: skip
        for item_id in {item.id for _l, item, _r in returned} | set(matched):
            if batches.settle_if_complete(session.get(PayoutItem, item_id), actor=actor,
                                          via="camt.053"):  # fmt: skip
                outcome.paid_items.append(item_id)
        digest = hashlib.sha256(data).hexdigest()
        db.add(BankStatementImport(fund_id=fund_id, file_sha256=digest, imported_at=now,
                                   imported_by_id=actor and actor.id, matched=outcome.matched,
                                   unmatched=outcome.unmatched))  # fmt: skip
    return outcome


def _problem(line, found) -> str | None:
    """Why a statement line settles nothing, or None."""
    if found is None:
        if not line.debit and not line.returned:
            return _("%(amount)s received: not a payout", amount=money(line.amount_cents))
        return _("%(id)s, %(amount)s: no payout with this end-to-end id",
                 id=line.end_to_end_id or "—", amount=money(line.amount_cents))  # fmt: skip
    payout_line, item = found
    if item.status == ItemStatus.PAID and line.returned:
        return _("%(id)s: returned after it was marked paid; check it by hand",
                 id=line.end_to_end_id)  # fmt: skip
    if item.status != ItemStatus.SUBMITTED:
        status = ITEM_LABELS[item.status.value]
        return _("%(id)s: already %(status)s", id=line.end_to_end_id, status=status)
    if payout_line.paid_at is not None:
        return _("%(id)s: already on an earlier statement", id=line.end_to_end_id)
    if line.amount_cents != payout_line.amount_cents:
        return _("%(id)s: the bank paid %(amount)s, the payout is %(expected)s",
                 id=line.end_to_end_id, amount=money(line.amount_cents),
                 expected=money(payout_line.amount_cents))  # fmt: skip
    if not line.debit and not line.returned:
        return _("%(amount)s received: not a payout", amount=money(line.amount_cents))
    return None


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
