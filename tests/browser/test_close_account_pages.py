"""Closing an account in a browser: a platform administrator closes a worker's account on
their request; the pages pass check_page at 375 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


def test_an_administrator_closes_an_account_on_its_owners_request(
    page: Page, live_server: str, check_page, make_staff, make_worker
):
    admin = make_staff(Role.PLATFORM_ADMIN, name="Petra Platform", email="petra@leerwallet.nl")
    worker = make_worker(name="Sanne Visser", email="sanne@example.nl")
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/admin/users/{worker.id}")
    page.get_by_role("link", name="Account sluiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Het account van Sanne Visser definitief sluiten?"
    )
    page.get_by_role("button", name="Account sluiten").click()  # no reason yet
    expect(page.locator("#reason-error")).to_be_visible()
    check_page(page, "admin-close-confirm")
    page.get_by_label("Reden").fill("Schriftelijk verzoek van 1 juni")
    page.get_by_role("button", name="Account sluiten").click()
    expect(page.locator("main")).to_contain_text("is gesloten en alle sessies zijn beëindigd")
    expect(page.locator("main")).to_contain_text("Dit account is gesloten sinds")
    expect(page.get_by_role("link", name="Account sluiten")).to_have_count(0)
    check_page(page, "admin-user-closed")
