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
from wallet.ledger import services as ledger

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
    pairs = (
        sa.select(Grant.account_id, Fund.pot_account_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(Grant.status == GrantStatus.EXPIRED)
    )
    transaction_id, moved = ledger.sweep(
        pairs,
        kind="grant_expiry",
        description="Vervallen budget terug naar het fonds",
        limit=SWEEP_BATCH,
    )
    if transaction_id is None:
        return 0
    funds = dict(session.execute(sa.select(Fund.pot_account_id, Fund.id)).all())
    per_fund: dict[int, int] = {}
    for _grant_account, pot_id, cents in moved:
        per_fund[funds[pot_id]] = per_fund.get(funds[pot_id], 0) + cents
    # verify ties each expiry to one such event on each fund whose pot it credits.
    for fund_id, cents in per_fund.items():
        record(
            "fund",
            fund_id,
            "expire_grants",
            actor_id=None,
            after={"cents": cents, "transaction": transaction_id},
        )
    return len(moved)
