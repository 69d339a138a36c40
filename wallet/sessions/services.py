"""Use cases of sessions: rotate the current one, list and end a user's sessions, sweep.

Other features call `rotate_session()` (step-up) and `end_sessions_of(user_id, keep=...)`
(a changed password or second factor); sign-in, sign-out and password changes reach this
package through signals (see `wallet.sessions.init_app`).
"""

from __future__ import annotations

from flask import current_app, has_request_context
from flask import session as flask_session
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.core import clock
from wallet.core.errors import NotFound
from wallet.sessions.interface import ServerSession, store_of
from wallet.sessions.stores import SessionRecord


def _current() -> ServerSession | None:
    if not has_request_context():
        return None
    current = flask_session._get_current_object()
    return current if isinstance(current, ServerSession) else None


def current_session_id() -> str | None:
    """The stored id of this request's session, or None outside a stored session."""
    current = _current()
    return current.record.key if current is not None and current.record else None


def rotate_session() -> None:
    """Give this request's session a new id when the response goes out, keeping its
    contents and its start (the absolute limit still counts from sign-in). Step-up calls it."""
    current = _current()
    if current is not None:
        current.rotate = True
        current.modified = True


def start_session_for(user: User) -> None:
    """A new id and a new start for the session `user` just signed in to, with the idle
    timeout of their role: staff 30 minutes, workers 2 hours (settings)."""
    current = _current()
    if current is None:
        return
    config = current_app.config
    minutes = (
        config["SESSION_IDLE_MINUTES_WORKER"]
        if user.role == Role.WORKER
        else config["SESSION_IDLE_MINUTES_STAFF"]
    )
    current.restart = True
    current.idle_seconds = minutes * 60
    current.modified = True


def end_current_session() -> None:
    """Forget this request's session on the server (sign-out); what stays in it gets a new id."""
    current = _current()
    if current is not None:
        current.restart = True
        current.modified = True


def sessions_of(user_id: int) -> list[SessionRecord]:
    """The user's sessions that have not expired, the most recently seen first."""
    return store_of(current_app).of_user(user_id, clock.now())


def end_session(user_id: int, session_id: str) -> SessionRecord:
    """End one of the user's own sessions; NotFound for anyone else's or an expired one."""
    for record in sessions_of(user_id):
        if record.key == session_id:
            store_of(current_app).delete(record.key)
            return record
    raise NotFound(_("This session has ended already."))


def end_sessions_of(user_id: int, keep: str | None = None) -> int:
    """End every session of the user but `keep` (a stored id, e.g. current_session_id());
    how many ended. A changed password or second factor calls it."""
    return store_of(current_app).delete_of_user(user_id, keep=keep)


def expire_sessions() -> int:
    """Delete the sessions past their idle timeout or absolute limit (the scheduled job)."""
    return store_of(current_app).purge(clock.now())
