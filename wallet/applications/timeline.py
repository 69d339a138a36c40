"""An application's way as the worker sees it: the steps it reached and when (from the audit
trail, the one record of who did what when), and what each of the worker's budgets reserved
and paid for it (from the application's and its claims' parts)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from wallet.applications.models import ApplicationPart
from wallet.audit.models import AuditEvent
from wallet.claims.models import Claim, ClaimPart
from wallet.core.db import session
from wallet.grants.models import Grant
from wallet.schemes.models import Scheme

STEPS = {
    "submit": _l("Applied"),
    "confirm": _l("Place confirmed by the provider"),
    "start": _l("Course started"),
    "complete": _l("Course completed"),
    "invoice": _l("Invoice sent to the fund"),
    "pay": _l("Paid to the provider"),
}


@dataclass(frozen=True)
class BudgetPart:
    """What one budget reserved for the application, and paid of it so far."""

    scheme_name: str
    reserved_cents: int
    paid_cents: int


def timelines(application_ids: list[int]) -> dict[int, list[tuple[str, dt.datetime]]]:
    """Per application: (step, when) for each step reached, in order (the first time)."""
    rows = session.execute(
        sa.select(AuditEvent.subject_id, AuditEvent.action, sa.func.min(AuditEvent.at))
        .where(
            AuditEvent.subject_type == "application",
            AuditEvent.subject_id.in_(application_ids),
            AuditEvent.action.in_(STEPS),
        )
        .group_by(AuditEvent.subject_id, AuditEvent.action)
    ).all()
    reached: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for application_id, action, at in rows:
        reached[application_id][action] = at
    return {
        application_id: [(str(STEPS[a]), steps[a]) for a in STEPS if a in steps]
        for application_id, steps in reached.items()
    }


def budget_parts(application_ids: list[int]) -> dict[int, list[BudgetPart]]:
    """Per application: each budget's reservation and what its approved claims paid."""
    paid: dict[tuple[int, int], int] = {}
    for application_id, grant_id, cents in session.execute(
        sa.select(Claim.application_id, ClaimPart.grant_id, sa.func.sum(ClaimPart.cents))
        .join(Claim, Claim.id == ClaimPart.claim_id)
        .where(Claim.application_id.in_(application_ids))
        .group_by(Claim.application_id, ClaimPart.grant_id)
    ):
        paid[(application_id, grant_id)] = int(cents)
    parts: dict[int, list[BudgetPart]] = defaultdict(list)
    for application_id, grant_id, name, cents in session.execute(
        sa.select(
            ApplicationPart.application_id,
            ApplicationPart.grant_id,
            Scheme.name,
            ApplicationPart.cents,
        )
        .join(Grant, Grant.id == ApplicationPart.grant_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .where(ApplicationPart.application_id.in_(application_ids))
        .order_by(ApplicationPart.id)
    ):
        parts[application_id].append(
            BudgetPart(name, cents, paid.get((application_id, grant_id), 0))
        )
    return dict(parts)
