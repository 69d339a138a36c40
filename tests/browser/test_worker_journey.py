"""A worker signs up, logs out and in, and switches language; every page passes axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_registers_logs_in_and_switches_language(page: Page, live_server: str, check_page):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    check_page(page, "worker-journey-01")

    page.get_by_role("link", name="Aanmelden als werkende").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aanmelden")
    check_page(page, "worker-journey-02")

    # Sending the empty form shows what is wrong, accessibly, and stores nothing.
    page.get_by_role("button", name="Mijn account aanmaken").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    check_page(page, "worker-journey-03")

    page.get_by_label("Je naam").fill("Ayla Demir")
    page.get_by_label("E-mailadres").fill("ayla@example.nl")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_label("Geboortedatum").fill("1988-09-14")
    page.get_by_label("Gemeente waar je woont").select_option(label="Almelo")
    page.get_by_label("Arbeidssituatie").select_option(value="employed")
    page.get_by_label("Huidige sector").select_option(value="papier")
    page.get_by_label("Huidig beroep").fill("Productiemedewerker")
    page.get_by_label("Hoogste opleidingsniveau").select_option(value="3")
    page.get_by_label("Beroep waarvoor je een opleiding wilt volgen").fill("Procesoperator")
    page.get_by_role("button", name="Mijn account aanmaken").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Ayla Demir")
    expect(page.get_by_role("heading", name="Mijn budget")).to_be_visible()
    check_page(page, "worker-journey-04")

    log_out(page)
    follow_menu(page, "Inloggen")
    check_page(page, "worker-journey-05")
    page.get_by_label("E-mailadres").fill("AYLA@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Mijn budget")).to_be_visible()

    page.get_by_role("combobox", name="Taal").select_option(value="en")
    page.get_by_role("button", name="Wijzigen").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My budget")).to_be_visible()
    check_page(page, "worker-journey-06")

    page.get_by_role("combobox", name="Language").select_option(value="de")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    check_page(page, "worker-journey-07")

    # The choice belongs to the account: after logging in again it is still German.
    page.get_by_role("button", name=re.compile("Abmelden")).click()
    page.goto(live_server + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # a new visitor: Dutch
    page.get_by_label("E-mailadres").fill("ayla@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
