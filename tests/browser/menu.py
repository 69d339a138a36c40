"""Using the header as a person does: on a phone through the "Menu" button, on a wide screen
through the top-level items, opening a group first when the page sits under one."""

from __future__ import annotations

from playwright.sync_api import Page


def follow_menu(page: Page, name: str, *, exact: bool = False) -> None:
    """Click the header's link called `name`, opening the menu or its group as needed."""
    page.wait_for_load_state("load")  # the stylesheet decides which menu is shown
    header = page.locator("header.lw-header")
    phone_menu = header.locator("details.lw-menu")
    if phone_menu.is_visible():
        if not phone_menu.evaluate("menu => menu.open"):
            phone_menu.locator("summary").click()
        phone_menu.get_by_role("link", name=name, exact=exact).click()
        return
    link = page.get_by_role("link", name=name, exact=exact, include_hidden=True)
    group = header.locator("details.lw-nav__group", has=link)  # `has` looks inside each group
    if group.count() and not group.evaluate("menu => menu.open"):
        group.locator("summary").click()
    header.get_by_role("link", name=name, exact=exact).click()


def log_out(page: Page) -> None:
    """Log out with the header's button (inside the menu on a phone)."""
    page.wait_for_load_state("load")
    phone_menu = page.locator("header details.lw-menu")
    if phone_menu.is_visible() and not phone_menu.evaluate("menu => menu.open"):
        phone_menu.locator("summary").click()
    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Uitloggen").click()
    page.wait_for_load_state("load")
