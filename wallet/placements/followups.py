"""After an approval: did the person start, are they still employed at 6 and 12 months?

The employer's staff or a broker of the fund record it. A placement closes as not started
(the whole commitment goes back), ended early (the part held for staying employed goes back;
the first part remains for the employer's claim on what it paid) or retained (still
employed at the last follow-up). A reminder goes out once when a follow-up falls due.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.audit.services import record
from wallet.brokers.models import CaseloadEntry, CaseloadStage
from wallet.brokers.services import advance_pipeline
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.placements.models import FollowUp, Placement, PlacementStatus
from wallet.placements.review import release
from wallet.placements.services import move_placement, visible_placement

# What a closure gives back: (action, holds released).
CLOSURES = {
    "not_started": ("hold", "retention_hold"),
    "end_early": ("retention_hold",),
    "retain": (),
}


def _may_follow_up(actor: User, placement: Placement) -> None:
    if actor.role == Role.EMPLOYER_STAFF and actor.employer_id == placement.employer_id:
        return
    if actor.role == Role.BROKER and actor.fund_id == placement.application.fund_id:
        return
    raise Forbidden(_("Only the employer or the fund's broker records how a placement goes."))


def _close(placement: Placement, action: str, actor: User, reason: str | None) -> None:
    released = release(placement, holds=CLOSURES[action])
    before = placement.status
    move_placement(placement, action, reason=reason, closed_on=clock.today())
    record(
        "placement",
        placement.id,
        action,
        actor_id=actor.id,
        before={"status": before.value},
        after={"status": placement.status.value, "released_cents": released},
        reason=reason,
    )


def close(placement_id: int, action: str, *, actor: User, reason: str) -> Placement:
    """The person did not start, or their employment ended early: with a reason."""
    placement = visible_placement(placement_id, actor)
    _may_follow_up(actor, placement)
    if action not in ("not_started", "end_early"):
        raise NotFound(_("There is no such step."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), errors={"reason": _("Give a reason.")})
    if action == "not_started" and any(f.recorded_at for f in placement.follow_ups):
        raise Conflict(
            _(
                "A follow-up was recorded: the person started. Say the employment "
                "ended early instead."
            )
        )
    with unit_of_work():
        _close(placement, action, actor, reason[:500])
    return placement


def record_follow_up(
    placement_id: int, months: int, *, actor: User, still_employed: bool, note: str = ""
) -> FollowUp:
    """Record one follow-up once it is due; the last one still employed closes as retained,
    any one not employed closes the placement as ended early."""
    placement = visible_placement(placement_id, actor)
    _may_follow_up(actor, placement)
    follow_up = next((f for f in placement.follow_ups if f.months == months), None)
    if follow_up is None:
        raise NotFound(_("There is no such follow-up."))
    if placement.status != PlacementStatus.APPROVED:
        raise Conflict(_("This placement is closed; nothing more is recorded."))
    if follow_up.due_on > clock.today():
        raise Conflict(
            _("This follow-up is due on %(day)s; record it then.", day=follow_up.due_on.isoformat())
        )
    note = note.strip()
    if not still_employed and not note:
        raise ValidationFailed(
            _("Say why the employment ended."), errors={"note": _("Give a reason.")}
        )
    table = FollowUp.__table__
    with unit_of_work():
        result = session.execute(
            sa.update(table)
            .where(table.c.id == follow_up.id, table.c.recorded_at.is_(None))
            .values(
                still_employed=still_employed,
                note=note[:500] or None,
                recorded_by_id=actor.id,
                recorded_at=clock.now(),
            )
        )
        if result.rowcount != 1:
            raise Conflict(_("This follow-up was recorded already."))
        record(
            "placement",
            placement.id,
            "follow_up",
            actor_id=actor.id,
            after={"months": months, "still_employed": still_employed},
        )
        if still_employed:
            advance_pipeline(
                placement.application.fund_id, placement.employer_id, CaseloadStage.FOLLOWED_UP
            )
        last = max(f.months for f in placement.follow_ups)
        if not still_employed:
            _close(placement, "end_early", actor, note[:500])
        elif months == last:
            _close(placement, "retain", actor, None)
    session.refresh(follow_up)
    return follow_up


def due_follow_ups(actor: User) -> list[FollowUp]:
    """Follow-ups due now or within two weeks that the actor may record, soonest first."""
    from wallet.placements.models import EmployerApplication

    horizon = clock.today().toordinal() + 14
    query = (
        sa.select(FollowUp)
        .join(Placement, Placement.id == FollowUp.placement_id)
        .join(EmployerApplication, EmployerApplication.id == Placement.application_id)
        .where(FollowUp.recorded_at.is_(None), Placement.status == PlacementStatus.APPROVED)
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    if actor.role == Role.EMPLOYER_STAFF:
        query = query.where(Placement.employer_id == actor.employer_id)
    elif actor.role == Role.BROKER:
        caseload = sa.select(CaseloadEntry.employer_id).where(
            CaseloadEntry.fund_id == actor.fund_id
        )
        query = query.where(
            EmployerApplication.fund_id == actor.fund_id, Placement.employer_id.in_(caseload)
        )
    else:
        return []
    return [f for f in session.scalars(query) if f.due_on.toordinal() <= horizon]


def send_reminders() -> int:
    """Remind the employer's staff (and the broker holding the employer) of each follow-up
    that fell due, once. Each reminder is its own unit of work."""
    from wallet.employers.services import staff_of
    from wallet.notifications.services import notify
    from wallet.placements.models import EmployerApplication

    require_no_unit_of_work("send_reminders")
    query = (
        sa.select(FollowUp.id)
        .join(Placement, Placement.id == FollowUp.placement_id)
        .where(
            FollowUp.recorded_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.due_on <= clock.today(),
            Placement.status == PlacementStatus.APPROVED,
        )
        .order_by(FollowUp.id)
    )
    sent = 0
    for follow_up_id in list(session.scalars(query)):
        session.rollback()
        with unit_of_work():
            table = FollowUp.__table__
            taken = session.execute(
                sa.update(table)
                .where(table.c.id == follow_up_id, table.c.reminded_at.is_(None))
                .values(reminded_at=clock.now())
            ).rowcount
            if taken != 1:
                continue
            follow_up = session.get(FollowUp, follow_up_id)
            placement = follow_up.placement
            application = session.get(EmployerApplication, placement.application_id)
            people = [u for u in staff_of(placement.employer_id) if u.active]
            broker = session.scalar(
                sa.select(CaseloadEntry.broker_id).where(
                    CaseloadEntry.fund_id == application.fund_id,
                    CaseloadEntry.employer_id == placement.employer_id,
                )
            )
            if broker is not None:
                people.append(session.get(User, broker))
            for person in people:
                notify(
                    person,
                    "follow_up_due",
                    reference=application.reference,
                    person=placement.full_name,
                    months=str(follow_up.months),
                )
            sent += 1
    return sent


# The fund's overview: placements that were approved, running or closed.
OVERVIEW_STATUSES = (
    PlacementStatus.APPROVED,
    PlacementStatus.NOT_STARTED,
    PlacementStatus.ENDED_EARLY,
    PlacementStatus.RETAINED,
)


def placements_of_fund(
    fund_id: int, *, status: PlacementStatus | None = None, page: int = 1
) -> tuple[list[Placement], int]:
    """The fund's placements (approved and closed), newest start first: (rows, total)."""
    from sqlalchemy.orm import selectinload

    from wallet.placements.models import EmployerApplication
    from wallet.placements.services import PER_PAGE

    wanted = [status] if status in OVERVIEW_STATUSES else list(OVERVIEW_STATUSES)
    query = (
        sa.select(Placement)
        .join(EmployerApplication, EmployerApplication.id == Placement.application_id)
        .where(EmployerApplication.fund_id == fund_id, Placement.status.in_(wanted))
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(selectinload(Placement.follow_ups), selectinload(Placement.employer))
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return list(rows), int(total)


CLAIM_MONTHS = 24  # after the start: what is still set aside then and not claimed lapses


def lapse_commitments() -> int:
    """Release what placements still set aside CLAIM_MONTHS after their start and nobody
    claimed (a claim waiting for the fund's decision keeps its part), back to the fund's pot
    and the scheme's budget; each placement in its own unit of work, audited. Returns how
    many placements gave money back."""
    from wallet.grants.validity import add_months
    from wallet.ledger.models import Hold, HoldStatus
    from wallet.placements.models import ReimbursementClaim, ReimbursementPart
    from wallet.placements.reimbursements import S as ClaimStatus

    require_no_unit_of_work("lapse_commitments")
    today = clock.today()
    pending = sa.select(Hold.id).where(
        sa.or_(Hold.id == Placement.hold_id, Hold.id == Placement.retention_hold_id),
        Hold.status == HoldStatus.PENDING,
    )
    query = sa.select(Placement.id, Placement.start_date).where(
        Placement.hold_id.is_not(None), sa.exists(pending)
    )
    due = [
        pid
        for pid, start in session.execute(query).all()
        if add_months(start, CLAIM_MONTHS) <= today
    ]
    session.rollback()
    lapsed = 0
    for placement_id in due:
        with unit_of_work():
            placement = session.get(Placement, placement_id)
            waiting = set(
                session.scalars(
                    sa.select(ReimbursementClaim.part).where(
                        ReimbursementClaim.placement_id == placement.id,
                        ReimbursementClaim.status.in_(
                            [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED_ONCE]
                        ),
                    )
                )
            )
            holds = tuple(
                name
                for name, part in (
                    ("hold", ReimbursementPart.FIRST),
                    ("retention_hold", ReimbursementPart.RETENTION),
                )
                if part not in waiting
            )
            released = release(placement, holds=holds)
            if released:
                record(
                    "placement",
                    placement.id,
                    "lapse",
                    actor_id=None,
                    after={"released_cents": released},
                    reason=f"not claimed within {CLAIM_MONTHS} months of the start",
                )
                lapsed += 1
    return lapsed
