"""API token scopes, expiry and last use: a token never does more than its scopes and its
user's role allow, stops at its expiry, and its last use is written at most once a minute."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from wallet.accounts.models import ApiToken, Role, User
from wallet.accounts.scopes import ROLE_SCOPES, Scope
from wallet.core import clock

MISSING = "https://leerwallet.nl/problems/missing-scope"


@pytest.fixture
def token_for(app):
    """token_for(user, *scopes, days=None) -> the Authorization header of a new token."""
    from wallet.accounts.services import create_api_token
    from wallet.core.db import session

    def make(user, *scopes: str, days: int | None = None) -> dict:
        with app.app_context():
            owner = session.get(User, user.id)
            _token, plain = create_api_token(owner, "koppeling", scopes or None, days)
        return {"Authorization": f"Bearer {plain}"}

    return make


def _refused_for_scope(response, scope: str) -> bool:
    return (
        response.status_code == 403
        and response.mimetype == "application/problem+json"
        and response.json["type"] == MISSING
        and response.json["errors"] == {"scope": scope}
        and f"'{scope}'" in response.json["detail"]
    )


# (role, method, path, the scope it needs). Paths name objects that need not exist: a
# request that passes the scope gate answers 404 or 422 from the handler, never 403.
ENDPOINTS = [
    (Role.FUND_ADMIN, "get", "/api/v1/fund/claims", "read"),
    (Role.FUND_ADMIN, "get", "/api/v1/payout-batches", "read"),
    (Role.FUND_ADMIN, "post", "/api/v1/claims/999999/approve", "claims"),
    (Role.FUND_ADMIN, "post", "/api/v1/fund/placements/999999/actions/approve", "claims"),
    (Role.FUND_ADMIN, "post", "/api/v1/payout-batches/999999/actions/submit", "payouts"),
    (Role.FUND_ADMIN, "post", "/api/v1/payout-items/999999/actions/mark_paid", "payouts"),
    (Role.FUND_ADMIN, "post", "/api/v1/schemes/999999/grants", "payouts"),
    (Role.FUND_ADMIN, "post", "/api/v1/schemes/999999/activate", "payouts"),
    (Role.PROVIDER_STAFF, "get", "/api/v1/provider/claims", "read"),
    (Role.PROVIDER_STAFF, "post", "/api/v1/provider/claims/999999/resubmit", "claims"),
    (Role.PROVIDER_STAFF, "post", "/api/v1/provider/applications/999999/confirm", "claims"),
    (Role.PROVIDER_STAFF, "put", "/api/v1/provider/courses", "catalogue"),
    (Role.EMPLOYER_STAFF, "get", "/api/v1/employer/applications", "read"),
    (Role.EMPLOYER_STAFF, "post", "/api/v1/employer/placements/999999/follow-ups", "claims"),
]


@pytest.mark.parametrize(("role", "method", "path", "needed"), ENDPOINTS)
def test_each_scope_opens_its_endpoints_and_no_other(
    client, make_user, token_for, role, method, path, needed
):
    user = make_user(role)
    for scope in sorted(ROLE_SCOPES[role]):
        response = getattr(client, method)(path, headers=token_for(user, scope), json={})
        if scope == needed:
            assert response.status_code != 403, (scope, path, response.text)
        else:
            assert _refused_for_scope(response, needed), (scope, path, response.text)


def test_a_deposit_needs_payouts_and_a_read_token_changes_nothing(
    client, db, make_staff, token_for
):
    from wallet.funds.models import Fund
    from wallet.ledger.models import LedgerTransaction

    admin = make_staff(Role.FUND_ADMIN)
    path = f"/api/v1/funds/{admin.fund_id}/deposits"
    body = {"amount_cents": 50_000, "reference": "Storting"}
    reader = token_for(admin, "read", "claims")
    assert _refused_for_scope(client.post(path, json=body, headers=reader), "payouts")
    assert client.get(f"/api/v1/funds/{admin.fund_id}", headers=reader).status_code == 200
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 0
    payer = token_for(admin, "payouts")
    assert client.post(path, json=body, headers=payer).status_code == 201
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 1
    # Without read, the payouts token cannot even look at the fund it just filled.
    assert _refused_for_scope(client.get(f"/api/v1/funds/{admin.fund_id}", headers=payer), "read")
    assert db.get(Fund, admin.fund_id) is not None


def test_every_api_write_declares_a_scope(app):
    """A write without a scope would be refused to every token; none may exist."""
    from wallet.api.scopes import READ_METHODS, scope_needed

    undeclared = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/v1/"):
                continue
            blueprint = app.blueprints[rule.endpoint.split(".")[0]]
            for method in rule.methods - READ_METHODS:
                if scope_needed(rule.endpoint, method, blueprint.write_scope) is None:
                    undeclared.append((method, rule.rule))
            assert scope_needed(rule.endpoint, "GET", blueprint.write_scope) == Scope.READ
    assert undeclared == []


def test_a_token_refused_for_scope_names_it_in_a_readable_problem(client, make_staff, token_for):
    admin = make_staff(Role.FUND_ADMIN)
    response = client.post("/api/v1/payout-batches", json={}, headers=token_for(admin, "read"))
    assert _refused_for_scope(response, "payouts")
    assert response.json["title"] == "Missing scope"


def test_the_role_bounds_the_scopes_a_token_may_get(client, db, make_provider_user, login):
    login(client, make_provider_user())
    data = {"name": "Koppeling", "scopes": ["read", "payouts"], "valid_days": 90}
    response = client.post("/account/tokens", data=data)
    assert response.status_code == 422
    assert "payouts" in response.text
    assert db.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    nothing = {"name": "Koppeling", "valid_days": 90}
    assert client.post("/account/tokens", data=nothing).status_code == 422
    assert db.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_scope_the_role_does_not_allow_is_never_effective(app, make_provider_user):
    """A token row with more than the role allows (an edited database, a changed rule) still
    does only what the role allows."""
    from wallet.accounts.services import token_scopes
    from wallet.core.db import session

    user = make_provider_user()
    with app.app_context():
        expiry = clock.now() + dt.timedelta(days=1)
        token = ApiToken(
            user_id=user.id,
            name="x",
            prefix="lw_x",
            token_hash="0" * 64,
            scopes="read payouts",
            expires_at=expiry,
        )
        session.add(token)
        session.flush()
        assert token_scopes(token) == {Scope.READ}
        session.rollback()


def test_the_scopes_page_asks_and_shows_scopes_expiry_and_last_use(
    client, make_provider_user, login, token_for
):
    user = make_provider_user(preferred_language="en")
    login(client, user)
    page = client.get("/account/tokens").text
    for scope in ("read", "claims", "catalogue"):
        assert f'value="{scope}"' in page
    assert 'value="payouts"' not in page  # a provider's role cannot give it
    assert re.search(r'id="valid_days"[^>]* type="number" value="90">', page)
    data = {"name": "Rooster", "scopes": ["read", "catalogue"], "valid_days": 30}
    assert client.post("/account/tokens", data=data).status_code == 200
    listed = client.get("/account/tokens").text
    assert "read, catalogue" in listed
    assert "Never" in listed
    expiry = (clock.now() + dt.timedelta(days=30)).strftime("%b %-d, %Y")
    assert expiry in listed


def test_a_token_expires_after_its_days(client, db, make_provider_user, token_for):
    headers = token_for(make_provider_user(), "read", days=2)
    token = db.scalar(sa.select(ApiToken))
    assert token.expires_at - token.created_at == dt.timedelta(days=2)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.set_now(token.expires_at - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.set_now(token.expires_at)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401
    assert expired.mimetype == "application/problem+json"


def test_a_token_lives_90_days_unless_chosen_and_never_beyond_the_maximum(
    app, db, make_provider_user, token_for
):
    from wallet.accounts.services import create_api_token
    from wallet.core.db import session
    from wallet.core.errors import ValidationFailed

    user = make_provider_user()
    token_for(user)
    token = db.scalar(sa.select(ApiToken))
    assert token.expires_at - token.created_at == dt.timedelta(days=90)
    assert token.scopes == "read claims catalogue"  # the service's default: the role's all
    with app.app_context():
        owner = session.get(User, user.id)
        create_api_token(owner, "jaar", ["read"], 365)
        for days in (0, 366):
            with pytest.raises(ValidationFailed) as refused:
                create_api_token(owner, "te lang", ["read"], days)
            assert "valid_days" in refused.value.errors


def test_the_last_use_is_written_at_most_once_a_minute(client, db, make_provider_user, token_for):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    clock.set_now(start)
    headers = token_for(make_provider_user(), "read")

    def last_used():
        db.expire_all()
        return db.scalar(sa.select(ApiToken.last_used_at))

    assert last_used() is None
    client.get("/api/v1/me", headers=headers)
    assert last_used() == start
    clock.set_now(start + dt.timedelta(seconds=59))
    client.get("/api/v1/me", headers=headers)
    assert last_used() == start  # not rewritten within the minute
    later = start + dt.timedelta(seconds=60)
    clock.set_now(later)
    client.get("/api/v1/me", headers=headers)
    assert last_used() == later
    # A refused request (missing scope) is still a use of the token.
    clock.set_now(later + dt.timedelta(minutes=5))
    client.put("/api/v1/provider/courses", json={}, headers=headers)
    assert last_used() == later + dt.timedelta(minutes=5)


def test_the_openapi_document_names_the_scope_of_every_secured_operation(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]
    assert paths["/api/v1/funds/{fund_id}/deposits"]["post"]["security"] == [
        {"bearerAuth": ["payouts"]}
    ]
    assert paths["/api/v1/fund/claims"]["get"]["security"] == [{"bearerAuth": ["read"]}]
    assert paths["/api/v1/provider/courses"]["put"]["x-scope"] == "catalogue"
    assert paths["/api/v1/provider/claims"]["post"]["x-scope"] == "claims"
    described = spec["components"]["securitySchemes"]["bearerAuth"]["description"]
    assert all(f"`{scope}`" in described for scope in Scope)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path.startswith("/api/v1/") and isinstance(operation, dict):
                assert operation.get("x-scope") in {s.value for s in Scope}, (method, path)


def test_existing_tokens_get_their_roles_scopes_and_90_days_by_the_migration(tmp_path):
    from wallet import create_app
    from wallet.core.migrate import upgrade

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    engine = app.extensions["db_engine"]
    rows = [
        "INSERT INTO providers (id, name, kvk_number, status, created_at,"
        " stripe_payouts_enabled) VALUES (1, 'O', '12345678', 'pending', '2026-01-01', 0)",
        "INSERT INTO users (id, email, password_hash, name, role, provider_id,"
        " preferred_language, active, created_at)"
        " VALUES (1, 'o@example.nl', 'x', 'N', 'provider_staff', 1, 'nl', 1, '2026-01-01')",
        "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at)"
        " VALUES (1, 1, 'oud', 'lw_oud', 'abc', '2025-01-01')",
    ]
    try:
        with app.app_context():
            upgrade("0024_money_rollup")
            with engine.begin() as conn:
                for row in rows:
                    conn.execute(sa.text(row))
            upgrade()
            with engine.connect() as conn:
                scopes, expires = conn.execute(
                    sa.select(ApiToken.scopes, ApiToken.expires_at)
                ).one()
    finally:
        engine.dispose()
    assert scopes == "read claims catalogue"
    now = dt.datetime.now(dt.UTC)
    assert now + dt.timedelta(days=89) < expires <= now + dt.timedelta(days=90)


def test_a_handler_can_declare_a_scope_other_than_its_methods_default():
    """`@requires_scope` wins over GET's read and over the blueprint's write scope."""
    from flask import Flask
    from flask.views import MethodView

    from wallet.api.scopes import requires_scope, scope_needed

    probe = Flask(__name__)

    @requires_scope(Scope.PAYOUTS)
    def sepa_file():
        return ""

    class Import(MethodView):
        @requires_scope(Scope.CATALOGUE)
        def post(self):
            return ""

        def get(self):
            return ""

    probe.add_url_rule("/sepa", view_func=sepa_file)
    probe.add_url_rule("/import", view_func=Import.as_view("import"))
    with probe.app_context():
        assert scope_needed("sepa_file", "GET", Scope.CLAIMS) == Scope.PAYOUTS
        assert scope_needed("import", "POST", Scope.CLAIMS) == Scope.CATALOGUE
        assert scope_needed("import", "GET", Scope.CLAIMS) == Scope.READ
        assert scope_needed("import", "PUT", None) is None


def test_an_expired_token_is_listed_as_expired(client, make_provider_user, login, token_for):
    user = make_provider_user(preferred_language="en")
    token_for(user, "read", days=1)
    login(client, user)
    assert "Expired" not in client.get("/account/tokens").text
    clock.set_now(clock.now() + dt.timedelta(days=1, seconds=1))
    login(client, user)  # a day later the session has ended too
    assert "Expired" in client.get("/account/tokens").text
