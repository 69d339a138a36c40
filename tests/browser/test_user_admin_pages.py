"""User administration in a browser: a platform administrator finds a worker, blocks the
account (the worker is then told at sign-in that it is blocked), resets a fund administrator's
second factor, invites an administrator and opens a fund. Every page passes check_page at
375 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


def _admin(make_staff):
    return make_staff(Role.PLATFORM_ADMIN, name="Petra Platform", email="petra@leerwallet.nl")


def test_an_administrator_finds_a_worker_and_blocks_the_account(
    page: Page, browser, live_server: str, check_page, make_staff, make_worker
):
    admin = _admin(make_staff)
    worker = make_worker(name="Sanne Visser", email="sanne@example.nl")
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    follow_menu(page, "Gebruikers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
    page.get_by_label("Naam of e-mailadres").fill("visser")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("main")).to_contain_text("1 gebruiker gevonden.")
    check_page(page, "admin-users")
    page.get_by_role("link", name="Sanne Visser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sanne Visser")
    check_page(page, "admin-user")
    page.get_by_role("link", name="Account blokkeren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Het account van Sanne Visser blokkeren?"
    )
    page.get_by_role("button", name="Account blokkeren").click()  # no reason yet
    expect(page.locator("#reason-error")).to_be_visible()
    check_page(page, "admin-block-confirm")
    page.get_by_label("Reden").fill("Drie accounts van één persoon")
    page.get_by_role("button", name="Account blokkeren").click()
    expect(page.locator("main")).to_contain_text("is geblokkeerd en alle sessies zijn beëindigd")
    expect(page.locator("main")).to_contain_text("Reden: Drie accounts van één persoon")
    check_page(page, "admin-user-blocked")

    other = browser.new_context().new_page()
    try:
        other.goto(live_server + "/login")
        other.locator("#email").fill(worker.email)
        other.locator("#password").fill(PASSWORD)
        other.locator("main form.lw-form button[type=submit]").click()
        expect(other.locator("main")).to_contain_text("Je account is geblokkeerd")
        expect(other.locator("main")).to_contain_text("helpdesk@leerwallet.nl")
        check_page(other, "login-blocked")
    finally:
        other.context.close()


def test_an_administrator_resets_a_second_factor_and_invites_an_administrator(
    page: Page, live_server: str, check_page, make_staff
):
    admin = _admin(make_staff)
    fund_admin = make_staff(Role.FUND_ADMIN, name="Frank Fonds", email="frank@fonds.nl")
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/admin/users/{fund_admin.id}")
    page.get_by_role("link", name="Tweede factor opnieuw instellen").click()
    check_page(page, "admin-reset-confirm")
    page.get_by_label("Reden").fill("Telefoon verloren, gebeld en gecontroleerd")
    page.get_by_role("button", name="Tweede factor opnieuw instellen").click()
    expect(page.locator("main")).to_contain_text("De tweede factor van Frank Fonds is opnieuw")
    expect(page.locator("dl.lw-facts")).to_contain_text("geen")

    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="Beheerder uitnodigen").click()
    check_page(page, "admin-invite")
    page.get_by_label("Naam", exact=True).fill("Ruben Jansen")
    page.get_by_label("E-mailadres", exact=True).fill("ruben@fonds.nl")
    page.get_by_label("Soort beheerder").select_option(label="Fondsbeheerder")
    page.get_by_label("Fonds", exact=True).select_option(index=1)
    page.get_by_role("button", name="Volgende: controleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze uitnodiging versturen?")
    check_page(page, "admin-invite-confirm")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruben Jansen")
    expect(page.locator("main")).to_contain_text("Fondsbeheerder")


def test_an_administrator_opens_a_fund(page: Page, live_server: str, check_page, make_staff):
    admin = _admin(make_staff)
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    follow_menu(page, "Fondsen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fondsen")
    check_page(page, "admin-funds-empty")
    page.get_by_role("link", name="Nieuw fonds openen").click()
    check_page(page, "admin-fund-new")
    page.get_by_label("Naam van het fonds").fill("Fonds Vakmanschap Stedendriehoek")
    page.get_by_label("Regio").select_option("Stedendriehoek")
    page.get_by_label("IBAN van het fonds").fill("NL91 ABNA 0417 1643 00")
    page.get_by_label("Eerste storting (niet verplicht)").fill("250.000,00")
    page.get_by_label("Kenmerk van de storting").fill("Besluit GS 2027-14")
    page.get_by_role("button", name="Volgende: controleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dit fonds openen?")
    expect(page.locator("main")).to_contain_text("ABNANL2A")
    check_page(page, "admin-fund-confirm")
    page.get_by_role("button", name="Fonds openen").click()
    expect(page.locator("main")).to_contain_text("Vakmanschap Stedendriehoek is geopend.")
    check_page(page, "admin-funds")
