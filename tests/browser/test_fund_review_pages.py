"""The fund's review of employer applications in a browser: from the claims queue to the
employer applications, one person approved after the confirmation step, one approved by two
administrators (four eyes), and the placements overview. Every page passes axe (WCAG 2.1 A
and AA) and does not scroll sideways at 375 or 1280 px."""

from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.conftest import PASSWORD
from tests.placements.conftest import make_scene, person  # noqa: F401 - a fixture
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - a fixture
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def _sent(app, scene) -> tuple[int, int, int]:
    from wallet.accounts.models import User
    from wallet.core.db import session
    from wallet.placements import services

    provider = scene.provider.provider_id
    with app.app_context():
        employer = session.get(User, scene.dtab.id)
        application = services.start_application(employer, employer.employer_id, scene.scheme.id)
        big = services.add_person(employer, application.id, replace(person(), provider_id=provider))
        small = services.add_person(
            employer,
            application.id,
            replace(
                person(full_name="Jan Jansen", quote_cents=400_000, occupation="Verpleegkundige"),
                provider_id=provider,
            ),
        )
        services.submit_application(employer, application.id)
        return application.id, big.id, small.id


def test_the_fund_decides_on_an_employer_application(
    app,
    page: Page,
    live_server: str,
    check_page,
    make_scene,  # noqa: F811 - the fixture
):
    # Sanne's € 4.000 is above the threshold of € 2.500: two administrators approve her.
    scene = make_scene(four_eyes_above_cents=250_000)
    _application_id, big, small = _sent(app, scene)
    page.set_viewport_size({"width": 375, "height": 900})
    _log_in(page, live_server, scene.admin.email)
    page.goto(live_server + "/review")
    expect(page.locator("main")).to_contain_text("2 personen in werkgeversaanvragen")
    check_page(page, "claims-queue")
    page.get_by_role("link", name="Besluiten over werkgeversaanvragen").click()
    # A soft hyphen breaks "Werkgevers-aanvragen" on a phone.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Werkgevers\u00adaanvragen om over te besluiten"
    )
    expect(page.locator("main")).to_contain_text("DTAB Twente")
    check_page(page, "queue")

    page.get_by_role("link", name="Jan Jansen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("aanvraag WA-")
    check_page(page, "application")
    jan = page.locator(f"#person-{small}")
    expect(jan.get_by_label("Toe te zeggen bedrag (euro)")).to_have_value("2.000,00")
    jan.get_by_label("Toe te zeggen bedrag (euro)").fill("1.800,00")
    jan.get_by_role("button", name="Goedkeuren…").click()
    # The confirmation step: nothing is committed until it is confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Goedkeuring van Jan Jansen bevestigen"
    )
    check_page(page, "confirm")
    page.get_by_role("button", name="toezeggen en goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Jan Jansen is goedgekeurd")

    sanne = page.locator(f"#person-{big}")
    expect(sanne).to_contain_text("tweede beheerder")
    sanne.get_by_role("button", name="Goedkeuren…").click()
    page.get_by_role("button", name="toezeggen en goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Je hebt Sanne de Vries één keer goedgekeurd")
    check_page(page, "approved-once")
    log_out(page)

    _log_in(page, live_server, scene.admin2.email)
    page.goto(live_server + "/fund/employer-applications")
    expect(page.locator("main")).to_contain_text(f"Eén keer goedgekeurd door {scene.admin.name}")
    page.get_by_role("link", name="Sanne de Vries").click()
    sanne = page.locator(f"#person-{big}")
    sanne.get_by_role("button", name="Goedkeuren als tweede beheerder").click()
    expect(page.locator("main")).to_contain_text("eerste beheerder goedkeurde")
    check_page(page, "confirm-second")
    page.get_by_role("button", name="toezeggen en goedkeuren").click()
    expect(page.locator("main")).to_contain_text("Sanne de Vries is goedgekeurd")

    follow_menu(page, "Plaatsingen", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Plaatsingen")
    expect(page.locator("main")).to_contain_text("2 plaatsingen")
    check_page(page, "placements")
    page.get_by_label("Status").select_option(label="Niet begonnen")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("main")).to_contain_text("Geen plaatsingen gevonden.")
