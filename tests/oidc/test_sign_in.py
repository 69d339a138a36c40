"""Sign-in with an OpenID Connect provider: link once, then the subject logs the person in."""

import base64
import json

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import PASSWORD
from tests.oidc.flow import local, logged_in_user_id, query, sign_in, start_sign_in
from wallet.audit.models import AuditEvent
from wallet.notifications.models import OutboxMessage
from wallet.oidc.models import OidcIdentity


def _identities(db) -> list[tuple[str, str, int]]:
    rows = db.execute(sa.select(OidcIdentity.issuer, OidcIdentity.subject, OidcIdentity.user_id))
    return [tuple(row) for row in rows]


def _link(client, email: str, password: str = PASSWORD):
    return client.post("/oidc/link", data={"email": email, "password": password})


def test_the_first_sign_in_links_an_existing_account(oidc_client, provider, make_worker, db):
    worker = make_worker(name="Sanne de Vries")
    provider.set_person("pseudo-sanne", name="S. de Vries", email=worker.email)

    page = sign_in(oidc_client, provider, "pseudo-sanne")
    assert page.status_code == 302
    assert page.headers["Location"] == "/oidc/link"
    assert logged_in_user_id(oidc_client) is None
    assert _identities(db) == []
    form = oidc_client.get("/oidc/link")
    assert "DigiD via Testmakelaar" in form.text
    assert f'value="{worker.email}"' in form.text  # prefilled with what the provider told

    linked = _link(oidc_client, worker.email)
    assert linked.status_code == 302, linked.text
    assert logged_in_user_id(oidc_client) == worker.id
    assert _identities(db) == [(provider.issuer, "pseudo-sanne", worker.id)]
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "oidc_identity_linked"))
    assert (event.subject_id, event.actor_id) == (worker.id, worker.id)
    assert event.after["issuer"] == provider.issuer
    assert "pseudo-sanne" not in str(event.after)
    notice = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == worker.id))
    assert notice.topic == "oidc_identity_linked"
    assert "DigiD via Testmakelaar" in notice.subject


def test_the_second_sign_in_logs_in_without_a_password(
    oidc_client, make_oidc_app, provider, make_worker, db
):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)

    fresh = make_oidc_app(provider.issuer).test_client()
    page = sign_in(fresh, provider, "pseudo-1")
    assert page.status_code == 302
    assert page.headers["Location"] == "/"
    assert logged_in_user_id(fresh) == worker.id
    used = db.scalar(sa.select(OidcIdentity.last_used_at))
    assert used is not None


def test_a_sign_in_keeps_nothing_of_the_anonymous_session(oidc_client, provider, make_worker):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)
    with oidc_client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(oidc_client, provider, "pseudo-1")
    with oidc_client.session_transaction() as session:
        assert "planted" not in session
        assert not [key for key in session if key.startswith("_state_")]


def test_the_login_goes_back_to_the_page_asked_for(oidc_client, provider, make_worker):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)
    authorize = oidc_client.get("/oidc/login?next=/catalogue").headers["Location"]
    page = oidc_client.get(local(provider.answer(authorize, "pseudo-1")))
    assert page.headers["Location"] == "/catalogue"
    evil = oidc_client.get("/oidc/login?next=//evil.example").headers["Location"]
    assert oidc_client.get(local(provider.answer(evil, "pseudo-1"))).headers["Location"] == "/"


def test_the_request_uses_pkce_state_and_nonce(oidc_client, provider, make_worker):
    authorize = start_sign_in(oidc_client)
    asked = query(authorize)
    assert authorize.startswith(provider.issuer + "/oauth2/authorize?")
    assert asked["response_type"] == "code"
    assert asked["client_id"] == "leerwallet-test"
    assert asked["redirect_uri"] == "http://127.0.0.1:5000/oidc/callback"
    assert set(asked["scope"].split()) == {"openid", "profile", "email"}
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 20
    assert len(asked["nonce"]) >= 20
    oidc_client.get(local(provider.answer(authorize, "pseudo-1")))
    (token_request,) = provider.token_requests()
    # The verifier sent with the code is the one whose S256 digest went to the provider.
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    verifier = token_request["code_verifier"]
    assert create_s256_code_challenge(verifier) == asked["code_challenge"]
    assert len(verifier) >= 43


