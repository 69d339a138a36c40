"""The lottery: after a scheme's window closes, a seeded draw picks who gets a budget.

The draw is reproducible: the applicants in user-id order, shuffled by a random generator
seeded with the scheme id and the administrator's seed. The order and outcome are stored.
"""

from __future__ import annotations

import random

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, ValidationFailed
from wallet.grants.eligibility import require_worker_scheme
from wallet.grants.granting import create_grant
from wallet.grants.models import (
    GrantSource,
    LotteryDraw,
    SchemeApplication,
    SchemeApplicationStatus,
)
from wallet.ledger import services as ledger
from wallet.schemes.models import AllocationMode, SchemeStatus
from wallet.schemes.services import get_scheme


def drawn_order(scheme_id: int, seed: str, applicants: list[int]) -> list[int]:
    """The applicants in drawn order; the same inputs always give the same order."""
    order = sorted(applicants)
    random.Random(f"{scheme_id}:{seed}").shuffle(order)  # noqa: S311 - fair, not secret
    return order


def draw_lottery(scheme_id: int, seed: str, *, actor_id: int | None = None) -> LotteryDraw:
    """Draw winners among the waiting applicants, as many as cap and pot allow."""
    scheme = get_scheme(scheme_id)
    require_worker_scheme(scheme)
    seed = (seed or "").strip()
    if not seed or len(seed) > 100:
        raise ValidationFailed(_("Give a seed of 1 to 100 characters, for example today's date."))
    if scheme.allocation_mode != AllocationMode.LOTTERY:
        raise Conflict(_("This scheme has no lottery."))
    if scheme.status != SchemeStatus.ACTIVE:
        raise Conflict(_("This scheme is not active."))
    if scheme.window_closes_on is None or clock.today() <= scheme.window_closes_on:
        raise Conflict(_("The draw takes place after the application window has closed."))
    if session.scalar(sa.select(LotteryDraw.id).where(LotteryDraw.scheme_id == scheme_id)):
        raise Conflict(_("The lottery of this scheme has already been drawn."))
    # Applicants who never verified their e-mail address are not drawn: they lose.
    waiting = list(
        session.scalars(
            sa.select(SchemeApplication.user_id)
            .join(User, User.id == SchemeApplication.user_id)
            .where(
                SchemeApplication.scheme_id == scheme_id,
                SchemeApplication.status == SchemeApplicationStatus.WAITING,
                User.email_verified_at.is_not(None),
            )
        )
    )
    order = drawn_order(scheme_id, seed, waiting)
    room = (scheme.total_cap_cents - scheme.committed_cents) // scheme.amount_cents
    in_pot = ledger.balance(scheme.fund.pot_account_id).available_cents // scheme.amount_cents
    winners = order[: max(0, min(room, in_pot))]
    winner_set = set(winners)
    with unit_of_work() as db:
        draw = LotteryDraw(
            scheme_id=scheme_id,
            seed=seed,
            drawn_at=clock.now(),
            drawn_by_id=actor_id,
            applicants=len(order),
            winners=len(winners),
            order=order,
        )
        db.add(draw)
        db.flush()  # the unique scheme_id stops a second, concurrent draw here
        applications = {
            a.user_id: a
            for a in db.scalars(
                sa.select(SchemeApplication).where(SchemeApplication.scheme_id == scheme_id)
            )
        }
        period = scheme.window_opens_on.isoformat()
        drawn, unverified = set(order), 0
        for application in applications.values():
            if application.status == SchemeApplicationStatus.WAITING and (
                application.user_id not in drawn
            ):
                application.status, unverified = SchemeApplicationStatus.LOST, unverified + 1
        for user_id in order:
            application = applications[user_id]
            if user_id in winner_set:
                grant = create_grant(
                    scheme,
                    user_id,
                    scheme.amount_cents,
                    period=period,
                    source=GrantSource.LOTTERY,
                    actor_id=actor_id,
                )
                application.status, application.grant_id = SchemeApplicationStatus.WON, grant.id
            else:
                application.status = SchemeApplicationStatus.LOST
        record(
            "scheme",
            scheme_id,
            "lottery_drawn",
            actor_id=actor_id,
            after={
                "seed": seed,
                "applicants": len(order),
                "winners": len(winners),
                "unverified_not_drawn": unverified,
            },
        )
    return draw
