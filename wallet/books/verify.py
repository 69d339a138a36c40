"""`ledger verify`: check the invariants of the money over the whole database.

Checked here: 1 every transaction balances, and so does the whole ledger; 2 no account,
grant, pot or hold below zero, cached balances equal their postings and pending holds;
3 a fund never commits more than it holds (grants come out of the pot, which never goes
below zero; a scheme never grants more than its cap, and counts exactly its grants less what
cancelled held grants gave back); 5 balances shown are the ledger's
(the cached balances are what the screens show, and they are checked against postings).
4 (in part) a posted hold moved exactly what it records. The rest of 4 (payouts) and 6
(audit of decisions) join when claims and payouts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from wallet.core.db import session
from wallet.grants.models import Grant
from wallet.ledger.models import (
    HOLD_POST_KINDS,
    AccountKind,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerTransaction,
    Posting,
)
from wallet.schemes.models import Scheme, SchemeKind


@dataclass(frozen=True)
class Problem:
    """One broken invariant, in words an operator can act on."""

    invariant: str
    detail: str


def _rows(query) -> Sequence[sa.Row]:
    return session.execute(query).all()


def verify() -> list[Problem]:
    """Every problem found; an empty list means the books are sound and agree."""
    from wallet.books.checks import check_books

    problems = verify_ledger()
    check_books(problems.append)
    return problems


def verify_ledger() -> list[Problem]:
    """The ledger's own invariants only (balances, holds), whatever the features above it.

    For tests of the ledger primitive, whose holds belong to no application or claim.
    """
    problems: list[Problem] = []
    add = problems.append

    sums = sa.select(Posting.transaction_id, sa.func.sum(Posting.amount_cents).label("total"))
    for tx, total in _rows(
        sums.group_by(Posting.transaction_id).having(sa.func.sum(Posting.amount_cents) != 0)
    ):
        add(Problem("1 balanced", f"transaction {tx} sums to {total} cents, not 0"))
    lonely = (
        sa.select(LedgerTransaction.id)
        .outerjoin(Posting, Posting.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having(sa.func.count(Posting.id) < 2)
    )
    for (tx,) in _rows(lonely):
        add(Problem("1 balanced", f"transaction {tx} has fewer than two postings"))
    total = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0)))
    if total != 0:
        add(Problem("1 balanced", f"all postings together sum to {total} cents, not 0"))

    per_account = (
        sa.select(Posting.account_id, sa.func.sum(Posting.amount_cents).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    posted = sa.func.coalesce(per_account.c.total, 0)
    drift = (
        sa.select(LedgerAccount.code, LedgerAccount.posted_cents, posted)
        .outerjoin(per_account, per_account.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.posted_cents != posted)
    )
    for code, cached, actual in _rows(drift):
        add(
            Problem(
                "5 balance is the ledger", f"{code}: balance {cached} but postings say {actual}"
            )
        )

    per_hold = (
        sa.select(Hold.debit_account_id, sa.func.sum(Hold.amount_cents).label("total"))
        .where(Hold.status == HoldStatus.PENDING)
        .group_by(Hold.debit_account_id)
        .subquery()
    )
    held = sa.func.coalesce(per_hold.c.total, 0)
    held_drift = (
        sa.select(LedgerAccount.code, LedgerAccount.held_cents, held)
        .outerjoin(per_hold, per_hold.c.debit_account_id == LedgerAccount.id)
        .where(LedgerAccount.held_cents != held)
    )
    for code, cached, actual in _rows(held_drift):
        add(Problem("2 holds", f"{code}: held {cached} but pending holds say {actual}"))

    negative = sa.select(
        LedgerAccount.code, LedgerAccount.posted_cents, LedgerAccount.held_cents
    ).where(
        sa.or_(
            LedgerAccount.held_cents < 0,
            sa.and_(
                LedgerAccount.allow_negative.is_(False),
                LedgerAccount.posted_cents - LedgerAccount.held_cents < 0,
            ),
        )
    )
    for code, posted_cents, held_cents in _rows(negative):
        add(Problem("2 never below zero", f"{code}: posted {posted_cents}, held {held_cents}"))

    settled = sa.select(Hold.id, Hold.status, Hold.posted_cents, Hold.amount_cents).where(
        sa.or_(
            sa.and_(Hold.status == HoldStatus.PENDING, Hold.resolved_at.is_not(None)),
            sa.and_(Hold.status != HoldStatus.PENDING, Hold.resolved_at.is_(None)),
            Hold.posted_cents > Hold.amount_cents,
            sa.and_(
                Hold.status == HoldStatus.POSTED,
                Hold.posted_cents > 0,
                Hold.resolving_transaction_id.is_(None),
            ),
        )
    )
    for hold_id, status, posted_cents, amount in _rows(settled):
        add(
            Problem(
                "2 holds", f"hold {hold_id} ({status}) is inconsistent: {posted_cents}/{amount}"
            )
        )

    granted = (
        sa.select(Grant.scheme_id, sa.func.sum(Grant.amount_cents).label("total"))
        .group_by(Grant.scheme_id)
        .subquery()
    )
    # A cancelled held grant gave back to its scheme's cap what it returned to the pot.
    returned = (
        sa.select(Grant.scheme_id, sa.func.sum(Posting.amount_cents).label("total"))
        .join(Posting, Posting.account_id == Grant.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.kind == "grant_cancel")
        .group_by(Grant.scheme_id)
        .subquery()
    )
    granted_total = sa.func.coalesce(granted.c.total, 0) + sa.func.coalesce(returned.c.total, 0)
    cap = (
        sa.select(Scheme.id, Scheme.committed_cents, granted_total, Scheme.total_cap_cents)
        .outerjoin(granted, granted.c.scheme_id == Scheme.id)
        .outerjoin(returned, returned.c.scheme_id == Scheme.id)
        .where(
            Scheme.kind == SchemeKind.WORKER_BUDGET,
            sa.or_(
                Scheme.committed_cents != granted_total,
                Scheme.committed_cents
                > sa.func.coalesce(Scheme.total_cap_cents, Scheme.committed_cents),
            ),
        )
    )
    for scheme_id, committed, actual, total_cap in _rows(cap):
        add(
            Problem(
                "3 fund covers grants",
                f"scheme {scheme_id}: counted {committed} granted, "
                f"grants say {actual}, cap {total_cap}",
            )
        )
    _check_settlements(add)
    _check_hold_movements(add)
    _check_accounts_of_grants(add)
    return problems


def _check_settlements(add) -> None:
    """Settled holds moved exactly what they say, and only posted holds moved anything."""
    odd = sa.select(Hold.id, Hold.status, Hold.posted_cents).where(
        sa.or_(
            sa.and_(
                Hold.status.in_([HoldStatus.VOIDED, HoldStatus.EXPIRED]),
                sa.func.coalesce(Hold.posted_cents, 0) != 0,
            ),
            sa.and_(Hold.status == HoldStatus.POSTED, Hold.posted_cents.is_(None)),
        )
    )
    for hold_id, status, posted_cents in _rows(odd):
        add(Problem("2 holds", f"hold {hold_id} is {status} but records {posted_cents} posted"))
    moved = (
        sa.select(
            Hold.id, Hold.posted_cents, sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0)
        )
        .outerjoin(
            Posting,
            sa.and_(
                Posting.transaction_id == Hold.resolving_transaction_id,
                Posting.account_id == Hold.credit_account_id,
            ),
        )
        .where(Hold.status == HoldStatus.POSTED)
        .group_by(Hold.id, Hold.posted_cents)
        .having(sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0) != Hold.posted_cents)
    )
    for hold_id, posted_cents, actual in _rows(moved):
        add(Problem("4 paid as approved", f"hold {hold_id} posted {posted_cents}, moved {actual}"))
    loose = sa.select(LedgerAccount.code).where(
        LedgerAccount.allow_negative.is_(True),
        LedgerAccount.kind.not_in([AccountKind.FUNDING_SOURCE, AccountKind.RECEIVABLE]),
    )
    for (code,) in _rows(loose):
        add(
            Problem(
                "2 never below zero",
                f"{code} may go below zero but is neither the outside world nor a receivable",
            )
        )


def _check_accounts_of_grants(add) -> None:
    """Every grant's account received exactly the amount granted, and is a grant account."""
    # Postings reached through their indexed account, so this stays linear in the ledger.
    granting = sa.case(
        (LedgerTransaction.kind.in_(["grant", "allocation"]), Posting.amount_cents), else_=0
    )
    received = sa.func.coalesce(sa.func.sum(granting), 0)
    query = (
        sa.select(Grant.id, Grant.amount_cents, received, LedgerAccount.kind)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .outerjoin(Posting, Posting.account_id == Grant.account_id)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .group_by(Grant.id, Grant.amount_cents, LedgerAccount.kind)
        .having(sa.or_(received != Grant.amount_cents, LedgerAccount.kind != AccountKind.GRANT))
    )
    for grant_id, amount, actual, kind in _rows(query):
        detail = f"grant {grant_id} of {amount} received {actual} on a {kind} account"
        add(Problem("3 fund covers grants", detail))


