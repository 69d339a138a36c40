"""Searching course runs: full text plus filters, sorted and paginated; for a logged-in
worker every hit carries the funding plan of their grants, computed for the whole page at
once (a fixed number of queries per page, none per hit). With `by_course` the runs of a
course are one hit: the course with its next matching runs (the search page does this)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from wallet.catalogue.models import Course, CourseRun
from wallet.core import clock
from wallet.core.db import session
from wallet.funding.plan import CourseFacts, FundingPlan, GrantFacts, plan_funding
from wallet.providers.models import Accreditation, Provider, ProviderStatus

SORTS = ("relevance", "start", "price", "copay")
MAX_TEXT = 200
COPAY_CANDIDATES = 200  # "what I pay" sorts the cheapest this many matches exactly
COUNT_LIMIT = 1000  # beyond this many matches the count says "1000 or more"
RUNS_SHOWN = 3  # the next runs a course hit lists


@dataclass(frozen=True)
class SearchQuery:
    """What the searcher asked for. Empty fields filter nothing."""

    text: str = ""
    any_words: bool = False
    municipality_codes: tuple[str, ...] = ()
    nlqf_min: int | None = None
    nlqf_max: int | None = None
    kinds: tuple[str, ...] = ()
    modality: str | None = None
    language: str | None = None
    sector: str | None = None
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    starts_from: dt.date | None = None
    starts_until: dt.date | None = None
    accreditation: str | None = None
    within_budget: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    by_course: bool = False  # one hit per course with its next runs, not one per run


@dataclass(frozen=True)
class RunSummary:
    """A run listed under its course's hit: when, where, how many seats."""

    run_id: int
    starts_on: dt.date
    municipality_code: str
    seats: int


@dataclass(frozen=True)
class Hit:
    """One course run in the results (with `by_course`: the course's next matching run,
    its next few runs in `runs` and how many match in `run_count`), with what the worker's
    grants would cover."""

    run_id: int
    run_code: str
    starts_on: dt.date
    ends_on: dt.date
    seats: int
    run_municipality: str
    course: Course
    provider_name: str
    plan: FundingPlan | None = None
    runs: tuple[RunSummary, ...] = ()
    run_count: int = 1


