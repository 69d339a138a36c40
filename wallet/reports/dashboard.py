"""The figures of a fund's dashboard: one set-based grouped query (or two) per chart.

Every function takes the administrator's filter and returns plain numbers; `panels.py` turns
them into charts with words. No query loops over rows in Python: at national scale a fund has
a million grants and hundreds of thousands of applications, so the database groups and the
Python side only walks the groups (a few dozen, at most a few thousand providers).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from wallet.accounts.models import WorkerProfile
from wallet.applications.models import Application, ApplicationPart, ApplicationStatus
from wallet.claims.models import Claim, ClaimApproval, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.employers.models import Employer
from wallet.fraud.models import RiskFlag
from wallet.grants.models import Grant
from wallet.payments.models import PayoutLine
from wallet.placements.models import EmployerApplication, FollowUp, Placement, PlacementStatus
from wallet.providers.models import Provider
from wallet.reference import municipalities
from wallet.reports.money import period_bounds
from wallet.schemes.models import Scheme

# Applications that fell through never made anyone a participant.
FELL_THROUGH = (ApplicationStatus.CANCELLED, ApplicationStatus.REJECTED, ApplicationStatus.EXPIRED)
APPROVED = (ClaimStatus.APPROVED, ClaimStatus.IN_BATCH, ClaimStatus.PAID)  # spent, not undone
# Lower bounds of the age bands, in years.
AGE_BANDS = (0, 25, 35, 45, 55)
# Placements the fund approved: running or closed.
PLACED = (
    PlacementStatus.APPROVED,
    PlacementStatus.NOT_STARTED,
    PlacementStatus.ENDED_EARLY,
    PlacementStatus.RETAINED,
)
HISTOGRAM_BINS = 22  # twenty 5 % bins under the cap, "at the cap", "above the cap"


@dataclass(frozen=True)
class Filter:
    """The administrator's choice: a period of whole days, a scheme, a region or municipality."""

    fund_id: int
    first: dt.date
    last: dt.date
    scheme_id: int | None = None
    municipality_codes: tuple[str, ...] | None = None  # None: everywhere

    @property
    def start(self) -> dt.datetime:
        """Amsterdam midnight at the start of `first`, in UTC."""
        return period_bounds(self.first, self.last)[0]

    @property
    def end(self) -> dt.datetime:
        """Amsterdam midnight after `last`, in UTC (exclusive)."""
        return period_bounds(self.first, self.last)[1]


def _funded(wanted: Filter):
    """The ids of applications paid (in part) from the fund's grants, of the scheme if chosen."""
    query = (
        sa.select(ApplicationPart.application_id)
        .join(Grant, Grant.id == ApplicationPart.grant_id)
        .where(Grant.fund_id == wanted.fund_id)
    )
    if wanted.scheme_id:
        query = query.where(Grant.scheme_id == wanted.scheme_id)
    return query


def _in_region(query, wanted: Filter, user_id):
    if wanted.municipality_codes is None:
        return query
    return query.where(
        sa.exists().where(
            WorkerProfile.user_id == user_id,
            WorkerProfile.municipality_code.in_(wanted.municipality_codes),
        )
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: the birthday falls on 28 February that year
        return day.replace(year=day.year - years, day=28)


def _days(later, earlier):
    """Whole days between two datetimes, on SQLite and on PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
    seconds = sa.extract("epoch", later - earlier)
    return sa.cast(sa.func.floor(seconds / 86400), sa.Integer)


# --- participants -------------------------------------------------------------------------


@dataclass(frozen=True)
class Participants:
    """Unique persons with an application paid by the fund in the period, and their groups."""

    total: int
    by_target_group: dict[str, int]
    by_age_band: dict[int, int]  # lower bound of the band -> persons
    by_level: dict[int, int]
    by_municipality: dict[str, int]
    by_region: dict[str, int]


def _participants(wanted: Filter):
    """One row per person: the distinct applicants of the period."""
    query = sa.select(Application.user_id).where(
        Application.id.in_(_funded(wanted)),
        Application.created_at >= wanted.start,
        Application.created_at < wanted.end,
        Application.status.not_in(FELL_THROUGH),
    )
    return _in_region(query, wanted, Application.user_id).distinct().subquery()


def _profile_groups(wanted: Filter) -> list[sa.Row]:
    """The period's participants grouped by every profile field a chart shows: (target group,
    age band, level, municipality, sector, target occupation, persons)."""
    people = _participants(wanted)
    band = sa.case(
        *[
            (WorkerProfile.date_of_birth <= _years_before(wanted.last, years), years)
            for years in reversed(AGE_BANDS[1:])
        ],
        else_=0,
    )
    fields = (
        WorkerProfile.employment_status,
        band,
        WorkerProfile.education_level,
        WorkerProfile.municipality_code,
        WorkerProfile.sector,
        WorkerProfile.target_occupation,
    )
    return session.execute(
        sa.select(*fields, sa.func.count())
        .join(people, people.c.user_id == WorkerProfile.user_id)
        .group_by(*fields)
    ).all()


def people(wanted: Filter) -> tuple[Participants, dict[tuple[str, str], int]]:
    """The participants in the groups of their profile (each person once, age at the period's
    end) and their moves (sector, target occupation) -> persons: the dashboard shows both, and
    one grouped pass over the period's applicants answers both."""
    groups, bands, levels, places, regions = Counter(), Counter(), Counter(), Counter(), Counter()
    moves: Counter = Counter()
    known = municipalities()
    for status, age, level, code, sector, target, count in _profile_groups(wanted):
        groups[status] += count
        bands[int(age)] += count
        levels[int(level)] += count
        places[code] += count
        regions[known[code].region if code in known else ""] += count
        moves[(sector, target)] += count
    found = Participants(
        sum(groups.values()), dict(groups), dict(bands), dict(levels), dict(places), dict(regions)
    )
    return found, dict(moves)


