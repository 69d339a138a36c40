"""Use cases of labour brokers (arbeidsmakelaars): accounts, caseload, pipeline and contacts.

Who may do what (one rule, checked here for pages and any later API alike):
- Fund administrators of a fund, and platform administrators, create its broker accounts.
- Every broker of a fund and the fund's administrators *see* the whole caseload of that fund
  (the team divides the region and covers for each other); nobody else sees any of it, and
  an entry of another fund is answered as if it did not exist.
- Only the broker who holds an entry *edits* it: moves its stage, logs contacts, sets the next
  step. The holder hands an entry over to a colleague broker of the same fund; a fund
  administrator may do so too (a broker leaves or falls ill). Nothing here moves money.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import visible_name
from wallet.accounts.services import create_staff_user
from wallet.audit.services import record
from wallet.brokers.models import CaseloadContact, CaseloadEntry, CaseloadStage, ContactKind
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.employers.models import Employer
from wallet.funds.models import Fund
from wallet.funds.services import get_fund

S = CaseloadStage
# The pipeline: (stage, action) -> new stage. Followed-up is the end of a successful case.
TRANSITIONS: dict[tuple[CaseloadStage, str], CaseloadStage] = {
    (S.LEAD, "prepare"): S.PREPARING,
    (S.PREPARING, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "approve"): S.APPROVED,
    (S.APPROVED, "place"): S.PLACED,
    (S.PLACED, "follow_up"): S.FOLLOWED_UP,
    **{
        (stage, "drop"): S.DROPPED
        for stage in (S.LEAD, S.PREPARING, S.SUBMITTED, S.APPROVED, S.PLACED)
    },
    (S.DROPPED, "reopen"): S.LEAD,
}
ACTIONS = ("prepare", "submit", "approve", "place", "follow_up", "drop", "reopen")
OPEN_STAGES = (S.LEAD, S.PREPARING, S.SUBMITTED, S.APPROVED, S.PLACED)
NOTE_LIMIT = 2000
PER_PAGE = 20


# --- broker accounts ----------------------------------------------------------------------


def _actor(actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or not actor.active:
        raise Forbidden(_("You may not do this."))
    return actor


def create_broker(fund_id: int, *, name: str, email: str, actor_id: int) -> User:
    """A fund's administrator (or a platform administrator) invites a broker by e-mail."""
    fund = get_fund(fund_id)
    actor = _actor(actor_id)
    allowed = actor.role == Role.PLATFORM_ADMIN or (
        actor.role == Role.FUND_ADMIN and actor.fund_id == fund.id
    )
    if not allowed:
        raise Forbidden(_("Only administrators of this fund add its labour brokers."))
    with unit_of_work():
        user = create_staff_user(
            email=email,
            name=name,
            role=Role.BROKER,
            fund=fund,
            actor_id=actor_id,
        )
        record(
            "fund",
            fund.id,
            "broker_added",
            actor_id=actor_id,
            after={"user": user.id, "email": user.email},
        )
    return user


def funds_with_brokers() -> list[tuple[Fund, int]]:
    """Every fund by name with its number of labour brokers (for platform administrators)."""
    query = (
        sa.select(Fund, sa.func.count(User.id))
        .outerjoin(User, (User.fund_id == Fund.id) & (User.role == Role.BROKER))
        .group_by(Fund.id)
        .order_by(Fund.name, Fund.id)
    )
    return [(fund, int(count)) for fund, count in session.execute(query)]


def brokers_of(fund_id: int) -> list[tuple[User, int, int]]:
    """The fund's brokers by name, each with their open and total number of caseload entries."""
    is_open = sa.case((CaseloadEntry.stage.in_(OPEN_STAGES), 1), else_=0)
    query = (
        sa.select(User, sa.func.coalesce(sa.func.sum(is_open), 0), sa.func.count(CaseloadEntry.id))
        .outerjoin(CaseloadEntry, CaseloadEntry.broker_id == User.id)
        .where(User.fund_id == fund_id, User.role == Role.BROKER)
        .group_by(User.id)
        .order_by(User.name, User.id)
    )
    return [
        (user, int(open_count), int(total)) for user, open_count, total in session.execute(query)
    ]


