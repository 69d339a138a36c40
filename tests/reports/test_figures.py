"""The dashboard's figures from data made through the services: persons counted once, age
bands at their boundaries, delays to approval, outcomes, concentration, prices against caps,
fraud flags and their outcome, placements and their follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event as sa_event

from tests.placements import conftest as placements
from tests.placements.reimbursement_scene import approved_placement
from tests.reports.conftest import T0
from wallet.core import clock
from wallet.reports import dashboard as figures
from wallet.reports.risk import bunching

make_scene = placements.make_scene  # the fixture, here too
make_employer_scheme = placements.make_employer_scheme


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = T0.date()
    return today.replace(year=today.year - years) + dt.timedelta(days=days)


def _user(user):
    from wallet.accounts.models import User
    from wallet.core.db import session

    return session.get(User, user.id)


def _period(scene, **changes) -> figures.Filter:
    values = {"first": T0.date() - dt.timedelta(days=30), "last": T0.date()}
    values.update(changes)
    return figures.Filter(scene.fund.id, **values)


def test_participants_are_counted_once_in_the_groups_of_their_profile(
    app, fund_scene, make_course, enrol, make_worker
):
    from wallet.applications import services as applications

    scene = fund_scene(amount_cents=200_000)
    staff, first = make_course(50_000)
    _staff, second = make_course(60_000, staff)
    twice = make_worker(
        date_of_birth=_years_ago(25),
        municipality_code="enschede",
        sector="handel",
        target_occupation="Installatiemonteur",
    )
    from wallet.grants import granting

    with app.app_context():
        granting.grant_to_worker(scene.scheme.id, twice.id, actor_id=None)
    enrol(scene, first, worker=twice)
    enrol(scene, second, worker=twice)  # the same person again: counted once
    enrol(
        scene,
        first,
        date_of_birth=_years_ago(25, days=1),
        employment_status="job_seeker",
        municipality_code="hengelo",
        education_level=4,
    )  # 25 tomorrow: still under 25
    enrol(
        scene,
        first,
        date_of_birth=_years_ago(55),
        employment_status="self_employed",
        municipality_code="deventer",
        education_level=6,
    )
    cancelled = enrol(scene, first, date_of_birth=_years_ago(30))
    with app.app_context():
        applications.decide(cancelled, "reject", actor=_user(staff), reason="Vol")
    elsewhere = fund_scene(amount_cents=200_000)
    enrol(elsewhere, first)  # another fund's worker

    with app.app_context():
        found = figures.participants(_period(scene))
        assert found.total == 3
        assert found.by_target_group == {"employed": 1, "job_seeker": 1, "self_employed": 1}
        assert found.by_age_band == {25: 1, 0: 1, 55: 1}
        assert found.by_level == {3: 1, 4: 1, 6: 1}
        assert found.by_municipality == {"enschede": 1, "hengelo": 1, "deventer": 1}
        assert found.by_region == {"Twente": 2, "Stedendriehoek": 1}
        assert figures.participants(_period(scene, municipality_codes=("deventer",))).total == 1
        assert figures.participants(_period(scene, first=T0.date() + dt.timedelta(1))).total == 0
        moves = figures.worker_moves(_period(scene))
        assert moves[("handel", "Installatiemonteur")] == 1
        assert sum(moves.values()) == 3


def test_participants_and_worker_moves_come_from_one_grouped_query(
    app, fund_scene, make_course, enrol
):
    """people() answers both figures with one statement, the same as each asked alone."""
    scene = fund_scene(amount_cents=200_000)
    _staff, run = make_course(50_000)
    enrol(scene, run)
    with app.app_context():
        wanted = _period(scene)
        asked = []
        engine = app.extensions["db_engine"]

        def count(_conn, _cursor, statement, *_args):
            if statement.startswith("SELECT"):
                asked.append(statement)

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            found, moves = figures.people(wanted)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        assert len(asked) == 1, asked
        assert found.total == 1
        assert sum(moves.values()) == 1
        assert found == figures.participants(wanted)
        assert moves == figures.worker_moves(wanted)


def test_days_to_approval_median_and_90th_percentile_and_outcomes(
    app, fund_scene, make_course, enrol, claim_for
):
    scene = fund_scene()
    staff, run = make_course(50_000)
    for days in (31, 32, 33, 40, 60):  # decided an hour after the day turns
        claim_for(scene, staff, enrol(scene, run), 50_000, T0 + dt.timedelta(days=days, hours=1))
    claim_for(scene, staff, enrol(scene, run), 50_000, T0 + dt.timedelta(days=35), "reject")
    wanted = _period(scene, last=T0.date() + dt.timedelta(days=90))

    with app.app_context():
        delays = figures.delays(wanted)
        assert delays["approval"] == {31: 1, 32: 1, 33: 1, 40: 1, 60: 1}
        assert delays["payment"] == {}
        assert figures.percentile(delays["approval"], 0.5) == 33
        assert figures.percentile(delays["approval"], 0.9) == 60
        assert figures.claim_outcomes(wanted) == {"approved": 5, "rejected": 1}
        before = figures.Filter(scene.fund.id, T0.date(), T0.date() + dt.timedelta(days=39))
        assert figures.delays(before)["approval"] == {31: 1, 32: 1, 33: 1}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({31: 1}, (31, 31)),
        ({10: 9, 50: 1}, (10, 10)),
        ({10: 8, 50: 2}, (10, 50)),
        ({1: 1, 2: 1}, (1, 2)),
    ],
)
def test_percentiles_take_the_nearest_rank(counts, expected):
    assert (figures.percentile(counts, 0.5), figures.percentile(counts, 0.9)) == expected


def test_provider_concentration_of_the_10_and_20_largest(
    app, fund_scene, make_course, enrol, claim_for
):
    scene = fund_scene(amount_cents=200_000)
    for n in range(1, 13):  # twelve providers: € 100, € 200, ... € 1.200
        staff, run = make_course(n * 10_000)
        claim_for(scene, staff, enrol(scene, run), n * 10_000, T0 + dt.timedelta(days=40))
    wanted = _period(scene, last=T0.date() + dt.timedelta(days=90))

    with app.app_context():
        found = figures.concentration(wanted)
        assert found.providers == 12
        assert found.total_cents == 780_000
        assert [cents for _id, cents in found.top[:3]] == [120_000, 110_000, 100_000]
        assert found.share(10) == pytest.approx(100 * 750_000 / 780_000)
        assert found.share(20) == pytest.approx(100.0)


def test_prices_fall_in_5_percent_bins_of_the_cap(app, fund_scene, make_course, enrol):
    from wallet.applications import services as applications

    scene = fund_scene(amount_cents=200_000, rules={"cap_per_course_cents": 100_000})
    staff = None
    bins = {}
    for price, expected in (
        (4_999, 0),
        (5_000, 1),
        (94_999, 18),
        (95_000, 19),
        (99_999, 19),
        (100_000, 20),
        (150_000, 21),
    ):
        staff, run = make_course(price, staff)
        enrol(scene, run)
        bins[expected] = bins.get(expected, 0) + 1
    staff, run = make_course(99_000, staff)
    with app.app_context():
        rejected = enrol(scene, run)
        applications.decide(rejected, "reject", actor=_user(staff), reason="Vol")  # not shown

    with app.app_context():
        counts = figures.price_to_cap(_period(scene))
    assert len(counts) == figures.HISTOGRAM_BINS
    assert {i: c for i, c in enumerate(counts) if c} == bins


@pytest.mark.parametrize(
    ("just_under", "elsewhere", "stands_out"),
    [
        (3, 1, True),
        (2, 0, False),  # too few courses to call it a pattern
        (3, 2, False),  # not more than twice the next bin
        (5, 2, True),
    ],
)
def test_bunching_just_under_the_cap(just_under, elsewhere, stands_out):
    counts = [0] * figures.HISTOGRAM_BINS
    counts[10], counts[19], counts[20] = elsewhere, just_under, 9  # at the cap: not "under"
    assert bunching(counts) is stands_out


def test_flags_are_confirmed_by_a_rejection_and_dismissed_by_an_approval(
    app, fund_scene, make_course, enrol, claim_for
):
    scene = fund_scene(amount_cents=100_000)
    staff, run = make_course(99_000)  # at most 5 % under the cap: flagged at the application
    approved, rejected, _waiting = (enrol(scene, run) for _ in range(3))
    claim_for(scene, staff, approved, 99_000, T0 + dt.timedelta(days=40))
    claim_for(scene, staff, rejected, 99_000, T0 + dt.timedelta(days=40), "reject")
    wanted = _period(scene, last=T0.date() + dt.timedelta(days=90))

    with app.app_context():
        found = figures.flags(wanted)
    near_cap = {outcome: n for (code, outcome), n in found.items() if code == "price_near_cap"}
    assert near_cap == {"dismissed": 1, "confirmed": 1, "open": 1}


def test_placements_retention_and_moves_between_sectors(app, make_scene):
    from wallet.accounts.models import User
    from wallet.core.db import session
    from wallet.placements import followups
    from wallet.placements.models import Placement

    scene = approved_placement(app, make_scene, months_ago=7)  # from retail (SBI 47)
    with app.app_context():
        placement = session.get(Placement, scene.placement_id)
        due = placement.start_date + dt.timedelta(days=190)
    with clock.frozen_at(dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC)), app.app_context():
        followups.record_follow_up(
            scene.placement_id, 6, actor=session.get(User, scene.dtab.id), still_employed=True
        )
        today = clock.today()
        wanted = figures.Filter(scene.fund.id, today - dt.timedelta(days=364), today)
        found = figures.retention(wanted)
        assert found.started == 1
        assert found.followed[6] == (1, 0, 0)
        assert found.followed[12] == (0, 0, 0)
        assert found.rate(6) == 100
        assert figures.placement_moves(wanted) == {("other_sector", "47", "17"): 1}
        elsewhere = figures.Filter(
            scene.fund.id, today - dt.timedelta(days=364), today, municipality_codes=("deventer",)
        )
        assert figures.retention(elsewhere).started == 0