def participants(wanted: Filter) -> Participants:
    """Each person counted once, in the groups of their profile (see people())."""
    return people(wanted)[0]


# --- sector-to-sector mobility ------------------------------------------------------------


def worker_moves(wanted: Filter) -> dict[tuple[str, str], int]:
    """Participants by (their sector, their target occupation): persons (see people())."""
    return people(wanted)[1]


def _placements(wanted: Filter):
    query = (
        sa.select(Placement)
        .join(EmployerApplication, EmployerApplication.id == Placement.application_id)
        .where(EmployerApplication.fund_id == wanted.fund_id, Placement.status.in_(PLACED))
    )
    if wanted.scheme_id:
        query = query.where(Placement.scheme_id == wanted.scheme_id)
    if wanted.municipality_codes is not None:  # where the new job is
        query = query.join(Employer, Employer.id == Placement.employer_id).where(
            Employer.municipality_code.in_(wanted.municipality_codes)
        )
    return query


def placement_moves(wanted: Filter) -> dict[tuple[str, str | None, str], int]:
    """Placements started in the period by (starting situation, from SBI code, employer's SBI
    code): persons."""
    placed = (
        _placements(wanted)
        .where(Placement.start_date >= wanted.first, Placement.start_date <= wanted.last)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            placed.c.starting_situation, placed.c.from_sbi_code, Employer.sbi_code, sa.func.count()
        )
        .join(Employer, Employer.id == placed.c.employer_id)
        .group_by(placed.c.starting_situation, placed.c.from_sbi_code, Employer.sbi_code)
    ).all()
    return {(situation, source, target): count for situation, source, target, count in rows}


# --- placements and retention -------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """Placements started in the period; follow-ups due in the period and what they found."""

    started: int
    # months -> (still employed, no longer employed, due but not recorded)
    followed: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def rate(self, months: int) -> float | None:
        """Share still employed of the recorded follow-ups, in per cent."""
        kept, lost, _open = self.followed.get(months, (0, 0, 0))
        return 100 * kept / (kept + lost) if kept + lost else None


def retention(wanted: Filter) -> Retention:
    """Placements started in the period, and the 6- and 12-month follow-ups due in it."""
    placed = _placements(wanted).subquery()
    started = session.scalar(
        sa.select(sa.func.count()).where(
            placed.c.start_date >= wanted.first, placed.c.start_date <= wanted.last
        )
    )
    due_until = min(wanted.last, clock.today())
    rows = session.execute(
        sa.select(FollowUp.months, FollowUp.still_employed, sa.func.count())
        .join(placed, placed.c.id == FollowUp.placement_id)
        .where(FollowUp.due_on >= wanted.first, FollowUp.due_on <= due_until)
        .group_by(FollowUp.months, FollowUp.still_employed)
    ).all()
    followed: dict[int, list[int]] = {6: [0, 0, 0], 12: [0, 0, 0]}
    for months, employed, count in rows:
        slot = 2 if employed is None else (0 if employed else 1)
        followed.setdefault(int(months), [0, 0, 0])[slot] += count
    return Retention(int(started or 0), {m: tuple(v) for m, v in followed.items()})


# --- time to approval and payment; outcomes of claims -------------------------------------


def _claim_conditions(wanted: Filter) -> list:
    """Conditions on `Claim` for the fund's claims (of the scheme, in the region): put on the
    claims read, not as `Claim.id IN (claims of the fund)`, which made PostgreSQL read every
    claim twice."""
    conditions = [Claim.fund_id == wanted.fund_id]
    if wanted.scheme_id:
        conditions.append(Claim.application_id.in_(_funded(wanted)))
    if wanted.municipality_codes is not None:
        applied = orm.aliased(Application)  # its own: never the query's applications
        conditions.append(
            sa.exists().where(
                applied.id == Claim.application_id,
                WorkerProfile.user_id == applied.user_id,
                WorkerProfile.municipality_code.in_(wanted.municipality_codes),
            )
        )
    return conditions


