"""Signing in through both steps, for every test that signs in.

Staff made by the conftest factories get KNOWN_SECRET as their authenticator; `sign_in`
answers the second step with the code of the secret the user really has (read from the
database) and `browser_sign_in` does the same in Chromium. A test signs one user in many
times within one 30-second step, which a person cannot: before each answer the helper
forgets the last accepted step, so the replay rule (tested in tests/twofactor) does not
refuse the fixture's second sign-in.
"""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session
from wallet.twofactor import services
from wallet.twofactor.models import TotpFactor

KNOWN_SECRET = "JBSWY3DPEHPK3PXPLEERWALLETTEST22"  # base32, 160 bits


def enrol_known_secret(app: Flask, user) -> None:
    """Give `user` the known authenticator secret (an active factor)."""
    with app.app_context():
        services.set_known_secret(session.get(User, user.id), KNOWN_SECRET)


def code_for(app: Flask, email: str) -> str:
    """The code the user's authenticator shows now, after forgetting their last step.

    In a test that holds the app context (`app_ctx`), the client's requests share it and
    its session; a second context would wait for that session's SQLite write lock, so the
    code is read in the same one.
    """
    if has_app_context() and current_app._get_current_object() is app:
        return _forget_step_and_read_code(email)
    with app.app_context():
        return _forget_step_and_read_code(email)


def _forget_step_and_read_code(email: str) -> str:
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    session.execute(
        sa.update(TotpFactor).where(TotpFactor.user_id == user.id).values(last_step=None)
    )
    session.commit()
    return services.current_code(user)


def secret_on_page(html: str) -> str:
    """The secret an enrolment page shows for typing, without its spaces."""
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert match, "no secret on the enrolment page"
    return match.group(1).replace(" ", "")


def answer_second_step(client: FlaskClient, response, email: str, **kwargs):
    """After a password was accepted: answer the code (or enrol, for staff without one)
    and return the final redirect."""
    location = response.headers.get("Location", "")
    if location.endswith("/login/second-factor"):
        code = code_for(client.application, email)
        response = client.post(location, data={"code": code}, **kwargs)
    elif location.endswith("/login/second-factor/enrol"):
        secret = secret_on_page(client.get(location, **kwargs).text)
        code = pyotp.TOTP(secret).at(clock.now())
        client.post(location, data={"code": code}, **kwargs)
        return client.get("/", **kwargs)
    return response


def sign_in(client: FlaskClient, email: str, password: str, **kwargs):
    """Post the sign-in form, then answer the second step; the last response."""
    response = client.post("/login", data={"email": email, "password": password}, **kwargs)
    if response.status_code != 302:
        return response
    return answer_second_step(client, response, email, **kwargs)


# The browser tests' app (bound by tests/browser/conftest.py): their sign-in helper reads
# the user's current code through it, as `sign_in` does through the client's app.
_browser_app: list[Flask] = []


def bind_browser_app(app: Flask) -> None:
    """Let `browser_sign_in` read codes through `app` (same database as the live server)."""
    _browser_app[:] = [app]


def browser_sign_in(page, live_server: str, email: str, password: str) -> None:
    """Sign in through the form in Chromium, answering the second step when asked."""
    page.goto(live_server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form.lw-form button[type=submit]").click()
    browser_second_step(page, email)


def browser_second_step(page, email: str) -> None:
    """After the password in Chromium: answer the second step, or enrol, when asked."""
    path = page.url.split("?")[0]
    if path.endswith("/login/second-factor"):
        page.locator("#code").fill(code_for(_browser_app[0], email))
        with page.expect_navigation():
            page.locator("main form.lw-form button[type=submit]").click()
    elif path.endswith("/login/second-factor/enrol"):  # staff made without a factor
        browser_enrol(page)


def enrol_through_page(client: FlaskClient, path: str = "/account/second-factor/enrol"):
    """Set up an authenticator on the enrolment page, as a person would (a worker gives
    their password too); its secret."""
    from tests.conftest import PASSWORD

    secret = secret_on_page(client.get(path).text)
    code = pyotp.TOTP(secret).at(clock.now())
    done = client.post(path, data={"code": code, "password": PASSWORD})
    assert done.status_code == 200, done.text
    assert 'id="recovery-codes"' in done.text
    return secret


def browser_enrol(page) -> str:
    """On the enrolment page in Chromium: read the secret shown for typing, confirm with its
    code, and go on past the recovery codes; the secret."""
    from tests.conftest import PASSWORD

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).at(clock.now()))
    if page.locator("#password").count():  # a worker's first factor asks the password
        page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form.lw-form button[type=submit]").click()
    assert page.locator("#recovery-codes li").count() == 10
    with page.expect_navigation():
        page.locator("main p a.utrecht-link").last.click()
    return secret
