"""Who the period report counts: participants once across applications and placements,
placements that started, and the sector moves of both."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.reports import period_scene
from wallet.reports.period import period_report
from wallet.reports.periods import Period

people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme

pytestmark = pytest.mark.usefixtures("app_ctx")


def _rows(report) -> dict[str, tuple[int, int]]:
    return {row.name: (row.participants, row.placements) for row in report.schemes}


def test_a_person_with_two_applications_counts_once(people):
    report = period_report(people.fund.id, people.period)

    assert _rows(report)["Scholingsbudget Twente"] == (2, 0)


def test_placements_that_started_count_and_the_fund_counts_each_person_once(people):
    report = period_report(people.fund.id, people.period)

    assert _rows(report)["Sectorplan Twente"] == (2, 2)
    assert report.participants == 4
    assert report.placements == 2


def test_one_scheme_only(people):
    report = period_report(people.fund.id, people.period, scheme_id=people.employer_scheme.id)

    assert [row.name for row in report.schemes] == ["Sectorplan Twente"]
    assert report.participants == 2
    assert report.worker_moves == []


def test_a_period_before_anything_happened_is_empty(people):
    long_ago = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))

    report = period_report(people.fund.id, long_ago)

    assert report.participants == 0
    assert report.placement_moves == []


def test_sector_moves_of_placements_and_workers(people):
    report = period_report(people.fund.id, people.period)

    placement_moves = {(m.from_sector, m.to_sector): m.persons for m in report.placement_moves}
    worker_moves = {(m.from_sector, m.to_sector): m.persons for m in report.worker_moves}
    paper = "Vervaardiging van papier, karton en papier- en kartonwaren"  # the employer's
    assert placement_moves == {
        ("Detailhandel (niet in auto's)", paper): 1,
        ("Geen vorige sector", paper): 1,
    }
    assert worker_moves == {
        ("Detailhandel en groothandel", "Techniek en industrie"): 1,
        ("Zorg en welzijn", "Niet op de lijst van kansberoepen"): 1,
    }


def test_a_placement_that_starts_later_in_the_period_has_not_started_yet(people):
    running = Period(people.period.first, people.period.last + dt.timedelta(days=60))

    report = period_report(people.fund.id, running)

    assert report.placements == 2


def test_a_placement_naming_a_worker_who_took_a_course_is_the_same_person(app, people):
    from wallet.accounts.models import User
    from wallet.core import clock
    from wallet.core.db import session

    moment = clock.now() - dt.timedelta(days=10)
    with clock.frozen_at(moment):
        ans = period_scene.person(
            full_name="Ans Werkende",
            worker_email="ans@example.nl",
            start_date=moment.date() + dt.timedelta(days=2),
        )
        period_scene._placement(people.scene, session.get(User, people.scene.admin.id), ans)
    session.commit()

    report = period_report(people.fund.id, people.period)

    assert _rows(report)["Sectorplan Twente"] == (3, 3)
    assert report.participants == 4
