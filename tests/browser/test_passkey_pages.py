"""A worker adds a passkey on the account page and signs in with it, with Chromium's virtual
authenticator (DevTools protocol) as their phone; a browser without WebAuthn is told so.
Every page passes axe and never scrolls sideways, on a phone (375 px) and a desktop (1280 px).

Browsers refuse an IP address as relying party, so the pages are opened on localhost: the
live server's BASE_URL is http://127.0.0.1:PORT, from which the relying party id is
`localhost` and the origin http://localhost:PORT (wallet/passkeys/ceremony.py).
"""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.menu import follow_menu, log_out
from tests.conftest import PASSWORD
from wallet.passkeys.models import Passkey

pytestmark = pytest.mark.browser


def _on_localhost(live_server: str) -> str:
    return live_server.replace("://127.0.0.1:", "://localhost:")


def _phone(page: Page):
    """Chromium's virtual authenticator: a platform authenticator that holds discoverable
    credentials and verifies the person, as a phone with a fingerprint reader does."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_a_worker_adds_a_passkey_and_signs_in_with_it(
    page: Page, live_server, make_worker, db, check_page
):
    site = _on_localhost(live_server)
    worker = make_worker(name="Sanne de Vries")
    cdp, phone = _phone(page)

    page.goto(site + "/login")
    page.get_by_label("E-mailadres", exact=True).fill(worker.email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    follow_menu(page, "Je account")
    page.locator("main").get_by_role("link", name="Passkeys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passkeys")
    expect(page.get_by_text("Je hebt nog geen passkeys.")).to_be_visible()
    expect(page.get_by_text("Deze browser kan geen passkeys gebruiken.")).to_be_hidden()
    check_page(page, "passkeys-none")

    page.get_by_role("button", name="Passkey toevoegen").click()  # without a name
    expect(page.locator("#name-error")).to_contain_text("Dit veld is verplicht.")
    check_page(page, "passkeys-no-name")
    page.get_by_label("Naam van de passkey").fill("Telefoon")
    page.get_by_label("Je wachtwoord").fill(PASSWORD)  # a worker's first factor asks it
    page.get_by_role("button", name="Passkey toevoegen").click()
    expect(page.get_by_text("De passkey 'Telefoon' is toegevoegd.")).to_be_visible()
    expect(page.get_by_role("heading", name="Telefoon", exact=True)).to_be_visible()
    expect(page.locator("main dd").get_by_text("Nog niet gebruikt")).to_be_visible()
    check_page(page, "passkeys-added")
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone})["credentials"]
    assert credential["isResidentCredential"] is True
    stored = db.scalar(sa.select(Passkey).where(Passkey.user_id == worker.id))
    assert stored.credential_id == credential["credentialId"].rstrip("=").replace("+", "-").replace(
        "/", "_"
    )

    log_out(page)
    page.goto(site + "/login")
    expect(page.get_by_role("heading", name="Inloggen met een passkey")).to_be_visible()
    check_page(page, "login-with-passkey")
    page.get_by_role("button", name="Passkey gebruiken").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    follow_menu(page, "Je account")
    page.locator("main").get_by_role("link", name="Passkeys").click()
    expect(page.get_by_text("Nog niet gebruikt")).to_have_count(0)
    check_page(page, "passkeys-used")
    db.expire_all()
    used = db.scalar(sa.select(Passkey).where(Passkey.user_id == worker.id))
    assert used.sign_count >= 1
    assert used.last_used_at is not None

    page.get_by_role("button", name="Telefoon verwijderen").click()
    expect(page.get_by_text("De passkey 'Telefoon' is verwijderd.")).to_be_visible()
    expect(page.get_by_text("Je hebt nog geen passkeys.")).to_be_visible()


def test_a_browser_without_passkeys_is_told_so(page: Page, live_server, check_page):
    page.add_init_script("delete window.PublicKeyCredential;")
    site = _on_localhost(live_server)
    page.goto(site + "/login")
    expect(page.get_by_text("Deze browser kan geen passkeys gebruiken.")).to_be_visible()
    expect(page.get_by_role("button", name="Passkey gebruiken")).to_be_disabled()
    check_page(page, "login-without-passkeys")
    page.goto(live_server + "/login")  # the IP address: no passkey is bound to it
    expect(
        page.get_by_text("Passkeys werken alleen op het eigen adres van Leerwallet.")
    ).to_be_visible()
    expect(page.get_by_role("link", name=site)).to_be_visible()
