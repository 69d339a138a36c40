"""Bank details in a browser: a provider's staff member asks for a new IBAN with their
password, the page says it waits; a platform administrator confirms it in two steps. Every
page passes axe and never scrolls sideways at 375 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.browser.test_placement_pages import _log_in
from tests.conftest import PASSWORD
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser
NEW_IBAN = "NL39RABO0300065264"


def ask_for_iban(page: Page, iban: str) -> None:
    """On a page with the bank details section: ask for `iban` with the password."""
    page.locator("main").get_by_role("link", name="IBAN wijzigen").click()
    page.get_by_label("Nieuwe IBAN", exact=True).fill(iban)
    page.get_by_label("Je wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Deze IBAN aanvragen").click()
    expect(page.locator("main")).to_contain_text("Wacht op bevestiging")


def confirm_waiting_ibans(app) -> None:
    """A platform administrator confirms every waiting IBAN (the second person, as set-up)."""
    from wallet.accounts.models import Role
    from wallet.accounts.services import create_staff_user
    from wallet.bankdetails import services
    from wallet.core.db import session

    with app.app_context():
        platform = create_staff_user(
            email="tweede@example.nl",
            name="Tweede persoon",
            password=PASSWORD,
            role=Role.PLATFORM_ADMIN,
        )
        for change in services.changes_to_decide(platform):
            services.confirm_change(change.id, platform)
        session.commit()


def test_staff_ask_for_a_new_iban_and_a_platform_administrator_confirms_it(
    page: Page, live_server: str, check_page, app, make_provider_user, make_staff
):
    from wallet.core.db import session
    from wallet.providers.models import Provider

    staff = make_provider_user(organisation_name="Zorgacademie Oost")
    platform = make_staff(Role.PLATFORM_ADMIN, name="Petra Platform")
    _log_in(page, live_server, staff.email)
    follow_menu(page, "Gegevens van de organisatie")
    expect(page.locator("main")).to_contain_text("nog geen")
    page.locator("main").get_by_role("link", name="IBAN wijzigen").click()
    check_page(page, "bank-request")
    page.get_by_label("Nieuwe IBAN", exact=True).fill(NEW_IBAN)
    page.get_by_label("Je wachtwoord").fill("niet mijn wachtwoord")
    page.get_by_role("button", name="Deze IBAN aanvragen").click()
    expect(page.locator("#password-error")).to_contain_text("Je wachtwoord klopt niet")
    check_page(page, "bank-request-error")
    page.get_by_label("Nieuwe IBAN", exact=True).fill(NEW_IBAN)
    page.get_by_label("Je wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Deze IBAN aanvragen").click()
    expect(page.get_by_role("status").first).to_contain_text("Je aanvraag is verstuurd")
    expect(page.locator("main")).to_contain_text("Wacht op bevestiging door een platformbeheerder")
    check_page(page, "bank-request-pending")
    log_out(page)

    _log_in(page, live_server, platform.email)
    follow_menu(page, "Nieuwe IBAN's")
    expect(page.locator("main")).to_contain_text("NL39 RABO 0300 0652 64")
    check_page(page, "bank-queue")
    page.get_by_role("link", name="Deze IBAN bevestigen…").click()
    check_page(page, "bank-confirm")
    page.get_by_role("button", name="Ja, gebruik deze IBAN").click()
    expect(page.get_by_role("status").first).to_contain_text("De nieuwe IBAN is in gebruik")
    expect(page.locator("main")).to_contain_text("Er wachten geen nieuwe IBAN's")
    with app.app_context():
        provider = session.get(Provider, staff.provider_id)
        assert (provider.iban, provider.bic) == (NEW_IBAN, "RABONL2U")
