"""A fund with a worker scheme and an employer scheme, people in it, built through the services.

Three workers hold budgets of the worker scheme: Ans with two confirmed applications, Bas
with one, Cor with one the provider never answered. Of the employer scheme two placements
started twelve days ago (from retail into the employer's sector, and a job seeker), and one
approved to start next month; one more that was refused. Everything happens in the last thirty days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from tests.placements import conftest as placements
from tests.placements.conftest import person
from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session
from wallet.reports.periods import Period

make_scene = placements.make_scene
make_employer_scheme = placements.make_employer_scheme


def _runs() -> dict[str, int]:
    from wallet.catalogue.models import Course, CourseRun

    rows = session.execute(
        sa.select(Course.code, CourseRun.id).join(Course).where(CourseRun.code == "R1")
    ).all()
    return dict(rows)


def _placement(scene, admin, data, decision: str = "approve") -> int:
    from wallet.placements import review, services

    data = dataclasses.replace(data, provider_id=scene.provider.provider_id)
    employer = session.get(User, scene.dtab.id)
    application = services.compose_application(
        employer, scene.dtab.employer_id, scene.scheme.id, [data]
    )
    services.submit_application(employer, application.id)
    placement_id = application.placements[0].id
    review.review(placement_id, decision, actor=admin, reason="Past niet in de regeling")
    return placement_id


@pytest.fixture
def people(app, make_scene, make_scheme, make_worker, make_grant, accredited_provider):
    """The fund above; `period` covers the last thirty days."""
    from wallet.applications import services as applications
    from wallet.catalogue.imports import import_courses

    scene = make_scene(window_opens_on="2024-01-01")
    budgets = make_scheme(scene.fund, name="Scholingsbudget Twente", amount_cents=300_000)
    ans = make_worker(email="ans@example.nl", sector="handel", target_occupation="Elektromonteur")
    bas = make_worker(email="bas@example.nl", sector="zorg", target_occupation="Dirigent")
    cor = make_worker(email="cor@example.nl")
    for worker in (ans, bas, cor):
        make_grant(budgets, worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        runs, staff = _runs(), session.get(User, accredited_provider.id)
        confirmed = []
        for worker, code in ((ans, "LAS-1"), (ans, "ZRG-1"), (bas, "ZRG-1"), (cor, "LAS-1")):
            user = session.get(User, worker.id)
            application = applications.apply(
                user, runs[code], password=PASSWORD, expected_copay_cents=0
            )
            if worker is not cor:
                applications.decide(application.id, "confirm", actor=staff)
                confirmed.append(application.id)
        admin = session.get(User, scene.admin.id)
        moment = clock.now() - dt.timedelta(days=19)
        with clock.frozen_at(moment):
            started = [
                _placement(
                    scene,
                    admin,
                    person(start_date=moment.date() + dt.timedelta(days=7), from_sbi_code="47"),
                ),
                _placement(
                    scene,
                    admin,
                    person(
                        full_name="Joost Zoekend",
                        starting_situation="benefit",
                        from_sbi_code=None,
                        start_date=moment.date() + dt.timedelta(days=7),
                    ),
                ),
            ]
            week = moment.date() + dt.timedelta(days=7)
            refused = _placement(
                scene, admin, person(full_name="Rik Afgewezen", start_date=week), decision="reject"
            )
        later = _placement(
            scene,
            admin,
            person(full_name="Kim Later", start_date=clock.today() + dt.timedelta(days=30)),
        )
        session.commit()
    today = clock.today()
    return SimpleNamespace(
        scene=scene,
        fund=scene.fund,
        budgets=budgets,
        employer_scheme=scene.scheme,
        workers=(ans, bas, cor),
        applications=confirmed,
        placements=started,
        later=later,
        refused=refused,
        period=Period(today - dt.timedelta(days=30), today),
    )
