"""Logging in with an identity provider in a browser: the button on the login page, the
provider's own consent page (oidc-provider-mock on 127.0.0.1), linking an account and the
sign-up page. Every page of ours passes axe and never scrolls sideways at 375 and 1280 px.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.oidc import flow
from wallet import create_app

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LEERWALLET_SHOTS")  # a folder for screenshots of every page, if set

start_provider = flow.start_provider
provider = flow.provider


def _check(page: Page, assert_accessible, name: str) -> None:
    """axe and the page width at 375 and 1280 px, with a screenshot of each."""
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


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
    page: Page, oidc_server, provider, make_worker, assert_accessible
):
    worker = make_worker(name="Sanne de Vries")
    provider.set_person("pseudo-sanne", name="Sanne de Vries", email=worker.email)
    page.goto(oidc_server + "/login")
    button = page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar")
    expect(button).to_be_visible()
    _check(page, assert_accessible, "oidc-login")

    button.click()
    _consent(page, "pseudo-sanne")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppel je account")
    expect(page.get_by_label("E-mailadres")).to_have_value(worker.email)
    _check(page, assert_accessible, "oidc-link")

    page.get_by_role("link", name="Aanmelden als werkende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden als werkende")
    expect(page.get_by_label("Je naam")).to_have_value("Sanne de Vries")
    _check(page, assert_accessible, "oidc-register")

    page.go_back()
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Koppelen en inloggen").click()
    expect(page.get_by_role("alert").first).to_contain_text("niet juist")
    _check(page, assert_accessible, "oidc-link-refused")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Koppelen en inloggen").click()
    expect(page.get_by_text("Je account is gekoppeld")).to_be_visible()

    page.get_by_role("button", name="Uitloggen").click()
    page.goto(oidc_server + "/login")
    page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar").click()
    _consent(page, "pseudo-sanne")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_a_cancelled_sign_in_shows_a_clear_page(page: Page, oidc_server, assert_accessible):
    page.goto(oidc_server + "/login")
    page.get_by_role("link", name="Inloggen met DigiD via Testmakelaar").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent niet ingelogd")
    expect(page.get_by_text("is afgebroken")).to_be_visible()
    _check(page, assert_accessible, "oidc-cancelled")
