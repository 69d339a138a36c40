"""A fund whose courses have 12 and 3 participants, built through the services."""

from __future__ import annotations

import datetime as dt

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
        admin = create_staff_user(email="beheer@example.nl", name="Fondsbeheerder",
                                  password=PASSWORD, role=Role.FUND_ADMIN, fund=fund)  # fmt: skip
        staff = session.get(User, accredited_provider.id)
        first_run = sa.select(CourseRun.id).join(Course).where(CourseRun.code == "R1")
        runs = {code: session.scalar(first_run.where(Course.code == code))
                for code in ("LAS-1", "ZRG-1")}  # fmt: skip
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
