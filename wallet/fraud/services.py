"""Raising and reading risk flags. Raising only flushes: it joins the caller's unit of work.

Each check is one set-based query (a fixed number per call, however long the history).
A check returns the figures for its reason, or None when there is nothing to flag.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import lazy_gettext as _l

from wallet.accounts.models import User, WorkerProfile
from wallet.applications.models import Application, ApplicationPart, ApplicationStatus
from wallet.catalogue.models import CourseRun, PriceChange
from wallet.core import clock
from wallet.core.db import session
from wallet.core.templating import money
from wallet.fraud.models import RiskFlag, Severity
from wallet.grants.models import Grant
from wallet.providers.models import Provider
from wallet.schemes.models import Scheme
from wallet.schemes.rules import load_rules

if TYPE_CHECKING:  # claims sit above fraud: they call these checks, and read the flags
    from wallet.claims.models import Claim

FINAL_CLAIM = "final"  # ClaimKind.FINAL's value (a StrEnum compares equal to it)

NEAR_CAP_PCT = 5  # a price at or up to 5 % under a cap
PRICE_RAISE_DAYS = 30
SPIKE_DAYS = 7
SPIKE_BASELINE_WEEKS = 8  # the weeks before the last SPIKE_DAYS
SPIKE_MIN_APPLICATIONS = 10
SPIKE_FACTOR = 3
SHARED_DAYS = 90
SHARED_MIN_WORKERS = 5  # distinct workers, the applicant included
NEW_PROVIDER_DAYS = 90
NEW_PROVIDER_WINDOW_DAYS = 30
NEW_PROVIDER_MIN_APPLICATIONS = 20
# Applications that fell through: neither a duplicate nor a use of grants for the course.
FELL_THROUGH = (ApplicationStatus.CANCELLED, ApplicationStatus.REJECTED, ApplicationStatus.EXPIRED)
# Mail services anyone can sign up with: sharing one says nothing about the applicants.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "live.nl",
        "hotmail.nl",
        "ziggo.nl",
        "kpnmail.nl",
        "icloud.com",
        "yahoo.com",
        "planet.nl",
        "home.nl",
        "xs4all.nl",
        "live.com",
        "msn.com",
        "me.com",
        "outlook.nl",
        "protonmail.com",
        "proton.me",
    }
)

HIGH, MEDIUM = Severity.HIGH, Severity.MEDIUM
# code -> (severity, the one-line reason; its figures come from the check)
FLAGS = {
    "price_near_cap": (
        MEDIUM,
        _l("The price %(price)s is at or just under the cap of %(cap)s of a grant used."),
    ),
    "recent_price_raise": (
        HIGH,
        _l("The provider raised the price from %(old)s to %(new)s on %(day)s."),
    ),
    "application_spike": (
        MEDIUM,
        _l(
            "Applications in the last 7 days: %(course)d for this course (weekly average before "
            "%(course_avg)s), %(provider)d for this provider (%(provider_avg)s)."
        ),
    ),
    "shared_address": (
        MEDIUM,
        _l("%(count)d applicants of this provider in 90 days live at %(address)s."),
    ),
    "shared_email_domain": (
        MEDIUM,
        _l(
            "%(count)d applicants of this provider in 90 days have an e-mail address at %(domain)s."
        ),
    ),
    "shared_ip": (
        MEDIUM,
        _l("%(count)d applicants of this provider in 90 days applied from IP address %(ip)s."),
    ),
    "duplicate_learner_course": (
        HIGH,
        _l("The worker already applied for this course (%(reference)s)."),
    ),
    "new_provider_high_volume": (
        MEDIUM,
        _l("Accredited on %(day)s and already %(count)d applications in 30 days."),
    ),
    "too_many_grants": (
        HIGH,
        _l("The worker uses %(count)d grants for this course; a scheme allows at most %(most)d."),
    ),
    "proof_missing": (HIGH, _l("The final claim shows neither attendance nor a certificate.")),
    "attendance_below_threshold": (
        HIGH,
        _l(
            "Attendance was %(pct)d %%, below the %(threshold)d %% needed, and there is no "
            "certificate."
        ),
    ),
}


def _save(application_id: int, claim_id: int | None, found: dict[str, dict]) -> list[RiskFlag]:
    now = clock.now()
    flags = []
    for code, figures in found.items():
        severity, message = FLAGS[code]
        reason = str(message) % figures
        flags.append(
            RiskFlag(
                application_id=application_id,
                claim_id=claim_id,
                code=code,
                severity=severity,
                reason=reason[:300],
                created_at=now,
            )
        )
    session.add_all(flags)
    session.flush()
    return flags


def _in_fund_language(check):
    """Reasons are written in the administrators' language (the default locale), whoever
    raised them: a worker applying in German should not leave German flags in the queue."""

    @functools.wraps(check)
    def written(*args, **kwargs):
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
            return check(*args, **kwargs)

    return written


@_in_fund_language
def flag_application(application: Application) -> list[RiskFlag]:
    """Raise the flags a new application deserves (after it and its parts are flushed)."""
    # Replace, not add: the unique constraint does not stop duplicates where claim_id is NULL.
    session.execute(
        sa.delete(RiskFlag).where(
            RiskFlag.application_id == application.id, RiskFlag.claim_id.is_(None)
        )
    )
    course_id = application.run.course_id
    found = {
        **_grants(application, course_id),
        "recent_price_raise": _recent_raise(course_id),
        **_volume(application, course_id),
        **_shared(application),
        "duplicate_learner_course": _duplicate(application, course_id),
    }
    return _save(application.id, None, {code: f for code, f in found.items() if f is not None})


def _recent_raise(course_id: int) -> dict | None:
    change = session.scalars(
        sa.select(PriceChange)
        .where(
            PriceChange.course_id == course_id,
            PriceChange.old_cents.is_not(None),
            PriceChange.new_cents > PriceChange.old_cents,
            PriceChange.changed_at >= clock.now() - dt.timedelta(days=PRICE_RAISE_DAYS),
        )
        .order_by(PriceChange.changed_at.desc())
    ).first()
    if change is None:
        return None
    return {
        "old": money(change.old_cents),
        "new": money(change.new_cents),
        "day": format_date(change.changed_at),
    }


def _count(*conditions) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((sa.and_(*conditions), Application.id)))


def _spikes(this_week: int, before: int) -> bool:
    # More than SPIKE_FACTOR times the weekly average of the baseline, in whole numbers.
    return this_week >= SPIKE_MIN_APPLICATIONS and (
        this_week * SPIKE_BASELINE_WEEKS > SPIKE_FACTOR * before
    )


def _weekly_average(before: int) -> str:
    return format_decimal(round(before / SPIKE_BASELINE_WEEKS, 1))


def _volume(application: Application, course_id: int) -> dict[str, dict]:
    """application_spike (course or provider) and new_provider_high_volume."""
    now = clock.now()
    week_start = now - dt.timedelta(days=SPIKE_DAYS)
    since = week_start - dt.timedelta(weeks=SPIKE_BASELINE_WEEKS)
    month_start = now - dt.timedelta(days=NEW_PROVIDER_WINDOW_DAYS)
    of_course, recent = CourseRun.course_id == course_id, Application.created_at >= week_start
    course_week, course_before, week, before, month = session.execute(
        sa.select(
            _count(of_course, recent),
            _count(of_course, ~recent),
            _count(recent),
            _count(~recent),
            _count(Application.created_at >= month_start),
        )
        .join(CourseRun, CourseRun.id == Application.run_id)
        .where(
            Application.provider_id == application.provider_id,
            Application.created_at >= min(since, month_start),
        )
    ).one()
    found = {}
    if _spikes(course_week, course_before) or _spikes(week, before):
        found["application_spike"] = {
            "course": course_week,
            "course_avg": _weekly_average(course_before),
            "provider": week,
            "provider_avg": _weekly_average(before),
        }
    accredited_at = session.get(Provider, application.provider_id).accredited_at
    if (
        accredited_at is not None
        and accredited_at > now - dt.timedelta(days=NEW_PROVIDER_DAYS)
        and month >= NEW_PROVIDER_MIN_APPLICATIONS
    ):
        found["new_provider_high_volume"] = {"day": format_date(accredited_at), "count": month}
    return found


def _shared(application: Application) -> dict[str, dict]:
    """shared_address, shared_email_domain and shared_ip, each where the applicant has one."""
    worker, profile = application.user, application.user.profile
    domain = worker.email.rpartition("@")[2].lower()
    conditions, figures = {}, {}
    if profile is not None and profile.postcode and profile.house_number:
        conditions["shared_address"] = sa.and_(
            sa.func.upper(WorkerProfile.postcode) == profile.postcode.upper(),
            sa.func.lower(WorkerProfile.house_number) == profile.house_number.lower(),
        )
        figures["shared_address"] = {"address": f"{profile.postcode} {profile.house_number}"}
    if domain and domain not in PUBLIC_EMAIL_DOMAINS:
        conditions["shared_email_domain"] = User.email.endswith("@" + domain, autoescape=True)
        figures["shared_email_domain"] = {"domain": domain}
    if application.client_ip:
        conditions["shared_ip"] = Application.client_ip == application.client_ip
        figures["shared_ip"] = {"ip": application.client_ip}
    if not conditions:
        return {}
    counts = session.execute(
        sa.select(
            *[
                sa.func.count(sa.distinct(sa.case((c, Application.user_id))))
                for c in conditions.values()
            ]
        )
        .join(User, User.id == Application.user_id)
        .outerjoin(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(
            Application.provider_id == application.provider_id,
            Application.created_at >= clock.now() - dt.timedelta(days=SHARED_DAYS),
        )
    ).one()
    return {
        code: {**figures[code], "count": count}
        for code, count in zip(conditions, counts, strict=True)
        if count >= SHARED_MIN_WORKERS
    }


def _duplicate(application: Application, course_id: int) -> dict | None:
    other = session.scalar(
        sa.select(Application.reference)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .where(
            Application.user_id == application.user_id,
            CourseRun.course_id == course_id,
            Application.id != application.id,
            Application.status.not_in(FELL_THROUGH),
        )
        .order_by(Application.id)
        .limit(1)
    )
    return None if other is None else {"reference": other}


def _grants(application: Application, course_id: int) -> dict[str, dict]:
    """price_near_cap (this application's grants) and too_many_grants (all for the course)."""
    rows = session.execute(
        sa.select(Application.id, Grant.id, Grant.amount_cents, Scheme.rules)
        .join(ApplicationPart, ApplicationPart.grant_id == Grant.id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .join(Application, Application.id == ApplicationPart.application_id)
        .join(CourseRun, CourseRun.id == Application.run_id)
        .where(
            Application.user_id == application.user_id,
            CourseRun.course_id == course_id,
            sa.or_(Application.id == application.id, Application.status.not_in(FELL_THROUGH)),
        )
    ).all()
    caps, most_per_grant, found = set(), {}, {}
    for application_id, grant_id, amount_cents, stored_rules in rows:
        rules = load_rules(stored_rules)
        most_per_grant[grant_id] = rules.max_grants_per_course
        if application_id == application.id:
            caps |= {amount_cents, rules.cap_per_course_cents} - {None}
    price = application.price_cents
    near = [cap for cap in caps if price <= cap and price * 100 >= cap * (100 - NEAR_CAP_PCT)]
    if near:
        found["price_near_cap"] = {"price": money(price), "cap": money(min(near))}
    most = min(most_per_grant.values(), default=len(most_per_grant))
    if len(most_per_grant) > most:
        found["too_many_grants"] = {"count": len(most_per_grant), "most": most}
    return found


@_in_fund_language
def flag_claim(claim: Claim, *, attendance_threshold_pct: int) -> list[RiskFlag]:
    """Raise the flags of a (resubmitted) claim, replacing those of its earlier version."""
    session.execute(sa.delete(RiskFlag).where(RiskFlag.claim_id == claim.id))
    found = {}
    attendance = claim.attendance_pct
    if claim.certificate_file is None:
        if claim.kind == FINAL_CLAIM and attendance is None:
            found["proof_missing"] = {}
        elif attendance is not None and attendance < attendance_threshold_pct:
            found["attendance_below_threshold"] = {
                "pct": attendance,
                "threshold": attendance_threshold_pct,
            }
    return _save(claim.application_id, claim.id, found)


def _of(application_id: int, claim_id: int | None) -> sa.ColumnElement[bool]:
    own = RiskFlag.claim_id.is_(None)
    if claim_id is not None:
        own = sa.or_(own, RiskFlag.claim_id == claim_id)
    return sa.and_(RiskFlag.application_id == application_id, own)


def flags_of(application_id: int, claim_id: int | None = None) -> list[RiskFlag]:
    """The application's own flags and, when given, the claim's: high ones first."""
    high_first = sa.case((RiskFlag.severity == Severity.HIGH, 0), else_=1)
    query = sa.select(RiskFlag).where(_of(application_id, claim_id))
    return list(session.scalars(query.order_by(high_first, RiskFlag.id)))


def flag_summary(application_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(high, medium) flags per application, its claims' included; (0, 0) when it has none."""
    high = RiskFlag.severity == Severity.HIGH
    rows = session.execute(
        sa.select(
            RiskFlag.application_id,
            sa.func.count(sa.case((high, RiskFlag.id))),
            sa.func.count(sa.case((~high, RiskFlag.id))),
        )
        .where(RiskFlag.application_id.in_(application_ids))
        .group_by(RiskFlag.application_id)
    ).all()
    summary = dict.fromkeys(application_ids, (0, 0))
    summary.update({application_id: (h, m) for application_id, h, m in rows})
    return summary


def needs_second_look(application_id: int, claim_id: int) -> bool:
    """Whether a high flag on the application or this claim asks for a second approver."""
    query = sa.select(RiskFlag.id).where(_of(application_id, claim_id), RiskFlag.severity == HIGH)
    return session.scalar(query.limit(1)) is not None
