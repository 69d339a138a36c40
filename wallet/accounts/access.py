"""Who is asking, and may they: flask-login wiring and the one role check used everywhere.

Web pages authenticate with the session cookie; /api authenticates only with a bearer
token, so a browser's cookie can never make a cross-site API call on someone's behalf.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from wallet.accounts.models import Role, User
from wallet.core.db import session
from wallet.core.errors import problem, wants_problem_json

login_manager = LoginManager()


@login_manager.user_loader
def _load_user_from_session(user_id: str) -> User | None:
    if wants_problem_json():
        return None
    user = session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@login_manager.request_loader
def _load_user_from_token(req) -> User | None:
    if not wants_problem_json():
        return None
    scheme, _sep, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    from wallet.accounts.services import token_for

    api_token = token_for(token.strip())
    if api_token is None:
        return None
    g.api_token = api_token  # its scopes are checked by wallet.api.scopes
    return api_token.user


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_problem_json():
        detail = "Send a valid API token as 'Authorization: Bearer <token>'."
        headers = {"WWW-Authenticate": 'Bearer realm="leerwallet"'}
        return problem(401, "Unauthorized", detail, code="unauthorized", headers=headers)
    flash(_l("Log in to see this page."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def role_required(*roles: Role) -> Callable:
    """Let only logged-in users holding one of `roles` through: 401 if anonymous, else 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def init_app(app: Flask) -> None:
    """Attach the login manager."""
    login_manager.init_app(app)
    # The session is not bound to IP address or user agent, which the client chooses or which
    # change on the road; it lives on the server and gets a new id at sign-in instead.
    login_manager.session_protection = None
    login_manager.login_view = "accounts.login"
