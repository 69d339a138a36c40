"""Use cases of employer applications: compose or prepare, confirm and send, withdraw.

Who may do what (checked here, for pages and the API alike):
- An employer's staff compose applications for their own employer, send them (an employer
  confirms what a broker prepared) and withdraw them; they see only their own employer's.
- A broker of a fund prepares an application for an employer in that fund's caseload, to a
  scheme of that fund, for the employer to confirm; brokers of the fund see the applications
  to the fund's schemes of employers in its caseload. A broker never sends one.
- A fund's administrators see the applications sent to the fund's schemes, and decide
  (wallet/placements/review.py). Training providers and workers see none of this: an
  application they may not see is answered as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import normalise_email, visible_name
from wallet.audit.services import record
from wallet.brokers.models import CaseloadEntry, CaseloadStage
from wallet.brokers.services import advance_pipeline
from wallet.catalogue.models import CourseRun
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.core.transitions import advance
from wallet.employers.models import Employer, EmployerStatus
from wallet.placements.models import (
    APPLICATION_TRANSITIONS,
    PLACEMENT_TRANSITIONS,
    UNDECIDED,
    EmployerApplication,
    EmployerApplicationStatus,
    Placement,
    PlacementStatus,
)
from wallet.placements.persons import NEEDS_PROVIDER, PersonInput, check_person, person_key
from wallet.schemes.employer_rules import (
    EmployerFacts,
    PersonFacts,
    employer_eligibility,
    employer_rules_of,
    reimbursable_cents,
)
from wallet.schemes.models import Scheme, SchemeStatus

A = EmployerApplicationStatus
MAX_PERSONS = 200  # in one application; a larger group is sent as several
PER_PAGE = 25


def _reference(application_id: int) -> str:
    return f"WA-{clock.today().year}-{application_id:06d}"


# --- who sees what -----------------------------------------------------------------------


def _in_caseload(fund_id: int, employer_id: int) -> bool:
    query = sa.select(CaseloadEntry.id).where(
        CaseloadEntry.fund_id == fund_id, CaseloadEntry.employer_id == employer_id
    )
    return session.scalar(query) is not None


def can_see(actor: User, application: EmployerApplication) -> bool:
    """The rule above, for one application."""
    if actor.role == Role.EMPLOYER_STAFF:
        return actor.employer_id == application.employer_id
    if actor.role == Role.BROKER:
        return actor.fund_id == application.fund_id and _in_caseload(
            application.fund_id, application.employer_id
        )
    if actor.role == Role.FUND_ADMIN:
        return (
            actor.fund_id == application.fund_id
            and application.status != EmployerApplicationStatus.DRAFT
        )
    return actor.role == Role.PLATFORM_ADMIN


def visible_application(application_id: int, actor: User) -> EmployerApplication:
    """The application if the actor may see it; NotFound otherwise."""
    application = session.get(EmployerApplication, application_id)
    if application is None or not can_see(actor, application):
        raise NotFound(_("There is no such application."))
    return application


def visible_placement(placement_id: int, actor: User) -> Placement:
    """The placement if the actor may see its application; NotFound otherwise."""
    placement = session.get(Placement, placement_id)
    if placement is None or not can_see(actor, placement.application):
        raise NotFound(_("There is no such person in an application."))
    return placement


def applications_for(
    actor: User, *, page: int = 1, status: EmployerApplicationStatus | None = None
):
    """The applications the actor may see, newest first: (rows, total)."""
    query = sa.select(EmployerApplication)
    if actor.role == Role.EMPLOYER_STAFF:
        query = query.where(EmployerApplication.employer_id == actor.employer_id)
    elif actor.role == Role.BROKER:
        caseload = sa.select(CaseloadEntry.employer_id).where(
            CaseloadEntry.fund_id == actor.fund_id
        )
        query = query.where(
            EmployerApplication.fund_id == actor.fund_id,
            EmployerApplication.employer_id.in_(caseload),
        )
    elif actor.role == Role.FUND_ADMIN:
        query = query.where(
            EmployerApplication.fund_id == actor.fund_id, EmployerApplication.status != A.DRAFT
        )
    elif actor.role != Role.PLATFORM_ADMIN:
        return [], 0
    if status is not None:
        query = query.where(EmployerApplication.status == status)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(EmployerApplication.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return list(rows), total


def open_employer_schemes(fund_id: int | None = None) -> list[Scheme]:
    """Active employer schemes (of one fund), open today."""
    query = sa.select(Scheme).where(Scheme.kind == "employer", Scheme.status == SchemeStatus.ACTIVE)
    if fund_id is not None:
        query = query.where(Scheme.fund_id == fund_id)
    today = clock.today()
    return [s for s in session.scalars(query.order_by(Scheme.name)) if s.window_is_open(today)]


# --- money the scheme would pay -----------------------------------------------------------


def committed_this_year(employer_id: int, scheme_id: int, year: int) -> int:
    """What the scheme committed to the employer in decisions of this calendar year (less what
    was released since: a placement keeps only what it still holds or was paid)."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    query = sa.select(sa.func.coalesce(sa.func.sum(Placement.committed_cents), 0)).where(
        Placement.employer_id == employer_id,
        Placement.scheme_id == scheme_id,
        Placement.decided_at >= start,
        Placement.decided_at < start.replace(year=year + 1),
    )
    return int(session.scalar(query))


