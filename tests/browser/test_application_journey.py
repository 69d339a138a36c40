"""A worker applies for a course run with their budget; the provider confirms the place.
Every page passes axe (WCAG 2.1 A and AA)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def test_worker_applies_and_provider_confirms(
    page: Page,
    live_server: str,
    check_page,
    app,
    accredited_provider,
    make_fund,
    make_scheme,
    make_worker,
    make_grant,
):
    from wallet.catalogue.imports import import_courses

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    worker = make_worker(name="Noor Jansen")
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)

    _log_in(page, live_server, worker.email)
    page.goto(live_server + "/catalogue?q=dementie")
    page.get_by_role("link", name="Dementiezorg").click()
    expect(page.locator("main")).to_contain_text("€ 0,00")  # the budget pays all
    check_page(page, "application-journey-01")
    page.get_by_role("link", name="Deze uitvoering aanvragen").click()
    check_page(page, "application-journey-02")
    page.get_by_label("Je wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanvragen en mijn budget reserveren").click()
    expect(page.get_by_role("status").first).to_contain_text("gereserveerd")
    check_page(page, "application-journey-03")
    log_out(page)

    _log_in(page, live_server, accredited_provider.email)
    follow_menu(page, "Aanvragen")
    expect(page.locator("main")).to_contain_text("Noor Jansen")
    check_page(page, "application-journey-04")
    page.get_by_role("button", name="Plaats van").click()
    expect(page.locator("main")).to_contain_text("Ingeschreven")
    check_page(page, "application-journey-05")
