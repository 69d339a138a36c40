"""Risk flags: each pattern raised in a scenario built for it, and kept quiet in an honest one."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User, WorkerProfile
from wallet.applications import services
from wallet.applications.models import Application, ApplicationPart, ApplicationStatus
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun, PriceChange
from wallet.claims.models import Claim, ClaimKind, ClaimStatus
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.fraud.models import RiskFlag, Severity
from wallet.fraud.services import (
    flag_application,
    flag_claim,
    flag_summary,
    flags_of,
    needs_second_look,
)
from wallet.grants.models import Grant
from wallet.providers.models import Provider

HALF = {"amount_cents": 200_000, "rules": {"co_funding_bps": 5_000}}  # € 2.000 at 50 %
_numbers = itertools.count(1)


@pytest.fixture
def shop(app_ctx, accredited_provider):
    """The provider's catalogue: LAS-1 (€ 2.400, runs R1 and R2) and ZRG-1 (€ 450)."""
    import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    rows = app_ctx.execute(sa.select(Course.code, CourseRun.code, CourseRun.id).join(Course))
    runs = {f"{course}/{run}": run_id for course, run, run_id in rows}
    courses = dict(app_ctx.execute(sa.select(Course.code, Course.id)).all())
    app_ctx.commit()  # end the read, so factories can write (SQLite locks)
    return SimpleNamespace(provider_id=accredited_provider.provider_id, runs=runs, courses=courses)


@pytest.fixture
def funded_worker(app_ctx, make_worker, make_fund, make_scheme, make_grant):
    """funded_worker(*scheme_terms, **worker) -> a worker with one grant per scheme (HALF)."""
    fund = make_fund(10_000_000)

    def make(*schemes: dict, **worker_fields) -> User:
        worker = make_worker(**worker_fields)
        for terms in schemes or (HALF,):
            make_grant(make_scheme(fund, **terms), worker)
        return worker

    return make


def _submit(worker: User, run_id: int) -> int:
    """Apply through the applications service, paying what the plan says."""
    plan = services.plan_for(worker.id, session.get(CourseRun, run_id))
    applied = services.apply(
        session.get(User, worker.id),
        run_id,
        password=PASSWORD,
        expected_copay_cents=plan.copay_cents,
    )
    session.expunge_all()  # the flags load what they need themselves
    return applied.id


def _apply(worker: User, run_id: int, *, client_ip: str | None = None):
    """Apply, then flag as the service will: (application, {code: flag})."""
    application_id = _submit(worker, run_id)
    with unit_of_work():
        application = session.get(Application, application_id)
        application.client_ip = client_ip
        flags = flag_application(application)
    return application, {flag.code: flag for flag in flags}


def _history(course_id: int, days_ago, *, domain=None, postcode=None, client_ip=None) -> None:
    """Other workers' applications for the course, made `days_ago`, on a run of their own."""
    course = session.get(Course, course_id)
    long_ago = clock.today() - dt.timedelta(days=200)
    run = CourseRun(
        course_id=course_id,
        code=f"H{next(_numbers)}",
        seats=10_000,
        starts_on=long_ago,
        ends_on=long_ago,
        municipality_code="enschede",
    )
    session.add(run)
    session.flush()
    for days in days_ago:
        n = next(_numbers)
        at = clock.now() - dt.timedelta(days=days)
        user = User(
            email=f"h{n}@{domain or f'mail{n}.test'}",
            password_hash="-",
            name=f"Eerder {n}",
            role=Role.WORKER,
        )
        user.profile = WorkerProfile(
            date_of_birth=dt.date(1980, 1, 1),
            municipality_code="enschede",
            employment_status="employed",
            sector="techniek",
            occupation="Operator",
            education_level=3,
            target_occupation="Monteur",
            postcode=postcode and postcode[0],
            house_number=postcode and postcode[1],
        )
        session.add(user)
        session.flush()
        session.add(
            Application(
                reference=f"H-{n}",
                user_id=user.id,
                run_id=run.id,
                provider_id=course.provider_id,
                status=ApplicationStatus.CONFIRMED,
                price_cents=course.price_cents,
                covered_cents=0,
                copay_cents=course.price_cents,
                created_at=at,
                updated_at=at,
                respond_by=at + dt.timedelta(days=14),
                client_ip=client_ip,
            )
        )
    session.commit()


