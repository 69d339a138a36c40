"""Logs: JSON lines on stderr, one request id on every line of a request, no secrets."""

import json
import logging
import sys
import types

import pytest
from flask import Blueprint, request

from wallet import create_app
from wallet.ops.logs import configure_logging, request_id_from

IBAN = "NL91ABNA0417164300"
DOCUMENT = "%PDF-1.7 1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj " * 20
noisy = Blueprint("noisy", __name__)
log = logging.getLogger("wallet.noisy")


@noisy.post("/_noisy")
def careless_view():
    """A view that logs everything it gets, as a hurried engineer might."""
    log.info("form received: %s", request.form.to_dict())
    log.warning("paying %s", request.form["iban"], extra={"content": request.form["document"]})
    try:
        raise RuntimeError(f"storing failed for password={request.form['password']}")
    except RuntimeError:
        log.exception("could not store the upload")
    return "ok"


@pytest.fixture
def json_app(app):
    """An app on the test database with INFO logging as JSON and the careless view."""
    logged = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
        }
    )
    logged.register_blueprint(noisy)
    yield logged
    logged.extensions["db_engine"].dispose()
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])


def _lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_one_request_gives_json_lines_with_one_request_id_user_and_no_secrets(
    json_app, make_worker, login, capsys
):
    worker = make_worker()
    client = json_app.test_client()
    login(client, worker)
    capsys.readouterr()

    form = {
        "password": "hunter2hunter2",
        "api_token": "lw_secret_0123456789",
        "iban": IBAN,
        "document": DOCUMENT,
    }
    response = client.post("/_noisy", data=form, headers={"X-Request-ID": "lb-7f3a9c2e11"})
    err = capsys.readouterr().err

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "lb-7f3a9c2e11"
    lines = _lines(err)
    assert len(lines) >= 4  # three from the view, one access line
    assert {line["request_id"] for line in lines} == {"lb-7f3a9c2e11"}
    assert {line["user_id"] for line in lines} == {worker.id}
    assert {line["role"] for line in lines} == {"worker"}
    access = [line for line in lines if line["logger"] == "wallet.access"]
    assert access[0]["status"] == 200
    assert access[0]["route"] == "/_noisy"
    assert access[0]["duration_ms"] >= 0
    failed = next(line for line in lines if line["level"] == "error")
    assert "RuntimeError" in failed["traceback"]
    for secret in ("hunter2hunter2", "lw_secret_0123456789", IBAN, "/Catalog"):
        assert secret not in err
    assert "**************4300" in err


def test_a_request_without_a_sane_id_gets_a_fresh_one(json_app, capsys):
    client = json_app.test_client()
    response = client.get("/no-such-page", headers={"X-Request-ID": '"}{"level":"x","y":"<b>'})
    made = response.headers["X-Request-ID"]
    assert len(made) == 32
    assert made.isalnum()
    lines = _lines(capsys.readouterr().err)
    assert [line["request_id"] for line in lines] == [made]
    assert "user_id" not in lines[0]  # nobody signed in


def test_the_access_line_names_the_route_never_a_token_in_the_path(json_app, capsys):
    json_app.test_client().get("/password/reset/s3cr3t-reset-token-value")
    err = capsys.readouterr().err
    assert "s3cr3t-reset-token-value" not in err
    assert "/password/reset/<token>" in err


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("0f6c2b1e-8d4a-4c7e-9a51-2f0d6b8e3c11", True),
        ("lb-7f3a9c2e11", True),
        ("short", False),
        ("has space inside", False),
        ("x" * 200, False),
        (None, False),
    ],
)
def test_request_ids_from_outside_are_kept_only_when_they_look_like_ids(header, kept):
    assert (request_id_from(header) == header) is kept


def test_text_format_for_a_terminal(capsys):
    try:
        configure_logging("INFO", "text")
        logging.getLogger("wallet.test").info("hello %s", "there", extra={"job": "x"})
        err = capsys.readouterr().err
    finally:
        configure_logging("WARNING", "json")
    assert "INFO    wallet.test: hello there  job=x" in err


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure_logging("INFO", "xml")


def test_sentry_is_set_up_only_with_a_dsn(app, monkeypatch):
    calls = []
    fake = types.SimpleNamespace(init=lambda **options: calls.append(options))
    monkeypatch.setitem(sys.modules, "sentry_sdk", fake)
    base = {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"]}
    create_app(base)
    assert calls == []
    create_app({**base, "SENTRY_DSN": "https://key@sentry.example/1"})
    assert calls[0]["dsn"] == "https://key@sentry.example/1"
    assert calls[0]["send_default_pii"] is False
    assert calls[0]["include_local_variables"] is False
    event = {"logentry": {"message": f"paid {IBAN}"}, "extra": {"password": "hunter2"}}
    scrubbed = calls[0]["before_send"](event, None)
    assert IBAN not in str(scrubbed)
    assert "hunter2" not in str(scrubbed)


def test_a_dsn_without_sentry_installed_only_warns(app, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # import raises ImportError
    configured = {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"]}
    configured.update(SENTRY_DSN="https://key@sentry.example/1")
    assert create_app(configured).test_client().get("/healthz").status_code == 200
    assert "sentry-sdk is not installed" in capsys.readouterr().err


def test_health_checks_and_scrapes_log_their_access_only_at_debug(json_app, capsys):
    client = json_app.test_client()
    client.get("/healthz")
    client.get("/metrics")  # off: 404, still quiet
    assert _lines(capsys.readouterr().err) == []
    configure_logging("DEBUG", "json")
    client.get("/healthz")
    assert [line["route"] for line in _lines(capsys.readouterr().err)] == ["/healthz"]


def test_production_logs_json_and_development_text_unless_told(monkeypatch):
    import config

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.internal/leerwallet")
    monkeypatch.setenv("BASE_URL", "https://leerwallet.example")
    assert config.load("production")["LOG_FORMAT"] == "json"
    assert config.load("development")["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert config.load("development")["LOG_FORMAT"] == "json"
