"""Issue 14's plain words, seen in Chromium: the audit trail in sentences, a ledger account by
name, and the confirmation steps before acts that cannot be undone. Each page passes
check_page (axe, no sideways scroll, no codes, cents or raw JSON) at 375 and 1280 px."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser


def test_a_fund_administrator_reads_words_and_confirms_the_activation(
    page: Page, live_server: str, check_page, app, make_fund, make_staff, make_scheme
):
    fund = make_fund(5_000_000, name="Twents Fonds voor Vakmanschap")
    admin = make_staff(Role.FUND_ADMIN, fund_id=fund.id)
    draft = make_scheme(fund, name="Scholingsbudget Almelo", amount_cents=125_000, activate=False)
    browser_sign_in(page, live_server, admin.email, PASSWORD)

    page.goto(f"{live_server}/audit")
    main = page.locator("main")
    expect(main).to_contain_text("Geld gestort in het fonds")
    expect(main).to_contain_text("Regeling vastgelegd")
    expect(main).to_contain_text("Bedrag: € 1.250,00")
    check_page(page, "audit-trail")

    page.goto(f"{live_server}/fund/accounts/{fund.pot_account_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fondspot Twents Fonds voor Vakmanschap"
    )
    check_page(page, "ledger-account")

    page.goto(f"{live_server}/fund/schemes/{draft.id}")
    page.get_by_role("button", name="Activeren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "De regeling Scholingsbudget Almelo activeren?"
    )
    expect(main).to_contain_text("Dit kan niet ongedaan worden gemaakt.")
    check_page(page, "confirm-scheme-activation")
    page.get_by_role("button", name="Ja, activeer Scholingsbudget Almelo").click()
    expect(page.get_by_role("status").first).to_contain_text("De regeling is actief")
    with app.app_context():
        from wallet.core.db import session
        from wallet.schemes.models import Scheme, SchemeStatus

        status = session.scalar(sa.select(Scheme.status).where(Scheme.id == draft.id))
        assert status == SchemeStatus.ACTIVE


def test_a_worker_confirms_before_taking_a_first_come_budget(
    page: Page, live_server: str, check_page, app, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(5_000_000, name="Twents Fonds voor Vakmanschap")
    scheme = make_windowed_scheme(
        fund, "first_come", grants=3, name="Snel aan de slag", amount_cents=80_000
    )
    worker = make_worker(email="ayla@example.nl", name="Ayla Demir")
    browser_sign_in(page, live_server, worker.email, PASSWORD)

    page.get_by_role("button", name="Snel aan de slag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Het budget van € 800,00")
    check_page(page, "confirm-first-come")
    with app.app_context():
        from wallet.core.db import session
        from wallet.grants.models import Grant

        assert session.scalar(sa.select(sa.func.count(Grant.id))) == 0  # not yet
    page.get_by_role("button", name="Ja, neem het budget").click()
    expect(page.get_by_role("status").first).to_contain_text("budget")
    with app.app_context():
        assert session.scalar(sa.select(Grant.scheme_id)) == scheme.id
