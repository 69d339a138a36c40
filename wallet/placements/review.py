"""The fund decides on each person in an employer application; an approval commits budget.

A commitment is money set aside on the fund's pot for the employer (ledger holds from the
pot to the employer's payable account), counted against the scheme's total budget in the
same unit of work: neither the scheme nor the fund can promise more than it has, however
many administrators approve at once (the conditional UPDATEs of wallet/ledger/services.py
and wallet/grants/cap.claim_cap). Where the scheme pays a part only when the person is
still employed after some months, that part is a hold of its own: each hold resolves once.

Four eyes: a commitment above the scheme's threshold needs two administrators; the second
commits the amount the first approved. Nobody decides on an application they prepared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.audit.services import record
from wallet.brokers.models import CaseloadStage
from wallet.brokers.services import advance_pipeline
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.employers.models import Employer, EmployerStatus
from wallet.funds.models import Fund
from wallet.grants.cap import claim_cap, release_cap
from wallet.grants.validity import add_months
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, Hold, HoldStatus
from wallet.placements.models import EmployerApplication, FollowUp, Placement, PlacementStatus
from wallet.placements.services import (
    PER_PAGE,
    decide_if_done,
    eligibility_of,
    move_placement,
    requested_cents,
    require_step,
    visible_placement,
    worker_email_owner,
)
from wallet.schemes.employer_rules import employer_rules_of, staged_parts
from wallet.schemes.models import SchemeStatus

FOLLOW_UP_MONTHS = (6, 12)


def employer_payable(employer_id: int) -> int:
    """The employer's payable account: kept apart from every provider's."""
    return ledger.open_account(account_codes.employer_payable(employer_id), AccountKind.PAYABLE).id


def _fund_admin(actor: User, placement: Placement) -> None:
    if actor.role != Role.FUND_ADMIN or actor.fund_id != placement.application.fund_id:
        raise NotFound(_("There is no such person in an application."))
    if actor.id == placement.application.prepared_by_id:
        raise Forbidden(_("Nobody decides on an application they prepared."))


def review(
    placement_id: int, action: str, *, actor: User, reason: str = "", cents: int | None = None
) -> Placement:
    """approve (with the amount to commit) or reject (with a reason the employer sees)."""
    placement = visible_placement(placement_id, actor)
    _fund_admin(actor, placement)
    if action == "approve":
        return _approve(placement, actor, cents)
    if action != "reject":
        raise NotFound(_("There is no such decision."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; the employer sees it."), errors={"reason": _("Give a reason.")}
        )
    with unit_of_work():
        before = placement.status
        move_placement(
            placement, "reject", reason=reason[:500], decided_by_id=actor.id, decided_at=clock.now()
        )
        record(
            "placement",
            placement.id,
            "reject",
            actor_id=actor.id,
            before={"status": before.value},
            after={"status": "rejected"},
            reason=reason[:500],
        )
        _tell_employer(placement, "rejected", reason=reason[:500])
        decide_if_done(placement.application)
    return placement


def _amount(placement: Placement, cents: int | None) -> int:
    """The amount to commit: given by the first approver, within what the scheme would pay."""
    if placement.status == PlacementStatus.APPROVED_ONCE:
        if cents is not None and cents != placement.first_approved_cents:
            raise ValidationFailed(
                _(
                    "The first administrator approved a different amount; reject it if it is "
                    "wrong, or approve that amount."
                ),
                errors={"cents": _("Approve the amount of the first approval.")},
            )
        return placement.first_approved_cents
    most = requested_cents(placement, placement.application.scheme)
    cents = most if cents is None else cents
    if isinstance(cents, bool) or not isinstance(cents, int) or cents < 1:
        raise ValidationFailed(
            _("Commit an amount of at least one cent."), errors={"cents": _("Give an amount.")}
        )
    if cents > most:
        message = _("The scheme pays at most its share of the quote within its caps here.")
        raise ValidationFailed(message, errors={"cents": message})
    return cents


def _approve(placement: Placement, actor: User, cents: int | None) -> Placement:
    application = placement.application
    scheme = application.scheme
    if actor.id == placement.first_approver_id:
        raise Conflict(_("You have approved this person already; a second administrator must."))
    if scheme.status != SchemeStatus.ACTIVE:
        raise Conflict(_("The scheme is not active: it commits no budget now."))
    require_step(placement, "approve")
    rules = employer_rules_of(scheme)
    with unit_of_work():
        # The employer's row is locked while its yearly cap is counted: two approvals for
        # one employer at once are counted one after the other.
        employer = session.scalar(
            sa.select(Employer).where(Employer.id == placement.employer_id).with_for_update()
        )
        reasons = eligibility_of(placement, scheme, employer)
        if employer.status != EmployerStatus.VERIFIED:
            reasons = [_("The employer is not verified now; the decision waits until it is.")]
        if reasons:
            raise Conflict(" ".join(reasons))
        amount = _amount(placement, cents)
        before = placement.status
        if amount > rules.four_eyes_above_cents and before == PlacementStatus.IN_REVIEW:
            move_placement(
                placement,
                "approve",
                target=PlacementStatus.APPROVED_ONCE,
                first_approved_cents=amount,
                first_approver_id=actor.id,
            )
            record(
                "placement",
                placement.id,
                "approve",
                actor_id=actor.id,
                before={"status": before.value},
                after={"status": "approved_once", "committed_cents": amount},
            )
            return placement
        _commit(placement, amount, rules)
        move_placement(
            placement,
            "approve",
            committed_cents=amount,
            decided_by_id=actor.id,
            decided_at=clock.now(),
            worker_id=worker_email_owner(placement.worker_email),
        )
        _plan_follow_ups(placement, rules.retention_months)
        record(
            "placement",
            placement.id,
            "approve",
            actor_id=actor.id,
            before={"status": before.value},
            after={
                "status": "approved",
                "committed_cents": amount,
                "hold_id": placement.hold_id,
                "retention_hold_id": placement.retention_hold_id,
            },
        )
        _tell_employer(placement, "approved", amount_cents=amount)
        advance_pipeline(application.fund_id, placement.employer_id, CaseloadStage.APPROVED)
        decide_if_done(application)
    return placement


def _tell_employer(placement: Placement, decision: str, **params) -> None:
    from wallet.employers.services import staff_of
    from wallet.notifications.services import notify

    for user in staff_of(placement.employer_id):
        if user.active:
            notify(
                user,
                "placement_decided",
                reference=placement.application.reference,
                person=placement.full_name,
                decision=decision,
                **params,
            )


def _commit(placement: Placement, amount: int, rules) -> None:
    """Count the amount against the scheme and set it aside on the fund's pot."""
    fund = session.get(Fund, placement.application.fund_id)
    claim_cap(placement.scheme_id, amount)
    payable = employer_payable(placement.employer_id)
    now_part, later_part = staged_parts(rules, amount)
    reference = placement.application.reference
    hold = ledger.place_hold(fund.pot_account_id, payable, now_part, reference=reference)
    placement.hold_id = hold.id
    if later_part:
        later = ledger.place_hold(fund.pot_account_id, payable, later_part, reference=reference)
        placement.retention_hold_id = later.id
    session.flush()


