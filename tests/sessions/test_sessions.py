"""Server-side sessions, each test against the database store and against Redis: the cookie,
sign-out, a new id at sign-in, idle and absolute expiry, password changes and the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import redis
import sqlalchemy as sa
from flask import session

from tests.accounts.links import link_path
from tests.conftest import PASSWORD
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.core.db import session as db_session
from wallet.scheduler.jobs import run_job
from wallet.sessions import services
from wallet.sessions.interface import digest, store_of
from wallet.sessions.models import StoredSession

NEW = "zeventien oranje kopjes thee"
PAGE = "/account/sessions"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _start() -> dt.datetime:
    """Now, to the second, frozen: Redis expires keys by the real clock, so never the past."""
    moment = clock.now().replace(microsecond=0)
    clock.set_now(moment)
    return moment


def _token(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _signed_in(client, **request) -> bool:
    answer = client.get(PAGE, **request)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


def _record(app, token: str):
    with app.app_context():
        return store_of(app).load(digest(token), clock.now())


def _stored(app, token: str) -> bool:
    """Whether the store still holds the session, expired or not."""
    url = app.config.get("REDIS_URL")
    if url:
        with redis.Redis.from_url(url) as client:
            return bool(client.exists(f"leerwallet:session:{digest(token)}"))
    with app.app_context():
        return db_session.get(StoredSession, digest(token)) is not None


def _keys_of(app, user_id: int) -> list[str]:
    with app.app_context():
        return [record.key for record in services.sessions_of(user_id)]


def _at(moment: dt.datetime) -> None:
    clock.set_now(moment)


# --- the cookie ------------------------------------------------------------------------------


def test_the_cookie_holds_only_a_random_token_with_safe_flags(
    store_app, store_client, make_worker, login
):
    worker = make_worker()
    answer = login(store_client, worker)
    cookie = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")][-1]
    token = cookie.split(";")[0].removeprefix("session=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes, nothing else
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    record = _record(store_app, token)
    assert record.user_id == worker.id
    assert record.key == digest(token) != token  # the store keeps only the hash


def test_a_cookie_saved_before_logout_no_longer_opens_a_page(
    store_app, store_client, make_worker, login
):
    login(store_client, make_worker())
    saved = _token(store_client)
    assert _signed_in(store_client)
    store_client.post("/logout")
    assert not _stored(store_app, saved)
    store_client.set_cookie("session", saved)
    answer = store_client.get(PAGE)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")


def test_the_session_id_changes_at_sign_in(store_app, store_client, make_worker, login):
    worker = make_worker()
    store_client.post("/language", data={"language": "de"})  # an anonymous session
    before = _token(store_client)
    assert before
    assert _stored(store_app, before)
    login(store_client, worker)
    after = _token(store_client)
    assert after != before
    assert not _stored(store_app, before)
    # Whoever planted or kept the old id is not signed in by it.
    planted = store_app.test_client()
    planted.set_cookie("session", before)
    assert not _signed_in(planted)
    assert _signed_in(store_client)


def test_the_session_is_not_bound_to_address_or_browser(store_client, make_worker, login):
    login(store_client, make_worker())
    moved = {
        "headers": {"User-Agent": "Something/else 1.0"},
        "environ_overrides": {"REMOTE_ADDR": "203.0.113.9"},
    }
    assert _signed_in(store_client, **moved)


def test_anonymous_pages_without_a_session_store_nothing(store_client):
    answer = store_client.get("/")
    assert answer.status_code == 200
    assert not [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]


# --- expiry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "idle_minutes"),
    [(Role.WORKER, 120), (Role.FUND_ADMIN, 30), (Role.PROVIDER_STAFF, 30), (Role.BROKER, 30)],
)
def test_a_session_ends_after_its_idle_timeout(
    store_app, store_client, make_user, login, role, idle_minutes
):
    start = _start()
    login(store_client, make_user(role))
    token = _token(store_client)
    idle = dt.timedelta(minutes=idle_minutes)
    active = start + idle - dt.timedelta(minutes=1)
    _at(active)
    assert _signed_in(store_client)  # a request moves the idle timeout on
    _at(active + idle - dt.timedelta(seconds=1))
    assert _signed_in(store_client)
    _at(active + idle - dt.timedelta(seconds=1) + idle)
    assert not _signed_in(store_client)
    assert not _stored(store_app, token)  # deleted when it was read


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(store_client, make_worker, login):
    start = _start()
    worker = make_worker()
    login(store_client, worker)
    for hour in range(1, 12):
        _at(start + dt.timedelta(hours=hour))
        assert _signed_in(store_client)
    _at(start + dt.timedelta(hours=12, seconds=-1))
    assert _signed_in(store_client)
    _at(start + dt.timedelta(hours=12))
    answer = store_client.get(PAGE)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/account/sessions"
    # Signing in again sends the person back to the page they asked for.
    again = store_client.post(
        "/login", data={"email": worker.email, "password": PASSWORD, "next": PAGE}
    )
    assert again.headers["Location"] == PAGE
    assert _signed_in(store_client)


def test_last_seen_is_written_at_most_once_a_minute(store_app, store_client, make_worker, login):
    start = _start()
    login(store_client, make_worker())
    token = _token(store_client)
    assert _record(store_app, token).last_seen_at == start
    _at(start + dt.timedelta(seconds=59))
    assert _signed_in(store_client)
    assert _record(store_app, token).last_seen_at == start
    _at(start + dt.timedelta(seconds=60))
    assert _signed_in(store_client)
    record = _record(store_app, token)
    assert record.last_seen_at == start + dt.timedelta(seconds=60)
    assert record.expires_at == start + dt.timedelta(seconds=60, hours=2)


def test_the_expire_sessions_job_deletes_expired_sessions(
    store_app, store_client, make_worker, login
):
    start = _start()
    worker = make_worker()
    login(store_client, worker)
    token = _token(store_client)
    with store_app.app_context():
        run_job("expire-sessions")
    assert _stored(store_app, token)
    _at(start + dt.timedelta(hours=2, seconds=1))
    with store_app.app_context():
        outcome = run_job("expire-sessions")
    assert _keys_of(store_app, worker.id) == []
    if store_app.config.get("REDIS_URL"):
        # Redis drops the key itself when it expires: it carries the session's expiry.
        with redis.Redis.from_url(store_app.config["REDIS_URL"]) as client:
            expiry = client.pexpiretime(f"leerwallet:session:{digest(token)}")
        assert expiry == int((start + dt.timedelta(hours=2)).timestamp() * 1000)
    else:
        assert outcome == "1 expired sessions deleted"
        assert not _stored(store_app, token)


# --- a new id without signing in again (step-up) ---------------------------------------------


def test_rotate_session_gives_a_new_id_and_keeps_contents_and_start(
    store_app, store_client, make_worker, login
):
    start = _start()
    worker = make_worker()
    login(store_client, worker)
    token = _token(store_client)
    _at(start + dt.timedelta(minutes=5))
    with store_app.test_request_context("/", headers={"Cookie": f"session={token}"}):
        assert session["_user_id"] == str(worker.id)
        services.rotate_session()
        response = store_app.response_class()
        store_app.session_interface.save_session(store_app, session, response)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    rotated = cookie.split(";")[0].removeprefix("session=")
    assert rotated != token
    assert not _stored(store_app, token)
    record = _record(store_app, rotated)
    assert record.user_id == worker.id
    assert record.created_at == start  # the absolute limit still counts from sign-in
    store_client.set_cookie("session", rotated)
    assert _signed_in(store_client)


# --- passwords end sessions --------------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_only(
    store_app, store_client, make_worker, login
):
    worker = make_worker()
    elsewhere = store_app.test_client()
    login(store_client, worker)
    login(elsewhere, worker)
    before = _token(store_client)
    answer = store_client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "password_confirm": NEW},
    )
    assert answer.status_code == 302, answer.text
    assert not _signed_in(elsewhere)
    assert _signed_in(store_client)
    assert _token(store_client) != before  # and this one has a new id
    assert _keys_of(store_app, worker.id) == [digest(_token(store_client))]


def test_a_reset_by_link_ends_every_session(store_app, store_client, make_worker, login, db):
    worker = make_worker()
    login(store_client, worker)
    stranger = store_app.test_client()
    stranger.post("/password/forgot", data={"email": worker.email})
    path = link_path(db, worker.email, "password_reset")
    assert stranger.post(path, data={"password": NEW, "password_confirm": NEW}).status_code == 302
    assert not _signed_in(store_client)
    assert _keys_of(store_app, worker.id) == []


def test_end_sessions_of_keeps_the_one_asked(store_app, store_client, make_worker, login):
    worker = make_worker()
    clients = [store_client, store_app.test_client(), store_app.test_client()]
    for client in clients:
        login(client, worker)
    keep = digest(_token(clients[1]))
    with store_app.app_context():
        assert services.end_sessions_of(worker.id, keep=keep) == 2
    assert [_signed_in(client) for client in clients] == [False, True, False]


# --- the sessions page -------------------------------------------------------------------------


def test_the_sessions_page_shows_each_session_and_ends_one(
    store_app, store_client, make_worker, login
):
    worker = make_worker()
    phone, laptop = store_client, store_app.test_client()
    phone.environ_base.update(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.7")
    laptop.environ_base.update(HTTP_USER_AGENT=FIREFOX)
    login(phone, worker)
    login(laptop, worker)
    page = laptop.get(PAGE).text
    assert "Mobile Safari op iOS" in page
    assert "Firefox op Windows" in page
    assert "198.51.100.7" in page
    assert page.count(">Deze sessie beëindigen</a>") == 1  # not this one: logging out does that
    phone_id = digest(_token(phone))
    assert f"/account/sessions/{phone_id}/end" in page
    confirm = laptop.get(f"/account/sessions/{phone_id}/end")
    assert confirm.status_code == 200
    assert "Mobile Safari op iOS" in confirm.text
    assert _stored(store_app, _token(phone))  # asking ends nothing yet
    ended = laptop.post(f"/account/sessions/{phone_id}/end")
    assert ended.status_code == 302
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    assert "Mobile Safari" not in laptop.get(PAGE).text


def test_nobody_ends_someone_elses_session(store_app, store_client, make_worker, login):
    owner, other = make_worker(), make_worker()
    login(store_client, owner)
    intruder = store_app.test_client()
    login(intruder, other)
    owners = digest(_token(store_client))
    assert intruder.get(f"/account/sessions/{owners}/end").status_code == 404
    assert intruder.post(f"/account/sessions/{owners}/end").status_code == 404
    assert _signed_in(store_client)


def test_sign_out_everywhere_else_asks_then_keeps_only_this_session(
    store_app, store_client, make_worker, login
):
    worker = make_worker()
    others = [store_app.test_client(), store_app.test_client()]
    for client in [store_client, *others]:
        login(client, worker)
    page = store_client.get(PAGE).text
    assert 'href="/account/sessions/end-others"' in page
    confirm = store_client.get("/account/sessions/end-others")
    assert "Je 2 andere sessies eindigen nu" in confirm.text
    assert all(_signed_in(client) for client in others)
    store_client.post("/account/sessions/end-others")
    assert not any(_signed_in(client) for client in others)
    assert _signed_in(store_client)


def test_the_account_area_links_the_sessions_page(store_client, make_worker, login):
    login(store_client, make_worker())
    assert 'href="/account"' in store_client.get("/").text
    assert f'href="{PAGE}"' in store_client.get("/account").text


def test_the_sessions_page_needs_a_signed_in_user(store_client):
    answer = store_client.get(PAGE)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")


# --- one read per request (database store) ----------------------------------------------------


def test_a_signed_in_request_reads_its_session_once_and_writes_nothing(
    app, client, make_worker, login
):
    start = _start()
    login(client, make_worker())
    _at(start + dt.timedelta(seconds=30))
    statements: list[str] = []
    engine = app.extensions["db_engine"]

    def _seen(_conn, _cursor, statement, *_args) -> None:
        if "server_sessions" in statement:
            statements.append(statement.split()[0].upper())

    sa.event.listen(engine, "before_cursor_execute", _seen)
    try:
        page = client.get("/")
    finally:
        sa.event.remove(engine, "before_cursor_execute", _seen)
    assert page.status_code == 200
    assert 'action="/logout"' in page.text  # signed in
    assert statements == ["SELECT"]


def test_an_emptied_session_is_deleted_with_its_cookie(store_app, store_client):
    store_client.post("/language", data={"language": "de"})
    token = _token(store_client)
    assert _stored(store_app, token)
    with store_app.test_request_context("/", headers={"Cookie": f"session={token}"}):
        session.clear()
        response = store_app.response_class()
        store_app.session_interface.save_session(store_app, session, response)
    assert not _stored(store_app, token)
    assert any(
        c.startswith("session=;") for c in response.headers.getlist("Set-Cookie")
    )  # the browser forgets it too
