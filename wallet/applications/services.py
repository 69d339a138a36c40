"""Use cases of applications: apply (holds placed at once), decide, and expire unanswered.

Who may do what is part of the rules: the worker applies and cancels their own; staff of
the course's provider confirm, reject, record a co-payment, start and complete; the system
expires. Every move goes through TRANSITIONS and leaves an audit event.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.passwords import verify_password
from wallet.applications import signals
from wallet.applications.labels import STATUS_LABELS
from wallet.applications.models import (
    ACTIVE,
    RELEASES_HOLDS,
    TRANSITIONS,
    Application,
    ApplicationPart,
    ApplicationStatus,
)
from wallet.audit.services import record
from wallet.catalogue.models import CourseRun
from wallet.catalogue.search import accreditations_of, course_facts
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.core.transitions import advance
from wallet.funding.plan import FundingPlan, plan_funding
from wallet.funding.services import reserve_plan, worker_grant_facts
from wallet.grants.balances import payable_account_id
from wallet.ledger import services as ledger
from wallet.ledger.models import Hold, HoldStatus
from wallet.notifications.services import APPLICATION_UPDATES, notify, notify_provider
from wallet.providers.models import ProviderStatus

RESPOND_DAYS = 14


def bookable_run(run_id: int) -> CourseRun:
    """A run that can be applied for: published, accredited provider, not started, seats."""
    run = session.get(CourseRun, run_id)
    if run is None:
        raise NotFound(_("There is no such course run."))
    course = run.course
    if not course.published or course.provider.status != ProviderStatus.ACCREDITED:
        raise Conflict(_("This course is not open for applications."))
    if run.starts_on <= clock.today():
        raise Conflict(_("This run has already started."))
    if _seats_taken(run_id) >= run.seats:
        raise Conflict(_("This run is full."))
    return run


def _seats_taken(run_id: int) -> int:
    query = sa.select(sa.func.count(Application.id)).where(
        Application.run_id == run_id, Application.status.in_(ACTIVE)
    )
    return session.scalar(query)


def plan_for(user_id: int, run: CourseRun) -> FundingPlan:
    """What the worker's employer and grants would pay for this run now, and what the worker
    pays themselves."""
    from wallet.placements.services import employer_share

    course = run.course
    kinds = accreditations_of({course.provider_id}, clock.today()).get(course.provider_id)
    facts = course_facts(course, run.starts_on, kinds or frozenset())
    _placement, employer_cents = employer_share(user_id, run.id)
    return plan_funding(facts, worker_grant_facts(user_id), employer_cents)


def _next_reference(application_id: int) -> str:
    return f"LW-{clock.today().year}-{application_id:07d}"


def apply(
    user: User,
    run_id: int,
    *,
    password: str,
    expected_copay_cents: int,
    client_ip: str | None = None,
) -> Application:
    """Apply for a run: the password confirms the spend; the plan's holds are placed at once.

    `expected_copay_cents` is what the worker saw: if the plan changed meanwhile (a grant
    spent elsewhere, a new price), nothing is held and the worker is asked to look again.
    """
    if user.role != Role.WORKER:
        raise Forbidden(_("Only workers apply for courses."))
    if not verify_password(user.password_hash, password or ""):
        raise ValidationFailed(
            _("The password is not correct; nothing was spent."),
            errors={"password": _("The password is not correct; nothing was spent.")},
        )
    run = bookable_run(run_id)
    active = sa.select(Application.id).where(
        Application.user_id == user.id,
        Application.run_id == run_id,
        Application.status.in_(ACTIVE),
    )
    if session.scalar(active) is not None:
        raise Conflict(_("You have already applied for this run."))
    from wallet.placements.services import employer_share

    plan = plan_for(user.id, run)
    if plan.parts:
        from wallet.verification.rules import require_verified

        require_verified(user)  # no budget is spent from an unverified account
    if plan.copay_cents != expected_copay_cents:
        raise Conflict(_("What your budget pays has changed. Please look at the plan again."))
    now = clock.now()
    with unit_of_work() as db:
        # The last seat goes once: lock the run (PostgreSQL; SQLite transactions are already
        # serialized) and count again inside the transaction.
        db.execute(sa.select(CourseRun.id).where(CourseRun.id == run.id).with_for_update())
        if _seats_taken(run.id) >= run.seats:
            raise Conflict(_("This run is full."))
        application = Application(
            reference=None,
            user_id=user.id,
            run_id=run.id,
            provider_id=run.course.provider_id,
            status=ApplicationStatus.SUBMITTED,
            price_cents=plan.price_cents,
            covered_cents=plan.covered_cents,
            copay_cents=plan.copay_cents,
            employer_cents=plan.employer_cents,
            placement_id=employer_share(user.id, run.id)[0] if plan.employer_cents else None,
            created_at=now,
            updated_at=now,
            respond_by=now
            + dt.timedelta(days=current_app.config.get("APPLICATION_RESPOND_DAYS", RESPOND_DAYS)),
            client_ip=(client_ip or None) and client_ip[:45],
        )
        db.add(application)
        try:
            db.flush()
        except sa.exc.IntegrityError:
            raise Conflict(_("You have already applied for this run.")) from None
        application.reference = _next_reference(application.id)
        if plan.parts:
            holds = reserve_plan(
                plan,
                payable_account_id(application.provider_id),
                reference=application.reference,
                expires_at=None,
            )
            for part, hold in zip(plan.parts, holds, strict=True):
                db.add(
                    ApplicationPart(
                        application_id=application.id,
                        grant_id=part.grant_id,
                        hold_id=hold.id,
                        cents=part.cents,
                    )
                )
        record(
            "application",
            application.id,
            "submit",
            actor_id=user.id,
            after={
                "status": application.status.value,
                "covered": plan.covered_cents,
                "copay": plan.copay_cents,
            },
        )
        db.flush()
        signals.submitted.send(application)
        course = run.course.title_nl
        notify(
            user,
            "application_submitted",
            reference=application.reference,
            course=course,
            covered_cents=plan.covered_cents,
            copay_cents=plan.copay_cents,
        )
        notify_provider(
            application.provider_id,
            "application_new",
            reference=application.reference,
            course=course,
        )
    return application


def get_application(application_id: int) -> Application:
    """The application, or NotFound."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(_("There is no such application."))
    return application


