"""E-mail verification and held budgets in a browser: an unverified worker sees the banner
and asks for a new link; a fund administrator releases one held budget and cancels another.
Every page passes axe and never scrolls sideways at 375 and 1280 px."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu
from tests.browser.test_placement_pages import _log_in
from wallet.accounts.models import Role

pytestmark = pytest.mark.browser
SAME = {"postcode": "7511 AB", "house_number": "1"}


def test_an_unverified_worker_sees_the_banner_and_asks_for_a_new_link(
    page: Page, live_server: str, check_page, app, make_worker
):
    from wallet.core.db import session
    from wallet.notifications.models import OutboxMessage

    worker = make_worker(verified=False, name="Fatma Yilmaz")
    _log_in(page, live_server, worker.email)
    banner = page.get_by_role("region", name="Bevestig je e-mailadres")
    expect(banner).to_contain_text(worker.email)
    check_page(page, "verify-banner")
    banner.get_by_role("button", name="Stuur een nieuwe link").click()
    expect(page.get_by_role("alert")).to_contain_text("Je kunt over een minuut")
    check_page(page, "verify-banner-wait")
    with app.app_context():
        sent = session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.user_id == worker.id, OutboxMessage.topic == "email_verification"
            )
        )
    assert sent == 1


def test_a_fund_administrator_releases_and_cancels_held_budgets(
    page: Page,
    live_server: str,
    check_page,
    app,
    make_worker,
    make_fund,
    make_scheme,
    make_grant,
    make_staff,
):
    make_worker(name="Jan de Vries", **SAME)
    first = make_worker(name="Jan de Vries", email="jan.tweede@example.nl", **SAME)
    make_worker(name="Els Bos", **SAME)
    second = make_worker(name="Els Bos", email="els.tweede@example.nl", **SAME)
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, amount_cents=150_000)
    make_grant(scheme, first)
    make_grant(scheme, second)
    admin = make_staff(Role.FUND_ADMIN, fund_id=fund.id, name="Bea Beheer")
    _log_in(page, live_server, admin.email)
    follow_menu(page, "Vastgehouden budgetten")
    main = page.locator("main")
    expect(main).to_contain_text("jan.tweede@example.nl")
    expect(main).to_contain_text("Zelfde naam, geboortedatum en postcode als")
    check_page(page, "held-budgets")

    card = page.get_by_role("region", name="Jan de Vries")
    card.get_by_label("Vrijgeven: de werkende mag het budget besteden").check()
    card.get_by_label("Reden").fill("Gebeld: twee verschillende mensen")
    card.get_by_role("button", name="Beslissen").click()
    check_page(page, "held-budgets-confirm")  # the confirmation step
    page.get_by_role("button", name="Ja, geef het budget vrij").click()
    expect(page.get_by_role("status").first).to_contain_text("Het budget is vrijgegeven")

    card = page.get_by_role("region", name="Els Bos")
    card.get_by_label("Intrekken: het budget gaat terug naar het fonds").check()
    card.get_by_label("Reden").fill("Dezelfde persoon als het eerste account")
    card.get_by_role("button", name="Beslissen").click()
    page.get_by_role("button", name="Ja, trek het budget in").click()  # the confirmation step
    expect(page.get_by_role("status").first).to_contain_text("ingetrokken en terug in het fonds")
    expect(main).to_contain_text("Er worden geen budgetten vastgehouden")
    check_page(page, "held-budgets-empty")
    with app.app_context():
        from wallet.books.verify import verify

        assert verify() == []
