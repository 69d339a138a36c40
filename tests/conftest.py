"""Fixtures: one app per test session on SQLite or PostgreSQL, a clean database per test.

The database comes from WALLET_TEST_DATABASE_URL (default: a SQLite file in a temp dir).
The schema is built by the Alembic migrations, so every run also tests them. After each
test every table is emptied, so tests never depend on one another.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

import wallet.models  # noqa: F401 - every table on Base.metadata
from tests.s3server import documents_in_s3, s3_bucket, s3_server  # noqa: F401 - fixtures
from tests.twofactor.signin import answer_second_step, enrol_known_secret
from wallet import create_app
from wallet.core import clock
from wallet.core.db import Base
from wallet.core.migrate import upgrade

PASSWORD = "correct horse battery staple"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("WALLET_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    """The application under test, its schema made by the migrations."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": _database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    with application.app_context():
        _reset_schema(application.extensions["db_engine"])
        upgrade()
    yield application
    application.extensions["db_engine"].dispose()


def pytest_collection_modifyitems(config, items) -> None:
    """Skip PostgreSQL-only tests, with the reason shown, when the suite runs on SQLite."""
    url = os.environ.get("WALLET_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set WALLET_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    """Empty every table after each test; reset the clock."""
    yield
    clock.set_now(None)
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    engine = application.extensions["db_engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # The append-only triggers refuse DELETE: lift them for the clean-up only.
            triggers = conn.execute(
                sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
            for _name, sql in triggers:
                conn.execute(sa.text(sql))


@pytest.fixture(scope="session")
def observer_engine(app: Flask) -> Iterator[sa.Engine]:
    """A plain engine that only reads what is committed, as another process would.

    It takes no locks (no BEGIN IMMEDIATE on SQLite), so looking never blocks the app.
    """
    engine = sa.create_engine(app.config["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def db(observer_engine: sa.Engine) -> Iterator[Session]:
    """A session of its own for looking at the database; pushes no app context.

    Requests of the test client would share a pushed app context (and its session and
    logged-in user), so tests that use the client look at the database through this.
    """
    with Session(observer_engine) as own:
        yield own


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Session]:
    """An app context for calling services directly; yields the app's session.

    Not for tests that also use the client (see `db`).
    """
    from wallet.core.db import session

    with app.app_context():
        yield session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Runs `flask` CLI commands against the test app."""
    return app.test_cli_runner()


# --- factories: each returns a callable that makes one object and returns it (detached) ---


def _as_if_verified(user) -> None:
    """As if the person opened their verification link: verified, and its e-mail read and
    gone, so tests that count a person's mail see only their own. Needs an app context."""
    from wallet.core.db import unit_of_work
    from wallet.notifications.models import OutboxMessage
    from wallet.verification.links import mark_verified

    with unit_of_work() as db:
        mark_verified(user, how="link")
        db.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.user_id == user.id, OutboxMessage.topic == "email_verification"
            )
        )


@pytest.fixture
def make_worker(app: Flask) -> Callable:
    """make_worker(email=..., verified=True, **profile) -> User; verified=False leaves the
    e-mail address unverified, as right after self-registration."""
    from wallet.accounts import services

    counter = iter(range(1, 10_000))

    def make(*, verified: bool = True, **fields):
        n = next(counter)
        data = {
            "name": f"Werkende {n}",
            "email": f"werkende{n}@example.nl",
            "password": PASSWORD,
            "date_of_birth": clock.today().replace(year=clock.today().year - 40),
            "municipality_code": "enschede",
            "employment_status": "employed",
            "sector": "techniek",
            "occupation": "Operator",
            "education_level": 3,
            "target_occupation": "Monteur",
        }
        data.update(fields)
        with app.app_context():
            user = services.register_worker(services.WorkerRegistration(**data))
            if verified:
                _as_if_verified(user)
            return user

    return make


