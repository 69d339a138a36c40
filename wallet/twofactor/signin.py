"""Sign-in in two steps: after the password the session holds a pending user (for a few
minutes); flask-login's login_user is called only when the second factor is done too."""

from __future__ import annotations

import datetime as dt

from flask import current_app, redirect, session, url_for
from flask_login import login_user

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session as db_session
from wallet.twofactor import services

PENDING = "second_factor_pending"


def after_password(user: User, next_path: str):
    """What follows a correct password: the user is logged in (no factor, not required),
    or asked for their code, or (staff without one) sent to enrol first."""
    language = user.preferred_language
    session.clear()
    session["language"] = language
    enrolled = services.is_enrolled(user.id)
    if not enrolled and not services.must_enrol(user):
        login_user(user)
        return redirect(next_path)
    minutes = current_app.config["SECOND_FACTOR_PENDING_MINUTES"]
    until = clock.now() + dt.timedelta(minutes=minutes)
    session[PENDING] = {"user": user.id, "until": until.isoformat(), "next": next_path}
    return redirect(url_for("twofactor.challenge" if enrolled else "twofactor.enrol_at_sign_in"))


def pending_user() -> User | None:
    """The user who gave their password in this session and has not finished, if the
    pending sign-in has not expired."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if clock.now() > dt.datetime.fromisoformat(pending["until"]):
        session.pop(PENDING, None)
        return None
    user = db_session.get(User, int(pending["user"]))
    return user if user is not None and user.active else None


def finish(user: User) -> str:
    """Both factors are done: log in, count the factor as fresh; returns where to go."""
    next_path = session.pop(PENDING, {}).get("next") or url_for("home.index")
    login_user(user)
    services.stepped_up(user)
    return next_path
