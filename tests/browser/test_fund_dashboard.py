"""The fund dashboard in a browser: filled with a fund's applications, claims and a flag, and
empty; axe finds nothing and the page never scrolls sideways, at 375 and 1280 px."""

import datetime as dt

import pytest
from playwright.sync_api import Page

from tests.browser.test_placement_pages import _log_in
from tests.reports import conftest as reports
from tests.reports.conftest import T0
from wallet.core import clock

pytestmark = pytest.mark.browser
at_t0, fund_scene, make_course = reports.at_t0, reports.fund_scene, reports.make_course
enrol, claim_for = reports.enrol, reports.claim_for


def test_the_fund_dashboard_with_figures_and_with_none(
    page: Page, live_server: str, check_page, fund_scene, make_course, enrol, claim_for
):
    scene = fund_scene(amount_cents=100_000)
    staff, run = make_course(99_000)  # just under the cap: flagged
    for days in (35, 50):
        claim_for(scene, staff, enrol(scene, run), 99_000, T0 + dt.timedelta(days=days))
    _staff, other = make_course(40_000)
    enrol(
        scene,
        other,
        municipality_code="deventer",
        employment_status="job_seeker",
        date_of_birth=dt.date(1999, 5, 1),
        education_level=5,
    )
    clock.set_now(T0 + dt.timedelta(days=60))

    _log_in(page, live_server, scene.admins[1].email)
    page.goto(f"{live_server}/?from=2026-01-01&to=2026-05-31#dashboard")
    page.locator("#participants-place details summary").click()
    check_page(page, "dashboard-filled")

    page.select_option("#filter-region", "r:Twente")
    page.locator("#dashboard form button[type=submit]").click()
    page.wait_for_url("**region=r%3ATwente**")
    check_page(page, "dashboard-twente")

    page.fill("#filter-from", "2030-01-01")
    page.fill("#filter-to", "2030-12-31")
    page.locator("#dashboard form button[type=submit]").click()
    page.wait_for_url("**from=2030-01-01**")
    check_page(page, "dashboard-empty")
