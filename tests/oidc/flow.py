"""A real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1, apps that trust it, and
the steps of a sign-in.

The provider is authlib's authorization server with discovery, JWKS, RS256-signed ID tokens
and a consent page that is answered by posting its form with the chosen `sub`, as a person
would in a browser. Every request that reaches it is recorded, so a test can see what the
app sent (the PKCE code verifier of the token request, for one).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from wallet import create_app

CLIENT_ID = "leerwallet-test"
CLIENT_SECRET = "leerwallet-test-secret"


@dataclass
class Provider:
    """A running provider: its issuer and the form bodies of the requests it received."""

    issuer: str
    received: list[tuple[str, dict]] = field(default_factory=list)
    stop: Callable[[], None] = lambda: None
    # Set to change the token endpoint's answer on its way back, as a network attacker would.
    tamper: Callable[[dict], dict] | None = None

    def set_person(self, sub: str, **claims) -> None:
        """What the provider tells about `sub` (name, email, ...)."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def answer(self, authorize_url: str, sub: str | None = None, *, deny=False) -> str:
        """The person answers the consent page; returns where the provider sends them back."""
        data = {"action": "deny"} if deny else {"sub": sub}
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def token_requests(self) -> list[dict]:
        """The form bodies of every token request, oldest first."""
        return [form for path, form in self.received if path == "/oauth2/token"]


def _recording(app, provider: Provider):
    def wsgi(environ, start_response):
        # Read the body once and hand the provider an unread copy of it.
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        form = {name: values[0] for name, values in parse_qs(body.decode("latin-1")).items()}
        provider.received.append((environ["PATH_INFO"], form))
        if provider.tamper is None or environ["PATH_INFO"] != "/oauth2/token":
            return app(environ, start_response)
        answer: dict = {}

        def keep(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)

        body = json.dumps(provider.tamper(json.loads(b"".join(app(environ, keep))))).encode()
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        start_response(answer["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


@pytest.fixture
def start_provider() -> Iterator[Callable[[], Provider]]:
    """start_provider() -> a new provider (a new issuer) on 127.0.0.1, stopped after the test."""
    stopping: list[Callable[[], None]] = []

    def start() -> Provider:
        provider = Provider(issuer="")
        server = make_server(
            "127.0.0.1", 0, _recording(oidc_provider_mock.app(), provider), threaded=True
        )
        provider.issuer = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            if thread.is_alive():
                server.shutdown()
                server.server_close()
                thread.join(5)

        provider.stop = stop
        stopping.append(stop)
        return provider

    yield start
    for stop in stopping:
        stop()


@pytest.fixture
def provider(start_provider) -> Provider:
    """One running provider."""
    return start_provider()


@pytest.fixture
def make_oidc_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """make_oidc_app(issuer, **settings) -> an app on the test database trusting `issuer`."""
    made: list[Flask] = []

    def make(issuer: str | None, **settings) -> Flask:
        configured = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "WTF_CSRF_ENABLED": False,
                "OIDC_ISSUER": issuer,
                "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_LABEL": "DigiD via Testmakelaar",
                **settings,
            }
        )
        made.append(configured)
        return configured

    yield make
    for configured in made:
        configured.extensions["db_engine"].dispose()


@pytest.fixture
def oidc_client(make_oidc_app, provider) -> FlaskClient:
    """A browser-like client of an app that trusts `provider`."""
    return make_oidc_app(provider.issuer).test_client()


def start_sign_in(client: FlaskClient) -> str:
    """Press the button: the provider's authorization URL the app sends the browser to."""
    response = client.get("/oidc/login")
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def local(url: str) -> str:
    """The path and query of a URL on the app, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query(url: str) -> dict[str, str]:
    """The query parameters of `url`, one value each."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def sign_in(client: FlaskClient, provider: Provider, sub: str):
    """The whole round trip: button, consent at the provider as `sub`, back to the app."""
    back = provider.answer(start_sign_in(client), sub)
    return client.get(local(back))


def logged_in_user_id(client: FlaskClient) -> int | None:
    """The user id flask-login keeps in the client's session, or None."""
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return int(user_id) if user_id is not None else None
