"""The page shell in a browser: the pages every Dutch public service publishes pass the
visual check at both widths; on a phone the header stays one row high and its "Menu" opens
without JavaScript; on a desktop a fund administrator's groups open from the keyboard and
close with Escape; the current page is marked."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.menu import follow_menu
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/privacy", "Privacyverklaring"),
        ("/cookies", "Cookies"),
        ("/toegankelijkheid", "Toegankelijkheidsverklaring"),
        ("/hoe-het-werkt", "Zo werken budgetten"),
    ],
)
def test_the_public_service_pages(page: Page, live_server: str, check_page, path, heading):
    page.goto(live_server + "/")
    page.locator("footer").get_by_role("link", name=heading).click()
    expect(page).to_have_url(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, "shell" + path.replace("/", "-"))


def test_a_fund_administrators_header_on_a_phone_and_a_desktop(
    page: Page, live_server: str, check_page, make_staff
):
    admin = make_staff(Role.FUND_ADMIN)
    page.set_viewport_size({"width": 375, "height": 800})
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    header = page.locator("header.lw-header")
    assert header.bounding_box()["height"] <= 120
    expect(header.get_by_role("link", name="Logboek")).to_have_count(0)  # folded away
    header.get_by_text("Menu", exact=True).click()
    expect(header.get_by_role("link", name="Logboek")).to_be_visible()
    expect(header.get_by_role("button", name="Uitloggen")).to_be_visible()
    check_page(page, "shell-fund-menu-open", widths=(375,))
    follow_menu(page, "Periodeverslag")
    expect(page.get_by_role("heading", level=1)).to_have_text("Periodeverslag")
    check_page(page, "shell-fund-period-report")

    page.set_viewport_size({"width": 1280, "height": 800})
    assert header.bounding_box()["height"] <= 120
    group = header.locator("summary", has_text="Geld")
    expect(group).to_have_class("lw-nav__summary lw-nav__summary--current")
    group.focus()
    page.keyboard.press("Enter")
    current = header.get_by_role("link", name="Periodeverslag")
    expect(current).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")  # closes the group and gives the focus back to its button
    expect(current).to_be_hidden()
    expect(group).to_be_focused()


def test_the_menu_opens_without_javascript(browser: Browser, live_server: str):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    menu = page.locator("header details.lw-menu")
    expect(menu.get_by_role("link", name="Opleidingen")).to_be_hidden()
    menu.locator("summary").click()
    menu.get_by_role("link", name="Zo werkt het").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zo werken budgetten")
    context.close()
