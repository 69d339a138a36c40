"""The whole journey to an approved claim: a worker applies, the provider confirms, runs the
course and claims with a PDF, the fund's administrator approves, the worker reads the news.
Every page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_application_journey import _log_in
from tests.catalogue.conftest import CSV
from tests.claims.conftest import pdf
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_applies_provider_claims_administrator_approves(
    page: Page, live_server: str, assert_accessible, app, accredited_provider,
    make_fund, make_scheme, make_worker, make_grant, tmp_path,
):  # fmt: skip
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
    page.goto(live_server + "/catalogue?q=dementie")
    page.get_by_role("link", name="Dementiezorg").click()
    page.get_by_role("link", name="Deze uitvoering aanvragen").click()
    page.get_by_label("Je wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanvragen en mijn budget reserveren").click()
    expect(page.get_by_role("status").first).to_contain_text("gereserveerd")
    page.get_by_role("button", name="Uitloggen").click()

    _log_in(page, live_server, accredited_provider.email)
    page.get_by_role("navigation").get_by_role("link", name="Aanvragen").click()
    page.get_by_role("button", name="Plaats van").click()
    clock.set_now(clock.now() + dt.timedelta(days=31))  # the live server shares the clock
    page.get_by_role("button", name="Opleiding begonnen").click()
    page.get_by_role("button", name="Opleiding afgerond").click()
    page.get_by_role("link", name="declareren").click()
    assert_accessible(page)
    page.get_by_label("Factuurnummer").fill("2026-0042")
    page.get_by_label("Bedrag dat uit de budgetten wordt betaald").fill("450,00")
    page.get_by_label("Omschrijving").fill("Dementiezorg, 16 uur")
    page.get_by_label("Aanwezigheid (%)").fill("95")
    page.get_by_label("Factuur (PDF, maximaal 10 MB)").set_input_files(str(invoice))
    page.get_by_role("button", name="Declaratie versturen").click()
    expect(page.locator("main")).to_contain_text("2026-0042")
    assert_accessible(page)
    page.get_by_role("navigation").get_by_role("link", name="Je declaraties").click()
    assert_accessible(page)
    page.get_by_role("button", name="Uitloggen").click()

    _log_in(page, live_server, admin.email)
    page.get_by_role("navigation").get_by_role("link", name="Te beoordelen declaraties").click()
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="DC-").click()
    expect(page.locator("main")).to_contain_text("Dementiezorg, 16 uur")
    assert_accessible(page)
    page.get_by_role("button", name="goedkeuren").click()
    expect(page.get_by_role("status").first).to_contain_text("Goedgekeurd; wacht op betaling")
    assert_accessible(page)
    page.get_by_role("navigation").get_by_role("link", name="Logboek").click()
    assert_accessible(page)
    page.get_by_role("button", name="Uitloggen").click()

    _log_in(page, live_server, worker.email)
    page.get_by_role("navigation").get_by_role("link", name="Berichten").click()
    expect(page.locator("main")).to_contain_text("Betaling uit je budget voor Dementiezorg")
    assert_accessible(page)
