"""The period report of a fund (verantwoording): who took part, who was placed, who moved
between sectors, and what the money did, per fund and per scheme.

Who counts, exactly:

- A **participant** is a unique person who, in the period, either got a confirmed place on a
  course paid from one of the fund's budgets (their application reached *confirmed*: the
  provider's `confirm` without an own contribution, or `record_copayment` when one was due;
  read from the audit trail, which records every move once), or started an employer
  placement of one of the fund's employer schemes (start date in the period and on or before
  today, placement approved, ended early or retained: not one that never started). A person
  with two applications, or with an application and a placement, counts once; a placement
  person is the same person as a worker when the placement names their account, else they
  are known by name and date of birth (`person_key`). The fund's total is the number of
  unique persons, not the sum of the schemes' rows.
- **Placements started**: the placements above, each one once.
- **Sector moves**: for placements, from the sector the person came from (SBI division, or
  none when they had no job) to the employer's sector; for workers who took part, from the
  sector in their profile to the sector of their target occupation on the list of
  kansberoepen (an occupation not on that list is shown as such). Counted in persons.
- **Money**: every figure from `wallet.reports.money`, which reads the ledger and nothing
  else; the balances of the fund's accounts at the period's start and end, with
  opening + movements = closing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import WorkerProfile
from wallet.applications.models import Application, ApplicationPart
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import NotFound
from wallet.employers.models import Employer
from wallet.funds.models import Fund
from wallet.grants.models import Grant
from wallet.placements.models import Placement, PlacementStatus
from wallet.reference import SECTORS, kansberoepen, sbi_name
from wallet.reports import money
from wallet.reports.periods import Period
from wallet.schemes.models import Scheme

STARTED = (PlacementStatus.APPROVED, PlacementStatus.ENDED_EARLY, PlacementStatus.RETAINED)


@dataclass(frozen=True)
class SchemeRow:
    """One scheme's people in the period."""

    scheme_id: int
    name: str
    for_employers: bool
    participants: int
    placements: int


@dataclass(frozen=True)
class Move:
    """So many persons went from one sector to another."""

    from_sector: str
    to_sector: str
    persons: int


@dataclass(frozen=True)
class SchemeMoney:
    """One scheme's flows in the period and what it had reserved at the end."""

    name: str
    flows: dict[str, int]
    held_at_end: int


@dataclass(frozen=True)
class BookRow:
    """One of the fund's books: opening + movements = closing."""

    book: str
    opening: int
    movements: int
    closing: int


@dataclass
class PeriodReport:
    """Everything the period report shows; exports.py turns it into tables."""

    fund_id: int
    fund_name: str
    period: Period
    scheme_id: int | None
    scheme_name: str | None
    schemes: list[SchemeRow]
    participants: int
    placements: int
    placement_moves: list[Move]
    worker_moves: list[Move]
    flows: dict[str, int] = field(default_factory=dict)
    held_at_start: int = 0
    held_at_end: int = 0
    scheme_money: list[SchemeMoney] = field(default_factory=list)
    books: list[BookRow] = field(default_factory=list)


def _enrolled(fund_id: int, start: dt.datetime, end: dt.datetime, scheme_id: int | None):
    """(scheme id, user id, no person key) of each application of the fund's budgets
    confirmed in the period, once per scheme paying it."""
    reached_confirmed = sa.or_(
        sa.and_(AuditEvent.action == "confirm", Application.copay_cents == 0),
        AuditEvent.action == "record_copayment",
    )
    query = (
        sa.select(
            Grant.scheme_id.label("scheme_id"),
            Application.user_id.label("user_id"),
            sa.cast(sa.null(), sa.String).label("person_key"),
        )
        .join(ApplicationPart, ApplicationPart.grant_id == Grant.id)
        .join(Application, Application.id == ApplicationPart.application_id)
        .join(
            AuditEvent,
            sa.and_(
                AuditEvent.subject_type == "application", AuditEvent.subject_id == Application.id
            ),
        )
        .where(
            Grant.fund_id == fund_id, reached_confirmed, AuditEvent.at >= start, AuditEvent.at < end
        )
    )
    return query.where(Grant.scheme_id == scheme_id) if scheme_id else query


def _placed(fund_id: int, period: Period, scheme_id: int | None):
    """(scheme id, user id, person key, placement id) of each placement of the fund started
    in the period: the worker's account where it names one, else name and date of birth."""
    unnamed = sa.case((Placement.worker_id.is_(None), Placement.person_key))
    last = min(period.last, clock.today())
    query = (
        sa.select(
            Placement.scheme_id.label("scheme_id"),
            Placement.worker_id.label("user_id"),
            unnamed.label("person_key"),
            Placement.id.label("placement_id"),
        )
        .join(Scheme, Scheme.id == Placement.scheme_id)
        .where(
            Scheme.fund_id == fund_id,
            Placement.status.in_(STARTED),
            Placement.start_date >= period.first,
            Placement.start_date <= last,
        )
    )
    return query.where(Placement.scheme_id == scheme_id) if scheme_id else query


def _persons(rows):
    """Unique persons: distinct accounts plus distinct unnamed placement persons (a row has
    one or the other; counting integers, not built strings, keeps it fast)."""
    return sa.func.count(sa.distinct(rows.c.user_id)) + sa.func.count(
        sa.distinct(rows.c.person_key)
    )


