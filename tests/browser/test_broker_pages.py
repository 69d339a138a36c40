"""Labour brokers in a browser: the fund adds a broker, who takes an employer into the caseload,
logs a visit and moves it on. Every page passes axe (WCAG 2.1 A and AA) and fits 375 px."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.links import link_path
from tests.browser.menu import log_out
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role
from wallet.core import clock

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def _fits(page: Page) -> None:
    """Nothing makes the page itself scroll sideways on a 375 px wide phone (measured once
    the stylesheets are in: a script run from outside does not wait for them)."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 375)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert width <= 375, f"{page.url} is {width} px wide: {wide}"


def test_a_broker_keeps_a_caseload(
    page: Page, live_server: str, check_page, make_staff, make_employer_user, db
):
    page.set_viewport_size({"width": 375, "height": 800})
    admin = make_staff(Role.FUND_ADMIN)
    make_employer_user(name="Tegelzetbedrijf Oost", kvk_number="06099999")
    _log_in(page, live_server, admin.email)
    page.goto(live_server + "/fund/brokers")
    check_page(page, "broker-pages-01")
    page.get_by_label("Naam").fill("Gerrit Oude Nijhuis")
    page.get_by_label("E-mailadres").fill("gerrit@fonds.example.nl")
    page.get_by_role("button", name="Arbeidsmakelaar toevoegen").click()
    expect(page.locator("main")).to_contain_text("Gerrit Oude Nijhuis")
    check_page(page, "broker-pages-02")
    _fits(page)
    log_out(page)

    # Gerrit chooses a password with the link in the invitation.
    page.goto(live_server + link_path(db, "gerrit@fonds.example.nl"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies je wachtwoord")
    check_page(page, "broker-pages-03")
    _fits(page)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    _log_in(page, live_server, "gerrit@fonds.example.nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn caseload")
    check_page(page, "broker-pages-04")
    _fits(page)
    page.locator("main").get_by_role("link", name="Werkgever aan je caseload toevoegen").click()
    page.get_by_label("Naam of KvK-nummer").fill("tegel")
    page.get_by_role("button", name="Zoeken").click()
    check_page(page, "broker-pages-05")
    soon = (clock.today() + dt.timedelta(days=2)).isoformat()
    page.get_by_label("Volgende stap", exact=True).fill("Eerste bezoek")
    page.get_by_label("Datum volgende stap").fill(soon)
    page.get_by_role("button", name="Aan mijn caseload toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tegelzetbedrijf Oost")
    check_page(page, "broker-pages-06")
    _fits(page)
    page.get_by_label("Soort contact").select_option(label="Bezoek")
    page.get_by_label("Datum", exact=True).fill(clock.today().isoformat())
    page.locator("#contact-note").fill("Werkplaats bezocht; BBL Tegelzetten uitgelegd.")
    page.get_by_role("button", name="Contact vastleggen").click()
    expect(page.locator("main")).to_contain_text("Werkplaats bezocht")
    page.locator("#stage-note").fill("Vier tegelzetters, aanvraag wordt voorbereid.")
    page.get_by_role("button", name="Aanvraag voorbereiden").click()
    expect(page.locator("main")).to_contain_text("Aanvraag in voorbereiding")
    check_page(page, "broker-pages-07")
    page.goto(live_server + "/")
    expect(page.locator("main")).to_contain_text("Aanvraag in voorbereiding (1)")
    check_page(page, "broker-pages-08")
