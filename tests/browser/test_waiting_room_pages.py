"""The waiting room in a browser: the countdown before the window opens, a place in the
queue that reloads itself without JavaScript, and the turn with its apply button. Each
stage passes check_page at 375 and 1280 px."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.core import clock

pytestmark = pytest.mark.browser
OPENING = dt.datetime.combine(
    dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2),
    dt.time(9, 0),
    ZoneInfo("Europe/Amsterdam"),
)


@pytest.fixture
def queue(app, make_fund, make_windowed_scheme, make_worker):
    """A scheme opening at OPENING, one a second, with three people queueing before
    Sanne; returns (scheme, Sanne)."""
    from wallet.waitingroom.services import RoomSettings, set_waiting_room, store

    clock.set_now(OPENING - dt.timedelta(minutes=10))
    scheme = make_windowed_scheme(
        make_fund(500_000), "first_come", grants=5, opened=0, name="Snel aan de slag"
    )
    with app.app_context():
        set_waiting_room(scheme.id, RoomSettings(dt.time(9, 0), 30, 1, 0), actor_id=None)
        for _ in range(3):
            store().issue(scheme.id, make_worker().id, clock.now())
    return scheme, make_worker(name="Sanne de Boer")


def test_the_waiting_room_from_countdown_to_turn(page: Page, live_server: str, check_page, queue):
    scheme, sanne = queue
    room = f"{live_server}/budget/schemes/{scheme.id}/waiting-room"
    browser_sign_in(page, live_server, sanne.email, PASSWORD)

    response = page.goto(room)
    assert response.headers["refresh"] == "60"
    main = page.locator("main")
    expect(main).to_contain_text("nummer 4")
    expect(main).to_contain_text("ongeveer 11 minuten")
    check_page(page, "waiting-room-countdown")

    clock.set_now(OPENING + dt.timedelta(seconds=1))
    page.goto(room + "?reload=off")
    expect(main).to_contain_text("Je bent nummer 3 in de rij")
    expect(main).to_contain_text("minder dan een minuut")
    expect(page.get_by_role("link", name="Weer vanzelf verversen")).to_be_visible()
    check_page(page, "waiting-room-queue")

    clock.set_now(OPENING + dt.timedelta(seconds=4))
    page.goto(room)
    expect(main).to_contain_text("Je bent aan de beurt")
    check_page(page, "waiting-room-turn")
    with page.expect_navigation():
        page.get_by_role("button", name="Snel aan de slag aanvragen").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, neem het budget").click()  # the confirmation step
    expect(main).to_contain_text("Er is een budget aan je toegekend.")


def test_the_waiting_page_reloads_itself_without_javascript(
    browser: Browser, live_server: str, queue
):
    scheme, sanne = queue
    clock.set_now(OPENING + dt.timedelta(seconds=1))  # three seconds to go: every 5 s
    context = browser.new_context()
    page = context.new_page()
    browser_sign_in(page, live_server, sanne.email, PASSWORD)
    cookies = context.cookies()
    context.close()
    without_script = browser.new_context(java_script_enabled=False)
    without_script.add_cookies(cookies)
    page = without_script.new_page()
    first = page.goto(f"{live_server}/budget/schemes/{scheme.id}/waiting-room")
    assert first.headers["refresh"] == "5"
    expect(page.locator("main")).to_contain_text("Je bent nummer 3 in de rij")
    clock.set_now(OPENING + dt.timedelta(seconds=4))
    with page.expect_navigation(timeout=15_000):
        pass  # the browser reloads the page by itself
    expect(page.locator("main")).to_contain_text("Je bent aan de beurt")
    without_script.close()


def test_the_fund_administrator_sets_the_room_and_sees_the_queue(
    page: Page, live_server: str, check_page, queue, make_staff
):
    from wallet.accounts.models import Role

    scheme, _sanne = queue
    admin = make_staff(Role.FUND_ADMIN, fund_id=scheme.fund_id, name="Bea Beheer")
    browser_sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/fund/schemes/{scheme.id}")
    expect(page.locator("main")).to_contain_text("3 wachtend, 0 doorgelaten")
    check_page(page, "scheme-with-waiting-room")
    page.get_by_role("link", name="Wachtkamer instellen").click()
    page.get_by_label("Per seconde doorgelaten").fill("")
    page.get_by_label("Bij het openen in één keer doorgelaten").fill("-1")
    with page.expect_navigation():
        page.get_by_role("button", name="Wachtkamer opslaan").click()
    check_page(page, "waiting-room-settings-error")
    page.get_by_label("Bij het openen in één keer doorgelaten").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Wachtkamer opslaan").click()
    clock.set_now(OPENING)
    page.reload()
    expect(page.locator("main")).to_contain_text("1 wachtend, 2 doorgelaten")
    expect(page.locator("main")).to_contain_text("50 per seconde")