@dataclass(frozen=True)
class ResultPage:
    """A page of hits and how many matched in all."""

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    available_cents: int | None = None  # the worker's budgets together, when logged in
    query: SearchQuery = field(default_factory=SearchQuery)

    @property
    def pages(self) -> int:
        """How many pages the matches fill."""
        return max(1, -(-self.total // self.per_page))


def words(text: str) -> list[str]:
    """The searchable words of free text (letters and digits), at most ten."""
    return re.findall(r"[^\W_]+", (text or "")[:MAX_TEXT].lower())[:10]


def _text_match(query: SearchQuery):
    """A subquery (course_id, score) of courses matching the text; None without words.

    The score (relevance) is only computed when the results are sorted by it.
    """
    terms = words(query.text)
    if not terms:
        return None
    ranked = query.sort == "relevance"
    if session.get_bind().dialect.name == "postgresql":
        # Words are letters and digits only, so they are safe in to_tsquery's syntax;
        # ':*' makes each a prefix, as the search box promises.
        joiner = " | " if query.any_words else " & "
        tsquery = sa.func.to_tsquery("dutch", joiner.join(f"{term}:*" for term in terms))
        document = sa.literal_column("document")
        # MATERIALIZED: find the matches through the GIN index first. Left to itself the
        # planner may walk all runs in date order looking for 20 matches that never come.
        return (
            sa.select(
                sa.literal_column("course_id").label("course_id"),
                (sa.func.ts_rank(document, tsquery) if ranked else sa.literal(0.0)).label("score"),
            )
            .select_from(sa.table("course_search"))
            .where(document.op("@@")(tsquery))
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
    joiner = " OR " if query.any_words else " "
    fts = joiner.join(f'"{term}"*' for term in terms)
    select = (
        sa.select(
            sa.literal_column("rowid").label("course_id"),
            (
                -sa.literal_column("bm25(course_fts, 10.0, 5.0, 1.0)")
                if ranked
                else sa.literal(0.0)
            ).label("score"),
        )
        .select_from(sa.table("course_fts"))
        .where(sa.text("course_fts MATCH :fts").bindparams(fts=fts))
    )
    if query.by_course:
        # Grouped by course, SQLite would flatten the subquery and call bm25 inside the
        # aggregate, which FTS5 refuses: rank the matches first.
        return select.cte("matches").prefix_with("MATERIALIZED")
    return select.subquery("matches")


def _run_conditions(query: SearchQuery) -> list:
    """What the query asks of a run itself (the rest is asked of its course)."""
    conditions = [CourseRun.starts_on >= (query.starts_from or clock.today())]
    if query.starts_until:
        conditions.append(CourseRun.starts_on <= query.starts_until)
    if query.municipality_codes:
        conditions.append(CourseRun.municipality_code.in_(query.municipality_codes))
    return conditions


def _filtered(query: SearchQuery, budget_cents: int | None):
    today = clock.today()
    # Narrow rows: filter and sort on a few columns; the full rows of one page are read after.
    select = (
        sa.select(
            CourseRun.id.label("run_id"),
            CourseRun.starts_on,
            Course.price_cents,
            CourseRun.course_id,
        )
        .join(Course, Course.id == CourseRun.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .where(
            Provider.status == ProviderStatus.ACCREDITED,
            Course.published.is_(True),
            *_run_conditions(query),
        )
    )
    match = _text_match(query)
    if match is not None:
        select = select.join(match, match.c.course_id == Course.id).add_columns(match.c.score)
    else:
        select = select.add_columns(sa.literal(0.0).label("score"))
    conditions = [
        (query.nlqf_min, lambda: Course.nlqf_level >= query.nlqf_min),
        (query.nlqf_max, lambda: Course.nlqf_level <= query.nlqf_max),
        (query.kinds, lambda: Course.kind.in_(query.kinds)),
        (query.modality, lambda: Course.modality == query.modality),
        (query.language, lambda: Course.language == query.language),
        (query.sector, lambda: Course.sector == query.sector),
        (query.price_min_cents is not None, lambda: Course.price_cents >= query.price_min_cents),
        (query.price_max_cents is not None, lambda: Course.price_cents <= query.price_max_cents),
        (budget_cents is not None, lambda: Course.price_cents <= budget_cents),
    ]
    for wanted, condition in conditions:
        if wanted:
            select = select.where(condition())
    if query.accreditation:
        select = select.where(
            sa.exists().where(
                Accreditation.provider_id == Course.provider_id,
                Accreditation.kind == query.accreditation,
                Accreditation.valid_from <= today,
                sa.or_(Accreditation.valid_until.is_(None), Accreditation.valid_until >= today),
            )
        )
    return select, match is not None


def _order_keys(columns, query: SearchQuery, has_text: bool, tie: str = "run_id") -> list:
    by_start = [columns.starts_on, columns[tie]]
    if query.sort in ("price", "copay"):
        return [columns.price_cents, *by_start]
    if query.sort == "start" or not has_text:
        return by_start
    return [columns.score.desc(), *by_start]


def accreditations_of(provider_ids: set[int], day: dt.date) -> dict[int, frozenset[str]]:
    """The kinds of valid accreditation of each provider (one query)."""
    if not provider_ids:
        return {}
    rows = session.execute(
        sa.select(Accreditation.provider_id, Accreditation.kind).where(
            Accreditation.provider_id.in_(provider_ids),
            Accreditation.valid_from <= day,
            sa.or_(Accreditation.valid_until.is_(None), Accreditation.valid_until >= day),
        )
    )
    kinds: dict[int, set[str]] = {}
    for provider_id, kind in rows:
        kinds.setdefault(provider_id, set()).add(
            str(kind.value if hasattr(kind, "value") else kind)
        )
    return {pid: frozenset(k) for pid, k in kinds.items()}


def course_facts(course: Course, starts_on: dt.date, accreditations: frozenset[str]) -> CourseFacts:
    """What the funding plan needs of a course run."""
    return CourseFacts(
        price_cents=course.price_cents,
        kind=course.kind,
        nlqf_level=course.nlqf_level,
        accreditations=accreditations,
        occupations=frozenset(course.occupations or ()),
        starts_on=starts_on,
        provider_id=course.provider_id,
    )


def search(query: SearchQuery, grants: list[GrantFacts] | None = None) -> ResultPage:
    """One page of matching runs; with `grants` (a worker's) each hit carries its plan."""
    per_page = max(1, min(query.per_page, 100))
    page = max(1, query.page)
    available = sum(max(0, g.available_cents) for g in grants) if grants is not None else None
    budget = available if (query.within_budget and grants is not None) else None
    select, has_text = _filtered(query, budget)
    if query.by_course:
        return _search_courses(query, grants, select, has_text, available)
    # The count rides along with the rows (a window over the same pass), capped: past
    # COUNT_LIMIT matches nobody pages on.
    counted = select.add_columns(sa.func.count().over().label("total")).subquery("found")
    keys = _order_keys(counted.c, query, has_text)
    copay = query.sort == "copay" and grants is not None
    limit, offset = (COPAY_CANDIDATES, 0) if copay else (per_page, (page - 1) * per_page)
    chosen = sa.select(counted).order_by(*keys).limit(limit).offset(offset).subquery("chosen")
    rows = session.execute(
        sa.select(CourseRun, Course, Provider.name, chosen.c.total)
        .join(chosen, chosen.c.run_id == CourseRun.id)
        .join(Course, Course.id == CourseRun.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .order_by(*_order_keys(chosen.c, query, has_text))
    ).all()
    hits = _hits(rows, grants)
    if rows or page == 1:
        total = rows[0].total if rows else 0
    else:  # past the last page: say how many there were
        capped = select.limit(COUNT_LIMIT).subquery()
        total = session.scalar(sa.select(sa.func.count()).select_from(capped))
    if copay:
        hits.sort(key=lambda h: (h.plan.copay_cents, h.course.price_cents, h.starts_on, h.run_id))
        hits = hits[(page - 1) * per_page : page * per_page]
        total = min(total, COPAY_CANDIDATES)
    total = min(total, COUNT_LIMIT)
    return ResultPage(hits, total, page, per_page, available, query)


def _hits(rows, grants: list[GrantFacts] | None) -> list[Hit]:
    today = clock.today()
    kinds = accreditations_of({row[1].provider_id for row in rows}, today)
    hits = []
    for run, course, provider_name, *_rest in rows:
        plan = None
        if grants is not None:
            facts = course_facts(course, run.starts_on, kinds.get(course.provider_id, frozenset()))
            plan = plan_funding(facts, grants)
        hits.append(
            Hit(
                run.id,
                run.code,
                run.starts_on,
                run.ends_on,
                run.seats,
                run.municipality_code,
                course,
                provider_name,
                plan,
            )
        )
    return hits


def _search_courses(query, grants, select, has_text: bool, available) -> ResultPage:
    """One page of matching courses, each with its next matching runs."""
    per_page, page = max(1, min(query.per_page, 100)), max(1, query.page)
    runs = select.subquery("matching_runs")
    grouped = sa.select(
        runs.c.course_id,
        sa.func.min(runs.c.starts_on).label("starts_on"),
        sa.func.min(runs.c.price_cents).label("price_cents"),
        sa.func.max(runs.c.score).label("score"),
        sa.func.count().label("run_count"),
        sa.func.count().over().label("total"),  # after GROUP BY: the number of courses
    ).group_by(runs.c.course_id)
    counted = grouped.subquery("found")
    copay = query.sort == "copay" and grants is not None
    limit, offset = (COPAY_CANDIDATES, 0) if copay else (per_page, (page - 1) * per_page)
    keys = _order_keys(counted.c, query, has_text, tie="course_id")
    chosen = sa.select(counted).order_by(*keys).limit(limit).offset(offset).subquery("chosen")
    rows = session.execute(
        sa.select(Course, Provider.name, chosen.c.run_count, chosen.c.total)
        .join(chosen, chosen.c.course_id == Course.id)
        .join(Provider, Provider.id == Course.provider_id)
        .order_by(*_order_keys(chosen.c, query, has_text, tie="course_id"))
    ).all()
    if rows or page == 1:
        total = rows[0].total if rows else 0
    else:  # past the last page: say how many there were
        capped = sa.select(runs.c.course_id).distinct().limit(COUNT_LIMIT).subquery()
        total = session.scalar(sa.select(sa.func.count()).select_from(capped))
    hits = _course_hits(rows, query, grants)
    if copay:
        hits.sort(key=lambda h: (h.plan.copay_cents, h.course.price_cents, h.starts_on, h.run_id))
        hits = hits[(page - 1) * per_page : page * per_page]
        total = min(total, COPAY_CANDIDATES)
    return ResultPage(hits, min(total, COUNT_LIMIT), page, per_page, available, query)


def _course_hits(rows, query: SearchQuery, grants: list[GrantFacts] | None) -> list[Hit]:
    courses = {course.id: course for course, *_rest in rows}
    runs_of: dict[int, list[CourseRun]] = {}
    if courses:
        found = session.scalars(
            sa.select(CourseRun)
            .where(CourseRun.course_id.in_(courses), *_run_conditions(query))
            .order_by(CourseRun.course_id, CourseRun.starts_on, CourseRun.id)
        )
        for run in found:
            runs_of.setdefault(run.course_id, []).append(run)
    kinds = accreditations_of({c.provider_id for c in courses.values()}, clock.today())
    hits = []
    for course, provider_name, run_count, _total in rows:
        runs = runs_of.get(course.id)
        if not runs:  # changed between the two reads: leave it out rather than guess
            continue
        first = runs[0]
        plan = None
        if grants is not None:
            facts = course_facts(
                course, first.starts_on, kinds.get(course.provider_id, frozenset())
            )
            plan = plan_funding(facts, grants)
        summaries = tuple(
            RunSummary(run.id, run.starts_on, run.municipality_code, run.seats)
            for run in runs[:RUNS_SHOWN]
        )
        hits.append(
            Hit(
                first.id,
                first.code,
                first.starts_on,
                first.ends_on,
                first.seats,
                first.municipality_code,
                course,
                provider_name,
                plan,
                summaries,
                run_count,
            )
        )
    return hits