def test_an_honest_application_raises_no_flags(app_ctx, shop, funded_worker):
    application, flags = _apply(funded_worker(), shop.runs["LAS-1/R1"])
    assert flags == {}
    assert flags_of(application.id) == []
    assert flag_summary([application.id]) == {application.id: (0, 0)}


@pytest.mark.parametrize(
    ("terms", "flagged"),
    [
        ({"amount_cents": 200_000, "rules": {"cap_per_course_cents": 250_000}}, True),  # -4 %
        ({"amount_cents": 240_000, "rules": {}}, True),  # the grant is exactly the price
        ({"amount_cents": 300_000, "rules": {"cap_per_course_cents": 240_000}}, True),
        ({"amount_cents": 200_000, "rules": {"cap_per_course_cents": 260_000}}, False),  # -7.7 %
        ({"amount_cents": 300_000, "rules": {}}, False),
        ({"amount_cents": 200_000, "rules": {"cap_per_course_cents": 230_000}}, False),  # above
    ],
)
def test_a_price_just_under_a_cap(app_ctx, shop, funded_worker, terms, flagged):
    _application, flags = _apply(funded_worker(terms), shop.runs["LAS-1/R1"])
    assert ("price_near_cap" in flags) == flagged
    if flagged:
        assert flags["price_near_cap"].severity == Severity.MEDIUM
        assert "2.400,00" in flags["price_near_cap"].reason


def test_only_the_grants_an_application_uses_count_for_the_cap(app_ctx, shop, funded_worker):
    # The € 2.400 grant pays the first run in full; the second is paid by the € 3.000 one.
    worker = funded_worker(
        {"amount_cents": 240_000, "rules": {}}, {"amount_cents": 300_000, "rules": {}}
    )
    _first, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert "price_near_cap" in flags
    _second, flags = _apply(worker, shop.runs["LAS-1/R2"])
    assert "price_near_cap" not in flags


@pytest.mark.parametrize(
    ("old", "new", "days_ago", "flagged"),
    [(200_000, 240_000, 10, True), (200_000, 240_000, 40, False), (260_000, 240_000, 5, False)],
)
def test_a_recent_price_raise(app_ctx, shop, funded_worker, old, new, days_ago, flagged):
    worker = funded_worker()
    app_ctx.add(
        PriceChange(
            course_id=shop.courses["LAS-1"],
            old_cents=old,
            new_cents=new,
            changed_at=clock.now() - dt.timedelta(days=days_ago),
        )
    )
    app_ctx.commit()
    _application, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert ("recent_price_raise" in flags) == flagged
    if flagged:
        assert flags["recent_price_raise"].severity == Severity.HIGH
        assert "2.000,00" in flags["recent_price_raise"].reason


@pytest.mark.parametrize(
    ("course", "this_week", "weeks_before", "flagged"),
    [
        ("LAS-1", 9, 0, True),  # 10 this week, the applicant included, none before
        ("LAS-1", 9, 26, True),  # 10 > 3 × 26/8 = 9.75
        ("LAS-1", 9, 27, False),  # 10 ≤ 3 × 27/8 = 10.1
        ("LAS-1", 8, 0, False),  # 9: too few to call a spike
        ("ZRG-1", 9, 0, True),  # the provider's other course: a spike of the provider
    ],
)
def test_an_application_spike(
    app_ctx, shop, funded_worker, course, this_week, weeks_before, flagged
):
    worker = funded_worker()
    _history(shop.courses[course], [1 + i % 6 for i in range(this_week)])
    _history(shop.courses[course], [40] * weeks_before)
    _history(shop.courses[course], [70] * 50)  # older than the baseline: does not count
    _application, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert ("application_spike" in flags) == flagged
    if flagged:
        assert "10 voor deze opleider" in flags["application_spike"].reason