def test_a_wrong_state_is_refused_and_nothing_written(oidc_client, provider, make_worker, db):
    worker = make_worker()
    back = provider.answer(start_sign_in(oidc_client), "pseudo-1")
    forged = local(back).replace(f"state={query(back)['state']}", "state=forged-state")
    page = oidc_client.get(forged)
    assert page.status_code == 400
    assert "Je bent niet ingelogd" in page.text
    assert logged_in_user_id(oidc_client) is None
    assert oidc_client.get("/oidc/link").status_code == 400  # no identity waits
    assert _link(oidc_client, worker.email).status_code == 400
    assert _identities(db) == []
    assert provider.token_requests() == []  # the code was never even exchanged


def test_an_answer_is_used_once(oidc_client, make_oidc_app, provider, make_worker):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)
    fresh = make_oidc_app(provider.issuer).test_client()
    back = local(provider.answer(start_sign_in(fresh), "pseudo-1"))
    assert fresh.get(back).status_code == 302
    fresh.post("/logout", data={})
    assert logged_in_user_id(fresh) is None
    replay = fresh.get(back)  # the same state, code and nonce again
    assert replay.status_code == 400
    assert logged_in_user_id(fresh) is None


def test_only_the_latest_sign_in_of_a_session_is_answered(oidc_client, provider, make_worker):
    worker = make_worker()
    first = provider.answer(start_sign_in(oidc_client), "pseudo-1")
    latest = provider.answer(start_sign_in(oidc_client), "pseudo-1")
    assert oidc_client.get(local(first)).status_code == 400
    assert oidc_client.get(local(latest)).headers["Location"] == "/oidc/link"
    assert _link(oidc_client, worker.email).status_code == 302


def test_an_id_token_with_another_sessions_nonce_is_refused(
    oidc_client, make_oidc_app, provider, make_worker, db
):
    """A code (and its ID token) issued to one browser's sign-in, injected into another's
    under that one's own valid state: the nonce in the ID token is not the one sent."""
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)
    oidc_client.post("/logout", data={})

    victim = make_oidc_app(provider.issuer).test_client()
    victims_state = query(start_sign_in(victim))["state"]
    attackers = provider.answer(start_sign_in(oidc_client), "pseudo-1")
    injected = local(attackers).replace(
        f"state={query(attackers)['state']}", f"state={victims_state}"
    )
    page = victim.get(injected)
    assert page.status_code == 400
    assert "kon niet worden gecontroleerd" in page.text
    assert logged_in_user_id(victim) is None
    assert len(provider.token_requests()) == 2  # exchanged, and its ID token refused


def test_an_account_is_linked_once_per_issuer(
    oidc_client, make_oidc_app, provider, make_worker, db
):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)

    other = make_oidc_app(provider.issuer).test_client()
    sign_in(other, provider, "pseudo-2")
    page = _link(other, worker.email)
    assert page.status_code == 409
    assert "kan één keer gekoppeld worden" in page.text
    assert logged_in_user_id(other) is None
    assert _identities(db) == [(provider.issuer, "pseudo-1", worker.id)]
    events = db.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_id == worker.id))
    assert list(events).count("oidc_identity_linked") == 1


def test_a_wrong_password_links_nothing(oidc_client, provider, make_worker, db):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    page = _link(oidc_client, worker.email, "not the password at all")
    assert page.status_code == 401
    assert logged_in_user_id(oidc_client) is None
    assert _identities(db) == []
    assert _link(oidc_client, worker.email).status_code == 302  # the identity still waits


