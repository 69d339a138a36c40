"""Changing the e-mail address in a browser: the request on the account page, the page the
link opens, the confirmation, and the answer for an address another account has; each page
passes check_page (axe, no sideways scroll, a clean title and text) at 375 and 1280 px."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in
from wallet.notifications.models import OutboxMessage

pytestmark = pytest.mark.browser
LINK = re.compile(r"http://[^/\s]+(/account/email/confirm/\S+)")


def _link(db, to: str) -> str:
    db.expire_all()
    body = db.scalar(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.to_address == to, OutboxMessage.topic == "email_change_confirm")
        .order_by(OutboxMessage.id.desc())
    )
    return LINK.search(body).group(1)


def _ask(page: Page, new: str) -> None:
    page.get_by_label("Nieuw e-mailadres").fill(new)
    page.get_by_label("Huidig wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Stuur de link").click()


def test_a_worker_changes_their_address_with_the_link(
    page: Page, live_server, db, make_worker, check_page
):
    worker = make_worker()
    browser_sign_in(page, live_server, worker.email, PASSWORD)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="E-mailadres").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je e-mailadres wijzigen")
    check_page(page, "email-change")

    _ask(page, "nieuw.adres@example.nl")
    expect(
        page.get_by_text("We stuurden een link naar nieuw.adres@example.nl.").first
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Wacht op je bevestiging")).to_be_visible()
    check_page(page, "email-change-waiting")

    page.goto(live_server + _link(db, "nieuw.adres@example.nl"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig je nieuwe e-mailadres")
    check_page(page, "email-change-confirm")
    page.get_by_role("button", name="Dit adres gebruiken").click()
    expect(
        page.get_by_text("Je account gebruikt nu het adres nieuw.adres@example.nl.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je account")
    check_page(page, "email-change-done")


def test_an_address_of_another_account_is_refused_after_the_link(
    page: Page, live_server, db, make_worker, check_page
):
    worker, other = make_worker(), make_worker()
    browser_sign_in(page, live_server, worker.email, PASSWORD)
    page.goto(live_server + "/account/email")
    _ask(page, other.email)
    expect(page.get_by_role("heading", name="Wacht op je bevestiging")).to_be_visible()
    page.goto(live_server + _link(db, other.email))
    page.get_by_role("button", name="Dit adres gebruiken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je adres is niet gewijzigd")
    check_page(page, "email-change-taken")
