"""The public transparency page in a browser, without logging in: axe passes and nothing
scrolls sideways on a phone (375 px) or a desktop (1280 px); hidden numbers read "< 10"."""

import pytest
from playwright.sync_api import Page, expect

from tests.reports import conftest as reports

pytestmark = pytest.mark.browser
public_scene = reports.public_scene


def test_the_public_page_reads_well_on_a_phone_and_a_desktop(
    page: Page, live_server, check_page, public_scene
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Open cijfers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open cijfers")
    expect(page.get_by_role("heading", name="Twents Fonds voor Vakmanschap")).to_be_visible()
    courses = page.get_by_role("table", name="Deelnemers en ontvangen geld per opleiding")
    cells = courses.get_by_role("row", name="Dementiezorg").get_by_role("cell")
    expect(cells).to_have_text(["Opleider 1", "< 10", "< 10"])
    check_page(page, "public-01-openbaar")
    with page.expect_download() as download:
        page.get_by_role("link", name="Opleidingen (CSV)").click()
    assert download.value.suggested_filename == "leerwallet-courses.csv"
