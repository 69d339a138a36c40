"""A fund administrator deposits, defines and activates a scheme and grants a budget; the
worker sees it and downloads the statement. Every page passes axe (WCAG 2.1 A and AA)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def test_fund_administrator_grants_and_worker_sees_the_budget(
    page: Page, live_server: str, check_page, make_staff, make_worker
):
    admin = make_staff(Role.FUND_ADMIN)
    make_worker(email="ayla@example.nl", name="Ayla Demir", municipality_code="almelo")

    _log_in(page, live_server, admin.email)
    check_page(page, "budget-journey-01")
    page.get_by_label("Bedrag in euro's").fill("50.000,00")
    page.get_by_label("Kenmerk").fill("Besluit 2027-3")
    page.get_by_role("button", name="Storten").click()
    expect(page.get_by_role("status").first).to_contain_text("50.000,00")
    check_page(page, "budget-journey-02")

    page.get_by_role("link", name="Nieuwe regeling opstellen").click()
    check_page(page, "budget-journey-03")
    page.get_by_label("Naam", exact=True).fill("Scholingsbudget Almelo")
    page.get_by_label("Budget per werkende (euro)").fill("1.250")
    page.get_by_label("Gemeenten").select_option(["almelo", "borne"])
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scholingsbudget Almelo")
    check_page(page, "budget-journey-04")
    page.get_by_role("button", name="Activeren").click()
    expect(page.locator("main")).to_contain_text("€ 1.250,00")  # what it promises, confirmed
    page.get_by_role("button", name="Ja, activeer Scholingsbudget Almelo").click()

    page.get_by_label("E-mailadres van de werkende").fill("ayla@example.nl")
    page.get_by_role("button", name="Toekennen", exact=True).click()
    expect(page.get_by_role("cell", name="Ayla Demir (ayla@example.nl)")).to_be_visible()
    check_page(page, "budget-journey-05")

    log_out(page)
    _log_in(page, live_server, "ayla@example.nl")
    expect(page.get_by_role("rowheader")).to_contain_text("Scholingsbudget Almelo")
    expect(page.locator("main")).to_contain_text("1.250,00")
    check_page(page, "budget-journey-06")
    page.get_by_role("link", name="Alle mutaties op mijn budgetten").click()
    expect(page.get_by_role("cell", name="Budget toegekend")).to_be_visible()
    check_page(page, "budget-journey-07")


def test_the_fund_overview_fits_a_phone_with_its_figures(
    page: Page, live_server: str, check_page, app, make_staff, make_scheme
):
    """At 375 px the figures' labels wrap and the schemes' table scrolls in its own box:
    the page itself never scrolls sideways."""
    from wallet.core.db import session
    from wallet.funds.models import Fund
    from wallet.funds.services import deposit

    admin = make_staff(Role.FUND_ADMIN)
    with app.app_context():
        fund = session.get(Fund, admin.fund_id)
        deposit(fund.id, 250_020_000, reference="Besluit 2027-4")
    scheme = make_scheme(
        fund,
        name="Omscholing naar een kansberoep",
        amount_cents=250_000,
        rules={"municipalities": ["almelo", "borne", "enschede", "hengelo"]},
    )
    page.set_viewport_size({"width": 375, "height": 800})
    _log_in(page, live_server, admin.email)
    expect(page.locator("main")).to_contain_text("2.500.200,00")
    expect(page.locator("main")).to_contain_text("Omscholing naar een kansberoep")
    # Measured once the stylesheets are in: a script run from outside does not wait for them.
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    check_page(page, "budget-journey-08")
    # The scheme's page and the audit trail fit too, on a phone and on a desktop.
    page.goto(f"{live_server}/fund/schemes/{scheme.id}")
    check_page(page, "budget-journey-scheme")
    page.goto(f"{live_server}/audit")
    check_page(page, "budget-journey-audit")
