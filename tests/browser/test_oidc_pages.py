"""Logging in with an identity provider in a browser: the button on the login page, the
provider's own consent page (oidc-provider-mock on 127.0.0.1), linking an account and the
sign-up page. Every page of ours passes axe and never scrolls sideways at 375 and 1280 px.
"""

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.browser.menu import log_out
from tests.conftest import PASSWORD
from tests.oidc import flow
from wallet import create_app

pytestmark = pytest.mark.browser

start_provider = flow.start_provider
provider = flow.provider


@pytest.fixture
def oidc_server(app: Flask, provider) -> Iterator[str]:
    """The app, trusting `provider`, served over HTTP on 127.0.0.1; yields its base URL."""
    live = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": True,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": flow.CLIENT_ID,
            "OIDC_CLIENT_SECRET": flow.CLIENT_SECRET,
            "OIDC_LABEL": "DigiD via Testmakelaar",
        }
    )
    server = make_server("127.0.0.1", 0, live, threaded=True)
    live.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # the redirect URI
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live.config["BASE_URL"]
    server.shutdown()
    server.server_close()
    live.extensions["db_engine"].dispose()


def _consent(page: Page, sub: str) -> None:
    """The provider's own page: the person chooses who they are and authorizes."""
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_log_in_with_the_identity_provider_and_link_the_account(
    page: Page, oidc_server, provider, make_worker, check_page
):
    worker = make_worker(name="Sanne de Vries")
    provider.set_person("pseudo-sanne", name="Sanne de Vries", email=worker.email)
    page.goto(oidc_server + "/login")
    button = page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar")
    expect(button).to_be_visible()
    check_page(page, "oidc-login")

    button.click()
    _consent(page, "pseudo-sanne")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppel je account")
    expect(page.get_by_label("E-mailadres")).to_have_value(worker.email)
    check_page(page, "oidc-link")

    page.get_by_role("link", name="Aanmelden als werkende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden als werkende")
    expect(page.get_by_label("Je naam")).to_have_value("Sanne de Vries")
    check_page(page, "oidc-register")

    page.go_back()
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Koppelen en inloggen").click()
    expect(page.get_by_role("alert").first).to_contain_text("niet juist")
    check_page(page, "oidc-link-refused")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Koppelen en inloggen").click()
    expect(page.get_by_text("Je account is gekoppeld")).to_be_visible()

    log_out(page)
    page.goto(oidc_server + "/login")
    page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar").click()
    _consent(page, "pseudo-sanne")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_a_cancelled_sign_in_shows_a_clear_page(page: Page, oidc_server, check_page):
    page.goto(oidc_server + "/login")
    page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent niet ingelogd")
    expect(page.get_by_text("is afgebroken")).to_be_visible()
    check_page(page, "oidc-cancelled")
