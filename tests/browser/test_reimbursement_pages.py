"""An employer's reimbursement claim in a browser: the employer fills in the invoice and
attaches the proofs on the placement page, sees what the scheme pays and sends; the fund's
administrator finds it from the claims queue, confirms and approves. Every page passes axe
and does not scroll sideways at 375 or 1280 px."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.browser.test_fund_review_pages import _log_in
from tests.claims.conftest import pdf
from tests.placements.conftest import make_scene  # noqa: F401 - a fixture
from tests.placements.reimbursement_scene import approved_placement
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def _file(name: str) -> dict:
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": pdf(name)}


def test_the_employer_claims_and_the_fund_approves(
    app,
    page: Page,
    live_server: str,
    check_page,
    make_scene,  # noqa: F811 - the fixture
):
    scene = approved_placement(app, make_scene)
    page.set_viewport_size({"width": 375, "height": 900})
    _log_in(page, live_server, scene.dtab.email)
    page.goto(f"{live_server}/placements/{scene.placement_id}")
    expect(page.get_by_role("heading", name="De vergoeding declareren")).to_be_visible()
    check_page(page, "reimb-placement")
    page.get_by_label("Factuurnummer").fill("F-2026-118")
    page.get_by_label("Factuurdatum").fill("2026-06-01")
    page.get_by_label("Factuurbedrag in euro (inclusief btw)").fill("3.000,00")
    page.get_by_label("De factuur van de opleider").set_input_files(_file("factuur"))
    page.get_by_label("Bewijs dat je de factuur hebt betaald").set_input_files(_file("betaald"))
    page.get_by_label("Bewijs van dienstverband (pdf)").set_input_files(_file("contract"))
    page.get_by_role("button", name="Bekijk wat de regeling betaalt…").click()
    expect(page.locator("main")).to_contain_text("De regeling betaalt nu € 1.125,00")
    check_page(page, "reimb-confirm")
    page.get_by_role("button", name="Verstuur de declaratie van € 1.125,00").click()
    expect(page.locator("main")).to_contain_text("is naar het fonds verstuurd")
    check_page(page, "reimb-sent")
    log_out(page)

    _log_in(page, live_server, scene.admin.email)
    page.goto(live_server + "/review")
    expect(page.locator("main")).to_contain_text("1 werkgeversdeclaratie wacht op je besluit")
    page.get_by_role("link", name="Besluit over vergoedingsdeclaraties").click()
    expect(page.locator("main")).to_contain_text("DTAB Twente")
    check_page(page, "reimb-queue")
    page.locator("main table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vergoedingsdeclaratie WD-")
    check_page(page, "reimb-claim")
    page.get_by_role("button", name="Goedkeuren…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bevestig de goedkeuring")
    check_page(page, "reimb-approve")
    page.get_by_role("button", name="€ 1.125,00 goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Goedgekeurd")
