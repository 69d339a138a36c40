"""A worker applies for a budget under a first-come or lottery scheme, and sees which
schemes they can apply to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict
from wallet.grants import first_come
from wallet.grants.eligibility import (
    check_eligible,
    get_worker,
    require_worker_scheme,
    worker_facts,
)
from wallet.grants.granting import AlreadyGranted, create_grant
from wallet.grants.models import (
    GrantSource,
    SchemeApplication,
    SchemeApplicationStatus,
)
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.schemes.rules import eligibility_problems, load_rules
from wallet.schemes.services import get_scheme


@dataclass(frozen=True)
class Applied:
    """What became of a worker's application: its id, status and grant (first come)."""

    id: int
    status: SchemeApplicationStatus
    grant_id: int | None


def facts_for_apply(scheme_id: int, user_id: int) -> first_come.ApplyFacts:
    """The facts of an application, read in one query, refused early (a used-up cap
    included, without a write) unless the worker applied already: that is left to the form's
    one-time key, so a form sent twice is answered as a replay."""
    facts = first_come.read_facts(scheme_id, user_id)
    if not facts.applied:
        first_come.refuse(facts, clock.today())
    return facts


def apply_for_grant(
    scheme_id: int, user_id: int, facts: first_come.ApplyFacts | None = None
) -> Applied:
    """A worker asks for a budget: granted at once (first come) or entered in the draw.

    The hot path of an opening rush (wallet/grants/first_come.py): the same answers as
    apply_for_grant_orm, in one query for the facts and a few set-based statements.
    """
    facts = facts or first_come.read_facts(scheme_id, user_id)
    first_come.refuse(facts, clock.today())
    with unit_of_work():
        if facts.mode == AllocationMode.FIRST_COME:
            application_id, grant_id = first_come.grant_first_come(facts)
            return Applied(application_id, SchemeApplicationStatus.GRANTED, grant_id)
        return Applied(first_come.enter_draw(facts), SchemeApplicationStatus.WAITING, None)


def apply_for_grant_orm(scheme_id: int, user_id: int) -> SchemeApplication:
    """apply_for_grant through ORM objects and create_grant: the reference the hot path is
    tested against (tests/grants/test_first_come_path.py)."""
    scheme = get_scheme(scheme_id)
    user = get_worker(user_id)
    require_worker_scheme(scheme)
    if scheme.allocation_mode not in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        raise Conflict(_("Budgets under this scheme are not applied for."))
    if scheme.status != SchemeStatus.ACTIVE or not scheme.window_is_open(clock.today()):
        raise Conflict(_("Applications for this scheme are not open."))
    check_eligible(scheme, user)
    from wallet.verification.rules import require_verified

    require_verified(user)
    already = sa.select(SchemeApplication.id).where(
        SchemeApplication.scheme_id == scheme_id, SchemeApplication.user_id == user_id
    )
    if session.scalar(already) is not None:
        raise AlreadyGranted(_("You have already applied under this scheme."))
    with unit_of_work() as db:
        application = SchemeApplication(
            scheme_id=scheme_id, user_id=user_id, applied_at=clock.now()
        )
        if scheme.allocation_mode == AllocationMode.FIRST_COME:
            grant = create_grant(
                scheme,
                user_id,
                scheme.amount_cents,
                period=scheme.window_opens_on.isoformat(),
                source=GrantSource.FIRST_COME,
                actor_id=user_id,  # granted by the scheme's rule, on the worker's request
            )
            application.status = SchemeApplicationStatus.GRANTED
            application.grant_id = grant.id
        else:
            application.status = SchemeApplicationStatus.WAITING
        db.add(application)
        try:
            db.flush()
        except sa.exc.IntegrityError:
            raise AlreadyGranted(_("You have already applied under this scheme.")) from None
    return application


def open_schemes_for(user_id: int) -> list[tuple[Scheme, list[str], str | None]]:
    """Schemes a worker can apply to now: (scheme, reasons they do not qualify, their status)."""
    user = get_worker(user_id)
    today = clock.today()
    schemes = session.scalars(
        sa.select(Scheme).where(
            Scheme.status == SchemeStatus.ACTIVE,
            Scheme.kind == SchemeKind.WORKER_BUDGET,
            Scheme.allocation_mode.in_([AllocationMode.FIRST_COME, AllocationMode.LOTTERY]),
        )
    ).all()
    applied = dict(
        session.execute(
            sa.select(SchemeApplication.scheme_id, SchemeApplication.status).where(
                SchemeApplication.user_id == user_id
            )
        ).all()
    )
    facts = worker_facts(user)
    return [
        (
            scheme,
            eligibility_problems(load_rules(scheme.rules), facts, today),
            applied.get(scheme.id),
        )
        for scheme in schemes
        if scheme.window_is_open(today)
    ]
