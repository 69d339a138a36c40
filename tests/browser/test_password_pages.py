"""Forgotten password, reset link, an invalid link and changing the password in a browser:
every page passes axe and never scrolls sideways, on a phone (375 px) and a desktop (1280 px).
"""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.links import link_path
from tests.browser.menu import follow_menu
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser
NEW = "zeventien oranje kopjes thee"
NEWER = "een fiets met drie bellen"


def _log_in(page: Page, live_server: str, email: str, password: str) -> None:
    browser_sign_in(page, live_server, email, password)


def test_forgot_reset_and_change_the_password(page: Page, live_server, make_worker, db, check_page):
    worker = make_worker(name="Sanne de Vries")
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
    check_page(page, "password-forgot")
    page.get_by_label("E-mailadres").fill(worker.email)
    page.get_by_role("button", name="Stuur de link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
    check_page(page, "password-link-sent")

    path = link_path(db, worker.email, "password_reset")
    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies een nieuw wachtwoord")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("wachtwoord12345")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("wachtwoord12345")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.locator("#password-error")).to_contain_text("uitgelekte wachtwoorden")
    check_page(page, "password-reset-refused")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet meer")
    check_page(page, "password-link-invalid")

    _log_in(page, live_server, worker.email, NEW)
    follow_menu(page, "Je account")
    page.locator("main").get_by_role("link", name="Wachtwoord", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je wachtwoord wijzigen")
    check_page(page, "password-change")
    page.get_by_label("Huidig wachtwoord").fill(PASSWORD)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEWER)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEWER)
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.locator("#current_password-error")).to_contain_text("niet je huidige")
    check_page(page, "password-change-refused")
    page.get_by_label("Huidig wachtwoord").fill(NEW)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEWER)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEWER)
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_text("Je wachtwoord is gewijzigd.")).to_be_visible()