def _plan_follow_ups(placement: Placement, retention_months: int | None) -> None:
    months = sorted(set(FOLLOW_UP_MONTHS) | ({retention_months} if retention_months else set()))
    session.refresh(placement)
    for month in months:
        session.add(
            FollowUp(
                placement_id=placement.id,
                months=month,
                due_on=add_months(placement.start_date, month),
            )
        )
    session.flush()


def release(placement: Placement, *, holds: tuple[str, ...]) -> int:
    """Void the named pending holds ("hold", "retention_hold") of a placement: the money goes
    back to the fund's pot and the scheme's budget. Returns the cents released."""
    released = 0
    for name in holds:
        hold_id = getattr(placement, f"{name}_id")
        hold = session.get(Hold, hold_id) if hold_id else None
        if hold is None or hold.status != HoldStatus.PENDING:
            continue
        ledger.void_hold(hold.id)
        released += hold.amount_cents
    give_back(placement, released)
    return released


def give_back(placement: Placement, cents: int) -> None:
    """What a placement no longer holds goes back to its scheme's budget (the holds gave the
    money back to the pot already)."""
    if not cents:
        return
    release_cap(placement.scheme_id, cents)
    table = Placement.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == placement.id)
        .values(committed_cents=table.c.committed_cents - cents)
    )
    session.expire(placement)


