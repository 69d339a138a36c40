"""The second factor in a browser: a fund administrator signs in, must set up TOTP first
(reading the secret from the page), keeps the recovery codes, and approves a claim with a
step-up once the sign-in's factor is older than five minutes. Every page passes axe
(WCAG 2.1 A and AA) at 375 and 1280 px without sideways scrolling."""

import datetime as dt

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.menu import log_out
from tests.claims import conftest as claim_fixtures
from tests.claims.conftest import claim_input
from tests.conftest import PASSWORD
from wallet.accounts.models import User
from wallet.claims import services as claims
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session

pytestmark = pytest.mark.browser
make_journey = claim_fixtures.make_journey


def _code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now().timestamp() + 30 * steps)


def test_a_fund_administrator_enrols_and_approves_a_claim_with_step_up(
    page: Page, live_server: str, check_page, app, db, make_journey
):
    journey = make_journey()
    with app.app_context():
        staff = session.get(User, journey["staff"].id)
        claim = claims.submit(staff, journey["application"].id, claim_input())
    admin = journey["admins"][0]  # made without a second factor

    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres", exact=True).fill(admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stel je tweede factor in")
    expect(page.get_by_role("img", name="QR-code voor je authenticator-app")).to_be_visible()
    check_page(page, "second-factor-enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code uit je app").fill("000000")
    page.get_by_role("button", name="Bevestigen en verder").click()
    expect(page.locator("#code-error")).to_be_visible()
    check_page(page, "second-factor-enrol-error")
    page.get_by_label("Code uit je app").fill(_code(secret))
    page.get_by_role("button", name="Bevestigen en verder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je herstelcodes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    check_page(page, "second-factor-recovery-codes")
    page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    clock.set_now(clock.now() + dt.timedelta(minutes=6))  # the live server shares the clock
    page.goto(f"{live_server}/claims/{claim.id}")
    page.get_by_role("button", name="goedkeuren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig dat jij het bent")
    check_page(page, "second-factor-step-up")
    assert db.scalar(sa.select(Claim.status)) == ClaimStatus.SUBMITTED
    page.get_by_role("textbox", name="Code").fill(_code(secret))
    page.get_by_role("button", name="Bevestigen", exact=True).click()
    expect(page.locator("main")).to_contain_text("Doe het nu opnieuw")
    page.get_by_role("button", name="goedkeuren").click()
    page.get_by_role("button", name="Ja, keur").click()  # the confirmation step
    expect(page.get_by_role("status").first).to_contain_text("Goedgekeurd")
    db.expire_all()
    assert db.scalar(sa.select(Claim.status)) == ClaimStatus.APPROVED

    page.goto(live_server + "/account/second-factor")
    check_page(page, "second-factor-account")
    log_out(page)
    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres", exact=True).fill(admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweede stap van het inloggen")
    check_page(page, "second-factor-challenge")
    page.get_by_role("textbox", name="Code").fill(_code(secret, 1))
    page.get_by_role("button", name="Bevestigen", exact=True).click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
