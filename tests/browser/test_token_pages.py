"""The API tokens page in a browser: choosing scopes and a lifetime, the token shown once,
the list with scopes, expiry and last use; axe and no sideways scrolling at 375 and 1280 px.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser


def test_make_a_scoped_token_and_see_it_listed(page: Page, live_server, make_staff, check_page):
    from wallet.accounts.models import Role

    admin = make_staff(Role.FUND_ADMIN)
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(live_server + "/account/tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("API-tokens")
    expect(page.get_by_label("Lezen", exact=False)).to_be_checked()
    expect(page.get_by_label("Catalogus", exact=False)).to_have_count(0)  # not a fund's
    check_page(page, "tokens-empty")
    page.get_by_label("Naam van het token").fill("Boekhouding")
    page.get_by_label("Uitbetalingen", exact=False).check()
    page.get_by_label("Geldig gedurende (dagen)").fill("30")
    page.get_by_role("button", name="Token aanmaken").click()
    expect(page.locator("#new-token")).to_contain_text("lw_")
    check_page(page, "token-created")
    page.get_by_role("link", name="Terug naar je tokens").click()
    row = page.get_by_role("row", name="Boekhouding")
    expect(row).to_contain_text("lezen, uitbetalingen")
    expect(row).to_contain_text("Nooit")
    check_page(page, "tokens-listed")
