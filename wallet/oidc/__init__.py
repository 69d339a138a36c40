"""Sign-in with an OpenID Connect identity provider (DigiD through a broker, later
eHerkenning): the issuer's pseudonymous subject identifies the person."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The issuer's client (when configured) and the pages (404 when not)."""
    from wallet.oidc import client
    from wallet.oidc.views import bp

    client.init_app(app)
    app.register_blueprint(bp)
