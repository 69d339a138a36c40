"""The API tokens page in a browser: choosing scopes and a lifetime, the token shown once,
the list with scopes, expiry and last use; axe and no sideways scrolling at 375 and 1280 px.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LEERWALLET_SHOTS")  # a folder for screenshots of every page, if set


def _check(page: Page, assert_accessible, name: str) -> None:
    """axe and the page width at 375 and 1280 px, with a screenshot of each."""
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def test_make_a_scoped_token_and_see_it_listed(
    page: Page, live_server, make_staff, assert_accessible
):
    from wallet.accounts.models import Role

    admin = make_staff(Role.FUND_ADMIN)
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(live_server + "/account/tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("API-tokens")
    expect(page.get_by_label("Lezen", exact=False)).to_be_checked()
    expect(page.get_by_label("Catalogus", exact=False)).to_have_count(0)  # not a fund's
    _check(page, assert_accessible, "tokens-empty")
    page.get_by_label("Naam van het token").fill("Boekhouding")
    page.get_by_label("Uitbetalingen", exact=False).check()
    page.get_by_label("Geldig gedurende (dagen)").fill("30")
    page.get_by_role("button", name="Token aanmaken").click()
    expect(page.locator("#new-token")).to_contain_text("lw_")
    _check(page, assert_accessible, "token-created")
    page.get_by_role("link", name="Terug naar je tokens").click()
    row = page.get_by_role("row", name="Boekhouding")
    expect(row).to_contain_text("lezen, uitbetalingen")
    expect(row).to_contain_text("Nooit")
    _check(page, assert_accessible, "tokens-listed")