def _in_period(moment, wanted: Filter) -> list:
    return [moment >= wanted.start, moment < wanted.end]


def _approved_in(wanted: Filter, statuses) -> sa.Select:
    """The fund's claims in `statuses` whose last (completing) approval fell in the period,
    with that moment as `at`. Grouped over the fund's claims only: grouping every claim's
    approvals first and filtering after misled PostgreSQL into a loop over all claims."""
    last = sa.func.max(ClaimApproval.at)
    return (
        sa.select(
            Claim.id, Claim.application_id, Claim.provider_id, Claim.amount_cents, last.label("at")
        )
        .join(ClaimApproval, ClaimApproval.claim_id == Claim.id)
        .where(*_claim_conditions(wanted), Claim.status.in_(statuses))
        .group_by(Claim.id)
        .having(*_in_period(last, wanted))
    )


def _approved_at():
    """When each approved claim got its last (completing) approval."""
    return (
        sa.select(ClaimApproval.claim_id, sa.func.max(ClaimApproval.at).label("at"))
        .group_by(ClaimApproval.claim_id)
        .subquery()
    )


def _paid_at():
    """When each claim's transfer was paid (the first time, should a return follow)."""
    return (
        sa.select(PayoutLine.claim_id, sa.func.min(PayoutLine.paid_at).label("at"))
        .where(PayoutLine.claim_id.is_not(None), PayoutLine.paid_at.is_not(None))
        .group_by(PayoutLine.claim_id)
        .subquery()
    )


def delays(wanted: Filter) -> dict[str, dict[int, int]]:
    """Days from the worker's application to the claim's approval ("approval", approvals in
    the period) and to its payment ("payment", paid in the period): {days: claims}.

    Every claim's moment is grouped first (one index-ordered pass), then the fund's claims
    picked: grouping the fund's claims only, as concentration() does, measured slower here
    for a year (bench/reports_people.py)."""
    found = {}
    for name, moment, statuses in (
        ("approval", _approved_at(), (*APPROVED, ClaimStatus.CLAWED_BACK)),
        ("payment", _paid_at(), None),
    ):
        days = _days(moment.c.at, Application.created_at)
        query = (
            sa.select(days, sa.func.count())
            .select_from(Claim)
            .join(moment, moment.c.claim_id == Claim.id)
            .join(Application, Application.id == Claim.application_id)
            .where(
                *_claim_conditions(wanted), moment.c.at >= wanted.start, moment.c.at < wanted.end
            )
            .group_by(days)
        )
        if statuses:
            query = query.where(Claim.status.in_(statuses))
        found[name] = {int(d): c for d, c in session.execute(query).all()}
    return found


def percentile(counts: dict[int, int], share: float) -> int | None:
    """The value at `share` (0.5: the median) of a distribution given as {value: count}: the
    smallest value with at least that share of the counts at or below it."""
    total = sum(counts.values())
    if not total:
        return None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= share * total:
            return value
    return max(counts)


def claim_outcomes(wanted: Filter) -> dict[str, int]:
    """The fund's claims submitted in the period by where they stand now."""
    outcome = sa.case(
        (Claim.status.in_(APPROVED), "approved"),
        (Claim.status.in_((ClaimStatus.REJECTED, ClaimStatus.CLOSED)), "rejected"),
        (Claim.status == ClaimStatus.CLAWED_BACK, "clawed_back"),
        else_="waiting",
    )
    rows = session.execute(
        sa.select(outcome, sa.func.count())
        .where(
            *_claim_conditions(wanted),
            Claim.submitted_at >= wanted.start,
            Claim.submitted_at < wanted.end,
        )
        .group_by(outcome)
    ).all()
    return dict(rows)


# --- fraud flags, provider concentration, prices against caps -----------------------------


