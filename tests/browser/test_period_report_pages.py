"""The period report in a browser: the fund administrator opens it from the start page, picks
a period, sees a refused period explained, one scheme's report, and the page as printed.
Every page passes axe and never scrolls sideways at 375 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_placement_pages as placement_pages
from tests.reports import period_scene

pytestmark = pytest.mark.browser
people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme
_log_in = placement_pages._log_in


def test_the_period_report(page: Page, live_server, check_page, people):
    _log_in(page, live_server, people.scene.admin.email)
    page.get_by_role("link", name="Periodeverslag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Periodeverslag")
    check_page(page, "period-report-default")

    page.fill("#period-from", people.period.first.isoformat())
    page.fill("#period-to", people.period.last.isoformat())
    page.get_by_role("button", name="Toon het verslag").click()
    expect(page.get_by_role("table", name="Deelnemers en plaatsingen per regeling")).to_be_visible()
    expect(page.get_by_role("table", name="Wat het geld deed")).to_be_visible()
    check_page(page, "period-report")

    page.emulate_media(media="print")
    expect(page.locator(".lw-header")).to_be_hidden()
    expect(page.locator("form.lw-search")).to_be_hidden()
    expect(page.get_by_role("table", name="Geld per regeling")).to_be_visible()
    page.emulate_media(media="screen")

    page.select_option("#period-scheme", label="Sectorplan Twente")
    page.get_by_role("button", name="Toon het verslag").click()
    expect(page.locator(".lw-report-scope")).to_contain_text("Sectorplan Twente")
    check_page(page, "period-report-scheme")

    page.fill("#period-from", "2026-Q5")
    page.get_by_role("button", name="Toon het verslag").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is geen kwartaal 5")
    check_page(page, "period-report-refused")