def test_another_issuers_subject_is_another_person(
    oidc_client, make_oidc_app, start_provider, provider, make_worker, db
):
    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)

    elsewhere = start_provider()
    assert elsewhere.issuer != provider.issuer
    client = make_oidc_app(elsewhere.issuer).test_client()
    page = sign_in(client, elsewhere, "pseudo-1")  # the same `sub`, from another issuer
    assert page.headers["Location"] == "/oidc/link"
    assert logged_in_user_id(client) is None
    assert _link(client, worker.email).status_code == 302  # one identity per issuer
    assert sorted(_identities(db)) == sorted(
        [(provider.issuer, "pseudo-1", worker.id), (elsewhere.issuer, "pseudo-1", worker.id)]
    )


def test_an_inactive_account_is_not_logged_in(oidc_client, make_oidc_app, provider, make_worker):
    from wallet.accounts.models import User
    from wallet.core.db import session

    worker = make_worker()
    sign_in(oidc_client, provider, "pseudo-1")
    _link(oidc_client, worker.email)
    app = make_oidc_app(provider.issuer)
    with app.app_context():
        session.get(User, worker.id).active = False
        session.commit()
    client = app.test_client()
    page = sign_in(client, provider, "pseudo-1")
    assert page.headers["Location"] == "/oidc/link"
    assert logged_in_user_id(client) is None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _someone_else(header: dict, claims: dict, signature: str) -> str:
    """The provider's signature kept over a payload changed to another person."""
    return ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), signature]
    )


def _own_key(header: dict, claims: dict, signature: str) -> str:
    """Issuer, audience, nonce and expiry right, signed with another key (same key id)."""
    return jwt.encode(header, claims, RSAKey.generate_key(2048))


def _unsigned(header: dict, claims: dict, signature: str) -> str:
    """alg "none": no signature at all."""
    return ".".join(
        [
            _b64(json.dumps({**header, "alg": "none"}).encode()),
            _b64(json.dumps(claims).encode()),
            "",
        ]
    )


@pytest.mark.parametrize("forge", [_someone_else, _own_key, _unsigned])
def test_an_id_token_not_signed_by_the_issuers_key_is_refused(
    oidc_client, make_oidc_app, provider, make_worker, forge
):
    victim = make_worker()
    sign_in(oidc_client, provider, "pseudo-victim")
    _link(oidc_client, victim.email)
    oidc_client.post("/logout", data={})

    def forged(answer: dict) -> dict:
        header, claims, signature = answer["id_token"].split(".")
        # The attacker's own (valid) token, made to name the victim's subject.
        claims = {**json.loads(_unb64(claims)), "sub": "pseudo-victim"}
        return {**answer, "id_token": forge(json.loads(_unb64(header)), claims, signature)}

    provider.tamper = forged
    attacker = make_oidc_app(provider.issuer).test_client()
    page = sign_in(attacker, provider, "pseudo-attacker")
    assert page.status_code == 400
    assert "kon niet worden gecontroleerd" in page.text
    assert logged_in_user_id(attacker) is None


def test_staff_give_their_second_factor_after_the_provider(
    oidc_client, make_oidc_app, provider, make_staff
):
    """The provider's sign-in is the first factor only: a fund administrator is asked for the
    code of their authenticator app before anything opens."""
    from wallet.accounts.models import Role

    admin = make_staff(Role.FUND_ADMIN)
    sign_in(oidc_client, provider, "pseudo-admin")
    linked = _link(oidc_client, admin.email)
    assert linked.headers["Location"] == "/login/second-factor"
    assert logged_in_user_id(oidc_client) is None

    fresh = make_oidc_app(provider.issuer).test_client()
    page = sign_in(fresh, provider, "pseudo-admin")
    assert page.headers["Location"] == "/login/second-factor"
    assert logged_in_user_id(fresh) is None