def flags(wanted: Filter) -> dict[tuple[str, str], int]:
    """Flags raised in the period on the fund's claims and applications, by (code, outcome).

    A flag is *confirmed* when the claim it was raised on (for a flag on an application: any
    of the application's claims) was rejected, closed or clawed back, *dismissed* when that
    claim was approved and stands, and *open* while no administrator decided."""
    rank = sa.case(
        (Claim.status == ClaimStatus.CLAWED_BACK, 3),
        (Claim.status.in_(APPROVED), 2),
        (Claim.status.in_((ClaimStatus.REJECTED, ClaimStatus.CLOSED)), 1),
        else_=0,
    )
    raised = (RiskFlag.created_at >= wanted.start, RiskFlag.created_at < wanted.end)
    # Start from the period's flags (indexed by created_at) and look up only their claims: a
    # rank computed first for every claim of the fund cost a pass over all of them.
    # Two plain selects rather than one OR: an IN inside an OR defeats PostgreSQL's semi-join.
    on_claims = (
        sa.select(RiskFlag.code, rank.label("rank"))
        .join(Claim, Claim.id == RiskFlag.claim_id)
        .where(*raised, *_claim_conditions(wanted))
    )
    application_rank = (  # the highest rank of the application's claims; none: open
        sa.select(sa.func.max(rank))
        .where(Claim.application_id == RiskFlag.application_id, *_claim_conditions(wanted))
        .correlate(RiskFlag)
        .scalar_subquery()
    )
    on_applications = sa.select(RiskFlag.code, application_rank.label("rank")).where(
        *raised, RiskFlag.claim_id.is_(None), RiskFlag.application_id.in_(_funded(wanted))
    )
    both = sa.union_all(on_claims, on_applications).subquery()
    outcome = sa.case(
        (both.c.rank.in_((1, 3)), "confirmed"), (both.c.rank == 2, "dismissed"), else_="open"
    )
    rows = session.execute(
        sa.select(both.c.code, outcome, sa.func.count()).group_by(both.c.code, outcome)
    ).all()
    return {(code, result): count for code, result, count in rows}


@dataclass(frozen=True)
class Concentration:
    """How the money approved in the period spreads over providers, largest first."""

    providers: int
    total_cents: int
    top: tuple[tuple[int, int], ...]  # (provider id, cents) of the 20 largest

    def share(self, n: int) -> float:
        """The per cent of the money that went to the `n` largest providers."""
        taken = sum(cents for _id, cents in self.top[:n])
        return 100 * taken / self.total_cents if self.total_cents else 0.0


def concentration(wanted: Filter) -> Concentration:
    """Money of claims approved in the period (and not clawed back) per provider.

    One pass: the window sums give the number of providers and the total beside the 20
    largest, so the grouped claims are read once, not once for the totals and once more for
    the top."""
    approved = _approved_in(wanted, APPROVED).subquery()
    per_provider = (
        sa.select(approved.c.provider_id, sa.func.sum(approved.c.amount_cents).label("cents"))
        .group_by(approved.c.provider_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            per_provider.c.provider_id,
            per_provider.c.cents,
            sa.func.count().over(),
            sa.func.sum(per_provider.c.cents).over(),
        )
        .order_by(per_provider.c.cents.desc(), per_provider.c.provider_id)
        .limit(20)
    ).all()
    providers, total = (rows[0][2], rows[0][3]) if rows else (0, 0)
    return Concentration(
        int(providers), int(total), tuple((pid, int(cents)) for pid, cents, _n, _t in rows)
    )


def provider_names(ids: list[int]) -> dict[int, str]:
    """The names of the providers with `ids`."""
    rows = session.execute(sa.select(Provider.id, Provider.name).where(Provider.id.in_(ids)))
    return dict(rows.all())


def price_to_cap(wanted: Filter) -> list[int]:
    """Applications of the period by their price relative to the cap of each scheme that paid
    them: twenty 5 % bins under the cap, then "at the cap" and "above the cap" (22 counts).
    A scheme's cap is its cap per course where that is lower than its budget per worker."""
    rule_cap = Scheme.rules["cap_per_course_cents"].as_integer()
    cap = sa.case(
        (sa.and_(rule_cap.is_not(None), rule_cap < Scheme.amount_cents), rule_cap),
        else_=Scheme.amount_cents,
    )
    pairs = (
        sa.select(Application.price_cents.label("price"), cap.label("cap"))
        .select_from(Application)
        .join(ApplicationPart, ApplicationPart.application_id == Application.id)
        .join(Grant, Grant.id == ApplicationPart.grant_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .where(
            Grant.fund_id == wanted.fund_id,
            Application.created_at >= wanted.start,
            Application.created_at < wanted.end,
            Application.status.not_in(FELL_THROUGH),
            Scheme.amount_cents > 0,
        )
        .distinct()  # two grants of one scheme on one application: one price, one cap
    )
    if wanted.scheme_id:
        pairs = pairs.where(Grant.scheme_id == wanted.scheme_id)
    pairs = _in_region(pairs, wanted, Application.user_id).add_columns(Application.id).subquery()
    bin_ = sa.case(
        (pairs.c.price > pairs.c.cap, HISTOGRAM_BINS - 1),
        (pairs.c.price == pairs.c.cap, HISTOGRAM_BINS - 2),
        else_=pairs.c.price * 20 // pairs.c.cap,
    )
    counts = [0] * HISTOGRAM_BINS
    for index, count in session.execute(sa.select(bin_, sa.func.count()).group_by(bin_)):
        counts[int(index)] += count
    return counts
