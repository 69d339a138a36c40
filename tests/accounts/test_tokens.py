"""API tokens: made in the UI, shown once, stored hashed, revoked at once."""

import sqlalchemy as sa

from wallet.accounts.models import ApiToken


def _make_token(client, name="Roosterkoppeling", scopes=("read",), valid_days=90) -> str:
    data = {"name": name, "scopes": list(scopes), "valid_days": valid_days}
    response = client.post("/account/tokens", data=data)
    assert response.status_code == 200
    start = response.text.index('id="new-token">') + len('id="new-token">')
    return response.text[start : response.text.index("<", start)]


def test_a_token_is_shown_once_and_stored_only_as_a_hash(client, db, make_provider_user, login):
    login(client, make_provider_user())
    plain = _make_token(client)
    assert plain.startswith("lw_")
    assert plain not in client.get("/account/tokens").text
    stored = db.scalar(sa.select(ApiToken))
    assert stored.token_hash != plain
    assert plain not in stored.token_hash
    assert stored.prefix == plain[:10]


def test_a_token_authenticates_the_api_until_revoked(client, db, make_provider_user, login):
    user = make_provider_user(name="Anouk")
    login(client, user)
    plain = _make_token(client)
    headers = {"Authorization": f"Bearer {plain}"}
    api = client.application.test_client()  # no session cookie: the API takes tokens only
    me = api.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json["name"] == "Anouk"
    assert me.json["role"] == "provider_staff"
    assert me.json["provider"]["status"] == "pending"
    token_id = db.scalar(sa.select(ApiToken.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    revoked = api.get("/api/v1/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.mimetype == "application/problem+json"


def test_an_empty_token_name_is_refused(client, db, make_provider_user, login):
    login(client, make_provider_user())
    response = client.post(
        "/account/tokens", data={"name": "  ", "scopes": ["read"], "valid_days": 90}
    )
    assert response.status_code == 422
    assert db.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_nobody_revokes_someone_elses_token(client, db, make_provider_user, login):
    owner, other = make_provider_user(), make_provider_user()
    login(client, owner)
    _make_token(client)
    token_id = db.scalar(sa.select(ApiToken.id))
    client.post("/logout")
    login(client, other)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    db.expire_all()
    assert db.get(ApiToken, token_id).revoked_at is None


def test_the_session_cookie_does_not_authenticate_the_api(client, make_provider_user, login):
    login(client, make_provider_user())
    assert client.get("/api/v1/me").status_code == 401


def test_making_and_revoking_a_token_is_audited_without_the_token(client, db, make_staff, login):
    """A token lets a system approve claims or grant budgets: who gave and took it is kept."""
    from wallet.accounts.models import Role
    from wallet.audit.models import AuditEvent

    admin = make_staff(Role.FUND_ADMIN)
    login(client, admin)
    plain = _make_token(client)
    token_id = db.scalar(sa.select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    client.post(f"/account/tokens/{token_id}/revoke")  # twice: one event
    events = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "user").order_by(AuditEvent.id)
    ).all()
    trail = [(e.subject_id, e.action, e.actor_id) for e in events if "token" in e.action]
    assert trail == [
        (admin.id, "api_token_created", admin.id),
        (admin.id, "api_token_revoked", admin.id),
    ]
    assert all(plain not in str(e.after) and plain[10:] not in str(e.after) for e in events)