def committed_for_person(key: str, scheme_id: int) -> int:
    """What the scheme committed for this person before, under any employer."""
    query = sa.select(sa.func.coalesce(sa.func.sum(Placement.committed_cents), 0)).where(
        Placement.person_key == key,
        Placement.scheme_id == scheme_id,
        Placement.hold_id.is_not(None),
    )
    return int(session.scalar(query))


def requested_cents(placement: Placement, scheme: Scheme) -> int:
    """What the scheme would pay on the placement's quote, within its caps, now."""
    rules = employer_rules_of(scheme)
    year = clock.today().year
    cents = reimbursable_cents(
        rules, placement.quote_cents, committed_this_year(placement.employer_id, scheme.id, year)
    )
    left_for_person = rules.cap_per_person_cents - committed_for_person(
        placement.person_key, scheme.id
    )
    return max(0, min(cents, left_for_person))


def eligibility_of(placement: Placement, scheme: Scheme, employer: Employer) -> list[str]:
    """Every reason the person does not qualify (as for workers: each one explained)."""
    rules = employer_rules_of(scheme)
    year = clock.today().year
    person = PersonFacts(
        starting_situation=placement.starting_situation,
        target_occupation=placement.occupation,
        training_kind=placement.training_kind,
        applied_on=placement.application.submitted_on or clock.today(),
        already_reimbursed_cents=committed_for_person(placement.person_key, scheme.id),
    )
    facts = EmployerFacts(
        verified=employer.status == EmployerStatus.VERIFIED,
        reimbursed_this_year_cents=committed_this_year(employer.id, scheme.id, year),
    )
    return employer_eligibility(rules, person, facts)


# --- composing ----------------------------------------------------------------------------


def _may_compose(actor: User, employer_id: int, fund_id: int) -> bool:
    if actor.role == Role.EMPLOYER_STAFF:
        return actor.employer_id == employer_id
    if actor.role == Role.BROKER:
        return actor.fund_id == fund_id and _in_caseload(fund_id, employer_id)
    return False


def may_change(actor: User, application: EmployerApplication) -> bool:
    """True when the actor may add and remove persons while the application is a draft."""
    return _may_compose(actor, application.employer_id, application.fund_id)


def start_application(actor: User, employer_id: int, scheme_id: int) -> EmployerApplication:
    """A new draft for the employer to one employer scheme (by its staff or a broker)."""
    scheme = session.get(Scheme, scheme_id)
    employer = session.get(Employer, employer_id)
    if employer is None or scheme is None or not _may_compose(actor, employer_id, scheme.fund_id):
        raise NotFound(_("There is no such employer or scheme."))
    if not scheme.for_employers or scheme.status != SchemeStatus.ACTIVE:
        raise Conflict(_("This scheme does not take employer applications."))
    if not scheme.window_is_open(clock.today()):
        raise Conflict(_("Applications for this scheme are not open on this date."))
    if employer.status != EmployerStatus.VERIFIED:
        raise Conflict(_("The employer has not been verified yet."))
    with unit_of_work() as db:
        application = EmployerApplication(
            reference="",
            employer_id=employer.id,
            scheme_id=scheme.id,
            fund_id=scheme.fund_id,
            status=EmployerApplicationStatus.DRAFT,
            created_at=clock.now(),
            updated_at=clock.now(),
            prepared_by_id=actor.id if actor.role == Role.BROKER else None,
        )
        db.add(application)
        db.flush()
        application.reference = _reference(application.id)
        record(
            "employer_application",
            application.id,
            "start",
            actor_id=actor.id,
            after={"employer_id": employer.id, "scheme_id": scheme.id},
        )
    return application


def _draft_of(actor: User, application_id: int) -> EmployerApplication:
    application = visible_application(application_id, actor)
    if not _may_compose(actor, application.employer_id, application.fund_id):
        raise Forbidden(_("You may not change this application."))
    if application.status != EmployerApplicationStatus.DRAFT:
        raise Conflict(_("This application has been sent; it can no longer be changed."))
    return application


