"""Grants whose time is up expire, and what is left on them returns to the fund's pot."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.funds.models import Fund
from wallet.grants.models import (
    Grant,
    GrantStatus,
)
from wallet.ledger.models import LedgerAccount, LedgerTransaction, Posting

grants_table = Grant.__table__


def expire_grants(now: dt.datetime | None = None) -> int:
    """Expire grants whose time is up and return their unused budget to the fund's pot.

    Set-based: one UPDATE marks the grants, one transaction moves what is left on every
    expired grant back to its fund. Safe to run twice or concurrently with spending:
    the grant accounts are locked (PostgreSQL) or the database is (SQLite) while it sweeps.
    """
    now = now or clock.now()
    with unit_of_work() as db:
        marked = db.execute(
            sa.update(grants_table)
            .where(
                grants_table.c.status == GrantStatus.ACTIVE.value,
                grants_table.c.expires_at <= now,
            )
            .values(status=GrantStatus.EXPIRED.value, expired_at=now)
        ).rowcount
    while True:
        with unit_of_work():
            if not _sweep_expired(now):
                break
    return marked


SWEEP_BATCH = 5000


def _sweep_expired(now: dt.datetime) -> int:
    """Move what is left on up to SWEEP_BATCH expired grants to their pots; how many moved."""
    accounts = LedgerAccount.__table__
    expired = (
        sa.select(Grant.account_id, Grant.fund_id)
        .where(Grant.status == GrantStatus.EXPIRED)
        .subquery()
    )
    locked = session.execute(
        sa.select(accounts.c.id, expired.c.fund_id, accounts.c.posted_cents - accounts.c.held_cents)
        .join(expired, expired.c.account_id == accounts.c.id)
        .where(accounts.c.posted_cents - accounts.c.held_cents > 0)
        .order_by(accounts.c.id)
        .limit(SWEEP_BATCH)
        .with_for_update(of=accounts)
    ).all()
    if not locked:
        return 0
    pots = dict(session.execute(sa.select(Fund.id, Fund.pot_account_id)).all())
    per_fund: dict[int, int] = {}
    for _account_id, fund_id, left in locked:
        per_fund[fund_id] = per_fund.get(fund_id, 0) + left
    per_pot = {pots[fund_id]: cents for fund_id, cents in per_fund.items()}
    transaction = LedgerTransaction(
        kind="grant_expiry", description="Vervallen budget terug naar het fonds", created_at=now
    )
    session.add(transaction)
    session.flush()
    lines = [(account_id, -left) for account_id, _fund, left in locked] + list(per_pot.items())
    session.execute(
        sa.insert(Posting),
        [{"transaction_id": transaction.id, "account_id": a, "amount_cents": c} for a, c in lines],
    )
    grant_ids = [account_id for account_id, _fund, _left in locked]
    session.execute(
        sa.update(accounts)
        .where(accounts.c.id.in_(grant_ids))
        .values(posted_cents=accounts.c.held_cents)
    )
    for pot_id, cents in per_pot.items():
        session.execute(
            sa.update(accounts)
            .where(accounts.c.id == pot_id)
            .values(posted_cents=accounts.c.posted_cents + cents)
        )
    # verify ties each expiry to one such event on each fund whose pot it credits.
    for fund_id, cents in per_fund.items():
        record("fund", fund_id, "expire_grants", actor_id=None,
               after={"cents": cents, "transaction": transaction.id})  # fmt: skip
    return len(locked)
