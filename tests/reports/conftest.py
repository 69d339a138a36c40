"""Scenes of the reports' tests, built through the services: a fund with one scheme, its
administrators, and factories for providers' courses, workers' applications and their claims,
all at a frozen moment (the dashboard); a fund whose courses have 12 and 3 participants (the
public page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.claims.conftest import claim_input
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.claims import services as claims
from wallet.core import clock
from wallet.core.db import session

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # when every application is made
HEADER = (
    "course_code;title_nl;description_nl;kind;sector;hours;modality;language;municipality;"
    "price;vat;run_code;starts_on;ends_on;seats;skills;occupations;nlqf_level"
)


@pytest.fixture
def at_t0() -> Iterator[None]:
    """The clock at T0 for the test; free again afterwards."""
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def fund_scene(app, at_t0, make_fund, make_scheme, make_staff) -> Callable:
    """fund_scene(amount_cents=100_000, rules=...) -> SimpleNamespace(fund, scheme, admins)."""

    def make(amount_cents: int = 100_000, rules: dict | None = None) -> SimpleNamespace:
        fund = make_fund(100_000_000)
        scheme = make_scheme(fund, amount_cents=amount_cents, rules=rules or {})
        admins = [make_staff(Role.FUND_ADMIN, fund_id=fund.id) for _ in range(2)]
        return SimpleNamespace(fund=fund, scheme=scheme, admins=admins)

    return make


@pytest.fixture
def make_course(app, make_provider_user) -> Callable:
    """make_course(price_cents, staff=None) -> (provider staff, run id): an accredited provider
    (new unless given) with a course of that price starting in 30 days."""
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.models import Course, CourseRun
    from wallet.providers import services as providers

    counter = iter(range(1, 10_000))

    def make(price_cents: int, staff=None):
        n = next(counter)
        with app.app_context():
            if staff is None:
                staff = make_provider_user(organisation_name=f"Opleider {n}")
                claim = providers.AccreditationClaim(
                    kind="crkbo",
                    reference=f"CRKBO-{n}",
                    evidence="register",
                    valid_from=clock.today() - dt.timedelta(days=1),
                )
                providers.add_accreditation(staff.provider_id, claim, actor_id=staff.id)
                providers.change_status(staff.provider_id, "accredit", reason="ok", actor_id=None)
            start = clock.today() + dt.timedelta(days=30)
            end = start + dt.timedelta(days=1)
            euros = f"{price_cents // 100},{price_cents % 100:02d}"
            row = (
                f"C-{n};Cursus {n};Leren;certificate;techniek;40;classroom;nl;enschede;{euros};"
                f"exempt;R1;{start};{end};500;;;2"
            )
            import_courses(staff.provider_id, "c.csv", f"{HEADER}\n{row}\n".encode(), actor_id=None)
            run_id = session.scalar(
                sa.select(CourseRun.id)
                .join(Course)
                .where(Course.provider_id == staff.provider_id, Course.code == f"C-{n}")
            )
            return staff, run_id

    return make


@pytest.fixture
def enrol(app, make_worker, make_grant) -> Callable:
    """enrol(scene, run_id, worker=None, **profile) -> application id: the worker (new, with
    a grant of the scene's scheme, unless given) applies for the run."""
    from wallet.applications import services as applications
    from wallet.catalogue.models import Course, CourseRun

    def make(scene, run_id: int, worker=None, **profile) -> int:
        if worker is None:
            worker = make_worker(**profile)
            make_grant(scene.scheme, worker)
        with app.app_context():
            price = session.scalar(
                sa.select(Course.price_cents).join(CourseRun).where(CourseRun.id == run_id)
            )
            cap = scene.scheme.rules.get("cap_per_course_cents") or price
            copay = price - min(price, scene.scheme.amount_cents, cap)
            user = session.get(User, worker.id)
            application = applications.apply(
                user, run_id, password=PASSWORD, expected_copay_cents=copay
            )
            return application.id

    return make


@pytest.fixture
def claim_for(app) -> Callable:
    """claim_for(scene, staff, application_id, cents, decide_at, action="approve") -> claim id:
    the course given, completed and claimed 31 days after T0, decided at `decide_at`."""
    from wallet.applications import services as applications
    from wallet.claims import services as claims

    counter = iter(range(1, 10_000))

    def make(scene, staff, application_id, cents, decide_at, action="approve") -> int:
        with app.app_context():
            staff = session.get(User, staff.id)
            applications.decide(application_id, "confirm", actor=staff)
            with clock.frozen_at(T0 + dt.timedelta(days=31)):
                applications.decide(application_id, "start", actor=staff)
                applications.decide(application_id, "complete", actor=staff)
                claim = claims.submit(
                    staff,
                    application_id,
                    claim_input(invoice_number=f"F-{next(counter)}", amount_cents=cents),
                )
            with clock.frozen_at(decide_at):
                admin = session.get(User, scene.admins[0].id)
                claims.review(claim.id, action, actor=admin, reason="Klopt niet", flags_seen=True)
            return claim.id

    return make


@pytest.fixture
def public_scene(app, accredited_provider, make_fund, make_scheme, make_worker, make_grant):
    """Twelve workers confirmed on "Basiscursus MIG/MAG-lassen" (one of them completed, its
    € 2.400 claim approved), three on "Dementiezorg" (living in Hengelo), one more only
    submitted (not a participant). Returns the fund, workers and provider staff."""
    from wallet.accounts.services import create_staff_user

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    fund = make_fund(100_000_000, name="Twents Fonds voor Vakmanschap")
    scheme = make_scheme(fund, amount_cents=300_000, name="Scholingsbudget Twente")
    workers = [
        make_worker(
            name=f"Persoon{n:02d} Geheimnaam",
            email=f"persoon{n:02d}@example.nl",
            municipality_code="hengelo" if n >= 12 else "enschede",
        )
        for n in range(16)
    ]
    for worker in workers:
        make_grant(scheme, worker)
    with app.app_context():
        admin = create_staff_user(
            email="beheer@example.nl",
            name="Fondsbeheerder",
            password=PASSWORD,
            role=Role.FUND_ADMIN,
            fund=fund,
        )
        staff = session.get(User, accredited_provider.id)
        first_run = sa.select(CourseRun.id).join(Course).where(CourseRun.code == "R1")
        runs = {
            code: session.scalar(first_run.where(Course.code == code))
            for code in ("LAS-1", "ZRG-1")
        }
        ids = []
        for n, worker in enumerate(workers):
            user = session.get(User, worker.id)
            run = runs["LAS-1"] if n < 12 else runs["ZRG-1"]
            application = applications.apply(user, run, password=PASSWORD, expected_copay_cents=0)
            if n < 15:
                applications.decide(application.id, "confirm", actor=staff)
            ids.append(application.id)
        clock.set_now(clock.now() + dt.timedelta(days=31))
        applications.decide(ids[0], "start", actor=staff)
        applications.decide(ids[0], "complete", actor=staff)
        session.commit()
        claim = claims.submit(staff, ids[0], claim_input())
        session.commit()
        claims.review(claim.id, "approve", actor=session.get(User, admin.id))
        session.commit()
    yield {"fund": fund, "workers": workers, "staff": accredited_provider}
    clock.set_now(None)