def pending_commitment(placement: Placement) -> int:
    """What is still set aside for the placement, not yet paid or released."""
    ids = [i for i in (placement.hold_id, placement.retention_hold_id) if i]
    if not ids:
        return 0
    query = sa.select(sa.func.coalesce(sa.func.sum(Hold.amount_cents), 0)).where(
        Hold.id.in_(ids), Hold.status == HoldStatus.PENDING
    )
    return int(session.scalar(query))


def _queue_query(fund_id: int):
    return (
        sa.select(Placement)
        .join(EmployerApplication, EmployerApplication.id == Placement.application_id)
        .where(
            EmployerApplication.fund_id == fund_id,
            Placement.status.in_([PlacementStatus.IN_REVIEW, PlacementStatus.APPROVED_ONCE]),
        )
    )


def queue(fund_id: int) -> list[Placement]:
    """Persons waiting for the fund's decision, oldest application first."""
    query = _queue_query(fund_id).order_by(EmployerApplication.submitted_on, Placement.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Waiting:
    """A person as the fund's administrator decides on them."""

    placement: Placement
    would_pay_cents: int  # what the scheme would pay on the quote now, within its caps
    four_eyes: bool  # two administrators must approve
    first_approver: str | None  # who approved once, where one did
    reasons: tuple[str, ...] = ()  # why the person does not qualify now (with_reasons)


def describe(placements: list[Placement], *, with_reasons: bool = False) -> list[Waiting]:
    """The decision facts of each person: what the scheme would pay, whether four eyes
    apply and who approved first; with the eligibility reasons where asked."""
    names = names_of({p.first_approver_id for p in placements if p.first_approver_id})
    rows = []
    for placement in placements:
        scheme = placement.application.scheme
        would_pay = requested_cents(placement, scheme)
        threshold = employer_rules_of(scheme).four_eyes_above_cents
        undecided = placement.status in (PlacementStatus.IN_REVIEW, PlacementStatus.APPROVED_ONCE)
        reasons = ()
        if with_reasons and undecided:
            reasons = tuple(eligibility_of(placement, scheme, placement.employer))
        four_eyes = placement.status == PlacementStatus.APPROVED_ONCE or (
            undecided and would_pay > threshold
        )
        rows.append(
            Waiting(
                placement, would_pay, four_eyes, names.get(placement.first_approver_id), reasons
            )
        )
    return rows


def queue_page(fund_id: int, page: int = 1) -> tuple[list[Waiting], int]:
    """One page of the queue (PER_PAGE persons, oldest application first), each described:
    (rows, total)."""
    total = waiting_count(fund_id)
    query = (
        _queue_query(fund_id)
        .order_by(EmployerApplication.submitted_on, Placement.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return describe(list(session.scalars(query))), total


def waiting_count(fund_id: int) -> int:
    """How many persons wait for the fund's decision."""
    return int(
        session.scalar(sa.select(sa.func.count()).select_from(_queue_query(fund_id).subquery()))
    )


def amount_to_commit(placement_id: int, *, actor: User, cents: int | None) -> int:
    """What approving the person now would commit, or the error the approval would raise
    (nothing written): for the confirmation step before an approval."""
    placement = visible_placement(placement_id, actor)
    _fund_admin(actor, placement)
    if actor.id == placement.first_approver_id:
        raise Conflict(_("You have approved this person already; a second administrator must."))
    require_step(placement, "approve")
    return _amount(placement, cents)


def names_of(user_ids: set[int]) -> dict[int, str]:
    """The names of these users (administrators who decided, people in a history)."""
    if not user_ids:
        return {}
    query = sa.select(User.id, User.name).where(User.id.in_(user_ids))
    return {row.id: row.name for row in session.execute(query)}


def due_on(placement: Placement) -> dt.date | None:
    """The next follow-up that is not recorded yet."""
    for follow_up in placement.follow_ups:
        if follow_up.recorded_at is None:
            return follow_up.due_on
    return None
