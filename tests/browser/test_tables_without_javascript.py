"""Tables with JavaScript switched off: js/tables.js cannot turn them into cards on a phone,
so each wide table scrolls in its own labelled box and the page itself never scrolls
sideways at 375 px."""

import pytest
from playwright.sync_api import Browser, expect

from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - the fixture
from tests.conftest import PASSWORD
from tests.reports import conftest as reports

pytestmark = pytest.mark.browser
public_scene = reports.public_scene

PHONE = {"width": 375, "height": 900}
PAGE_WIDTH = "document.documentElement.scrollWidth"
# Every data table sits in a scroll box that is a labelled region a keyboard can reach.
UNBOXED = """[...document.querySelectorAll('main table')].filter(t => {
    const box = t.parentElement;
    return t.tHead && !(box.classList.contains('lw-table-scroll')
        && box.getAttribute('role') === 'region'
        && (box.hasAttribute('aria-label') || box.hasAttribute('aria-labelledby')));
}).length"""


@pytest.fixture
def no_script(browser: Browser):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    yield context.new_page()
    context.close()


def _assert_no_sideways_scroll(page) -> None:
    # Without the script no table is stacked into cards...
    assert page.locator("main table.lw-stack").count() == 0
    assert page.locator("main table").count() > 0
    assert page.evaluate(UNBOXED) == 0
    # ...and still the document is no wider than the phone.
    width = page.evaluate(PAGE_WIDTH)
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at 375 px without JavaScript"


def test_the_open_figures_do_not_scroll_sideways_without_javascript(
    no_script, live_server, public_scene
):
    no_script.goto(live_server + "/openbaar")
    expect(no_script.get_by_role("heading", level=1)).to_contain_text("Open cijfers")
    _assert_no_sideways_scroll(no_script)


def _sign_in(page, live_server: str, email: str) -> None:
    from tests.twofactor.signin import browser_second_step

    page.goto(live_server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form.lw-form button[type=submit]").click()
    browser_second_step(page, email)


def test_the_claims_queue_does_not_scroll_sideways_without_javascript(
    app,
    no_script,
    live_server,
    make_journey,  # noqa: F811 - the fixture
):
    from wallet.claims import services as claims

    journey = make_journey()
    with app.app_context():
        claims.submit(journey["staff"], journey["application"].id, claim_input())
    _sign_in(no_script, live_server, journey["admins"][0].email)
    no_script.goto(live_server + "/review")
    expect(no_script.get_by_role("table")).to_contain_text("Basiscursus MIG/MAG-lassen")
    _assert_no_sideways_scroll(no_script)
