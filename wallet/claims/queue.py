"""The review queue of a fund's administrators: filters, sorting and pages in one query."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from wallet.applications.models import Application
from wallet.catalogue.models import Course, CourseRun
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.fraud.models import RiskFlag, Severity
from wallet.providers.models import Provider

SORTS = ("age", "amount", "flags")
WAITING = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED_ONCE)


@dataclass(frozen=True)
class QueueFilter:
    """What the administrator asks for; defaults show what waits on them, oldest first."""

    status: str = "waiting"  # "waiting", "all" or one ClaimStatus value
    flagged_only: bool = False
    provider_id: int | None = None
    sort: str = "age"
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class QueueRow:
    """One claim as the queue shows it."""

    claim: Claim
    application_reference: str
    provider_name: str
    course_title: str
    high_flags: int
    medium_flags: int


def review_queue(fund_id: int, wanted: QueueFilter) -> tuple[list[QueueRow], int]:
    """A page of the fund's claims and how many match in all."""
    # The application's own flags and this claim's (never another claim's): as the claim page.
    counts = (
        sa.func.sum(sa.case((RiskFlag.severity == Severity.HIGH, 1), else_=0)).label("high"),
        sa.func.sum(sa.case((RiskFlag.severity == Severity.MEDIUM, 1), else_=0)).label("medium"),
    )
    flags = (
        sa.select(RiskFlag.application_id, *counts)
        .where(RiskFlag.claim_id.is_(None))
        .group_by(RiskFlag.application_id)
        .subquery()
    )
    claim_flags = (
        sa.select(RiskFlag.claim_id, *counts)
        .where(RiskFlag.claim_id.is_not(None))
        .group_by(RiskFlag.claim_id)
        .subquery()
    )
    high = sa.func.coalesce(flags.c.high, 0) + sa.func.coalesce(claim_flags.c.high, 0)
    medium = sa.func.coalesce(flags.c.medium, 0) + sa.func.coalesce(claim_flags.c.medium, 0)
    chosen = [Claim.fund_id == fund_id]
    if wanted.status == "waiting":
        chosen.append(Claim.status.in_(WAITING))
    elif wanted.status in {status.value for status in ClaimStatus}:
        chosen.append(Claim.status == ClaimStatus(wanted.status))
    if wanted.provider_id:
        chosen.append(Claim.provider_id == wanted.provider_id)
    query = (
        sa.select(Claim, Application.reference, Provider.name, Course.title_nl, high, medium)
        .join(Application, Application.id == Claim.application_id)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .join(Course, Course.id == CourseRun.course_id)
        .join(Provider, Provider.id == Claim.provider_id)
        .outerjoin(flags, flags.c.application_id == Claim.application_id)
        .outerjoin(claim_flags, claim_flags.c.claim_id == Claim.id)
        .where(*chosen)
    )
    if wanted.flagged_only:
        query = query.where(high + medium > 0)
        counted = query.subquery()
    else:  # every claim has its application, run, course and provider: no joins to count
        counted = sa.select(Claim.id).where(*chosen).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(counted))
    order = {
        "age": (Claim.submitted_at, Claim.id),
        "amount": (Claim.amount_cents.desc(), Claim.id),
        "flags": (high.desc(), medium.desc(), Claim.submitted_at, Claim.id),
    }[wanted.sort if wanted.sort in SORTS else "age"]
    page = max(wanted.page, 1)
    rows = session.execute(
        query.order_by(*order).limit(wanted.per_page).offset((page - 1) * wanted.per_page)
    ).all()
    return [
        QueueRow(row[0], row[1], row[2], row[3], int(row[4]), int(row[5])) for row in rows
    ], total
