"""Notifications: written in the recipient's language, sent once over SMTP, read on pages."""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy

import flask_babel
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from wallet.accounts.models import Role
from wallet.core.db import unit_of_work
from wallet.core.money import Money
from wallet.notifications import services
from wallet.notifications.models import MessageStatus, OutboxMessage
from wallet.notifications.services import notify, send_pending

SUBMITTED = {
    "reference": "LW-7K3",
    "course": "Lassen MIG/MAG",
    "covered_cents": 120_000,
    "copay_cents": 5_050,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses addresses 'refused@...'."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1; the app is configured to send to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield inbox
    controller.stop()


def _write(user, topic="application_submitted", **params):
    with unit_of_work():
        return notify(user, topic, **(params or SUBMITTED))


def _statuses(session) -> list[tuple[MessageStatus, int]]:
    rows = session.execute(
        sa.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
    )
    return [tuple(row) for row in rows]


# --- writing ------------------------------------------------------------------------------


def test_each_recipient_gets_the_message_in_their_own_language(app_ctx, make_worker):
    users = {lang: make_worker(preferred_language=lang) for lang in ("nl", "en", "de")}
    messages = {lang: _write(user) for lang, user in users.items()}

    for lang, message in messages.items():
        assert message.language == lang
        assert message.to_address == users[lang].email
        assert message.status == MessageStatus.PENDING
        # Money follows the recipient's language, whatever the catalogues say.
        assert Money(120_000).format(lang) in message.body
    english = messages["en"]
    assert english.subject == "Your application LW-7K3 has been sent"
    assert english.body.startswith(f"Dear {users['en'].name},")
    assert "Lassen MIG/MAG" in english.body
    assert "€1,200.00" in english.body
    assert "€50.50" in english.body
    assert "Your budget is reserved" in english.body
    assert english.body.rstrip().endswith("See Leerwallet for details: http://127.0.0.1:5000/")


def test_texts_are_translated_under_the_recipients_locale(app, make_worker, monkeypatch):
    german = make_worker(preferred_language="de")
    seen = []

    def spy(msgid, **variables):
        seen.append(str(flask_babel.get_locale()))
        return flask_babel.gettext(msgid, **variables)

    monkeypatch.setattr(services, "gettext", spy)
    # A Dutch page (the request's locale) writes to a German reader.
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert str(flask_babel.get_locale()) == "nl"
        message = _write(german)
        assert str(flask_babel.get_locale()) == "nl"
    assert seen
    assert set(seen) == {"de"}
    # Inside a request too the link comes from BASE_URL, not the request's host.
    assert message.body.rstrip().endswith("http://127.0.0.1:5000/")


def test_a_forged_host_header_never_reaches_an_e_mail(app, make_worker):
    worker = make_worker()
    with app.test_request_context("/", base_url="https://evil.example"):
        message = _write(worker)
    assert "evil.example" not in message.body
    assert message.body.rstrip().endswith("http://127.0.0.1:5000/")


def test_a_status_change_says_what_happened_and_why(app_ctx, make_worker):
    worker = make_worker(preferred_language="en")
    message = _write(
        worker,
        "application_status",
        reference="LW-1",
        course="Excel",
        action="reject",
        reason="The course is full",
    )
    assert message.subject == "News about your application LW-1"
    assert "rejected your application" in message.body
    assert "Reason: The course is full" in message.body


@pytest.mark.parametrize(
    ("topic", "params", "problem"),
    [
        ("birthday", {}, "unknown notification topic"),
        ("application_status", {"reference": "LW-1", "course": "X", "action": "dance"}, "action"),
        ("claim_decided", {"reference": "D-1", "decision": "maybe"}, "decision"),
        ("claim_waiting", {"reference": "D-1"}, "amount"),
    ],
)
def test_unknown_topics_and_incomplete_parameters_are_refused(
    app_ctx, make_worker, topic, params, problem
):
    worker = make_worker()
    with pytest.raises(ValueError, match=problem), unit_of_work():
        notify(worker, topic, **params)
    assert app_ctx.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_provider_staff_and_fund_admins_are_notified_together(
    app_ctx, make_provider_user, make_staff
):
    staff = make_provider_user()
    other_provider = make_provider_user()
    admin = make_staff(Role.FUND_ADMIN)
    with unit_of_work():
        to_staff = services.notify_provider(
            staff.provider_id, "application_new", reference="LW-2", course="Excel"
        )
        to_admins = services.notify_fund_admins(
            admin.fund_id, "claim_waiting", reference="D-9", amount_cents=99_00
        )
    assert [m.to_address for m in to_staff] == [staff.email]
    assert [m.to_address for m in to_admins] == [admin.email]
    assert other_provider.email not in {m.to_address for m in to_staff}


# --- sending ------------------------------------------------------------------------------


def test_without_a_mail_server_messages_stay_in_the_outbox(app_ctx, make_worker):
    _write(make_worker())
    assert send_pending() == (0, 0)
    assert _statuses(app_ctx) == [(MessageStatus.PENDING, 0)]


def test_a_message_is_sent_once_over_smtp(app_ctx, make_worker, smtp_server):
    worker = make_worker(preferred_language="en")
    written = _write(worker)

    assert send_pending() == (1, 0)
    assert send_pending() == (0, 0)

    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received["To"] == worker.email
    assert received["Subject"] == "Your application LW-7K3 has been sent"
    assert received["Content-Language"] == "en"
    assert received["Message-ID"] == f"<outbox-{written.id}@leerwallet.nl>"
    assert "Lassen MIG/MAG" in received.get_content()
    sent = app_ctx.scalar(sa.select(OutboxMessage))
    assert (sent.status, sent.attempts, sent.last_error) == (MessageStatus.SENT, 0, None)
    assert sent.sent_at is not None


def test_a_refused_recipient_is_retried_and_the_others_still_go(app_ctx, make_worker, smtp_server):
    _write(make_worker(email="refused@example.nl"))
    _write(make_worker(email="welcome@example.nl"))

    assert send_pending() == (1, 1)
    assert [m["To"] for m in smtp_server.received] == ["welcome@example.nl"]
    assert _statuses(app_ctx) == [(MessageStatus.PENDING, 1), (MessageStatus.SENT, 0)]
    assert "550" in app_ctx.scalar(sa.select(OutboxMessage.last_error).limit(1))


def test_an_unreachable_server_counts_attempts_then_gives_up(
    app, app_ctx, make_worker, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nothing listens there
    _write(make_worker())
    _write(make_worker())

    for attempt in range(1, services.MAX_ATTEMPTS):
        # The batch stops at the first connection error: an outage costs one message.
        assert send_pending() == (0, 1)
        assert _statuses(app_ctx)[0] == (MessageStatus.PENDING, attempt)
    assert send_pending() == (0, 1)
    assert _statuses(app_ctx) == [(MessageStatus.FAILED, 5), (MessageStatus.PENDING, 0)]
    error = app_ctx.scalar(sa.select(OutboxMessage.last_error).order_by(OutboxMessage.id).limit(1))
    assert "ConnectionRefusedError" in error


def test_a_message_claimed_by_another_sender_is_not_sent_again(app_ctx, make_worker):
    message = _write(make_worker())
    assert services._claim(message.id) is not None
    assert services._claim(message.id) is None


def test_sending_refuses_to_run_inside_a_unit_of_work(app_ctx):
    with pytest.raises(RuntimeError, match="send_pending"), unit_of_work():
        send_pending()


# --- pages --------------------------------------------------------------------------------


def test_a_user_reads_only_their_own_messages(app, client, login, make_worker):
    mine, theirs = make_worker(preferred_language="en"), make_worker(preferred_language="en")
    with app.app_context():
        _write(mine, reference="LW-MINE", course="Excel", covered_cents=100, copay_cents=0)
        _write(theirs, reference="LW-THEIRS", course="Excel", covered_cents=100, copay_cents=0)
    login(client, mine)

    page = client.get("/messages")

    assert page.status_code == 200
    assert "LW-MINE" in page.text
    assert "LW-THEIRS" not in page.text
    assert "<details>" in page.text
    assert f'<p class="utrecht-paragraph" lang="en">Dear {mine.name},</p>' in page.text
    assert 'href="/messages"' in page.text  # the menu link


def test_messages_need_a_login(client):
    response = client.get("/messages")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_only_platform_administrators_see_the_outbox(app, client, login, make_worker, make_staff):
    worker = make_worker()
    admin = make_staff(Role.PLATFORM_ADMIN)
    with app.app_context():
        _write(worker)
    login(client, worker)
    assert client.get("/outbox").status_code == 403
    client.post("/logout")

    login(client, admin)
    page = client.get("/outbox?status=pending")
    assert page.status_code == 200
    assert worker.email in page.text
    assert 'for="status"' in page.text
    assert 'scope="col"' in page.text
    assert 'href="/outbox"' in page.text  # the menu link
    assert worker.email not in client.get("/outbox?status=sent").text
