"""Server-side sessions: the session store, its signals and the "your sessions" page.

`init_app` puts the session interface in place, with Redis when REDIS_URL is set and the
database otherwise, and subscribes to sign-in, sign-out and password changes.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_login import user_logged_in, user_logged_out

from wallet.accounts.signals import (
    email_changed,
    password_changed,
    second_factor_changed,
    second_factor_given,
)
from wallet.sessions import services
from wallet.sessions.interface import ServerSessionInterface
from wallet.sessions.stores import DatabaseStore, RedisStore
from wallet.sessions.views import bp


def _signed_in(_app, user, **_extra) -> None:
    services.start_session_for(user)


def _signed_out(_app, **_extra) -> None:
    services.end_current_session()


def _password_changed(user, *, everywhere: bool, **_extra) -> None:
    # After a reset by link every session ends; after a change the one in use stays,
    # under a new id.
    keep = None if everywhere else services.current_session_id()
    services.end_sessions_of(user.id, keep=keep)
    if not everywhere:
        services.rotate_session()


def _second_factor_changed(user, **_extra) -> None:
    services.end_sessions_of(user.id, keep=services.current_session_id())
    services.rotate_session()


def _email_changed(user, *, keep_current: bool, **_extra) -> None:
    # Confirmed in the owner's own session: that one stays, under a new id; else all end.
    keep = services.current_session_id() if keep_current else None
    services.end_sessions_of(user.id, keep=keep)
    if keep_current:
        services.rotate_session()


def _second_factor_given(_user, **_extra) -> None:
    services.rotate_session()


def init_app(app: Flask) -> None:
    """Keep the app's sessions on the server and register the sessions page."""
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        absolute = dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        app.extensions["session_store"] = RedisStore(redis.Redis.from_url(url), absolute)
    else:
        app.extensions["session_store"] = DatabaseStore()
    app.session_interface = ServerSessionInterface()
    app.register_blueprint(bp)
    user_logged_in.connect(_signed_in, app)
    user_logged_out.connect(_signed_out, app)


password_changed.connect(_password_changed)
second_factor_changed.connect(_second_factor_changed)
second_factor_given.connect(_second_factor_given)
email_changed.connect(_email_changed)
