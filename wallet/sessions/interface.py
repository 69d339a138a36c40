"""Flask's session, kept on the server: the cookie carries only a random token.

A request costs one look-up by key. The session is written back only when its contents
changed, when it gets a new id, or when it was last seen more than SESSION_TOUCH_SECONDS
ago (so the idle timeout moves on without a write per request).
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SessionInterface, session_json_serializer

from wallet.core import clock
from wallet.core.tokens import digest, new_token
from wallet.sessions.stores import SessionRecord, SessionStore

# new_token() is 43 characters; anything much longer is no token of ours.
TOKEN_MAX_LENGTH = 64


class ServerSession(SecureCookieSession):
    """The session of one request, with the stored record it was read from (if any)."""

    def __init__(self, initial=None, record: SessionRecord | None = None) -> None:
        super().__init__(initial)
        self.record = record
        # Set by rotate_session(): a new id at the end of the request, same contents.
        self.rotate = False
        # Set at sign-in and sign-out: a new id and a new start for the absolute limit.
        self.restart = False
        # The idle timeout chosen at sign-in (by role); None keeps the current one.
        self.idle_seconds: int | None = None


def _settings(app: Flask) -> tuple[dt.timedelta, dt.timedelta, dt.timedelta]:
    config = app.config
    return (
        dt.timedelta(minutes=config["SESSION_IDLE_MINUTES_WORKER"]),
        dt.timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        dt.timedelta(seconds=config["SESSION_TOUCH_SECONDS"]),
    )


def store_of(app: Flask) -> SessionStore:
    """The app's session store."""
    return app.extensions["session_store"]


class ServerSessionInterface(SessionInterface):
    """Sessions in the app's store; see the module's docstring."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(f"{app.static_url_path}/"):
            return ServerSession()  # never saved: empty and unmodified
        token = request.cookies.get(self.get_cookie_name(app), "")
        if not token or len(token) > TOKEN_MAX_LENGTH:
            return ServerSession()
        record = store_of(app).load(digest(token), clock.now())
        if record is None:
            return ServerSession()
        return ServerSession(session_json_serializer.loads(record.data), record=record)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        store = store_of(app)
        if session.accessed:
            response.vary.add("Cookie")
        record = session.record
        user_id = _user_id(session)
        # A new person in the session (sign-in, sign-out) always gets a new id and start.
        restart = session.restart or (record is not None and record.user_id != user_id)
        if record is not None and (restart or session.rotate or not session):
            store.delete(record.key)  # emptied, or moving to a new id
        if not session:
            if record is not None or session.modified:
                self._forget_cookie(app, response)
            return
        now = clock.now()
        if record is None or restart or session.rotate:
            self._start(app, session, response, now, keep_start=not restart)
            return
        _idle, _absolute, touch = _settings(app)
        if session.modified or session.idle_seconds or now - record.last_seen_at >= touch:
            _refresh(app, record, session, now, user_id)
            store.update(record)

    def _start(
        self,
        app: Flask,
        session: ServerSession,
        response: Response,
        now: dt.datetime,
        *,
        keep_start: bool,
    ) -> None:
        """Store the session under a new token and hand the token to the browser."""
        idle, _absolute, _touch = _settings(app)
        previous = session.record
        token = new_token()
        record = SessionRecord(
            key=digest(token),
            data="",
            user_id=None,
            created_at=previous.created_at if keep_start and previous else now,
            last_seen_at=now,
            idle_seconds=(
                previous.idle_seconds if keep_start and previous else int(idle.total_seconds())
            ),
            expires_at=now,
            ip_address="",
            user_agent="",
        )
        _refresh(app, record, session, now, _user_id(session))
        store_of(app).add(record)
        session.record = record
        response.set_cookie(
            self.get_cookie_name(app),
            token,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")

    def _forget_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")


def _user_id(session: ServerSession) -> int | None:
    value = session.get("_user_id")
    return int(value) if value is not None and str(value).isdigit() else None


def _refresh(
    app: Flask,
    record: SessionRecord,
    session: ServerSession,
    now: dt.datetime,
    user_id: int | None,
) -> None:
    """Bring the record up to date with the session and this request."""
    from flask import request

    _idle, absolute, _touch = _settings(app)
    if session.idle_seconds:
        record.idle_seconds = session.idle_seconds
    record.data = session_json_serializer.dumps(dict(session))
    record.user_id = user_id
    record.last_seen_at = now
    record.expires_at = min(
        now + dt.timedelta(seconds=record.idle_seconds), record.created_at + absolute
    )
    record.ip_address = (request.remote_addr or "")[:45]
    record.user_agent = request.user_agent.string[:300]
