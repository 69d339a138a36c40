"""Logging in and out, throttling after repeated failures, CSRF on forms."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, csrf_token_from
from wallet import create_app
from wallet.accounts.models import LoginFailure
from wallet.core import clock


def test_login_with_the_right_password_opens_the_dashboard(client, make_worker, login):
    worker = make_worker(name="Joost")
    login(client, worker)
    assert "Joost" in client.get("/").text


def test_login_email_is_case_insensitive(client, make_worker):
    worker = make_worker(email="joost@example.nl")
    response = client.post("/login", data={"email": " JOOST@example.NL ", "password": PASSWORD})
    assert response.status_code == 302
    assert worker.email == "joost@example.nl"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_worker):
    worker = make_worker()
    wrong = client.post("/login", data={"email": worker.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.nl", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "Uitloggen" not in wrong.text


def test_the_next_parameter_only_leads_to_local_pages(client, make_worker):
    worker = make_worker()
    data = {"email": worker.email, "password": PASSWORD, "next": "https://evil.example/"}
    response = client.post("/login", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout")
    data["next"] = "/account/tokens"
    assert client.post("/login", data=data).headers["Location"] == "/account/tokens"


def test_repeated_failures_throttle_even_the_right_password(app, client, make_worker):
    worker = make_worker()
    attempts = app.config["LOGIN_THROTTLE_ATTEMPTS"]
    start = dt.datetime(2027, 5, 1, 9, 0, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        for _ in range(attempts):
            bad = client.post("/login", data={"email": worker.email, "password": "wrong" * 3})
            assert bad.status_code == 401
        right = client.post("/login", data={"email": worker.email, "password": PASSWORD})
        assert right.status_code == 429
    later = start + dt.timedelta(minutes=app.config["LOGIN_THROTTLE_MINUTES"] + 1)
    with clock.frozen_at(later):
        assert (
            client.post("/login", data={"email": worker.email, "password": PASSWORD}).status_code
            == 302
        )


def test_logout_ends_the_session(client, make_worker, login):
    login(client, make_worker())
    assert client.post("/logout").status_code == 302
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.fixture
def csrf_client(app):
    """A client of an app with CSRF protection on, as in production."""
    protected = create_app(
        {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "WTF_CSRF_ENABLED": True}
    )
    yield protected.test_client()
    protected.extensions["db_engine"].dispose()


def test_forms_without_a_csrf_token_are_refused(csrf_client, make_worker):
    worker = make_worker()
    response = csrf_client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert response.status_code == 400
    page = csrf_client.get("/login")
    token = csrf_token_from(page.text)
    response = csrf_client.post(
        "/login", data={"email": worker.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/%09/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: a=b", "//x"],
)
def test_a_next_that_could_leave_the_site_or_break_the_header_goes_home(
    client, make_worker, target
):
    worker = make_worker()
    data = {"email": worker.email, "password": PASSWORD, "next": target}
    response = client.post("/login", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_login_link_with_an_encoded_tab_in_next_stays_on_the_site(client, make_worker):
    worker = make_worker()
    page = client.get("/login?next=/%09/evil.example")
    assert page.status_code == 200
    # the form carries what the browser sent back, decoded once by the framework
    data = {"email": worker.email, "password": PASSWORD, "next": "/\t/evil.example"}
    assert client.post("/login", data=data).headers["Location"] == "/"
    assert client.get("/login?next=%0a").status_code == 200


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\n", "https://evil.example/"])
def test_the_language_switch_only_returns_to_local_pages(client, target):
    response = client.post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def _fail(client, email: str, address: str, **headers):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong" * 3},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _failure_addresses(db) -> list[str]:
    return list(db.scalars(sa.select(LoginFailure.ip_address).order_by(LoginFailure.id)))


@pytest.mark.parametrize(("trusted", "seen"), [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_the_client_address_comes_from_trusted_proxies_only(behind_a_proxy, db, trusted, seen):
    client = behind_a_proxy(trusted)
    response = _fail(client, "x@example.nl", "10.0.0.2", **{"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 401
    assert _failure_addresses(db) == [seen]


def test_one_forged_hop_too_many_is_not_believed(behind_a_proxy, db):
    client = behind_a_proxy(1)
    # the client wrote the first address itself; the proxy appended the one it saw
    _fail(client, "x@example.nl", "10.0.0.2", **{"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert _failure_addresses(db) == ["203.0.113.9"]


def test_one_address_guessing_everywhere_does_not_lock_out_others(app, behind_a_proxy, make_worker):
    client = behind_a_proxy(1)
    worker = make_worker()
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(app.config["LOGIN_THROTTLE_ATTEMPTS"] * 10):
        assert _fail(client, f"guess{n}@example.nl", "10.0.0.2", **attacker).status_code == 401
    assert _fail(client, worker.email, "10.0.0.2", **attacker).status_code == 429
    right = client.post(
        "/login",
        data={"email": worker.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert right.status_code == 302


def test_the_owner_logs_in_while_someone_else_guesses_their_password(app, client, make_worker):
    worker = make_worker()
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        assert _fail(client, worker.email, "203.0.113.66").status_code == 401
    assert _fail(client, worker.email, "203.0.113.66").status_code == 429
    right = client.post(
        "/login",
        data={"email": worker.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert right.status_code == 302


def test_guessing_one_account_from_many_addresses_stops_each_at_its_first_failure(
    app, client, make_worker
):
    worker = make_worker()
    addresses = [f"203.0.113.{n}" for n in range(1, app.config["LOGIN_THROTTLE_ATTEMPTS"] * 10 + 1)]
    for address in addresses:
        assert _fail(client, worker.email, address).status_code == 401
    assert _fail(client, worker.email, addresses[0]).status_code == 429
    right = client.post(
        "/login",
        data={"email": worker.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert right.status_code == 302


# "Werkende@Demo.nl" with a full-width W, with a KELVIN SIGN (U+212A, which NFKC turns into K),
# in capitals: the same address to a person, so the same account.
VARIANTS = ["\uff37erkende@Demo.nl", "Wer\u212aende@Demo.nl", "WERKENDE@\uff24EMO.NL"]


@pytest.mark.parametrize("typed", VARIANTS)
def test_a_compatibility_variant_of_the_address_logs_in_to_the_same_account(
    client, make_worker, typed
):
    worker = make_worker(email="Werkende@Demo.nl")
    assert worker.email == "werkende@demo.nl"
    response = client.post("/login", data={"email": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert worker.name in client.get("/").text


def test_the_throttle_counts_every_variant_of_one_address(app, make_worker):
    from wallet.accounts.models import LoginFailure
    from wallet.accounts.services import authenticate
    from wallet.core.db import session
    from wallet.core.errors import DomainError

    make_worker(email="werkende@demo.nl")
    with app.app_context():
        for typed in VARIANTS:
            with pytest.raises(DomainError):
                authenticate(typed, "wrong password", "192.0.2.1")
        emails = set(session.scalars(sa.select(LoginFailure.email)))
    assert emails == {"werkende@demo.nl"}


def test_every_round_of_failures_doubles_the_wait_of_that_address(app, client, make_worker):
    worker = make_worker()
    limit, minutes = app.config["LOGIN_THROTTLE_ATTEMPTS"], app.config["LOGIN_THROTTLE_MINUTES"]
    moment = dt.datetime(2027, 5, 1, 9, 0, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        for _ in range(limit):
            assert _fail(client, worker.email, "203.0.113.9").status_code == 401
    # Past the limit every further guess waits: 15 minutes for the first round of five, then
    # 30, then 60, each counted from the latest failure.
    for wait in [minutes] * limit + [minutes * 2] * limit + [minutes * 4]:
        with clock.frozen_at(moment + dt.timedelta(minutes=wait - 1)):
            assert _fail(client, worker.email, "203.0.113.9").status_code == 429
        moment += dt.timedelta(minutes=wait)
        with clock.frozen_at(moment):
            assert _fail(client, worker.email, "203.0.113.9").status_code == 401
    with clock.frozen_at(moment):  # meanwhile the owner signs in from their own address
        right = client.post(
            "/login",
            data={"email": worker.email, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
    assert right.status_code == 302


def test_the_account_page_gathers_every_way_of_signing_in(client, login, make_worker, make_staff):
    from wallet.accounts.models import Role

    login(client, make_worker())
    page = client.get("/account").text
    for path in (
        "/account/password",
        "/account/second-factor",
        "/account/passkeys",
        "/account/sessions",
    ):
        assert f'href="{path}"' in page
    assert 'href="/account/tokens"' not in page  # a worker has no systems of their own
    client.post("/logout")
    login(client, make_staff(Role.FUND_ADMIN))
    assert 'href="/account/tokens"' in client.get("/account").text
    client.post("/logout")
    assert client.get("/account").status_code == 302
