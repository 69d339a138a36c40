"""Who may receive a budget under a scheme: workers, by the scheme's rules."""

from __future__ import annotations

from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.schemes.models import AllocationMode, Scheme
from wallet.schemes.rules import WorkerFacts, eligibility_problems, load_rules


class NotEligible(ValidationFailed):
    """The worker does not meet the scheme's rules; `errors['eligibility']` says why."""

    title = "Not eligible"
    code = "not-eligible"


def worker_facts(user: User) -> WorkerFacts:
    """The profile facts eligibility looks at."""
    if user.role != Role.WORKER or user.profile is None:
        raise ValidationFailed(_("Budgets are granted to workers only."))
    profile = user.profile
    return WorkerFacts(
        municipality_code=profile.municipality_code,
        employment_status=profile.employment_status,
        date_of_birth=profile.date_of_birth,
        education_level=profile.education_level,
    )


def check_eligible(scheme: Scheme, user: User) -> None:
    """NotEligible with every reason, or nothing."""
    problems = eligibility_problems(load_rules(scheme.rules), worker_facts(user), clock.today())
    if problems:
        raise NotEligible(" ".join(problems), errors={"eligibility": problems})


def require_worker_scheme(scheme: Scheme) -> None:
    """An employer scheme reimburses employers; it never grants a budget to a worker."""
    if scheme.for_employers:
        message = _(
            "This is an employer scheme: it reimburses employers and grants no budgets to workers."
        )
        raise Conflict(message)


def require_granted_by_hand(scheme: Scheme) -> None:
    """First-come and lottery budgets are applied for by workers, never granted by hand:
    one way per scheme keeps one budget per worker."""
    require_worker_scheme(scheme)
    if scheme.allocation_mode in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        raise Conflict(_("Budgets under this scheme are applied for by workers themselves."))


def get_worker(user_id: int) -> User:
    """The worker, or NotFound."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.WORKER:
        raise NotFound(_("There is no such worker."))
    return user
