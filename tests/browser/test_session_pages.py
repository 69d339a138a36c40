"""Sessions in a browser: a session cookie kept from before logging out opens nothing, and
the "your sessions" page ends another session; every page passes axe and never scrolls
sideways, on a phone (375 px) and a desktop (1280 px)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LEERWALLET_SHOTS")  # a folder for screenshots of every page, if set


def _check(page: Page, assert_accessible, name: str) -> None:
    """axe and the page width at 375 and 1280 px, with a screenshot of each."""
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def _log_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres", exact=True).fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def _session_cookie(page: Page) -> dict:
    return next(cookie for cookie in page.context.cookies() if cookie["name"] == "session")


def test_a_session_cookie_saved_before_logout_no_longer_opens_a_page(
    page: Page, live_server, make_worker
):
    worker = make_worker()
    _log_in(page, live_server, worker.email)
    saved = _session_cookie(page)
    assert saved["httpOnly"]
    assert saved["sameSite"] == "Lax"
    page.goto(live_server + "/account/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Je sessies")

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("Je bent uitgelogd.")).to_be_visible()
    page.context.clear_cookies()
    page.context.add_cookies([saved])  # what someone copied off the machine before logout
    page.goto(live_server + "/account/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_the_sessions_page_ends_another_session(
    page: Page, browser, live_server, make_worker, assert_accessible
):
    worker = make_worker()
    elsewhere = browser.new_context(user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; "
                                    "rv:133.0) Gecko/20100101 Firefox/133.0")  # fmt: skip
    other = elsewhere.new_page()
    try:
        _log_in(other, live_server, worker.email)
        _log_in(page, live_server, worker.email)
        page.get_by_role("navigation").get_by_role("link", name="Je account").click()
        _check(page, assert_accessible, "account")
        page.locator("main").get_by_role("link", name="Sessies", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Je sessies")
        expect(page.get_by_role("heading", name="Firefox op Windows")).to_be_visible()
        this_one = page.get_by_role("heading", name="HeadlessChrome op Linux · deze sessie")
        expect(this_one).to_be_visible()
        _check(page, assert_accessible, "sessions")

        page.get_by_role("link", name="Overal anders uitloggen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Overal anders uitloggen?")
        _check(page, assert_accessible, "sessions-end-others")
        page.get_by_role("link", name="Annuleren").click()

        page.get_by_role("link", name="Deze sessie beëindigen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Deze sessie beëindigen?")
        expect(page.get_by_text("Firefox op Windows")).to_be_visible()
        _check(page, assert_accessible, "sessions-end-one")
        page.get_by_role("button", name="Sessie beëindigen").click()
        expect(page.get_by_text("De sessie op Firefox op Windows is beëindigd.")).to_be_visible()
        expect(page.get_by_role("heading", name="Firefox op Windows")).to_have_count(0)
        _check(page, assert_accessible, "sessions-ended")

        other.goto(live_server + "/account/sessions")
        expect(other.get_by_role("heading", level=1)).to_have_text("Inloggen")
    finally:
        elsewhere.close()
