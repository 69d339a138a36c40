"""The relying party: authorization code flow with PKCE against the configured issuer.

authlib does the protocol. `begin` makes the authorization request (state, nonce and an
S256 code challenge, kept in the session); `finish` checks the answer's state, exchanges
the code with the code verifier and verifies the ID token: its signature with the issuer's
JWKS, `iss` (the configured issuer, also the discovery document's), `aud` (our client id),
`exp` and `iat`, and `nonce` (the one this session sent). State and nonce are used once.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth, OAuthError
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import Flask, current_app, session
from flask_babel import gettext as _
from joserfc.errors import JoseError

import config as settings
from wallet.core.errors import DomainError
from wallet.core.urls import external_url

CLIENT_NAME = "oidc"
# Seconds to wait for the provider (discovery, JWKS, token): a slow provider gets a clear
# page instead of a hanging request.
PROVIDER_TIMEOUT = 10


class SignInFailed(DomainError):
    """The identity provider's answer could not be trusted or did not name a person."""

    status = 400
    title = "Sign-in failed"
    code = "oidc-sign-in-failed"


class SignInCancelled(DomainError):
    """The person (or the provider) declined to share the identity."""

    status = 403
    title = "Sign-in cancelled"
    code = "oidc-sign-in-cancelled"


class ProviderUnavailable(DomainError):
    """The identity provider did not answer, or not sensibly."""

    status = 503
    title = "Identity provider unavailable"
    code = "oidc-provider-unavailable"


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in: the pseudonymous subject and what it told about them."""

    issuer: str
    subject: str
    name: str = ""
    email: str = ""


def is_configured(app: Flask | None = None) -> bool:
    """True when an issuer is configured: the button shows and the pages answer."""
    return bool((app or current_app).config.get("OIDC_ISSUER"))


def init_app(app: Flask) -> None:
    """Register the issuer as authlib's client of this app (one per app, none when unset)."""
    if not is_configured(app):
        return
    if not app.config.get("OIDC_CLIENT_ID"):
        raise settings.ConfigurationError("OIDC_CLIENT_ID must be set with OIDC_ISSUER.")
    issuer = app.config["OIDC_ISSUER"]
    if app.config.get("ENVIRONMENT") == "production" and not issuer.startswith("https://"):
        raise settings.ConfigurationError("OIDC_ISSUER must be an https:// address in production.")
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        overwrite=True,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )


def _client() -> FlaskOAuth2App:
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    return oauth.create_client(CLIENT_NAME)


def _metadata(client: FlaskOAuth2App) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("identity provider discovery failed: %s", error)
        raise ProviderUnavailable(_unavailable()) from error
    issuer = current_app.config["OIDC_ISSUER"]
    # OpenID Connect Discovery 4.3: the document's issuer is exactly the configured one, so
    # a document from elsewhere cannot make us trust another issuer's tokens.
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        client.server_metadata.pop("_loaded_at", None)
        current_app.logger.warning("discovery names issuer %r", metadata.get("issuer"))
        raise ProviderUnavailable(_unavailable())
    return metadata


def _unavailable() -> str:
    return _(
        "%(label)s cannot be reached right now. Try again in a few minutes, or log in "
        "with your e-mail address and password.",
        label=current_app.config["OIDC_LABEL"],
    )


def begin():
    """The redirect to the provider's authorization endpoint; state, nonce and the PKCE code
    verifier wait in the session for the answer."""
    client = _client()
    _metadata(client)
    # One sign-in at a time per session: an earlier one's state (and its nonce and verifier)
    # is forgotten, so its answer is refused and the session cookie never grows.
    for key in [key for key in session if key.startswith(f"_state_{CLIENT_NAME}_")]:
        session.pop(key)
    return client.authorize_redirect(external_url("oidc.callback"))


def finish() -> ProviderIdentity:
    """The identity in the provider's answer to `begin`, checked; a DomainError otherwise."""
    client = _client()
    metadata = _metadata(client)
    try:
        token = client.authorize_access_token()
    except OAuthError as error:
        raise _refusal(error) from error
    except requests.RequestException as error:
        current_app.logger.warning("identity provider token request failed: %s", error)
        raise ProviderUnavailable(_unavailable()) from error
    except (JoseError, AuthlibBaseError, ValueError) as error:
        # A bad signature, another issuer or audience, an expired token, another session's
        # nonce: nothing of it is believed.
        current_app.logger.warning("ID token refused: %r", error)
        raise SignInFailed(_not_trusted()) from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        # No ID token (an OAuth-only answer) names nobody.
        raise SignInFailed(_not_trusted())
    return ProviderIdentity(
        issuer=metadata["issuer"],
        subject=str(claims["sub"]),
        name=str(claims.get("name") or "")[:200],
        email=str(claims.get("email") or "")[:254],
    )


def _not_trusted() -> str:
    return _(
        "The answer from %(label)s could not be verified, so you are not logged in. "
        "Please start again.",
        label=current_app.config["OIDC_LABEL"],
    )


def _refusal(error: OAuthError) -> DomainError:
    if error.error == "mismatching_state":
        current_app.logger.warning("OpenID Connect answer with an unknown state")
        return SignInFailed(
            _(
                "This sign-in answer does not belong to a sign-in started here, or it was "
                "already used. Please start again."
            )
        )
    if error.error in ("access_denied", "consent_required", "login_required"):
        return SignInCancelled(
            _(
                "The sign-in with %(label)s was cancelled, so you are not logged in.",
                label=current_app.config["OIDC_LABEL"],
            )
        )
    current_app.logger.warning("identity provider refused: %s %s", error.error, error.description)
    return SignInFailed(_not_trusted())
