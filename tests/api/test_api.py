"""The API skeleton: a valid OpenAPI document, problem+json for every error."""

import pytest
from flask import Flask
from openapi_spec_validator import validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/me" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_the_documentation_page_lists_the_endpoints(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/me" in page.text


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_routes_are_problem_json_404(client, method):
    response = getattr(client, method)("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert response.json["title"] == "Not Found"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer lw_unknown", "Basic abc"])
def test_missing_or_wrong_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_method_is_problem_json_405(client):
    response = client.post("/api/v1/me", json={})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_bodies_that_are_not_json_or_too_large_are_refused(app, client):
    not_json = client.post("/api/v1/me", data="name=x", content_type="text/plain")
    assert not_json.status_code == 415
    broken = client.post("/api/v1/me", data="{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json["detail"] == "The request body is not valid JSON."
    big = "x" * (app.config["API_MAX_JSON_BYTES"] + 1)
    too_large = client.post("/api/v1/me", data=f'"{big}"', content_type="application/json")
    assert too_large.status_code == 413
    for response in (not_json, broken, too_large):
        assert response.mimetype == "application/problem+json"


@pytest.fixture
def guarded_app(app):
    """A tiny app wired like Leerwallet, with one API route for fund administrators only."""
    from wallet.accounts import access
    from wallet.core import db, errors

    tiny = Flask(__name__)
    tiny.config.update(app.config)
    db.init_app(tiny)
    access.init_app(tiny)
    errors.init_app(tiny)

    @tiny.get("/api/v1/fund-only")
    @role_required(Role.FUND_ADMIN)
    def fund_only():
        return {"ok": True}

    yield tiny
    tiny.extensions["db_engine"].dispose()


def test_wrong_role_is_403_and_right_role_passes(guarded_app, make_provider_user, api_headers):
    response = guarded_app.test_client().get(
        "/api/v1/fund-only", headers=api_headers(make_provider_user())
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
