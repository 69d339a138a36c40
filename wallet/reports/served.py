"""The reports people open most, served from snapshots (wallet.reports.snapshots): the
dashboard, the period report and the public figures; and the job that keeps them fresh.

A snapshot's key says everything the figures depend on, the reader's language included
(titles, summaries and some names are translated when computed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale, format_time, get_locale

from wallet.core import clock
from wallet.core.db import session
from wallet.funds.models import Fund, FundStatus
from wallet.reports import snapshot_json as js
from wallet.reports.charts import Chart
from wallet.reports.dashboard import Filter
from wallet.reports.period import PeriodReport, period_report
from wallet.reports.periods import Period, last_complete_quarter
from wallet.reports.public import PublicFigures, for_page, public_figures
from wallet.reports.snapshots import Snapshot, max_age_of, refresh, snapshot, snapshots

DEFAULT_LANGUAGE = "nl"


def _language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def dashboard_key(wanted: Filter, language: str) -> str:
    """dashboard:fund=3:from=..:to=..:scheme=:region=:lang=nl (a region as a short hash of its
    municipality codes, which may be dozens)."""
    codes = wanted.municipality_codes
    region = hashlib.sha1(",".join(codes).encode()).hexdigest()[:12] if codes else ""  # noqa: S324
    return (
        f"dashboard:fund={wanted.fund_id}:from={wanted.first}:to={wanted.last}"
        f":scheme={wanted.scheme_id or ''}:region={region}:lang={language}"
    )


def period_key(fund_id: int, period: Period, scheme_id: int | None, language: str) -> str:
    """period:fund=3:2026-Q3:scheme=:lang=nl"""
    return f"period:fund={fund_id}:{period.label}:scheme={scheme_id or ''}:lang={language}"


def public_key(language: str, *, page: bool = False) -> str:
    """public:lang=nl, or public-page:lang=nl for the page's shorter tables"""
    return f"public{'-page' if page else ''}:lang={language}"


def dashboard(wanted: Filter, *, fresh: bool = False) -> tuple[list[Chart], Snapshot]:
    """The dashboard's charts for `wanted`, and the snapshot they came from."""
    from wallet.reports.dashboard_page import dashboard_charts

    key = dashboard_key(wanted, _language())
    compute = lambda: js.charts_to_json(dashboard_charts(wanted))  # noqa: E731
    kept = _serve(key, compute, max_age_of(wanted.last), wanted.fund_id, fresh)
    return js.charts_from_json(kept.payload), kept


def period(
    fund_id: int, chosen: Period, scheme_id: int | None = None, *, fresh: bool = False
) -> tuple[PeriodReport, Snapshot]:
    """The period report, and the snapshot it came from. NotFound (no such fund or scheme)
    is raised by the computation, so nothing is stored for it."""
    key = period_key(fund_id, chosen, scheme_id, _language())
    compute = lambda: js.period_to_json(period_report(fund_id, chosen, scheme_id=scheme_id))  # noqa: E731
    kept = _serve(key, compute, max_age_of(chosen.last), fund_id, fresh)
    return js.period_from_json(kept.payload), kept


def public(*, fresh: bool = False) -> PublicFigures:
    """The public figures (they carry their own computed_at)."""
    kept = _serve(
        public_key(_language()),
        lambda: js.public_to_json(public_figures()),
        max_age_of(None),
        None,
        fresh,
    )
    return js.public_from_json(kept.payload)


def public_page(*, fresh: bool = False) -> PublicFigures:
    """The public figures as /openbaar shows them (public.for_page), from the stored full
    figures: a snapshot a tenth of the size, as fresh as the one it was cut from."""
    compute = lambda: js.public_to_json(for_page(public()))  # noqa: E731
    kept = _serve(public_key(_language(), page=True), compute, max_age_of(None), None, fresh)
    return js.public_from_json(kept.payload)


def figures_of(kept: Snapshot) -> str | None:
    """HH:MM of a snapshot served from the store ("figures of 14:20"); None when the figures
    were computed for this request."""
    return format_time(kept.computed_at, "short") if kept.stored else None


def _serve(key: str, compute: Callable[[], dict], max_age, fund_id, fresh: bool) -> Snapshot:
    if fresh:
        return refresh(key, compute, fund_id=fund_id)
    return snapshot(key, compute, max_age, fund_id=fund_id)


# The job ------------------------------------------------------------------------------------


@contextmanager
def _speaking(language: str):
    """A request context in `language`, as a page would compute: links need a request."""
    if has_request_context():
        with force_locale(language):
            yield
        return
    with current_app.test_request_context("/"), force_locale(language):
        yield


def _languages(prefix: str) -> list[str]:
    """Dutch, and every other language someone asked this view in (it has a snapshot)."""
    keys = session.scalars(sa.select(snapshots.c.key).where(snapshots.c.key.like(f"{prefix}%")))
    found = {key.rpartition(":lang=")[2] for key in keys} | {DEFAULT_LANGUAGE}
    return sorted(found, key=lambda language: (language != DEFAULT_LANGUAGE, language))


def refresh_all(*, full: bool = False, progress: Callable[[str], None] = lambda _line: None) -> str:
    """Per open fund the default dashboard and the last complete quarter's report, then the
    public figures; the current views always, a final period only when missing. `full` (the
    weekly run) recomputes everything and forgets what nobody asked for since."""
    from wallet.reports.dashboard_page import read_filter

    started = clock.now()
    quarter = last_complete_quarter(clock.today())
    funds = session.execute(
        sa.select(Fund.id, Fund.name).where(Fund.status == FundStatus.OPEN).order_by(Fund.id)
    ).all()
    for fund_id, name in funds:
        timings = []
        for language in _languages(f"dashboard:fund={fund_id}:"):
            with _speaking(language):
                wanted, _form = read_filter(fund_id, {})
                run = lambda wanted=wanted: dashboard(wanted, fresh=True)  # noqa: E731
                timings.append(_timed(f"dashboard {language}", run))
        for language in _languages(f"period:fund={fund_id}:{quarter.label}:scheme=:"):
            with _speaking(language):
                run = lambda fund_id=fund_id: period(fund_id, quarter, fresh=full)  # noqa: E731
                timings.append(_timed(f"{quarter.label} {language}", run))
        progress(f"fund {fund_id} {name}: " + ", ".join(timings))
    timings = []
    for language in _languages("public"):  # public: and public-page:
        with _speaking(language):
            timings.append(_timed(f"public {language}", lambda: public(fresh=True)))
            timings.append(_timed(f"its page {language}", lambda: public_page(fresh=True)))
    progress("public figures: " + ", ".join(timings))
    forgotten = 0
    if full:
        from wallet.reports.snapshots import forget_older_than

        forgotten = forget_older_than(started)
    seconds = (clock.now() - started) / dt.timedelta(seconds=1)
    return f"{len(funds)} funds' reports kept in {seconds:.1f} s" + (
        f", {forgotten} older snapshots forgotten" if full else ""
    )


def _timed(what: str, run: Callable[[], object]) -> str:
    started = time.perf_counter()
    run()
    return f"{what} {time.perf_counter() - started:.1f} s"
