"""Ledger accounts and transactions as a fund administrator reads them: by name, never by code."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from wallet.accounts.models import User
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.grants.models import Grant
from wallet.ledger.models import AccountKind, LedgerAccount
from wallet.schemes.models import Scheme

KINDS = {
    AccountKind.FUNDING_SOURCE: _l("Deposits from outside Leerwallet"),
    AccountKind.FUND_POT: _l("Fund pot"),
    AccountKind.GRANT: _l("Budget of a worker"),
    AccountKind.PAYABLE: _l("Owed to a payee"),
    AccountKind.IN_TRANSIT: _l("Money in transit"),
    AccountKind.PAID_OUT: _l("Paid out"),
    AccountKind.COPAY_RECEIVED: _l("Own contributions received"),
    AccountKind.RECEIVABLE: _l("Owed back by a provider"),
}

TRANSACTION_KINDS = {
    "allocation": _l("Budget granted"),
    "clawback": _l("Clawback"),
    "copay_received": _l("Own contribution received"),
    "copay_refunded": _l("Own contribution refunded"),
    "deposit": _l("Deposit into the fund"),
    "grant": _l("Budget granted"),
    "grant_cancel": _l("Budget cancelled"),
    "grant_expiry": _l("Budget expired"),
    "hold_post": _l("Paid from a reservation"),
    "payout_paid": _l("Paid out"),
    "payout_returned": _l("Returned by the bank"),
    "payout_submit": _l("Payout batch submitted"),
    "reimbursement": _l("Employer's reimbursement"),
    "reversal": _l("Correction"),
}


def account_name(account: LedgerAccount) -> str:
    """ "Fund pot Twents Fonds", "Budget of J. Jansen (Scholingsbudget 2025)", else the kind."""
    if account.kind == AccountKind.FUND_POT:
        fund = session.scalar(sa.select(Fund.name).where(Fund.pot_account_id == account.id))
        if fund:
            return _("Fund pot %(fund)s", fund=fund)
    if account.kind == AccountKind.GRANT:
        row = session.execute(
            sa.select(User.name, User.email, Scheme.name)
            .select_from(Grant)
            .join(User, User.id == Grant.user_id)
            .join(Scheme, Scheme.id == Grant.scheme_id)
            .where(Grant.account_id == account.id)
        ).first()
        if row:
            worker, email, scheme = row
            return _("Budget of %(worker)s (%(scheme)s)", worker=worker or email, scheme=scheme)
    return str(KINDS.get(account.kind, _("Ledger account")))


_CODE = re.compile(r"^[a-z_-]+:[\w:-]+$")  # "grant:12", "allocation:3": the app's own keys


def shown_reference(reference: str | None) -> str | None:
    """A transaction's reference where a person gave it ("Besluit 2027-3"), never a code."""
    return None if not reference or _CODE.match(reference) else reference


def transaction_kind(kind: str) -> str:
    """What a kind of ledger transaction was, in words."""
    label = TRANSACTION_KINDS.get(kind)
    return str(label) if label else kind.replace("_", " ").capitalize()