def _values(data: PersonInput) -> dict:
    values = asdict(data)
    values["full_name"] = visible_name(data.full_name)
    values["training_description"] = data.training_description.strip() or None
    values["worker_email"] = normalise_email(data.worker_email) if data.worker_email else None
    values["from_sbi_code"] = data.from_sbi_code or None
    if data.training_kind == "catalogue_run":
        run = session.get(CourseRun, data.run_id)
        values["provider_id"] = run.course.provider_id
    else:
        values["run_id"] = None
        if data.training_kind not in NEEDS_PROVIDER:
            values["provider_id"] = None
    return values


def add_person(actor: User, application_id: int, data: PersonInput) -> Placement:
    """List one more person in a draft; every problem named at once, nothing written."""
    application = _draft_of(actor, application_id)
    if len(application.placements) >= MAX_PERSONS:
        raise Conflict(
            _(
                "An application lists at most %(count)d persons; send the others in a new one.",
                count=MAX_PERSONS,
            )
        )
    rules = employer_rules_of(application.scheme)
    listed = [p.person_key for p in application.placements if p.status in UNDECIDED]
    errors = check_person(data, rules, today=clock.today(), listed=listed)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        placement = Placement(
            application=application,
            employer_id=application.employer_id,
            scheme_id=application.scheme_id,
            status=PlacementStatus.DRAFT,
            person_key=person_key(data.full_name, data.date_of_birth),
            created_at=clock.now(),
            updated_at=clock.now(),
            requested_cents=0,
            committed_cents=0,
            **_values(data),
        )
        db.add(placement)
        db.flush()
        placement.requested_cents = requested_cents(placement, application.scheme)
        application.updated_at = clock.now()
        record(
            "placement",
            placement.id,
            "add",
            actor_id=actor.id,
            after={
                "application_id": application.id,
                "occupation": data.occupation,
                "quote_cents": data.quote_cents,
            },
        )
    return placement


def compose_application(
    actor: User, employer_id: int, scheme_id: int, persons: list[PersonInput]
) -> EmployerApplication:
    """A draft with all its persons at once (an HR system's one request): every problem of
    every person named ({"persons": {index: {field: message}}}), nothing written while one
    remains."""
    if not persons or len(persons) > MAX_PERSONS:
        raise ValidationFailed(
            _("List from 1 to %(count)d persons.", count=MAX_PERSONS),
            errors={"persons": _("List from 1 to %(count)d persons.", count=MAX_PERSONS)},
        )
    with unit_of_work():
        application = start_application(actor, employer_id, scheme_id)
        rules = employer_rules_of(application.scheme)
        listed: list[str] = []
        problems: dict[int, dict[str, str]] = {}
        for index, data in enumerate(persons):
            errors = check_person(data, rules, today=clock.today(), listed=listed)
            if errors:
                problems[index] = errors
            elif data.date_of_birth is not None:
                listed.append(person_key(data.full_name, data.date_of_birth))
        if problems:
            raise ValidationFailed(
                _("Please correct the marked persons."), errors={"persons": problems}
            )
        for data in persons:
            add_person(actor, application.id, data)
    return application


def remove_person(actor: User, placement_id: int) -> None:
    """Take a person out of a draft."""
    placement = visible_placement(placement_id, actor)
    _draft_of(actor, placement.application_id)
    with unit_of_work() as db:
        record(
            "placement",
            placement.id,
            "remove",
            actor_id=actor.id,
            before={"application_id": placement.application_id},
        )
        db.delete(placement)


def _move_application(application: EmployerApplication, action: str, **values) -> None:
    """One conditional UPDATE along the transition table: of two racing moves one wins."""
    target = APPLICATION_TRANSITIONS.get((application.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for an application that is %(status)s.",
                status=_status_word(application.status),
            )
        )
    if not advance(
        EmployerApplication,
        application.id,
        application.status,
        target,
        updated_at=clock.now(),
        **values,
    ):
        raise Conflict(_("The application changed meanwhile. Please look again."))
    session.expire(application)


def require_step(placement: Placement, action: str) -> PlacementStatus:
    """Where `action` takes the placement by its transition table, or Conflict."""
    target = PLACEMENT_TRANSITIONS.get((placement.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for a person whose application is %(status)s.",
                status=_status_word(placement.status),
            )
        )
    return target


def move_placement(placement: Placement, action: str, **values) -> PlacementStatus:
    """One conditional UPDATE along the placement's transition table (`target` overrides
    where an approval stops short: four eyes)."""
    target = require_step(placement, action)
    target = values.pop("target", None) or target
    if not advance(
        Placement, placement.id, placement.status, target, updated_at=clock.now(), **values
    ):
        raise Conflict(_("This person's application changed meanwhile. Please look again."))
    session.expire(placement)
    return target


def _status_word(status) -> str:
    from wallet.placements.labels import STATUS_LABELS

    return str(STATUS_LABELS.get(status.value, status.value))


