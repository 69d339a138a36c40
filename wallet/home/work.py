"""What waits on a provider's staff or a fund's administrators, counted from the data, for
their start pages. Each count is the same query as the list its link opens."""

from __future__ import annotations

from dataclasses import dataclass

from wallet.applications.models import ApplicationStatus
from wallet.applications.services import applications_of_provider
from wallet.catalogue.services import courses_of
from wallet.claims.models import ClaimStatus
from wallet.claims.queue import QueueFilter, review_queue
from wallet.claims.services import claims_of_provider


@dataclass(frozen=True)
class ProviderWork:
    """A provider's courses, the applications it must answer and its rejected claims."""

    courses: int
    published: int
    to_answer: int
    in_progress: int
    rejected_claims: int


def provider_work(provider_id: int) -> ProviderWork:
    """The counts behind the provider's start page."""
    courses = courses_of(provider_id)
    to_answer = applications_of_provider(provider_id, [ApplicationStatus.SUBMITTED])
    running = applications_of_provider(
        provider_id,
        [
            ApplicationStatus.AWAITING_COPAYMENT,
            ApplicationStatus.CONFIRMED,
            ApplicationStatus.IN_PROGRESS,
            ApplicationStatus.COMPLETED,
        ],
    )
    rejected = [c for c in claims_of_provider(provider_id) if c.status == ClaimStatus.REJECTED]
    return ProviderWork(
        courses=len(courses),
        published=sum(1 for course in courses if course.published),
        to_answer=len(to_answer),
        in_progress=len(running),
        rejected_claims=len(rejected),
    )


@dataclass(frozen=True)
class FundWork:
    """What waits on a fund's administrators."""

    claims: int
    persons: int
    reimbursements: int


def fund_work(fund_id: int) -> FundWork:
    """The counts behind the fund administrator's start page."""
    from wallet.placements import reimbursements, review

    _rows, claims = review_queue(fund_id, QueueFilter(per_page=1))
    return FundWork(
        claims=claims,
        persons=review.waiting_count(fund_id),
        reimbursements=len(reimbursements.waiting(fund_id)),
    )