# --- seeing the caseload -------------------------------------------------------------------


def get_entry(entry_id: int, viewer: User) -> CaseloadEntry:
    """The entry if `viewer` may see it (a broker or administrator of its fund), else NotFound."""
    entry = session.get(CaseloadEntry, entry_id)
    if (
        entry is None
        or viewer.role not in (Role.BROKER, Role.FUND_ADMIN)
        or viewer.fund_id != entry.fund_id
    ):
        raise NotFound(_("There is no such caseload entry."))
    return entry


def may_edit(entry: CaseloadEntry, user: User) -> bool:
    """Only the broker who holds the entry moves it, logs contacts and plans the next step."""
    return user.role == Role.BROKER and entry.broker_id == user.id


def may_hand_over(entry: CaseloadEntry, user: User) -> bool:
    """The holder hands an entry over; so may an administrator of its fund."""
    return may_edit(entry, user) or (user.role == Role.FUND_ADMIN and user.fund_id == entry.fund_id)


def caseload_of(fund_id: int, broker_id: int | None = None) -> list[CaseloadEntry]:
    """A fund's caseload (or one broker's part of it), by employer name."""
    query = (
        sa.select(CaseloadEntry)
        .join(Employer, Employer.id == CaseloadEntry.employer_id)
        .where(CaseloadEntry.fund_id == fund_id)
        .order_by(Employer.name, CaseloadEntry.id)
    )
    if broker_id is not None:
        query = query.where(CaseloadEntry.broker_id == broker_id)
    return list(session.scalars(query))


def due_this_week(entries: list[CaseloadEntry]) -> list[CaseloadEntry]:
    """Open entries whose next step falls within seven days (or is overdue), soonest first."""
    until = clock.today() + dt.timedelta(days=7)
    due = [
        e for e in entries if e.stage in OPEN_STAGES and e.next_step_on and e.next_step_on <= until
    ]
    return sorted(due, key=lambda e: (e.next_step_on, e.id))


def by_stage(entries: list[CaseloadEntry]) -> dict[CaseloadStage, list[CaseloadEntry]]:
    """The entries grouped by stage, in pipeline order (every stage present)."""
    groups: dict[CaseloadStage, list[CaseloadEntry]] = {stage: [] for stage in CaseloadStage}
    for entry in entries:
        groups[entry.stage].append(entry)
    return groups


def colleagues_of(entry: CaseloadEntry) -> list[User]:
    """The active brokers of the entry's fund other than its holder: who may take it over."""
    query = sa.select(User).where(
        User.fund_id == entry.fund_id,
        User.role == Role.BROKER,
        User.active.is_(True),
        User.id != entry.broker_id,
    )
    return list(session.scalars(query.order_by(User.name, User.id)))


def search_employers(text: str, limit: int = 20) -> list[Employer]:
    """Employers whose name contains `text`, or whose KvK number starts with it."""
    text = visible_name(text)
    if not text:
        return []
    digits = text.replace(" ", "")
    condition = sa.func.lower(Employer.name).contains(text.lower(), autoescape=True)
    if digits.isdigit():
        condition = condition | Employer.kvk_number.startswith(digits, autoescape=True)
    query = sa.select(Employer).where(condition).order_by(Employer.name, Employer.id).limit(limit)
    return list(session.scalars(query))