@pytest.mark.parametrize(
    ("kind", "others", "days_ago", "flagged"),
    [
        ("address", 4, 30, True),
        ("address", 3, 30, False),
        ("address", 4, 100, False),  # longer ago than the window
        ("domain", 4, 30, True),
        ("domain", 3, 30, False),
        ("public_domain", 10, 30, False),
        ("ip", 4, 89, True),
        ("ip", 3, 30, False),
    ],
)
def test_applicants_sharing_an_address_domain_or_ip(
    app_ctx, shop, funded_worker, kind, others, days_ago, flagged
):
    domain = {"domain": "bureau-snel.nl", "public_domain": "gmail.com"}.get(kind)
    worker = funded_worker(email=f"nieuw@{domain}") if domain else funded_worker()
    if kind == "address":
        app_ctx.get(WorkerProfile, worker.id).postcode = "7511AB"
        app_ctx.get(WorkerProfile, worker.id).house_number = "12"
    _history(
        shop.courses["ZRG-1"],
        [days_ago] * others,
        domain=domain,
        postcode=("7511AB", "12") if kind == "address" else None,
        client_ip="203.0.113.9" if kind == "ip" else None,
    )
    _history(shop.courses["ZRG-1"], [5] * 6)  # unrelated applicants
    _application, flags = _apply(worker, shop.runs["LAS-1/R1"], client_ip="203.0.113.9")
    code = {"address": "shared_address", "ip": "shared_ip"}.get(kind, "shared_email_domain")
    assert ("shared_" in " ".join(flags)) == flagged
    if flagged:
        assert flags[code].severity == Severity.MEDIUM
        assert flags[code].reason.startswith("5 aanvragers")


@pytest.mark.parametrize(("first_status", "flagged"), [(None, True), ("cancel", False)])
def test_a_second_application_for_the_same_course(
    app_ctx, shop, funded_worker, first_status, flagged
):
    worker = funded_worker()
    first, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert "duplicate_learner_course" not in flags
    if first_status:
        services.decide(first.id, first_status, actor=app_ctx.get(User, worker.id))
    _second, flags = _apply(worker, shop.runs["LAS-1/R2"])
    assert ("duplicate_learner_course" in flags) == flagged
    if flagged:
        assert first.reference in flags["duplicate_learner_course"].reason
    _other, flags = _apply(worker, shop.runs["ZRG-1/R1"])
    assert "duplicate_learner_course" not in flags


@pytest.mark.parametrize(
    ("accredited_days_ago", "earlier", "flagged"),
    [(10, 19, True), (10, 18, False), (120, 19, False)],
)
def test_a_new_provider_with_many_applications(
    app_ctx, shop, funded_worker, accredited_days_ago, earlier, flagged
):
    worker = funded_worker()
    app_ctx.get(Provider, shop.provider_id).accredited_at = clock.now() - dt.timedelta(
        days=accredited_days_ago
    )
    _history(shop.courses["ZRG-1"], [8 + i % 20 for i in range(earlier)])
    _history(shop.courses["ZRG-1"], [35] * 10)  # before the 30 days
    _application, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert ("new_provider_high_volume" in flags) == flagged
    if flagged:
        assert "20 aanvragen" in flags["new_provider_high_volume"].reason


@pytest.mark.parametrize(("first_scheme_allows", "flagged"), [(1, True), (2, False)])
def test_more_grants_for_one_course_than_a_scheme_allows(
    app_ctx, shop, funded_worker, first_scheme_allows, flagged
):
    # The first grant (€ 1.000, at most N grants per course) pays the first run in full;
    # the second run, of the same course, is paid by the second grant.
    worker = funded_worker(
        {"amount_cents": 100_000, "rules": {"max_grants_per_course": first_scheme_allows}},
        {"amount_cents": 200_000, "rules": {}},
    )
    _first, flags = _apply(worker, shop.runs["LAS-1/R1"])
    assert "too_many_grants" not in flags
    _second, flags = _apply(worker, shop.runs["LAS-1/R2"])
    assert ("too_many_grants" in flags) == flagged
    if flagged:
        assert flags["too_many_grants"].severity == Severity.HIGH
        assert "2 budgetten" in flags["too_many_grants"].reason


def _claim(application: Application, **fields) -> Claim:
    values = {
        "reference": f"CL-{next(_numbers)}",
        "application_id": application.id,
        "provider_id": application.provider_id,
        "kind": ClaimKind.FINAL,
        "status": ClaimStatus.SUBMITTED,
        "invoice_number": f"F-{next(_numbers)}",
        "invoice_date": clock.today(),
        "amount_cents": application.covered_cents,
        "description": "Cursus",
        "invoice_file": "a.pdf",
    }
    values.update(fields)
    values["fund_id"] = session.scalar(
        sa.select(Grant.fund_id)
        .join(ApplicationPart, ApplicationPart.grant_id == Grant.id)
        .where(ApplicationPart.application_id == application.id)
        .limit(1)
    )
    claim = Claim(**values)
    session.add(claim)
    session.flush()
    return claim