ACTORS = {
    "confirm": "provider",
    "reject": "provider",
    "record_copayment": "provider",
    "start": "provider",
    "complete": "provider",
    "cancel": "worker",
}
SYSTEM_ACTIONS = {"expire", "pay", "return_payment"}  # jobs: expiry, and payouts
CLAIM_ACTIONS = {"invoice", "close"}  # only through a claim (wallet.claims.services)


def _authorize(application: Application, action: str, actor: User | None) -> None:
    if action in CLAIM_ACTIONS:
        raise Forbidden(_("This happens through a claim."))
    if actor is None:  # the system (jobs)
        if action not in SYSTEM_ACTIONS:
            raise Forbidden(_("You are not allowed to do this."))
        return
    who = ACTORS.get(action)
    own_worker = actor.role == Role.WORKER and actor.id == application.user_id
    own_provider = (
        actor.role == Role.PROVIDER_STAFF and actor.provider_id == application.provider_id
    )
    if not ((who == "worker" and own_worker) or (who == "provider" and own_provider)):
        # Other people's applications do not exist for them.
        raise NotFound(_("There is no such application."))


def decide(
    application_id: int,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    payment_reference: str = "",
) -> Application:
    """Move an application through the table; releasing actions void its pending holds."""
    application = record_decision(
        application_id, action, actor=actor, reason=reason, payment_reference=payment_reference
    )
    settle_after(application, action)
    return application


def record_decision(
    application_id: int,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    payment_reference: str = "",
) -> Application:
    """decide() without what follows the commit (a refund); joins a caller's unit of work."""
    application = get_application(application_id)
    _authorize(application, action, actor)
    target = TRANSITIONS.get((application.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for an application that is %(status)s.",
                status=STATUS_LABELS[application.status.value],
            )
        )
    if action == "reject" and not reason.strip():
        raise ValidationFailed(
            _("Give a reason; the worker sees it."), errors={"reason": _("Give a reason.")}
        )
    if action == "record_copayment" and not payment_reference.strip():
        message = _("Give the payment reference of the bank transfer.")
        raise ValidationFailed(message, errors={"payment_reference": message})
    if action == "confirm" and application.copay_cents > 0:
        target = ApplicationStatus.AWAITING_COPAYMENT
    if action == "start" and application.run.starts_on > clock.today():
        raise Conflict(_("The course has not started yet."))
    if action == "cancel" and application.status == ApplicationStatus.IN_PROGRESS:
        _require_cancel_after_start(application)
    with unit_of_work():
        move(
            application,
            action,
            target=target,
            actor_id=actor.id if actor else None,
            reason=reason,
            payment_reference=payment_reference,
        )
        signals.decided.send(
            application, action=action, payment_reference=payment_reference.strip()
        )
    session.expire(application)
    return application


def settle_after(application: Application, action: str) -> None:
    """After a decision is committed: a cancelled online own contribution goes back."""
    signals.settled.send(application, action=action)