def contacts_of(entry_id: int, page: int = 1) -> tuple[list[CaseloadContact], int]:
    """One page of an entry's contacts, newest first, and the number of pages."""
    total = session.scalar(sa.select(sa.func.count()).where(CaseloadContact.entry_id == entry_id))
    pages = max(1, math.ceil((total or 0) / PER_PAGE))
    page = min(max(page, 1), pages)
    query = (
        sa.select(CaseloadContact)
        .where(CaseloadContact.entry_id == entry_id)
        .order_by(CaseloadContact.contacted_on.desc(), CaseloadContact.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return list(session.scalars(query)), pages


# --- changing the caseload -----------------------------------------------------------------


def _editable(entry_id: int, actor_id: int) -> tuple[CaseloadEntry, User]:
    actor = _actor(actor_id)
    entry = get_entry(entry_id, actor)
    if not may_edit(entry, actor):
        raise Forbidden(_("Only the broker who holds this employer changes it."))
    return entry, actor


def _text(value: str | None, limit: int, field: str, errors: dict[str, str], *, required=True):
    """Visible text within `limit` characters, without NUL; problems go in `errors`."""
    text = visible_name(value)
    # Checked on the raw input: trimming would silently drop a NUL at either end.
    if "\x00" in (value or ""):
        errors[field] = _("The text contains a character that is not allowed.")
    elif required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("Write at most %(limit)d characters.", limit=limit)
    return text or None


def _check_next_step(next_step, next_step_on, errors) -> str | None:
    step = _text(next_step, 200, "next_step", errors, required=False)
    if next_step_on is not None and next_step_on < clock.today():
        errors["next_step_on"] = _("Choose today or a later date.")
    return step


def _holder_of(fund_id: int, employer_id: int) -> CaseloadEntry | None:
    query = sa.select(CaseloadEntry).where(
        CaseloadEntry.fund_id == fund_id, CaseloadEntry.employer_id == employer_id
    )
    return session.scalar(query)


def _already_taken(entry: CaseloadEntry | None) -> Conflict:
    name = entry.broker.name if entry is not None else "?"
    return Conflict(_("This employer is already in the caseload of %(name)s.", name=name))


def add_to_caseload(
    employer_id: int, *, actor_id: int, next_step: str = "", next_step_on: dt.date | None = None
) -> CaseloadEntry:
    """A broker takes an employer into their fund's caseload, as a lead (audited)."""
    actor = _actor(actor_id)
    if actor.role != Role.BROKER:
        raise Forbidden(_("Only labour brokers keep a caseload."))
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(_("There is no such employer."))
    errors: dict[str, str] = {}
    step = _check_next_step(next_step, next_step_on, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    taken = _holder_of(actor.fund_id, employer.id)
    if taken is not None:
        raise _already_taken(taken)
    try:
        with unit_of_work() as db:
            entry = CaseloadEntry(
                fund_id=actor.fund_id,
                broker_id=actor.id,
                employer_id=employer.id,
                stage=S.LEAD,
                next_step=step,
                next_step_on=next_step_on,
            )
            db.add(entry)
            db.flush()
            record(
                "caseload_entry",
                entry.id,
                "added",
                actor_id=actor.id,
                after={"employer": employer.id, "broker": actor.id, "stage": "lead"},
            )
    except sa.exc.IntegrityError:  # two brokers at once: the other one was first
        raise _already_taken(_holder_of(actor.fund_id, employer.id)) from None
    return entry


def move_stage(entry_id: int, action: str, *, note: str, actor_id: int) -> CaseloadEntry:
    """The holder moves an entry along the pipeline, with a note (for a drop: the reason).
    The employer's applications also move it forward (advance_pipeline)."""
    entry, actor = _editable(entry_id, actor_id)
    errors: dict[str, str] = {}
    note = _text(note, 500, "note", errors)
    if errors:
        raise ValidationFailed(_("Write a short note with this step."), errors=errors)
    target = TRANSITIONS.get((entry.stage, action))
    if target is None:
        raise Conflict(_("This step is not possible for the employer as it stands now."))
    with unit_of_work():
        before = entry.stage
        entry.stage = target
        entry.drop_reason = note if target == S.DROPPED else None
        entry.updated_at = clock.now()
        record(
            "caseload_entry",
            entry.id,
            action,
            actor_id=actor.id,
            before={"stage": before.value},
            after={"stage": target.value},
            reason=note,
        )
    return entry


# The steps forward, in order: advance_pipeline walks them up to the stage an event reached.
FORWARD = ("prepare", "submit", "approve", "place", "follow_up")


def advance_pipeline(fund_id: int, employer_id: int, reached: CaseloadStage) -> None:
    """An employer application of a caseload employer moved (sent, a person approved, a
    follow-up recorded): the entry moves forward to `reached` through the table, one audited
    step at a time with the system as actor; never back, and not once dropped. Joins the
    caller's unit of work."""
    entry = _holder_of(fund_id, employer_id)
    if entry is None:
        return
    order = list(CaseloadStage)
    for action in FORWARD:
        if order.index(entry.stage) >= order.index(reached) or entry.stage == S.DROPPED:
            return
        target = TRANSITIONS.get((entry.stage, action))
        if target is None:
            continue
        before = entry.stage
        entry.stage, entry.updated_at = target, clock.now()
        record(
            "caseload_entry",
            entry.id,
            action,
            actor_id=None,
            before={"stage": before.value},
            after={"stage": target.value},
            reason="employer application",
        )


def plan_next_step(
    entry_id: int, *, next_step: str, next_step_on: dt.date | None, actor_id: int
) -> CaseloadEntry:
    """The holder writes down what happens next and when (audited)."""
    entry, actor = _editable(entry_id, actor_id)
    errors: dict[str, str] = {}
    step = _check_next_step(next_step, next_step_on, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work():
        before = {"next_step": entry.next_step, "next_step_on": _iso(entry.next_step_on)}
        entry.next_step, entry.next_step_on = step, next_step_on
        entry.updated_at = clock.now()
        record(
            "caseload_entry",
            entry.id,
            "next_step_planned",
            actor_id=actor.id,
            before=before,
            after={"next_step": step, "next_step_on": _iso(next_step_on)},
        )
    return entry


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def hand_over(entry_id: int, *, to_broker_id: int, actor_id: int) -> CaseloadEntry:
    """Give an entry to a colleague broker of the same fund (audited)."""
    actor = _actor(actor_id)
    entry = get_entry(entry_id, actor)
    if not may_hand_over(entry, actor):
        raise Forbidden(
            _("Only the broker who holds this employer, or a fund administrator, hands it over.")
        )
    colleague = session.get(User, to_broker_id)
    if (
        colleague is None
        or colleague.role != Role.BROKER
        or not colleague.active
        or colleague.fund_id != entry.fund_id
    ):
        raise ValidationFailed(
            _("Choose a labour broker of this fund."),
            errors={"broker": _("Choose a labour broker of this fund.")},
        )
    if colleague.id == entry.broker_id:
        raise Conflict(_("This broker already holds this employer."))
    with unit_of_work():
        before = entry.broker_id
        entry.broker_id = colleague.id
        entry.updated_at = clock.now()
        record(
            "caseload_entry",
            entry.id,
            "handed_over",
            actor_id=actor.id,
            before={"broker": before},
            after={"broker": colleague.id},
        )
    session.refresh(entry)
    return entry


def log_contact(
    entry_id: int, *, kind: str, contacted_on: dt.date | None, note: str, actor_id: int
) -> CaseloadContact:
    """The holder logs a visit, call or e-mail with the employer (audited)."""
    entry, actor = _editable(entry_id, actor_id)
    errors: dict[str, str] = {}
    try:
        contact_kind = ContactKind(kind)
    except ValueError:
        errors["kind"] = _("Choose a visit, a call or an e-mail.")
    if contacted_on is None:
        errors["contacted_on"] = _("Enter the date of the contact.")
    elif contacted_on > clock.today():
        errors["contacted_on"] = _("A contact cannot be logged before it took place.")
    text = _text(note, NOTE_LIMIT, "note", errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        contact = CaseloadContact(
            entry_id=entry.id,
            broker_id=actor.id,
            kind=contact_kind,
            contacted_on=contacted_on,
            note=text,
        )
        db.add(contact)
        entry.updated_at = clock.now()
        db.flush()
        record(
            "caseload_entry",
            entry.id,
            "contact_logged",
            actor_id=actor.id,
            after={
                "contact": contact.id,
                "kind": contact_kind.value,
                "on": contacted_on.isoformat(),
            },
        )
    return contact
