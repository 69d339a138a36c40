"""The public figures: per fund and scheme the budget, committed and paid; per course, provider
and municipality the participants (and the money providers received), small cells hidden.

Participants are unique persons with an application a fund pays for that the provider
confirmed or that got further (in progress, completed, invoiced, paid or closed after its
claim). Money received is what approved claims took from the fund's grants (approved, in a
payout batch or paid; a clawed-back claim no longer counts). Every count is one grouped query
over all funds at once; nothing here names a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import partial

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import WorkerProfile
from wallet.applications.models import Application, ApplicationPart, ApplicationStatus
from wallet.catalogue.models import Course, CourseRun
from wallet.claims.models import Claim, ClaimPart, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.grants.models import Grant
from wallet.providers.models import Provider
from wallet.reference import municipality
from wallet.reports import money
from wallet.reports.suppression import Group, suppress
from wallet.schemes.models import Scheme, SchemeKind, SchemeStatus

S = ApplicationStatus
PARTICIPATING = (S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.INVOICED, S.PAID, S.CLOSED)
RECEIVED = (ClaimStatus.APPROVED, ClaimStatus.IN_BATCH, ClaimStatus.PAID)
TOTAL = ("total",)
UNKNOWN_MUNICIPALITY = ""
# Rows per table on the page: a national fund has tens of thousands of courses; the CSV has
# them all, the page the ones with most participants.
PAGE_ROWS = 50


@dataclass(frozen=True)
class MoneyRow:
    """A fund or a scheme: its budget, what it committed and what it paid, in cents."""

    name: str
    budget_cents: int
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class CountRow:
    """A course, provider or municipality of a fund; `hidden` when shown as "< 10"."""

    name: str
    persons: int | None  # None when hidden: nothing downstream can show it by mistake
    received_cents: int | None  # None when hidden, or where the table has no money
    hidden: bool
    provider: str = ""  # a course's provider


@dataclass
class FundTables:
    """Everything the public sees of one fund."""

    fund_id: int
    fund: MoneyRow
    schemes: list[MoneyRow]
    courses: list[CountRow] = field(default_factory=list)
    providers: list[CountRow] = field(default_factory=list)
    municipalities: list[CountRow] = field(default_factory=list)
    total: CountRow | None = None
    # On the page (for_page): per table how many rows were left out; the CSV has them all.
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicFigures:
    """The figures of every fund and when they were computed."""

    computed_at: dt.datetime
    funds: list[FundTables]


def _persons() -> dict[tuple, int]:
    """Unique persons per (kind, fund, key): kind "c" per provider and course, "p" per
    provider, "m" per municipality, "t" per fund. One statement: the participants (fund,
    provider, course, place, person) once as a CTE, then the four counts over it."""
    place = sa.func.coalesce(WorkerProfile.municipality_code, UNKNOWN_MUNICIPALITY)
    base = (
        sa.select(
            Grant.fund_id.label("fund"),
            Application.provider_id.label("provider"),
            CourseRun.course_id.label("course"),
            place.label("place"),
            Application.user_id.label("person"),
        )
        .select_from(ApplicationPart)
        .join(Grant, Grant.id == ApplicationPart.grant_id)
        .join(Application, Application.id == ApplicationPart.application_id)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .outerjoin(WorkerProfile, WorkerProfile.user_id == Application.user_id)
        .where(Application.status.in_(PARTICIPATING))
        .cte("participants")  # no DISTINCT: every count below counts distinct persons
    )
    none_int, none_text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    persons = sa.func.count(sa.distinct(base.c.person))
    # kind: (provider, course, place) as selected, and what the kind groups by
    b = base.c
    levels = {
        "c": ((b.provider, b.course, none_text), (b.provider, b.course)),
        "p": ((b.provider, none_int, none_text), (b.provider,)),
        "m": ((none_int, none_int, b.place), (b.place,)),
        "t": ((none_int, none_int, none_text), ()),
    }
    parts = [
        sa.select(sa.literal(kind), b.fund, *columns, persons).group_by(b.fund, *by)
        for kind, (columns, by) in levels.items()
    ]
    found = {}
    for kind, fund, provider, course, where, count in session.execute(sa.union_all(*parts)):
        key = {"c": (provider, course), "p": (provider,), "m": (where,), "t": ()}[kind]
        found[(kind, fund, *key)] = int(count)
    return found


def _received() -> dict[tuple, int]:
    """Cents approved claims took from each fund's grants per (fund, provider, course); a
    provider's and a fund's are their sums (money adds up, unlike unique persons)."""
    query = (
        sa.select(
            Grant.fund_id,
            Application.provider_id,
            CourseRun.course_id,
            sa.func.sum(ClaimPart.cents),
        )
        .join(Claim, Claim.id == ClaimPart.claim_id)
        .join(Grant, Grant.id == ClaimPart.grant_id)
        .join(Application, Application.id == Claim.application_id)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .where(Claim.status.in_(RECEIVED))
        .group_by(Grant.fund_id, Application.provider_id, CourseRun.course_id)
    )
    found: dict[tuple, int] = defaultdict(int)
    for fund, provider, course, cents in session.execute(query):
        for key in ((fund, provider, course), (fund, provider), (fund,)):
            found[key] += int(cents or 0)
    return found


def _names(model, column, ids) -> dict[int, str]:
    """Names of the courses or providers with participants (`ids` a subquery), one query."""
    return dict(session.execute(sa.select(model.id, column).where(model.id.in_(ids))).all())


def _money_rows() -> tuple[dict[int, MoneyRow], dict[int, list[MoneyRow]]]:
    """Per fund and per scheme: budget, committed and paid, from the ledger (reports.money).

    A worker scheme commits what it granted less what expired back; an employer scheme what
    it reimbursed plus what it still holds for placements. A scheme's budget is its total
    cap, else what it committed; it paid what approved claims and reimbursements took from
    it, less clawbacks. A fund's budget is what was deposited, committed the sum of its
    schemes, paid what reached bank accounts less returned transfers."""
    now = clock.now()
    funds: dict[int, MoneyRow] = {}
    schemes: dict[int, list[MoneyRow]] = defaultdict(list)
    listed = session.execute(
        sa.select(Scheme.id, Scheme.fund_id, Scheme.name, Scheme.kind, Scheme.total_cap_cents)
        .where(Scheme.status != SchemeStatus.DRAFT)
        .order_by(Scheme.name)
    ).all()
    for fund_id, name in session.execute(sa.select(Fund.id, Fund.name).order_by(Fund.name)):
        by_scheme = money.scheme_flows(fund_id, None, None)
        for scheme in (row for row in listed if row.fund_id == fund_id):
            flow = by_scheme.get(scheme.id, dict.fromkeys(money.FLOWS, 0))
            if scheme.kind == SchemeKind.EMPLOYER_REIMBURSEMENT:
                held = money.held_at(fund_id, now, scheme_id=scheme.id)
                committed = flow["reimbursed"] + held
            else:
                committed = flow["granted"] - flow["expired"]
            cap = scheme.total_cap_cents
            schemes[fund_id].append(
                MoneyRow(
                    name=scheme.name,
                    budget_cents=cap if cap is not None else committed,
                    committed_cents=committed,
                    paid_cents=flow["approved"] + flow["reimbursed"] - flow["clawed_back"],
                )
            )
        flow = money.flows(fund_id, None, None)
        funds[fund_id] = MoneyRow(
            name=name,
            budget_cents=flow["deposited"],
            committed_cents=sum(row.committed_cents for row in schemes[fund_id]),
            paid_cents=flow["paid"] - flow["returned"],
        )
    return funds, schemes


def public_figures() -> PublicFigures:
    """The public figures of every fund, small cells hidden (see reports.suppression)."""
    people = _persons()
    received = _received()
    participating = sa.select(Application).where(Application.status.in_(PARTICIPATING))
    courses = _names(
        Course,
        Course.title_nl,
        participating.join(CourseRun).with_only_columns(CourseRun.course_id),
    )
    providers = _names(
        Provider, Provider.name, participating.with_only_columns(Application.provider_id)
    )
    funds, schemes = _money_rows()

    tables = []
    for fund_id, fund_row in funds.items():
        counts: dict[Hashable, int] = {TOTAL: people.get(("t", fund_id), 0)}
        counts |= {(k[0], *k[2:]): n for k, n in people.items() if k[1] == fund_id and k[0] != "t"}
        hidden = suppress(counts, _groups(counts))
        table = FundTables(fund_id=fund_id, fund=fund_row, schemes=schemes[fund_id])
        for key, persons in counts.items():
            row = partial(_row, persons=persons, hidden=key in hidden)
            if key[0] == "c":
                cents = received.get((fund_id, *key[1:]), 0)
                table.courses.append(row(courses[key[2]], cents=cents, provider=providers[key[1]]))
            elif key[0] == "p":
                table.providers.append(
                    row(providers[key[1]], cents=received.get((fund_id, key[1]), 0))
                )
            elif key[0] == "m":
                place_of = municipality(key[1])
                table.municipalities.append(
                    row(place_of.name if place_of else _("Unknown"), cents=None)
                )
        total = received.get((fund_id,), 0)
        table.total = _row(_("Total"), counts[TOTAL], total, hidden=TOTAL in hidden)
        for rows in (table.courses, table.providers, table.municipalities):
            rows.sort(key=lambda row: (row.provider.casefold(), row.name.casefold()))
        tables.append(table)
    return PublicFigures(computed_at=clock.now(), funds=tables)


def _row(name: str, persons: int, cents: int | None, *, hidden: bool, provider: str = ""):
    """A row as published: a hidden row keeps its name and nothing else."""
    if hidden:
        return CountRow(name, None, None, hidden=True, provider=provider)
    return CountRow(name, persons, cents, hidden=False, provider=provider)


def _groups(counts: dict[Hashable, int]) -> list[Group]:
    """The fund's total over its providers and over its municipalities; each provider's total
    over its courses. Unique persons add up at most to a total (one person, two courses), so
    treating these as sums hides at least what is needed."""
    courses_of: dict[int, list] = defaultdict(list)
    for key in counts:
        if key[0] == "c":
            courses_of[key[1]].append(key)
    providers = sorted(key for key in counts if key[0] == "p")
    places = sorted(key for key in counts if key[0] == "m")
    groups = [Group(TOTAL, providers), Group(TOTAL, places)]
    groups += [Group(("p", pid), sorted(keys)) for pid, keys in sorted(courses_of.items())]
    return groups


def for_page(figures: PublicFigures) -> PublicFigures:
    """The figures as the page shows them: of a long table only the PAGE_ROWS rows with most
    participants, and per table how many were left out (kept as a snapshot of its own, so the
    page never reads the tens of thousands of rows the CSV downloads have)."""
    funds = []
    for table in figures.funds:
        courses, courses_left = page_rows(table.courses)
        providers, providers_left = page_rows(table.providers)
        funds.append(
            dataclasses.replace(
                table,
                courses=courses,
                providers=providers,
                left_out={"courses": courses_left, "providers": providers_left},
            )
        )
    return PublicFigures(computed_at=figures.computed_at, funds=funds)


def page_rows(rows: list[CountRow]) -> tuple[list[CountRow], int]:
    """All rows of a short table (by name); of a long one the PAGE_ROWS shown rows with most
    participants, and how many rows were left out."""
    if len(rows) <= PAGE_ROWS:
        return rows, 0
    shown = sorted((row for row in rows if not row.hidden), key=lambda row: -(row.persons or 0))
    return shown[:PAGE_ROWS], len(rows) - min(len(shown), PAGE_ROWS)
