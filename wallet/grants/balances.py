"""What grants hold, from the ledger: a worker's grants and statement, a scheme's grants,
and the account a budget pays a provider into.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from wallet.accounts.models import User
from wallet.core.db import session
from wallet.core.errors import Conflict, NotFound
from wallet.funds.models import Fund
from wallet.grants.models import (
    Grant,
)
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting
from wallet.schemes.models import Scheme

MOVEMENT_LABELS = {
    "grant": _l("Budget granted"),
    "allocation": _l("Budget granted"),
    "hold_post": _l("Paid to the training provider"),
    "grant_expiry": _l("Expired: returned to the fund"),
    "grant_cancel": _l("Cancelled: returned to the fund"),
    "reversal": _l("Correction"),
}


@dataclass(frozen=True)
class GrantView:
    """A grant as a worker sees it, balances from the ledger."""

    grant: Grant
    fund_name: str
    scheme_name: str
    posted_cents: int
    held_cents: int

    @property
    def available_cents(self) -> int:
        """What the worker can still spend."""
        return self.posted_cents - self.held_cents if self.grant.status == "active" else 0

    @property
    def spent_cents(self) -> int:
        """Granted minus what is left on the grant (spent or returned on expiry)."""
        return self.grant.amount_cents - self.posted_cents


def grants_of(user_id: int) -> list[GrantView]:
    """A worker's grants, earliest expiry first, with balances from the ledger."""
    rows = session.execute(
        sa.select(
            Grant, Fund.name, Scheme.name, LedgerAccount.posted_cents, LedgerAccount.held_cents
        )
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(Grant.user_id == user_id)
        .order_by(Grant.expires_at, Grant.id)
    )
    return [GrantView(*row) for row in rows]


@dataclass(frozen=True)
class Spendable:
    """What a worker can spend now over all their grants, and when the first of it expires."""

    cents: int
    first_expiry: dt.datetime | None
    expiring_cents: int  # what is available on the grants that expire then


def spendable(views: list[GrantView]) -> Spendable:
    """The "te besteden" headline from the worker's grants (grants_of)."""
    live = [view for view in views if view.available_cents > 0]
    if not live:
        return Spendable(0, None, 0)
    first = min(view.grant.expires_at for view in live)
    expiring = sum(view.available_cents for view in live if view.grant.expires_at == first)
    return Spendable(sum(view.available_cents for view in live), first, expiring)


def get_grant(grant_id: int) -> Grant:
    """The grant, or NotFound."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(_("There is no such grant."))
    return grant


def grants_of_scheme(scheme_id: int, page: int = 1, per_page: int = 50) -> tuple[list, int]:
    """One page of a scheme's grants with worker and balances, and how many there are."""
    base = sa.select(Grant).where(Grant.scheme_id == scheme_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = session.execute(
        sa.select(
            Grant, User.name, User.email, LedgerAccount.posted_cents, LedgerAccount.held_cents
        )
        .join(User, User.id == Grant.user_id)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(Grant.scheme_id == scheme_id)
        .order_by(Grant.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total


def payable_account_id(provider_id: int) -> int:
    """The ledger account of what Leerwallet owes a provider (made on first use)."""
    from wallet.providers.models import Provider, ProviderStatus

    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("There is no such provider."))
    if provider.status != ProviderStatus.ACCREDITED:
        raise Conflict(_("Only accredited training providers can be paid from a budget."))
    return ledger.open_account(account_codes.provider_payable(provider_id), AccountKind.PAYABLE).id


@dataclass(frozen=True)
class StatementLine:
    """One movement on one of a worker's grants."""

    at: dt.datetime
    fund_name: str
    scheme_name: str
    description: str
    amount_cents: int
    balance_cents: int  # of that grant, after this movement


def worker_statement(user_id: int) -> list[StatementLine]:
    """Every movement on every grant of the worker, oldest first, with running balances."""
    rows = session.execute(
        sa.select(
            Grant.id,
            LedgerTransaction.created_at,
            Fund.name,
            Scheme.name,
            LedgerTransaction.kind,
            LedgerTransaction.description,
            Posting.amount_cents,
        )
        .join(Posting, Posting.account_id == Grant.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(Grant.user_id == user_id)
        .order_by(LedgerTransaction.id, Grant.id)
    )
    running: dict[int, int] = {}
    lines = []
    for grant_id, at, fund_name, scheme_name, kind, description, cents in rows:
        running[grant_id] = running.get(grant_id, 0) + cents
        lines.append(
            StatementLine(
                at,
                fund_name,
                scheme_name,
                MOVEMENT_LABELS.get(kind, description),
                cents,
                running[grant_id],
            )
        )
    return lines
