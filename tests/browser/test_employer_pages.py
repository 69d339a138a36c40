"""Employers in a browser: sign-up, the platform verifies, the staff sees it. Every page
passes axe (WCAG 2.1 A and AA)."""

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_enrol, browser_sign_in
from wallet.accounts.models import Role
from wallet.core import clock

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def test_register_verify_and_the_staff_sees_it(
    page: Page, live_server: str, check_page, make_staff
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Meld je bedrijf aan als werkgever").click()
    check_page(page, "employer-pages-01")
    page.get_by_label("Naam van de organisatie").fill("DTAB Twente")
    page.get_by_label("KvK-nummer").fill("06012345")
    page.get_by_label("Sector").select_option(label="Vervaardiging van chemische producten")
    page.get_by_label("Straat en huisnummer").fill("Twentekanaal Zuid 8")
    page.get_by_label("Postcode").fill("7554 RV")
    page.get_by_label("Plaats").fill("Hengelo")
    page.get_by_label("Gemeente").select_option(label="Hengelo")
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 01")  # one digit wrong
    page.get_by_label("E-mailadres voor contact").fill("hr@dtab.example.nl")
    page.get_by_label("Je naam").fill("Ilse Hofman")
    page.get_by_label("E-mailadres", exact=True).fill("ilse@dtab.example.nl")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    expect(page.locator("#iban-error")).to_be_visible()
    check_page(page, "employer-pages-02")
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    # Staff set up a second factor before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text("Stel je tweede factor in")
    secret = browser_enrol(page)
    page.goto(live_server + "/employer")
    expect(page.locator("main")).to_contain_text("wordt gecontroleerd door een platformbeheerder")
    check_page(page, "employer-pages-03")
    page.get_by_role("link", name="Gegevens en collega's van je organisatie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DTAB Twente")
    check_page(page, "employer-pages-04")
    log_out(page)

    _log_in(page, live_server, make_staff(Role.PLATFORM_ADMIN).email)
    page.goto(live_server + "/admin/employers")
    check_page(page, "employer-pages-05")
    page.get_by_role("link", name="DTAB Twente").click()
    expect(page.locator("main")).to_contain_text("Vervaardiging van chemische producten")
    check_page(page, "employer-pages-06")
    page.get_by_label("Reden").fill("KvK-uittreksel gecontroleerd")
    page.get_by_role("button", name="Verifiëren").click()
    expect(page.locator("main")).to_contain_text("KvK-uittreksel gecontroleerd")
    check_page(page, "employer-pages-07")
    log_out(page)

    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres").fill("ilse@dtab.example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweede stap van het inloggen")
    next_code = pyotp.TOTP(secret).at(clock.now().timestamp() + 30)  # the enrolment used this one
    page.get_by_role("textbox", name="Code").fill(next_code)
    page.get_by_role("button", name="Bevestigen", exact=True).click()
    expect(page.locator("main")).to_contain_text("Je organisatie is geverifieerd.")
    check_page(page, "employer-pages-08")
