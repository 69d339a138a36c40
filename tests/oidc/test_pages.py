"""The button and pages of identity-provider sign-in: off without an issuer, signing up with
what the provider told, and a clear page (nothing written) when anything goes wrong."""

import datetime as dt
import socket

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.oidc.flow import local, logged_in_user_id, sign_in, start_sign_in
from wallet.accounts.models import User, WorkerProfile
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.oidc.models import OidcIdentity

PAGES = ["/oidc/login", "/oidc/callback?code=x&state=y", "/oidc/link", "/oidc/register"]


@pytest.mark.parametrize("path", PAGES)
def test_without_an_issuer_every_page_is_404(make_oidc_app, path):
    client = make_oidc_app(None).test_client()
    assert client.get(path).status_code == 404


def test_the_login_page_shows_the_button_only_with_an_issuer(make_oidc_app, client):
    assert "/oidc/login" not in client.get("/login").text
    configured = make_oidc_app("http://127.0.0.1:9", OIDC_LABEL="DigiD via Signicat").test_client()
    page = configured.get("/login?next=/catalogue").text
    assert "Inloggen met DigiD via Signicat" in page
    assert 'href="/oidc/login?next=/catalogue"' in page


def test_an_issuer_without_a_client_id_stops_the_app(make_oidc_app):
    from config import ConfigurationError

    with pytest.raises(ConfigurationError, match="OIDC_CLIENT_ID"):
        make_oidc_app("http://127.0.0.1:9", OIDC_CLIENT_ID=None)


def test_production_wants_an_https_issuer(app, monkeypatch):
    from config import ConfigurationError
    from wallet import create_app

    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("BASE_URL", "https://leerwallet.example")
    settings = {"ENVIRONMENT": "production", "OIDC_CLIENT_ID": "leerwallet"}
    with pytest.raises(ConfigurationError, match="https"):
        create_app({**settings, "OIDC_ISSUER": "http://broker.example"})
    production = create_app({**settings, "OIDC_ISSUER": "https://broker.example"})
    production.extensions["db_engine"].dispose()


def _worker_form(**changes) -> dict:
    form = {
        "name": "Sanne de Vries",
        "email": "sanne@example.nl",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "preferred_language": "nl",
        "date_of_birth": "1985-04-12",
        "municipality_code": "enschede",
        "employment_status": "employed",
        "sector": "techniek",
        "occupation": "Operator",
        "education_level": "3",
        "target_occupation": "Monteur",
    }
    form.update(changes)
    return form


def test_a_new_person_signs_up_prefilled_and_linked(oidc_client, provider, db):
    provider.set_person("pseudo-new", name="Sanne de Vries", email="sanne@example.nl")
    sign_in(oidc_client, provider, "pseudo-new")
    page = oidc_client.get("/oidc/register")
    assert page.status_code == 200
    assert 'value="Sanne de Vries"' in page.text
    assert 'value="sanne@example.nl"' in page.text
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    done = oidc_client.post("/oidc/register", data=_worker_form())
    assert done.status_code == 302, done.text
    user = db.scalar(sa.select(User).where(User.email == "sanne@example.nl"))
    assert user.role == "worker"
    assert db.get(WorkerProfile, user.id).municipality_code == "enschede"
    assert logged_in_user_id(oidc_client) == user.id
    identity = db.scalar(sa.select(OidcIdentity))
    assert (identity.issuer, identity.subject, identity.user_id) == (
        provider.issuer,
        "pseudo-new",
        user.id,
    )


def test_a_refused_sign_up_writes_nothing(oidc_client, provider, make_worker, db):
    taken = make_worker()
    sign_in(oidc_client, provider, "pseudo-new")
    page = oidc_client.post("/oidc/register", data=_worker_form(email=taken.email))
    assert page.status_code == 422
    assert "bestaat al" in page.text
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(OidcIdentity)) == 0
    assert logged_in_user_id(oidc_client) is None


def test_a_sign_up_whose_identity_was_linked_meanwhile_writes_nothing(
    oidc_client, make_oidc_app, provider, make_worker, db
):
    sign_in(oidc_client, provider, "pseudo-new")
    # The same person links the identity to their account in another browser first.
    worker = make_worker()
    other = make_oidc_app(provider.issuer).test_client()
    sign_in(other, provider, "pseudo-new")
    linked = other.post("/oidc/link", data={"email": worker.email, "password": PASSWORD})
    assert linked.status_code == 302
    page = oidc_client.post("/oidc/register", data=_worker_form())
    assert page.status_code == 409
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    actions = db.scalars(sa.select(AuditEvent.action))
    assert list(actions).count("oidc_identity_linked") == 1


def test_denied_consent_gives_a_clear_page(oidc_client, provider, db):
    back = provider.answer(start_sign_in(oidc_client), deny=True)
    page = oidc_client.get(local(back))
    assert page.status_code == 403
    assert "Het inloggen met DigiD via Testmakelaar is afgebroken" in page.text
    assert logged_in_user_id(oidc_client) is None
    assert oidc_client.get("/oidc/link").status_code == 400


def test_a_provider_that_does_not_answer_gives_a_clear_page(make_oidc_app):
    client = make_oidc_app(_closed_port_issuer()).test_client()
    page = client.get("/oidc/login")
    assert page.status_code == 503
    assert "DigiD via Testmakelaar is nu niet bereikbaar" in page.text
    assert logged_in_user_id(client) is None


def test_a_provider_gone_before_the_token_step_gives_a_clear_page(
    make_oidc_app, start_provider, db
):
    provider = start_provider()
    client = make_oidc_app(provider.issuer).test_client()
    back = provider.answer(start_sign_in(client), "pseudo-1")
    provider.stop()
    page = client.get(local(back))
    assert page.status_code == 503
    assert "niet bereikbaar" in page.text
    assert logged_in_user_id(client) is None
    assert db.scalar(sa.select(sa.func.count()).select_from(OidcIdentity)) == 0


def test_an_unknown_identity_waits_a_quarter_of_an_hour(oidc_client, provider, make_worker):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    clock.set_now(clock.now() + dt.timedelta(minutes=14))
    assert oidc_client.get("/oidc/link").status_code == 200
    clock.set_now(clock.now() + dt.timedelta(minutes=2))
    page = oidc_client.post("/oidc/link", data={"email": worker.email, "password": PASSWORD})
    assert page.status_code == 400
    assert "te veel tijd verstreken" in page.text
    assert logged_in_user_id(oidc_client) is None


def _closed_port_issuer() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