@pytest.fixture
def make_provider_user(app: Flask) -> Callable:
    """make_provider_user(email=..., kvk_number=...) -> User (provider staff, pending)."""
    from wallet.providers import registration

    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        data = {
            "organisation_name": f"Opleider {n}",
            "kvk_number": f"{n:08d}",
            "name": f"Medewerker {n}",
            "email": f"opleider{n}@example.nl",
            "password": PASSWORD,
        }
        data.update(fields)
        with app.app_context():
            user = registration.register_provider(registration.ProviderRegistration(**data))
            _as_if_verified(user)
        enrol_known_secret(app, user)  # staff sign in with a second factor
        return user

    return make


@pytest.fixture
def make_employer_user(app: Flask) -> Callable:
    """make_employer_user(kvk_number=..., **details) -> User (employer staff, pending)."""
    from wallet.employers import services

    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        details = {
            "name": f"Werkgever {n}",
            "sbi_code": "17",
            "street": "Fabrieksstraat 1",
            "postcode": "7511 AB",
            "city": "Enschede",
            "municipality_code": "enschede",
            "iban": "NL91ABNA0417164300",
            "contact_email": f"hr{n}@werkgever.example.nl",
        }
        details.update({k: fields.pop(k) for k in list(fields) if k in details})
        data = {
            "kvk_number": f"{50_000_000 + n:08d}",
            "name": f"HR-medewerker {n}",
            "email": f"werkgever{n}@example.nl",
            "password": PASSWORD,
        }
        data.update(fields)
        with app.app_context():
            registration = services.EmployerRegistration(
                details=services.EmployerDetails(**details), **data
            )
            user = services.register_employer(registration)
            _as_if_verified(user)
        enrol_known_secret(app, user)
        return user

    return make


@pytest.fixture
def make_staff(app: Flask) -> Callable:
    """make_staff(role, fund_id=...) -> a fund administrator or labour broker (with a fund, new
    unless given) or a platform administrator."""
    from wallet.accounts import services
    from wallet.accounts.models import Role
    from wallet.core.db import session
    from wallet.funds.models import Fund
    from wallet.funds.services import create_fund

    counter = iter(range(1, 10_000))

    def make(role: Role, **fields):
        n = next(counter)
        with app.app_context():
            fund = session.get(Fund, fields["fund_id"]) if "fund_id" in fields else None
            if fund is None and role in (Role.FUND_ADMIN, Role.BROKER):
                fund = create_fund(f"Fonds {n}")
            user = services.create_staff_user(
                email=fields.get("email", f"{role.value}{n}@example.nl"),
                name=fields.get("name", f"{role.value} {n}"),
                password=PASSWORD,
                role=role,
                fund=fund,
            )
        enrol_known_secret(app, user)
        return user

    return make


@pytest.fixture
def make_user(make_worker, make_provider_user, make_employer_user, make_staff) -> Callable:
    """make_user(role) -> a user of any role."""
    from wallet.accounts.models import Role

    def make(role: Role):
        if role == Role.WORKER:
            return make_worker()
        if role == Role.PROVIDER_STAFF:
            return make_provider_user()
        if role == Role.EMPLOYER_STAFF:
            return make_employer_user()
        return make_staff(role)

    return make