def submit_application(actor: User, application_id: int) -> EmployerApplication:
    """The employer confirms and sends the draft: every person goes to review."""
    application = visible_application(application_id, actor)
    if actor.role != Role.EMPLOYER_STAFF or actor.employer_id != application.employer_id:
        raise Forbidden(_("Only the employer sends an application; a broker prepares it."))
    if application.status != EmployerApplicationStatus.DRAFT:
        raise Conflict(_("This application has been sent already."))
    persons = [p for p in application.placements if p.status == PlacementStatus.DRAFT]
    if not persons:
        raise ValidationFailed(_("List at least one person before you send the application."))
    problems = {
        p.full_name: eligibility_of(p, application.scheme, application.employer) for p in persons
    }
    problems = {name: reasons for name, reasons in problems.items() if reasons}
    if problems:
        detail = "; ".join(f"{name}: {' '.join(reasons)}" for name, reasons in problems.items())
        raise ValidationFailed(_("Not everyone qualifies: %(detail)s", detail=detail))
    with unit_of_work():
        _move_application(
            application, "submit", submitted_by_id=actor.id, submitted_on=clock.today()
        )
        for placement in persons:
            requested = requested_cents(placement, application.scheme)
            move_placement(placement, "submit", requested_cents=requested)
        advance_pipeline(application.fund_id, application.employer_id, CaseloadStage.SUBMITTED)
        record(
            "employer_application",
            application.id,
            "submit",
            actor_id=actor.id,
            before={"status": "draft"},
            after={"status": "submitted", "persons": len(persons)},
        )
        from wallet.notifications.services import notify_fund_admins

        notify_fund_admins(
            application.fund_id,
            "employer_application_sent",
            reference=application.reference,
            employer=application.employer.name,
        )
    return application


def discard_application(actor: User, application_id: int) -> EmployerApplication:
    """Throw away a draft that was never sent."""
    application = _draft_of(actor, application_id)
    with unit_of_work():
        _move_application(application, "discard")
        for placement in application.placements:
            move_placement(placement, "withdraw")
        record("employer_application", application.id, "discard", actor_id=actor.id)
    return application


def withdraw_application(actor: User, application_id: int, reason: str) -> EmployerApplication:
    """The employer withdraws what is still undecided; decided persons stay as they are."""
    application = visible_application(application_id, actor)
    if actor.role != Role.EMPLOYER_STAFF or actor.employer_id != application.employer_id:
        raise Forbidden(_("Only the employer withdraws an application."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the application is withdrawn."), errors={"reason": _("Give a reason.")}
        )
    with unit_of_work():
        _move_application(application, "withdraw")
        for placement in application.placements:
            if placement.status in UNDECIDED:
                move_placement(placement, "withdraw", reason=reason[:500])
        record(
            "employer_application",
            application.id,
            "withdraw",
            actor_id=actor.id,
            reason=reason[:500],
        )
    return application


def decide_if_done(application: EmployerApplication) -> None:
    """Mark a sent application decided once no person in it waits for a decision."""
    session.refresh(application)
    if application.status != EmployerApplicationStatus.SUBMITTED:
        return
    if any(p.status in UNDECIDED for p in application.placements):
        return
    _move_application(application, "decide")


def worker_email_owner(email: str | None) -> int | None:
    """The worker account with this e-mail address, if there is one."""
    if not email:
        return None
    return session.scalar(
        sa.select(User.id).where(User.email == normalise_email(email), User.role == Role.WORKER)
    )


def trajectories_of(worker: User) -> list[Placement]:
    """The placements a worker is the person of: linked on approval by the e-mail address the
    employer gave, or given that address before the worker made an account. Drafts are the
    employer's own business until sent."""
    if worker.role != Role.WORKER:
        return []
    query = sa.select(Placement).where(
        sa.or_(Placement.worker_id == worker.id, Placement.worker_email == worker.email),
        Placement.status != PlacementStatus.DRAFT,
    )
    return list(session.scalars(query.order_by(Placement.start_date.desc())))


def employer_share(worker_id: int, run_id: int) -> tuple[int | None, int]:
    """(placement, cents): what the worker's employer pays of this catalogue run, by the
    placement the fund approved for it; (None, 0) when there is none."""
    worker = session.get(User, worker_id)
    query = sa.select(Placement.id, Placement.quote_cents).where(
        sa.or_(Placement.worker_id == worker_id, Placement.worker_email == worker.email),
        Placement.run_id == run_id,
        Placement.training_kind == "catalogue_run",
        Placement.status == PlacementStatus.APPROVED,
    )
    row = session.execute(query.order_by(Placement.id).limit(1)).first()
    return (row.id, row.quote_cents) if row else (None, 0)