def move(
    application: Application,
    action: str,
    *,
    target: ApplicationStatus | None = None,
    actor_id: int | None,
    reason: str = "",
    payment_reference: str = "",
) -> None:
    """Move the application by the table inside the caller's unit of work (no authorization:
    callers decide who may). Releasing actions void its pending holds; the worker is told."""
    target = target or TRANSITIONS.get((application.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for an application that is %(status)s.",
                status=STATUS_LABELS[application.status.value],
            )
        )
    before = application.status.value
    moved = advance(
        Application,
        application.id,
        before,
        target,
        updated_at=clock.now(),
        reason=reason.strip()[:500] or application.reason,
        payment_reference=payment_reference.strip()[:50] or application.payment_reference,
    )
    if not moved:
        raise Conflict(_("The application changed meanwhile. Please look again."))
    released = _release_holds(application) if action in RELEASES_HOLDS else False
    record(
        "application",
        application.id,
        action,
        actor_id=actor_id,
        before={"status": before},
        after={"status": target.value},
        reason=reason.strip() or None,
    )
    if action in APPLICATION_UPDATES:
        notify(
            application.user,
            "application_status",
            reference=application.reference,
            course=application.run.course.title_nl,
            action=action,
            budget_released=released,
            reason=reason.strip() or None,
        )
    session.expire(application)


def may_cancel(application: Application) -> bool:
    """Can the worker cancel now (before the start always, after it where schemes allow)?"""
    if application.status == ApplicationStatus.IN_PROGRESS:
        try:
            _require_cancel_after_start(application)
        except Conflict:
            return False
        return True
    return (application.status, "cancel") in TRANSITIONS


def _require_cancel_after_start(application: Application) -> None:
    """After the start the schemes decide: every scheme paying must allow it, and no claim
    may be under review."""
    from wallet.claims.models import OPEN, Claim
    from wallet.grants.models import Grant
    from wallet.schemes.models import Scheme
    from wallet.schemes.rules import load_rules

    rules = session.scalars(
        sa.select(Scheme.rules)
        .join(Grant, Grant.scheme_id == Scheme.id)
        .join(ApplicationPart, ApplicationPart.grant_id == Grant.id)
        .where(ApplicationPart.application_id == application.id)
    ).all()
    if not all(load_rules(r).cancel_after_start for r in rules):
        raise Conflict(
            _(
                "The course has started and your scheme does not allow cancelling "
                "now. Please talk to your training provider."
            )
        )
    open_claim = sa.select(Claim.id).where(
        Claim.application_id == application.id, Claim.status.in_(OPEN)
    )
    if session.scalar(open_claim) is not None:
        raise Conflict(
            _("A claim for this application is under review; it cannot be cancelled now.")
        )


def _release_holds(application: Application) -> bool:
    """Void the application's pending holds; whether there was any budget to release."""
    hold_ids = [part.hold_id for part in application.parts]
    pending = session.scalars(
        sa.select(Hold.id).where(Hold.id.in_(hold_ids), Hold.status == HoldStatus.PENDING)
    ).all()
    for hold_id in pending:
        ledger.void_hold(hold_id)
    return bool(pending)


def expire_unanswered(now: dt.datetime | None = None) -> int:
    """Expire applications the provider did not answer (or whose co-payment never came)."""
    require_no_unit_of_work("expire_unanswered")
    now = now or clock.now()
    due = session.scalars(
        sa.select(Application.id).where(
            Application.status.in_(
                [ApplicationStatus.SUBMITTED, ApplicationStatus.AWAITING_COPAYMENT]
            ),
            Application.respond_by <= now,
        )
    ).all()
    session.rollback()
    expired = 0
    for application_id in due:
        try:
            decide(application_id, "expire", actor=None)
            expired += 1
        except Conflict:
            continue  # decided meanwhile
    return expired


def applications_of_worker(user_id: int) -> list[Application]:
    """A worker's applications, newest first."""
    query = sa.select(Application).where(Application.user_id == user_id)
    return list(session.scalars(query.order_by(Application.id.desc())))


def applications_of_provider(provider_id: int, statuses=None) -> list[Application]:
    """A provider's applications (optionally of some statuses), oldest first."""
    query = sa.select(Application).where(Application.provider_id == provider_id)
    if statuses:
        query = query.where(Application.status.in_(statuses))
    return list(session.scalars(query.order_by(Application.id)))


def application_for_course(user_id: int, course_id: int) -> Application | None:
    """The worker's newest application still under way for any run of the course, if any."""
    query = (
        sa.select(Application)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .where(
            Application.user_id == user_id,
            CourseRun.course_id == course_id,
            Application.status.in_(ACTIVE),
        )
        .order_by(Application.id.desc())
        .limit(1)
    )
    return session.scalar(query)
