"""Sessions in a browser: a session cookie kept from before logging out opens nothing, and
the "your sessions" page ends another session; every page passes axe and never scrolls
sideways, on a phone (375 px) and a desktop (1280 px)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


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

    log_out(page)
    expect(page.get_by_text("Je bent uitgelogd.")).to_be_visible()
    page.context.clear_cookies()
    page.context.add_cookies([saved])  # what someone copied off the machine before logout
    page.goto(live_server + "/account/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_the_sessions_page_ends_another_session(
    page: Page, browser, live_server, make_worker, check_page
):
    worker = make_worker()
    elsewhere = browser.new_context(
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; "
        "rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    other = elsewhere.new_page()
    try:
        _log_in(other, live_server, worker.email)
        _log_in(page, live_server, worker.email)
        follow_menu(page, "Je account")
        check_page(page, "account")
        page.locator("main").get_by_role("link", name="Sessies", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Je sessies")
        expect(page.get_by_role("heading", name="Firefox op Windows")).to_be_visible()
        this_one = page.get_by_role("heading", name="HeadlessChrome op Linux · deze sessie")
        expect(this_one).to_be_visible()
        check_page(page, "sessions")

        page.get_by_role("link", name="Overal anders uitloggen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Overal anders uitloggen?")
        check_page(page, "sessions-end-others")
        page.get_by_role("link", name="Annuleren").click()

        page.get_by_role("link", name="Deze sessie beëindigen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Deze sessie beëindigen?")
        expect(page.get_by_text("Firefox op Windows")).to_be_visible()
        check_page(page, "sessions-end-one")
        page.get_by_role("button", name="Sessie beëindigen").click()
        expect(page.get_by_text("De sessie op Firefox op Windows is beëindigd.")).to_be_visible()
        expect(page.get_by_role("heading", name="Firefox op Windows")).to_have_count(0)
        check_page(page, "sessions-ended")

        other.goto(live_server + "/account/sessions")
        expect(other.get_by_role("heading", level=1)).to_have_text("Inloggen")
    finally:
        elsewhere.close()