@pytest.fixture
def login() -> Callable:
    """login(client, user) logs the client in through the login form, answering the second
    factor (staff) with the code of the user's authenticator."""

    def do_login(client: FlaskClient, user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.text
        response = answer_second_step(client, response, user.email)
        assert response.status_code in (200, 302), response.text
        return response

    return do_login


# --- a live server for the browser tests ---


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on 127.0.0.1 in a thread; yields its base URL."""
    live = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": True,
            "LOG_LEVEL": "WARNING",  # not a line per request of the browser in the test output
        }
    )
    server = make_server("127.0.0.1", 0, live, threaded=True)
    live.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in its e-mails
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    live.extensions["db_engine"].dispose()


@pytest.fixture
def behind_a_proxy(app: Flask) -> Iterator[Callable]:
    """behind_a_proxy(trusted) -> a client of an app that believes `trusted` proxies."""
    made: list[Flask] = []

    def make(trusted: int) -> FlaskClient:
        proxied = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "WTF_CSRF_ENABLED": False,
                "TRUSTED_PROXIES": trusted,
            }
        )
        made.append(proxied)
        return proxied.test_client()

    yield make
    for proxied in made:
        proxied.extensions["db_engine"].dispose()


def csrf_token_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# --- money factories ---


@pytest.fixture
def make_fund(app: Flask) -> Callable:
    """make_fund(deposit_cents=0, name=...) -> Fund, with the deposit in its pot."""
    from wallet.funds import services

    counter = iter(range(1, 10_000))

    def make(deposit_cents: int = 0, name: str | None = None):
        with app.app_context():
            fund = services.create_fund(name or f"Testfonds {next(counter)}")
            if deposit_cents:
                services.deposit(fund.id, deposit_cents, reference="start")
            return fund

    return make


@pytest.fixture
def make_scheme(app: Flask) -> Callable:
    """make_scheme(fund, mode="manual", amount_cents=100_000, rules=..., ...) -> active Scheme."""
    from wallet.schemes import services

    def make(fund, *, activate: bool = True, **terms):
        values = {
            "name": "Scholingsbudget Twente",
            "allocation_mode": "manual",
            "amount_cents": 100_000,
            "validity_months": 12,
            "rules": {},
        }
        values.update(terms)
        with app.app_context():
            scheme = services.define_scheme(fund.id, services.SchemeTerms(**values))
            return services.activate_scheme(scheme.id) if activate else scheme

    return make


@pytest.fixture
def make_windowed_scheme(make_scheme) -> Callable:
    """make_windowed_scheme(fund, mode, grants=N, opened=days ago, closes=days ahead) -> an
    active first-come or lottery scheme whose cap holds exactly N budgets."""

    def make(fund, mode: str, *, grants: int, opened: int = 1, closes: int = 30, **terms):
        today = clock.today()
        amount = terms.pop("amount_cents", 100_000)
        return make_scheme(
            fund,
            allocation_mode=mode,
            amount_cents=amount,
            total_cap_cents=grants * amount,
            window_opens_on=today - dt.timedelta(days=opened),
            window_closes_on=today + dt.timedelta(days=closes),
            **terms,
        )

    return make


@pytest.fixture
def make_grant(app: Flask) -> Callable:
    """make_grant(scheme, worker, cents=None) -> Grant (granted by hand)."""
    from wallet.grants import balances, granting

    def make(scheme, worker, cents: int | None = None):
        with app.app_context():
            outcome = granting.grant_to_worker(scheme.id, worker.id, actor_id=None, cents=cents)
            return balances.get_grant(outcome.result_id)

    return make


@pytest.fixture
def api_headers(app: Flask) -> Callable:
    """api_headers(user) -> the Authorization header of a new API token of that user."""
    from wallet.accounts.models import User
    from wallet.accounts.services import create_api_token
    from wallet.core.db import session

    def make(user) -> dict:
        with app.app_context():
            token, plain = create_api_token(session.get(User, user.id), "test system")
            # Tests that move the clock by months (follow-ups at 6 and 12 months) keep their
            # token; expiry itself is tested in tests/accounts/test_token_scopes.py.
            token.expires_at = token.created_at + dt.timedelta(days=3650)
            session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def accredited_provider(app, make_provider_user):
    """A provider user whose organisation is accredited (with a CRKBO registration)."""
    import datetime as dt

    from wallet.providers import services

    user = make_provider_user()
    claim = services.AccreditationClaim(
        kind="crkbo",
        reference="CRKBO-1",
        evidence="register",
        valid_from=clock.today() - dt.timedelta(days=1),
    )
    with app.app_context():
        services.add_accreditation(user.provider_id, claim, actor_id=user.id)
        services.change_status(user.provider_id, "accredit", reason="ok", actor_id=None)
    return user
