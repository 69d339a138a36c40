"""Placing the holds of a funding plan: all of them, or none."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict
from wallet.funding.plan import CourseFacts, FundingPlan, GrantFacts, plan_funding
from wallet.grants.models import Grant, GrantStatus
from wallet.grants.validity import last_valid_day
from wallet.ledger import services as ledger
from wallet.ledger.models import Hold, LedgerAccount
from wallet.providers.services import excluded_providers
from wallet.schemes.models import Scheme
from wallet.schemes.rules import load_rules


def worker_grant_facts(user_id: int, on: dt.date | None = None) -> list[GrantFacts]:
    """The worker's active grants as the funding plan sees them (one query)."""
    on = on or clock.today()
    rows = session.execute(
        sa.select(
            Grant.id,
            LedgerAccount.posted_cents - LedgerAccount.held_cents,
            Grant.expires_at,
            Scheme.rules,
            Scheme.fund_id,
        )
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .where(Grant.user_id == user_id, Grant.status == GrantStatus.ACTIVE)
    )
    rows = list(rows)
    excluded = excluded_providers({fund_id for *_grant, fund_id in rows})
    facts = [
        GrantFacts(
            grant_id,
            available,
            last_valid_day(expires_at),
            load_rules(rules),
            excluded_providers=excluded[fund_id],
        )
        for grant_id, available, expires_at, rules, fund_id in rows
    ]
    return [grant for grant in facts if grant.expires_on >= on]


def plan_for(user_id: int, course: CourseFacts) -> FundingPlan:
    """The funding plan for this worker and course, from the ledger as it is now."""
    return plan_funding(course, worker_grant_facts(user_id))


def reserve_plan(
    plan: FundingPlan, credit_account_id: int, *, reference: str, expires_at: dt.datetime | None
) -> list[Hold]:
    """Place one hold per part of the plan. Flushes only: the caller's unit of work makes it
    all-or-nothing, so a grant spent meanwhile leaves no holds behind."""
    if plan.price_cents <= 0:
        raise Conflict(_("There is nothing to reserve."))
    grants = {
        grant.id: grant
        for grant in session.scalars(
            sa.select(Grant).where(Grant.id.in_([part.grant_id for part in plan.parts]))
        )
    }
    holds = []
    for part in plan.parts:
        grant = grants[part.grant_id]
        if grant.status != GrantStatus.ACTIVE or grant.expires_at <= clock.now():
            raise Conflict(_("One of your budgets has expired. Please look at the plan again."))
        holds.append(
            ledger.place_hold(
                grant.account_id,
                credit_account_id,
                part.cents,
                reference=reference,
                expires_at=expires_at,
            )
        )
    return holds