def _check_hold_movements(add) -> None:
    """Every hold movement belongs to exactly one hold and moves it once, debit to credit."""
    settles = (
        sa.select(Hold.resolving_transaction_id.label("tx"), sa.func.count().label("n"))
        .where(Hold.resolving_transaction_id.is_not(None))
        .group_by(Hold.resolving_transaction_id)
        .subquery()
    )
    holds = sa.func.coalesce(settles.c.n, 0)
    query = (
        sa.select(LedgerTransaction.id, LedgerTransaction.reference, holds)
        .outerjoin(settles, settles.c.tx == LedgerTransaction.id)
        .where(LedgerTransaction.kind.in_(HOLD_POST_KINDS), holds != 1)
    )
    for tx, reference, n in _rows(query):
        add(
            Problem(
                "7 hold moves once",
                f"transaction {tx} (reference {reference}) settles {n} holds, not exactly one",
            )
        )
    on = sa.case((Posting.account_id == Hold.debit_account_id, Posting.amount_cents), else_=0)
    to = sa.case((Posting.account_id == Hold.credit_account_id, Posting.amount_cents), else_=0)
    lines = (
        sa.select(Hold.id, LedgerTransaction.id, LedgerTransaction.kind)
        .join(LedgerTransaction, LedgerTransaction.id == Hold.resolving_transaction_id)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .group_by(Hold.id, Hold.posted_cents, LedgerTransaction.id, LedgerTransaction.kind)
        .having(
            sa.or_(
                sa.func.count(Posting.id) != 2,
                sa.func.sum(on) != -Hold.posted_cents,
                sa.func.sum(to) != Hold.posted_cents,
                LedgerTransaction.kind.not_in(HOLD_POST_KINDS),
            )
        )
    )
    for hold_id, tx, kind in _rows(lines):
        add(
            Problem(
                "7 hold moves once",
                f"hold {hold_id} settled by transaction {tx} ({kind}), "
                "which moves other money than the hold",
            )
        )