@pytest.mark.parametrize(
    ("kind", "attendance", "certificate", "expected"),
    [
        (ClaimKind.FINAL, None, None, {"proof_missing"}),
        (ClaimKind.FINAL, 60, None, {"attendance_below_threshold"}),
        (ClaimKind.FINAL, 80, None, set()),  # at the threshold is enough
        (ClaimKind.FINAL, 60, "cert.pdf", set()),  # the certificate proves it
        (ClaimKind.FINAL, None, "cert.pdf", set()),
        (ClaimKind.ADVANCE, None, None, set()),  # nothing to prove at the start
    ],
)
def test_a_claim_without_enough_proof(
    app_ctx, shop, funded_worker, kind, attendance, certificate, expected
):
    application, _flags = _apply(funded_worker(), shop.runs["LAS-1/R1"])
    with unit_of_work():
        claim = _claim(
            application, kind=kind, attendance_pct=attendance, certificate_file=certificate
        )
        flags = flag_claim(claim, attendance_threshold_pct=80)
    assert {flag.code for flag in flags} == expected
    assert all(flag.claim_id == claim.id and flag.severity == Severity.HIGH for flag in flags)
    assert needs_second_look(application.id, claim.id) == bool(expected)


def test_a_resubmitted_claim_is_flagged_afresh(app_ctx, shop, funded_worker):
    application, _flags = _apply(funded_worker(), shop.runs["LAS-1/R1"])
    with unit_of_work():
        claim = _claim(application)
        flag_claim(claim, attendance_threshold_pct=80)
        app_ctx.add(
            RiskFlag(
                application_id=application.id,
                code="price_near_cap",
                severity=Severity.MEDIUM,
                reason="test",
            )
        )
    for attendance, certificate, expected in [
        (50, None, ["attendance_below_threshold", "price_near_cap"]),
        (50, None, ["attendance_below_threshold", "price_near_cap"]),  # the same, once
        (50, "cert.pdf", ["price_near_cap"]),
    ]:
        with unit_of_work():
            claim.version += 1
            claim.attendance_pct, claim.certificate_file = attendance, certificate
            flag_claim(claim, attendance_threshold_pct=80)
        assert [flag.code for flag in flags_of(application.id, claim.id)] == expected


def test_reading_flags_for_review(app_ctx, shop, funded_worker):
    terms = {"amount_cents": 240_000, "rules": {}}  # the grant is the price: near the cap
    application, flags = _apply(funded_worker(terms), shop.runs["LAS-1/R1"])
    quiet, _flags = _apply(funded_worker(), shop.runs["LAS-1/R1"])
    assert set(flags) == {"price_near_cap"}
    with unit_of_work():
        closed = _claim(application, status=ClaimStatus.CLOSED, certificate_file="c.pdf")
        flag_claim(closed, attendance_threshold_pct=80)
        claim = _claim(application)
        flag_claim(claim, attendance_threshold_pct=80)
    assert [f.code for f in flags_of(application.id)] == ["price_near_cap"]
    both = flags_of(application.id, claim.id)
    assert [(f.code, f.severity) for f in both] == [
        ("proof_missing", Severity.HIGH),
        ("price_near_cap", Severity.MEDIUM),
    ]
    assert flag_summary([application.id, quiet.id]) == {application.id: (1, 1), quiet.id: (0, 0)}
    assert needs_second_look(application.id, claim.id)
    assert not needs_second_look(application.id, closed.id)  # medium flags only


def test_flagging_takes_as_many_queries_however_long_the_history(app, app_ctx, shop, funded_worker):
    workers = [funded_worker(), funded_worker()]
    engine, selects = app.extensions["db_engine"], []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # raised flags add INSERTs
            selects.append(statement)

    def flag_counting(worker) -> int:
        application_id = _submit(worker, shop.runs["LAS-1/R1"])
        selects.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            with unit_of_work():
                flag_application(session.get(Application, application_id))
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(selects)

    quiet = flag_counting(workers[0])
    _history(shop.courses["LAS-1"], list(range(1, 60)), domain="example.nl")
    assert flag_counting(workers[1]) == quiet
