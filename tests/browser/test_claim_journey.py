"""The whole journey to an approved claim: a worker applies, the provider confirms, runs the
course and claims with a PDF, the fund's administrator approves, the worker reads the news.
Every page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.browser.test_application_journey import _log_in
from tests.browser.test_bank_details_pages import ask_for_iban, confirm_waiting_ibans
from tests.catalogue.conftest import CSV
from tests.claims.conftest import pdf
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_second_step

pytestmark = pytest.mark.browser


def _apply_for_dementiezorg(page: Page, live_server: str) -> None:
    page.goto(live_server + "/catalogue?q=dementie")
    page.get_by_role("link", name="Dementiezorg").click()
    page.get_by_role("link", name="Deze uitvoering aanvragen").click()
    page.get_by_label("Je wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanvragen en mijn budget reserveren").click()


def test_worker_applies_provider_claims_administrator_approves(
    page: Page,
    live_server: str,
    check_page,
    app,
    accredited_provider,
    make_fund,
    make_scheme,
    make_worker,
    make_grant,
    tmp_path,
):
    from wallet.accounts.models import Role
    from wallet.accounts.services import create_staff_user
    from wallet.catalogue.imports import import_courses
    from wallet.core import clock

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    fund = make_fund(1_000_000)
    worker = make_worker(name="Noor Jansen")
    make_grant(make_scheme(fund, amount_cents=300_000), worker)
    with app.app_context():
        admin = create_staff_user(
            email="beoordelaar@example.nl",
            name="Beoordelaar",
            password=PASSWORD,
            role=Role.FUND_ADMIN,
            fund=fund,
        )
    invoice = tmp_path / "factuur.pdf"
    invoice.write_bytes(pdf())

    _log_in(page, live_server, worker.email)
    _apply_for_dementiezorg(page, live_server)
    expect(page.get_by_role("status").first).to_contain_text("gereserveerd")
    log_out(page)

    _log_in(page, live_server, accredited_provider.email)
    follow_menu(page, "Aanvragen")
    page.get_by_role("button", name="Plaats van").click()
    # Before the start date "course started" is not offered, only when it can be.
    expect(page.get_by_role("button", name="Opleiding begonnen")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("als begonnen melden vanaf de startdatum")
    clock.set_now(clock.now() + dt.timedelta(days=31))  # the live server shares the clock
    # A month later the session has expired: signing in again leads back to the application.
    page.reload()
    page.get_by_label("E-mailadres").fill(accredited_provider.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Inloggen").click()
    browser_second_step(page, accredited_provider.email)
    page.get_by_role("button", name="Opleiding begonnen").click()
    page.get_by_role("button", name="Opleiding afgerond").click()
    page.get_by_role("link", name="declareren").click()
    check_page(page, "claim-journey-01")
    page.get_by_label("Factuurnummer").fill("2026-0042")
    page.get_by_label("Bedrag dat uit de budgetten wordt betaald").fill("450,00")
    page.get_by_label("Omschrijving").fill("Dementiezorg, 16 uur")
    page.get_by_label("Aanwezigheid (%)").fill("95")
    page.get_by_label("Factuur (PDF, maximaal 10 MB)").set_input_files(str(invoice))
    page.get_by_role("button", name="Declaratie versturen").click()
    expect(page.locator("main")).to_contain_text("2026-0042")
    check_page(page, "claim-journey-02")
    follow_menu(page, "Je declaraties")
    check_page(page, "claim-journey-03")
    log_out(page)

    _log_in(page, live_server, admin.email)
    follow_menu(page, "Te beoordelen declaraties")
    check_page(page, "claim-journey-04")
    page.locator("main").get_by_role("link", name="DC-").click()
    expect(page.locator("main")).to_contain_text("Dementiezorg, 16 uur")
    check_page(page, "claim-journey-05")
    page.get_by_role("button", name="goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Dit kan niet ongedaan worden gemaakt.")
    page.get_by_role("button", name="Ja, keur").click()  # the confirmation step
    expect(page.get_by_role("status").first).to_contain_text("Goedgekeurd; wacht op betaling")
    check_page(page, "claim-journey-06")
    follow_menu(page, "Logboek")
    check_page(page, "claim-journey-audit")

    # The fund pays: a batch, submitted, its SEPA file, then marked paid by hand.
    with app.app_context():
        from wallet.core.db import session
        from wallet.funds.models import Fund
        from wallet.providers.models import Provider

        session.get(Provider, accredited_provider.provider_id).iban = "NL20INGB0001234567"
        session.commit()
    follow_menu(page, "Uitbetalingen")
    check_page(page, "claim-journey-08")
    ask_for_iban(page, "NL91 ABNA 0417 1643 00")  # the fund's own: a second person confirms
    check_page(page, "claim-journey-09")
    confirm_waiting_ibans(app)
    follow_menu(page, "Uitbetalingen")
    page.locator("main").get_by_role("button", name="Uitbetalingsronde aanmaken").click()
    check_page(page, "claim-journey-10")
    page.get_by_role("button", name="indienen").click()
    page.get_by_role("button", name="Ja, dien").click()  # the confirmation step
    expect(page.locator("main")).to_contain_text("SEPA-bestand downloaden")
    check_page(page, "claim-journey-11")
    with page.expect_download() as download:
        page.get_by_role("link", name="SEPA-bestand downloaden (pain.001.001.09)").click()
    assert b"<EndToEndId>DC-" in Path(download.value.path()).read_bytes()
    page.get_by_role("button", name="Betaald aan").click()
    check_page(page, "claim-journey-12-confirm")  # the confirmation step
    page.get_by_role("button", name="Ja, ").click()
    expect(page.locator("main")).to_contain_text("Betaald")
    check_page(page, "claim-journey-12")
    with app.app_context():
        assert session.scalar(sa.select(Fund.iban)).startswith("NL91")
    log_out(page)

    _log_in(page, live_server, worker.email)
    follow_menu(page, "Berichten")
    expect(page.locator("main")).to_contain_text("Betaling uit je budget voor Dementiezorg")
    check_page(page, "claim-journey-13")


def test_the_own_contribution_and_payment_pages_are_accessible(
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
    worker = make_worker(name="Sem de Boer")
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=20_000), worker)

    _log_in(page, live_server, worker.email)
    _apply_for_dementiezorg(page, live_server)
    log_out(page)

    _log_in(page, live_server, accredited_provider.email)
    follow_menu(page, "Aanvragen")
    page.get_by_role("button", name="Plaats van").click()
    follow_menu(page, "Betalingen", exact=True)
    check_page(page, "claim-journey-14")
    log_out(page)

    _log_in(page, live_server, worker.email)
    follow_menu(page, "Mijn aanvragen")
    page.get_by_role("link", name="Betaal je eigen bijdrage").click()
    expect(page.locator("main")).to_contain_text("250,00")  # € 450 less the € 200 budget
    check_page(page, "claim-journey-15")
