"""A fund administrator defines an employer scheme, is told what is wrong, saves it and
reads its rules in words. Every page passes axe (WCAG 2.1 A and AA)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_budget_journey import _log_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


def test_fund_administrator_defines_an_employer_scheme(
    page: Page, live_server: str, check_page, make_staff
):
    admin = make_staff(Role.FUND_ADMIN)
    _log_in(page, live_server, admin.email)
    page.get_by_role("link", name="Nieuwe werkgeversregeling opstellen").click()
    check_page(page, "employer-scheme-pages-01")
    page.get_by_label("Naam", exact=True).fill("Sectorplan Twente")
    page.get_by_label("Ten hoogste per persoon (euro)").fill("5.000")
    page.get_by_label("Totaal budget van de regeling (euro)").fill("1.000.000")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_role("alert")).to_contain_text("uitgangssituaties")
    check_page(page, "employer-scheme-pages-02")

    page.get_by_label("Uit een andere sector").check()
    page.get_by_label("Procesoperator", exact=True).check()
    page.get_by_label("Werken en leren (BBL of hbo-duaal)").check()
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sectorplan Twente")
    expect(page.locator("main")).to_contain_text("50 % van de subsidiabele opleidingskosten")
    check_page(page, "employer-scheme-pages-03")
