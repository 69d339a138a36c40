"""Each role's main pages in German and English, at 375 and 1280 px: axe passes, nothing
scrolls sideways and no code or cent shows (check_page). With LEERWALLET_SHOTS set, every
page is saved as a screenshot, LANGUAGE-PAGE-WIDTH.png, to look at for untranslated or
overflowing text."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - the fixture
from tests.conftest import PASSWORD
from tests.payments.fixtures import approved  # noqa: F401 - the fixture
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser

# The level-1 heading of the start page, in each language: the page speaks it.
CLAIMS_QUEUE = {"de": "Abrechnungen", "en": "Claims"}


def _speak(app, language: str) -> None:
    from wallet.accounts.models import User
    from wallet.core.db import session

    with app.app_context():
        session.execute(sa.update(User).values(preferred_language=language))
        session.commit()


def _scene(app, approved, make_journey):  # noqa: F811 - the fixtures
    """Approved claims in a draft payout batch, one claim waiting for review, and a completed
    application still to be invoiced."""
    from wallet.claims import services as claims
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, _ids = approved()
    waiting = make_journey()
    to_invoice = make_journey()
    with app.app_context():
        claim = claims.submit(
            waiting["staff"], waiting["application"].id, claim_input(invoice_number="F-WAIT")
        )
        from wallet.claims.models import Claim
        from wallet.core.db import session

        session.execute(sa.update(Claim).where(Claim.id == claim.id).values(fund_id=fund_id))
        session.commit()
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        return {
            "worker": journeys[0]["worker"].email,
            "run_id": journeys[0]["application"].run_id,
            "staff": waiting["staff"].email,
            "admin": journeys[0]["admins"][0].email,
            "claim_id": claim.id,
            "batch_id": batch.id,
            "to_invoice": to_invoice["application"].id,
        }


def _sign_out(page: Page, live_server: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server + "/")


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_roles_main_pages_read_well_in_german_and_english(
    app,
    page: Page,
    live_server: str,
    check_page,
    approved,  # noqa: F811 - the fixture
    make_journey,  # noqa: F811 - the fixture
    language,
):
    scene = _scene(app, approved, make_journey)
    _speak(app, language)
    shot = f"{language}-"

    # The worker: the catalogue, a course run with what the budget pays, applying, the budget.
    page.goto(live_server + "/login")
    page.locator("#email").fill(scene["worker"])
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form.lw-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_page(page, shot + "worker-start")
    page.goto(live_server + "/catalogue")
    check_page(page, shot + "worker-catalogue")
    page.goto(f"{live_server}/catalogue/runs/{scene['run_id']}")
    check_page(page, shot + "worker-run")
    page.goto(live_server + "/applications")
    check_page(page, shot + "worker-applications")
    page.goto(live_server + "/budget/statement")
    check_page(page, shot + "worker-statement")
    _sign_out(page, live_server)

    # The provider: the claim form for a completed course, and their claims.
    browser_sign_in(page, live_server, scene["staff"], PASSWORD)
    page.goto(f"{live_server}/provider/applications/{scene['to_invoice']}/claim")
    check_page(page, shot + "provider-claim-form")
    page.goto(live_server + "/provider/claims")
    check_page(page, shot + "provider-claims")
    _sign_out(page, live_server)

    # The fund administrator: the review queue, a claim, the payouts and a draft batch.
    browser_sign_in(page, live_server, scene["admin"], PASSWORD)
    page.goto(live_server + "/review")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CLAIMS_QUEUE[language])
    check_page(page, shot + "admin-review")
    page.goto(f"{live_server}/claims/{scene['claim_id']}")
    check_page(page, shot + "admin-claim")
    page.goto(live_server + "/fund/payouts")
    check_page(page, shot + "admin-payouts")
    page.goto(f"{live_server}/fund/payouts/{scene['batch_id']}")
    check_page(page, shot + "admin-batch")
    page.goto(live_server + "/audit")
    check_page(page, shot + "admin-audit")