def _people(enrolled, placed) -> tuple[dict[int, int], int]:
    """Unique persons per scheme, and over all of them."""
    both = sa.union_all(
        sa.select(enrolled.c.scheme_id, enrolled.c.user_id, enrolled.c.person_key),
        sa.select(placed.c.scheme_id, placed.c.user_id, placed.c.person_key),
    ).subquery()
    per_scheme = {
        scheme_id: int(count)
        for scheme_id, count in session.execute(
            sa.select(both.c.scheme_id, _persons(both)).group_by(both.c.scheme_id)
        )
    }
    total = session.scalar(sa.select(_persons(both)))
    return per_scheme, int(total or 0)


def _placement_counts(placed) -> dict[int, int]:
    rows = session.execute(
        sa.select(placed.c.scheme_id, sa.func.count(sa.distinct(placed.c.placement_id))).group_by(
            placed.c.scheme_id
        )
    )
    return {scheme_id: int(count) for scheme_id, count in rows}


def _placement_moves(placed) -> list[Move]:
    """From the person's former sector to the employer's, in placements."""
    rows = session.execute(
        sa.select(Placement.from_sbi_code, Employer.sbi_code, _persons(placed))
        .select_from(placed)
        .join(Placement, Placement.id == placed.c.placement_id)
        .join(Employer, Employer.id == Placement.employer_id)
        .group_by(Placement.from_sbi_code, Employer.sbi_code)
    ).all()
    moves = [
        Move(sbi_name(old) or _("No previous sector"), sbi_name(new) or new, int(count))
        for old, new, count in rows
    ]
    return sorted(moves, key=lambda m: (-m.persons, m.from_sector, m.to_sector))


def _target_sectors() -> dict[str, str]:
    return {occupation.name.lower(): occupation.sector for occupation in kansberoepen()}


def _worker_moves(enrolled) -> list[Move]:
    """From the sector in the profile to the target occupation's sector, per person once."""
    rows = session.execute(
        sa.select(
            WorkerProfile.sector,
            WorkerProfile.target_occupation,
            sa.func.count(WorkerProfile.user_id),
        )
        .where(WorkerProfile.user_id.in_(sa.select(enrolled.c.user_id)))
        .group_by(WorkerProfile.sector, WorkerProfile.target_occupation)
    ).all()
    targets, counted = _target_sectors(), Counter()
    for sector, occupation, count in rows:
        target = targets.get((occupation or "").strip().lower())
        counted[(sector, target)] += int(count)
    moves = [
        Move(
            str(SECTORS.get(sector, sector)),
            str(SECTORS[target]) if target in SECTORS else _("Not on the list of kansberoepen"),
            count,
        )
        for (sector, target), count in counted.items()
    ]
    return sorted(moves, key=lambda m: (-m.persons, m.from_sector, m.to_sector))


def _scheme_money(fund_id: int, schemes, start: dt.datetime, end: dt.datetime):
    """Per scheme: its flows (zero where nothing moved) and its reservations at the end."""
    moved = money.scheme_flows(fund_id, start, end)
    return [
        SchemeMoney(
            scheme.name,
            moved.get(scheme.id, dict.fromkeys(money.FLOWS, 0)),
            money.held_at(fund_id, end, scheme_id=scheme.id),
        )
        for scheme in schemes
    ]


def _books(fund_id: int, start: dt.datetime, end: dt.datetime) -> list[BookRow]:
    """The fund's books at the start and the end, and what moved them in between."""
    opening, closing = money.balances_at(fund_id, start), money.balances_at(fund_id, end)
    moved = money.book_movements(fund_id, start, end)
    return [
        BookRow(book, getattr(opening, book), sum(moved[book].values()), getattr(closing, book))
        for book in money.BOOKS
    ]


def period_report(fund_id: int, period: Period, *, scheme_id: int | None = None) -> PeriodReport:
    """The report of `fund_id` (or one of its schemes) for `period`: a few grouped queries."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(_("There is no fund %(id)s.", id=fund_id))
    schemes = session.scalars(
        sa.select(Scheme).where(Scheme.fund_id == fund_id).order_by(Scheme.name, Scheme.id)
    ).all()
    if scheme_id is not None:
        schemes = [s for s in schemes if s.id == scheme_id]
        if not schemes:
            raise NotFound(_("This fund has no such scheme."))
    start, end = money.period_bounds(period.first, period.last)
    enrolled = _enrolled(fund_id, start, end, scheme_id).subquery()
    placed = _placed(fund_id, period, scheme_id).subquery()
    participants, total = _people(enrolled, placed)
    placements = _placement_counts(placed)
    rows = [
        SchemeRow(s.id, s.name, s.for_employers, participants.get(s.id, 0), placements.get(s.id, 0))
        for s in schemes
    ]
    return PeriodReport(
        fund_id=fund_id,
        fund_name=fund.name,
        period=period,
        scheme_id=scheme_id,
        scheme_name=schemes[0].name if scheme_id is not None else None,
        schemes=rows,
        participants=total,
        placements=sum(placements.values()),
        placement_moves=_placement_moves(placed),
        worker_moves=_worker_moves(enrolled),
        flows=money.flows(fund_id, start, end, scheme_id=scheme_id),
        held_at_start=money.held_at(fund_id, start, scheme_id=scheme_id),
        held_at_end=money.held_at(fund_id, end, scheme_id=scheme_id),
        scheme_money=_scheme_money(fund_id, schemes, start, end) if scheme_id is None else [],
        books=_books(fund_id, start, end) if scheme_id is None else [],
    )
