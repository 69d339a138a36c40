"""An employer application in a browser: the broker prepares it with one person, the employer
confirms and sends it, the fund approves (through the services), and six months later the
employer records the follow-up. Every page passes axe and never scrolls sideways, on a phone
(375 px) and on a desktop (1280 px)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.conftest import PASSWORD
from tests.placements.conftest import scene  # noqa: F401 - a fixture
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - a fixture
from tests.twofactor.signin import browser_sign_in
from wallet.core import clock

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, email: str) -> None:
    browser_sign_in(page, live_server, email, PASSWORD)


def add_person_on_page(page: Page, provider_id: int) -> None:
    """Fill in and add Sanne de Vries (a process operator from retail, a bespoke course of
    € 8.000 starting in a month) on an application's draft page."""
    page.fill("#person-full_name", "Sanne de Vries")
    page.fill("#person-date_of_birth", "1988-04-12")
    page.select_option("#person-starting_situation", "other_sector")
    page.select_option("#person-from_sbi_code", "47")
    page.select_option("#person-occupation", "Procesoperator")
    page.select_option("#person-contract_type", "permanent")
    page.fill("#person-hours_per_week", "36")
    page.fill("#person-start_date", (clock.today() + dt.timedelta(days=30)).isoformat())
    page.select_option("#person-training_kind", "bespoke")
    page.fill("#person-quote", "8.000,00")
    page.select_option("#person-provider_id", str(provider_id))
    page.fill("#person-training_description", "Procesoperator B (mbo-4), maatwerk")
    page.locator("form[action$='/persons'] button[type=submit]").click()


def test_broker_prepares_employer_sends_fund_approves_and_the_follow_up_is_recorded(
    page: Page,
    live_server: str,
    check_page,
    scene,  # noqa: F811 - the fixture imported above
    app,
):
    # The broker prepares an application with one person from the caseload entry.
    _log_in(page, live_server, scene.broker.email)
    check_page(page, "01-broker-start")
    page.locator("main").get_by_role("link", name="DTAB Twente").first.click()
    check_page(page, "02-caseload-entry")
    page.locator("form[action='/caseload/applications'] button[type=submit]").click()
    expect(page.locator("#person-full_name")).to_be_visible()
    check_page(page, "03-draft-by-broker")
    add_person_on_page(page, scene.provider.provider_id)
    expect(page.locator("main")).to_contain_text("Sanne de Vries")
    expect(page.locator("main")).to_contain_text("4.000,00")
    expect(page.locator("a[href$='/send']")).to_have_count(0)  # the employer sends it
    check_page(page, "04-broker-added-a-person")
    application_url = page.url
    log_out(page)

    # The employer confirms and sends it.
    _log_in(page, live_server, scene.dtab.email)
    check_page(page, "05-employer-start")
    page.goto(live_server + "/employer/applications")
    check_page(page, "06-employer-applications")
    page.goto(application_url)
    page.locator("a[href$='/send']").click()
    check_page(page, "07-confirm-send")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("a[href$='/withdraw']")).to_have_count(1)
    check_page(page, "08-sent")

    # The fund approves (its pages are someone else's work: through the services here).
    from wallet.placements.models import Placement
    from wallet.placements.review import review

    with app.app_context():
        from wallet.core.db import session

        placement_id = session.query(Placement.id).scalar()
        review(placement_id, "approve", actor=scene.admin, cents=400_000)
        placement = session.get(Placement, placement_id)
        due = next(f.due_on for f in placement.follow_ups if f.months == 6)

    # Six months on, the follow-up is due on the employer's start page; it is recorded.
    clock.set_now(
        dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC)
    )  # the live server shares the clock
    _log_in(page, live_server, scene.dtab.email)  # months later the session has expired
    link = page.locator(f"main a[href='/placements/{placement_id}']")
    expect(link).to_have_count(1)
    check_page(page, "09-employer-start-follow-up-due")
    link.click()
    expect(page.locator("input[name=still_employed]")).to_have_count(2)
    check_page(page, "10-placement-due")
    page.locator("input[name=still_employed][value=yes]").check()
    page.fill("#note", "Werkt goed mee, volgt de opleiding.")
    page.locator("form:has(input[name=still_employed]) button[type=submit]").click()
    expect(page.locator("input[name=still_employed]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Werkt goed mee")
    check_page(page, "11-follow-up-recorded")
    page.locator(f"a[href='/placements/{placement_id}/end_early']").click()
    check_page(page, "12-confirm-ended-early")
