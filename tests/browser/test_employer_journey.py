"""The whole Sectorplan instrument in a browser, as issue 11 asks: a broker prepares an
application, the employer confirms and sends it, the fund approves, the employer claims with
the invoice and its proofs, the fund approves the claim, a payout batch pays the employer,
and six months on the employer records the follow-up. Every page: axe 0 violations, no
sideways scrolling at 375 and 1280 px."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.browser.test_bank_details_pages import ask_for_iban, confirm_waiting_ibans
from tests.browser.test_placement_pages import _log_in, add_person_on_page
from tests.claims.conftest import pdf
from tests.placements.conftest import scene  # noqa: F401 - a fixture
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - a fixture
from wallet.core import clock

pytestmark = pytest.mark.browser


def _file(name: str) -> dict:
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": pdf(name)}


def _out(page: Page) -> None:
    log_out(page)


def test_from_the_brokers_visit_to_the_employers_payout_and_follow_up(
    page: Page,
    live_server: str,
    check_page,
    scene,  # noqa: F811 - the fixture imported above
    app,
):
    # The broker prepares an application with one person from the caseload entry.
    _log_in(page, live_server, scene.broker.email)
    page.locator("main").get_by_role("link", name="DTAB Twente").first.click()
    check_page(page, "j01-caseload-entry")
    page.locator("form[action='/caseload/applications'] button[type=submit]").click()
    add_person_on_page(page, scene.provider.provider_id)
    expect(page.locator("main")).to_contain_text("Sanne de Vries")
    check_page(page, "j02-prepared")
    application_url = page.url
    _out(page)

    # The employer confirms and sends it.
    _log_in(page, live_server, scene.dtab.email)
    page.goto(application_url)
    page.locator("a[href$='/send']").click()
    check_page(page, "j03-confirm-send")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("a[href$='/withdraw']")).to_have_count(1)
    _out(page)

    # The fund approves € 4.000 (half the quote), after a confirmation.
    _log_in(page, live_server, scene.admin.email)
    page.goto(live_server + "/fund/employer-applications")
    check_page(page, "j04-fund-queue")
    page.get_by_role("link", name="Sanne de Vries").click()
    page.get_by_role("button", name="Goedkeuren…").click()
    check_page(page, "j05-fund-confirm")
    page.get_by_role("button", name="toezeggen en goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Sanne de Vries is goedgekeurd")
    _out(page)

    # The employer claims the first part with the invoice and the proofs.
    from wallet.core.db import session
    from wallet.placements.models import Placement

    with app.app_context():
        placement_id = session.query(Placement.id).scalar()
    _log_in(page, live_server, scene.dtab.email)
    page.goto(f"{live_server}/placements/{placement_id}")
    page.get_by_label("Factuurnummer").fill("F-2026-118")
    page.get_by_label("Factuurdatum").fill(clock.today().isoformat())
    page.get_by_label("Factuurbedrag in euro (inclusief btw)").fill("8.000,00")
    page.get_by_label("De factuur van de opleider").set_input_files(_file("factuur"))
    page.get_by_label("Bewijs dat je de factuur hebt betaald").set_input_files(_file("betaald"))
    page.get_by_label("Bewijs van dienstverband (pdf)").set_input_files(_file("contract"))
    page.get_by_role("button", name="Bekijk wat de regeling betaalt…").click()
    check_page(page, "j06-claim-confirm")
    page.get_by_role("button", name="Verstuur de declaratie van € 3.000,00").click()
    expect(page.locator("main")).to_contain_text("is naar het fonds verstuurd")
    _out(page)

    # The fund approves the claim, and pays it in a batch by SEPA file.
    _log_in(page, live_server, scene.admin.email)
    page.goto(live_server + "/fund/reimbursements")
    page.locator("main table").get_by_role("link").first.click()
    page.get_by_role("button", name="Goedkeuren…").click()
    page.get_by_role("button", name="€ 3.000,00 goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Goedgekeurd")
    follow_menu(page, "Uitbetalingen")
    ask_for_iban(page, "NL20 INGB 0001 2345 67")  # the fund's own: a second person confirms
    confirm_waiting_ibans(app)
    follow_menu(page, "Uitbetalingen")
    page.locator("main").get_by_role("button", name="Uitbetalingsronde aanmaken").click()
    expect(page.locator("main")).to_contain_text("DTAB Twente")
    check_page(page, "j07-batch-draft")
    page.get_by_role("button", name="indienen").click()
    page.get_by_role("button", name="Ja, dien").click()  # the confirmation step
    with page.expect_download() as download:
        page.get_by_role("link", name="SEPA-bestand downloaden (pain.001.001.09)").click()
    assert b"<EndToEndId>WD-" in Path(download.value.path()).read_bytes()
    page.get_by_role("button", name="Betaald aan").click()
    page.get_by_role("button", name="Ja, ").click()  # the confirmation step
    expect(page.locator("main")).to_contain_text("Betaald")
    check_page(page, "j08-batch-paid")
    _out(page)

    # Six months on, the employer records that Sanne is still employed.
    from wallet.books.verify import verify

    with app.app_context():
        due = next(
            f.due_on for f in session.get(Placement, placement_id).follow_ups if f.months == 6
        )
        assert verify() == []
    clock.set_now(dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC))
    _log_in(page, live_server, scene.dtab.email)
    page.goto(f"{live_server}/placements/{placement_id}")
    page.locator("input[name=still_employed][value=yes]").check()
    page.locator("form:has(input[name=still_employed]) button[type=submit]").click()
    expect(page.locator("input[name=still_employed]")).to_have_count(0)
    check_page(page, "j09-followed-up")
    with app.app_context():
        assert verify() == []
