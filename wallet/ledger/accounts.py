"""Every ledger account code, built in one place: in Python for one account, in SQL for joins
and bulk inserts. The codes are stored, so a pattern here never changes for existing rows.

Display names for people live in wallet/funds/accounts.py; codes are for machines.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

# The outside world: where deposits and co-payments come from. May go below zero.
FUNDING_SOURCE = "external:funding"
COPAY_SOURCE = "external:copayments"
COPAY_RECEIVED = "copayments:received"

EMPLOYER_PAYABLE_LIKE = "employer:%"


def fund_pot() -> str:
    """A new fund's pot; random, because the fund has no id yet when its pot opens."""
    return f"fund-pot:{uuid.uuid4().hex}"


def grant(scheme_id: int, user_id: int, period: str) -> str:
    """The budget of one worker under one scheme for one period (one by one, first come)."""
    return f"grant:{scheme_id}:{user_id}:{period}"


def allocation_grant(run_id: int, user_id: int) -> str:
    """The budget a scheduled allocation run opened for one worker."""
    return f"allocation:{run_id}:{user_id}"


def provider_payable(provider_id: int) -> str:
    """What Leerwallet owes a training provider."""
    return f"provider:{provider_id}:payable"


def employer_payable(employer_id: int) -> str:
    """What Leerwallet owes an employer (reimbursements)."""
    return f"employer:{employer_id}:payable"


def provider_receivable(provider_id: int, fund_id: int) -> str:
    """What a provider owes one fund back after clawbacks."""
    return f"provider:{provider_id}:fund:{fund_id}:receivable"


def provider_receivables_like(fund_id: int) -> str:
    """A LIKE pattern matching every provider's receivable towards one fund."""
    return f"provider:%:fund:{fund_id}:receivable"


IN_TRANSIT = "in_transit"
PAID_OUT = "paid_out"


def fund_account(fund_id: int, suffix: str) -> str:
    """A fund's own payout account: `suffix` is IN_TRANSIT or PAID_OUT."""
    return f"fund:{fund_id}:{suffix}"


def fund_in_transit(fund_id: int) -> str:
    """Money of a fund on its way to payees in submitted payout batches."""
    return fund_account(fund_id, IN_TRANSIT)


def fund_paid_out(fund_id: int) -> str:
    """Money a fund paid out to payees."""
    return fund_account(fund_id, PAID_OUT)


# The same codes as SQL expressions of id columns, for joins and INSERT ... SELECT.


def _sql(*parts) -> sa.ColumnElement[str]:
    pieces = [sa.literal(p) if isinstance(p, str) else sa.cast(p, sa.String) for p in parts]
    expression: sa.ColumnElement[str] = pieces[0]
    for piece in pieces[1:]:
        expression = expression + piece
    return expression


def allocation_grant_sql(run_id: int, user_id) -> sa.ColumnElement[str]:
    """`allocation_grant` for a column of user ids."""
    return _sql(f"allocation:{run_id}:", user_id)


def provider_payable_sql(provider_id) -> sa.ColumnElement[str]:
    """`provider_payable` for a column of provider ids."""
    return _sql("provider:", provider_id, ":payable")


def employer_payable_sql(employer_id) -> sa.ColumnElement[str]:
    """`employer_payable` for a column of employer ids."""
    return _sql("employer:", employer_id, ":payable")


def provider_receivable_sql(provider_id, fund_id) -> sa.ColumnElement[str]:
    """`provider_receivable` for columns of provider and fund ids."""
    return _sql("provider:", provider_id, ":fund:", fund_id, ":receivable")


def fund_account_sql(fund_id, suffix: str) -> sa.ColumnElement[str]:
    """`fund_account` for a column of fund ids."""
    return _sql("fund:", fund_id, f":{suffix}")
