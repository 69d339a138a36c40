"""Settings per environment; production refuses to start without its secrets."""

import pytest

import config
from wallet import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://localhost/leerwallet")
    with pytest.raises(config.ConfigurationError, match="SECRET_KEY"):
        create_app({"ENVIRONMENT": "production"})


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "too-short")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://localhost/leerwallet")
    with pytest.raises(config.ConfigurationError, match="32 characters"):
        config.load("production")


@pytest.fixture(autouse=True)
def _public_address(monkeypatch):
    """Production needs its public https address; each test may take it away."""
    monkeypatch.setenv("BASE_URL", "https://leerwallet.example")


@pytest.mark.parametrize("base_url", ["", "http://leerwallet.example"])
def test_production_refuses_to_start_without_its_https_address(monkeypatch, base_url):
    """E-mail links and Stripe return addresses come from BASE_URL, never from a request."""
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://localhost/leerwallet")
    monkeypatch.setenv("BASE_URL", base_url)
    with pytest.raises(config.ConfigurationError, match="BASE_URL"):
        config.load("production")


def test_production_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.internal/leerwallet")
    settings = config.load("production")
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db.internal/leerwallet"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["BASE_URL"] == "https://leerwallet.example"
    assert settings.get("STRIPE_SECRET_KEY") is None


def test_an_unknown_environment_is_refused():
    with pytest.raises(config.ConfigurationError, match="Unknown environment"):
        config.load("staging-typo")


def test_development_defaults_to_a_sqlite_file_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"ENVIRONMENT": "development"})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/leerwallet.db")
    app.extensions["db_engine"].dispose()


def test_security_headers_are_set(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_production_sends_hsts_and_development_does_not(app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    production = create_app({"ENVIRONMENT": "production"})
    try:
        response = production.test_client().get("/", base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        production.extensions["db_engine"].dispose()
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


def test_pages_for_a_signed_in_user_are_never_cached(client, make_worker, login):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, make_worker())
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/account/tokens").headers["Cache-Control"] == "no-store"
    # static files are the same for everyone and stay cacheable
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_api_answers_to_a_token_are_never_cached(client, make_provider_user, api_headers):
    response = client.get("/api/v1/me", headers=api_headers(make_provider_user()))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
