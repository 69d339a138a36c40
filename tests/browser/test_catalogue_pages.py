"""The catalogue in a browser: searching, a course page, a provider's pages and moderation.
Every page passes axe (WCAG 2.1 A and AA)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(app, accredited_provider):
    from wallet.catalogue.imports import import_courses

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    return accredited_provider


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def test_search_course_page_provider_pages_and_moderation(
    page: Page,
    live_server: str,
    check_page,
    app,
    catalogue,
    make_staff,
    make_provider_user,
):
    page.goto(live_server + "/catalogue")
    check_page(page, "catalogue-pages-01")
    page.get_by_label("Zoeken").fill("lassen")
    page.locator("main").get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Basiscursus MIG/MAG-lassen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Basiscursus MIG/MAG-lassen")
    check_page(page, "catalogue-pages-02")

    _log_in(page, live_server, catalogue.email)
    page.goto(live_server + "/provider/courses")
    expect(page.get_by_role("cell", name="LAS-1")).to_be_visible()
    check_page(page, "catalogue-pages-03")
    page.goto(live_server + "/provider/organisation")
    check_page(page, "catalogue-pages-04")
    log_out(page)

    pending = make_provider_user(organisation_name="Nieuw Opleidingshuis")
    _log_in(page, live_server, make_staff(Role.PLATFORM_ADMIN).email)
    page.goto(live_server + "/admin/providers")
    check_page(page, "catalogue-pages-05")
    page.get_by_role("link", name="Nieuw Opleidingshuis").click()
    check_page(page, "catalogue-pages-06")
    page.get_by_label("Reden").fill("Geen accreditatie aangeleverd")
    page.get_by_role("button", name="Intrekken").click()
    expect(page.locator("main")).to_contain_text("Geen accreditatie aangeleverd")
    from wallet.core.db import session
    from wallet.providers.models import Provider, ProviderStatus

    with app.app_context():
        assert session.get(Provider, pending.provider_id).status == ProviderStatus.REVOKED
