"""Forgotten password, reset link, an invalid link and changing the password in a browser:
every page passes axe and never scrolls sideways, on a phone (375 px) and a desktop (1280 px).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.links import link_path
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LEERWALLET_SHOTS")  # a folder for screenshots of every page, if set
NEW = "zeventien oranje kopjes thee"
NEWER = "een fiets met drie bellen"


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


def _log_in(page: Page, live_server: str, email: str, password: str) -> None:
    browser_sign_in(page, live_server, email, password)


def test_forgot_reset_and_change_the_password(
    page: Page, live_server, make_worker, db, assert_accessible
):
    worker = make_worker(name="Sanne de Vries")
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
    _check(page, assert_accessible, "password-forgot")
    page.get_by_label("E-mailadres").fill(worker.email)
    page.get_by_role("button", name="Stuur de link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
    _check(page, assert_accessible, "password-link-sent")

    path = link_path(db, worker.email, "password_reset")
    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies een nieuw wachtwoord")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("wachtwoord12345")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("wachtwoord12345")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.locator("#password-error")).to_contain_text("uitgelekte wachtwoorden")
    _check(page, assert_accessible, "password-reset-refused")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet meer")
    _check(page, assert_accessible, "password-link-invalid")

    _log_in(page, live_server, worker.email, NEW)
    page.get_by_role("navigation").get_by_role("link", name="Je account").click()
    page.locator("main").get_by_role("link", name="Wachtwoord", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je wachtwoord wijzigen")
    _check(page, assert_accessible, "password-change")
    page.get_by_label("Huidig wachtwoord").fill(PASSWORD)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEWER)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEWER)
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.locator("#current_password-error")).to_contain_text("niet je huidige")
    _check(page, assert_accessible, "password-change-refused")
    page.get_by_label("Huidig wachtwoord").fill(NEW)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEWER)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEWER)
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_text("Je wachtwoord is gewijzigd.")).to_be_visible()
