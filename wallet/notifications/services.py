"""Writing notifications into the outbox and sending them.

`notify` only adds and flushes: the message is committed with the change it tells of, or
not at all. `send_pending` runs on its own (scheduled job) and claims each message with a
conditional UPDATE, so two senders never send one message twice.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date, gettext

from wallet.accounts.models import Role, User
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.money import Money
from wallet.core.transitions import advance
from wallet.core.urls import external_url
from wallet.notifications.models import MessageStatus, OutboxMessage

MAX_ATTEMPTS = 5
SMTP_TIMEOUT_SECONDS = 30


def N_(msgid: str) -> str:  # noqa: N802 - the gettext marker that pybabel extracts by default
    """Mark `msgid` for translation; it is translated when a message is written."""
    return msgid


# Topics whose body holds a link that sets a password: shown to their recipient only.
SECRET_TOPICS = frozenset(
    {"password_reset", "invitation", "email_verification", "email_change_confirm"}
)

# topic -> (subject, body). Parameters ending in _cents arrive as integer cents and are
# shown as money without the suffix: covered_cents -> %(covered)s.
TOPICS: dict[str, tuple[str, str]] = {
    "application_submitted": (
        N_("Your application %(reference)s has been sent"),
        N_(
            "You applied for %(course)s (application %(reference)s). Your budget is reserved: "
            "it covers %(covered)s and your own contribution is %(copay)s. The training "
            "provider will now answer your application."
        ),
    ),
    "application_status": (
        N_("News about your application %(reference)s"),
        N_("There is news about your application %(reference)s for %(course)s: %(update)s"),
    ),
    "application_new": (
        N_("New application %(reference)s"),
        N_(
            "A worker has applied for %(course)s (application %(reference)s). Please answer "
            "the application in Leerwallet."
        ),
    ),
    "claim_waiting": (
        N_("Claim %(reference)s waits for approval"),
        N_("Claim %(reference)s of %(amount)s waits for approval by a fund administrator."),
    ),
    "claim_decided": (
        N_("Decision on claim %(reference)s"),
        N_("There is a decision on your claim %(reference)s: %(decision)s"),
    ),
    "payment_returned": (
        N_("The payment for claim %(reference)s came back"),
        N_(
            "The bank returned the transfer of %(amount)s for claim %(reference)s (payout "
            "%(batch)s). The claim is approved again and will be paid in a later payout; "
            "please check the bank details (IBAN) on file."
        ),
    ),
    "payment_returned_after_clawback": (
        N_("The payment for claim %(reference)s came back"),
        N_(
            "The bank returned the transfer of %(amount)s for claim %(reference)s (payout "
            "%(batch)s). The claim was clawed back, so what you owe the fund is lowered by "
            "what never reached you; please check the bank details (IBAN) on file."
        ),
    ),
    "claim_spent": (
        N_("Your budget paid for %(course)s"),
        N_(
            "%(amount)s from your budget has been paid to the training provider for "
            "%(course)s (application %(reference)s)."
        ),
    ),
    "grant_expiring": (
        N_("Your budget %(scheme)s expires on %(expires_on)s"),
        N_(
            "You still have %(available)s to spend from your budget %(scheme)s. It expires on "
            "%(expires_on)s: what you have not spent or reserved for a course by then goes back "
            "to the fund. Look in the catalogue for a course that suits you."
        ),
    ),
    "employer_application_sent": (
        N_("Employer application %(reference)s waits for a decision"),
        N_(
            "%(employer)s sent application %(reference)s. Please decide on each person in it "
            "in Leerwallet."
        ),
    ),
    "placement_decided": (
        N_("Decision on application %(reference)s"),
        N_("The fund decided on %(person)s in your application %(reference)s: %(decision)s"),
    ),
    "password_reset": (
        N_("Choose a new password for Leerwallet"),
        N_(
            "Someone asked to choose a new password for your Leerwallet account. If that was "
            "you, open this link within %(minutes)s minutes; it works once: %(url)s If it was "
            "not you, ignore this e-mail: your password stays as it is."
        ),
    ),
    "invitation": (
        N_("You are invited to Leerwallet"),
        N_(
            "A colleague gave you an account on Leerwallet for %(organisation)s. Choose your "
            "own password with this link within %(days)s days; it works once: %(url)s When it "
            "has expired, ask for a new one with 'Forgot your password?' on the sign-in page."
        ),
    ),
    "email_verification": (
        N_("Verify your e-mail address for Leerwallet"),
        N_(
            "Open this link within %(hours)s hours to verify your e-mail address; it works "
            "once: %(url)s Until you do, no budget can be granted to you or spent. If you did "
            "not make a Leerwallet account, ignore this e-mail."
        ),
    ),
    "password_changed": (
        N_("Your Leerwallet password was changed"),
        N_(
            "The password of your Leerwallet account was just changed. If you did this, you "
            "need not do anything. If you did not, someone else may know your password: "
            "choose a new one at once with 'Forgot your password?' on the sign-in page and "
            "tell your fund or the platform administrators."
        ),
    ),
    "oidc_identity_linked": (
        N_("You can now log in to Leerwallet with %(provider)s"),
        N_(
            "Your Leerwallet account was just linked to your %(provider)s identity: from now "
            "on you can log in with %(provider)s. If you did not do this, someone else may "
            "know your password: choose a new one at once with 'Forgot your password?' on the "
            "sign-in page and tell your fund or the platform administrators."
        ),
    ),
    "follow_up_due": (
        N_("Follow-up due for %(person)s (application %(reference)s)"),
        N_(
            "It is %(months)s months since %(person)s started (application %(reference)s). "
            "Please record in Leerwallet whether they are still employed."
        ),
    ),
}

# application_status: the worker's application moved by `action`.
APPLICATION_UPDATES: dict[str, str] = {
    "confirm": N_("the training provider has accepted your application."),
    "reject": N_("the training provider has rejected your application."),
    "cancel": N_("the application has been cancelled."),
    "expire": N_("the training provider did not answer in time, so the application has expired."),
    "record_copayment": N_(
        "the training provider has received your own contribution. Your place is confirmed."
    ),
    "start": N_("your course has started. Good luck!"),
    "complete": N_("the training provider has recorded that you completed the course."),
    "close": N_("the application has been closed without payment."),
}

# Said after the update only when budget was actually held and is now released
# (`budget_released=True`): an application paid fully by the worker reserved nothing.
BUDGET_RELEASED = N_("The reserved budget is available again.")
BUDGET_REST_RELEASED = N_("The rest of the reserved budget is available again.")

# claim_decided: what the fund decided on the provider's claim.
CLAIM_DECISIONS: dict[str, str] = {
    "approved": N_("it has been approved and will be paid in the next payout."),
    "approved_once": N_(
        "it has a first approval; a second fund administrator still has to approve it."
    ),
    "rejected": N_("it has been rejected. You can correct it and submit it again."),
    "clawed_back": N_("the payment for this claim has been clawed back."),
}

# placement_decided: what the fund decided on one person in an employer's application.
PLACEMENT_DECISIONS: dict[str, str] = {
    "approved": N_("approved; the reimbursement of %(amount)s is set aside for you."),
    "rejected": N_("rejected."),
}

GREETING = N_("Dear %(name)s,")
REASON = N_("Reason: %(reason)s")
LINK = N_("See Leerwallet for details: %(url)s")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


# --- writing ------------------------------------------------------------------------------


def notify(user: User, topic: str, *, to_address: str | None = None, **params) -> OutboxMessage:
    """Add an e-mail to `user` about `topic` to the caller's unit of work (flush only).

    `to_address` sends it to another address than the account's (a new address still to be
    confirmed, or the old one after a change). Such a message is not listed among the
    account's own messages: its link must prove a mailbox, not a session.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown notification topic {topic!r}")
    language = _language_of(user)
    with force_locale(language):
        subject, body = _render(topic, language, user.name, dict(params))
    message = OutboxMessage(
        user_id=user.id if to_address is None else None,
        to_address=to_address or user.email,
        language=language,
        topic=topic,
        subject=subject,
        body=body,
        status=MessageStatus.PENDING,
        attempts=0,
        created_at=clock.now(),
    )
    session.add(message)
    session.flush()
    return message


def notify_provider(provider_id: int, topic: str, **params) -> list[OutboxMessage]:
    """Notify every active staff member of a training provider."""
    query = sa.select(User).where(
        User.provider_id == provider_id, User.role == Role.PROVIDER_STAFF, User.active.is_(True)
    )
    return [notify(user, topic, **params) for user in session.scalars(query.order_by(User.id))]


def notify_employer(employer_id: int, topic: str, **params) -> list[OutboxMessage]:
    """Notify every active staff member of an employer."""
    query = sa.select(User).where(
        User.employer_id == employer_id, User.role == Role.EMPLOYER_STAFF, User.active.is_(True)
    )
    return [notify(user, topic, **params) for user in session.scalars(query.order_by(User.id))]


def notify_fund_admins(fund_id: int, topic: str, **params) -> list[OutboxMessage]:
    """Notify every active administrator of a fund."""
    query = sa.select(User).where(
        User.fund_id == fund_id, User.role == Role.FUND_ADMIN, User.active.is_(True)
    )
    return [notify(user, topic, **params) for user in session.scalars(query.order_by(User.id))]


def _language_of(user: User) -> str:
    languages = current_app.config.get("LANGUAGES", ("nl",))
    return user.preferred_language if user.preferred_language in languages else "nl"


def _render(topic: str, language: str, name: str, params: dict) -> tuple[str, str]:
    """Subject and plain-text body in the locale forced by the caller."""
    subject_id, body_id = TOPICS[topic]
    reason = params.pop("reason", None)
    for key in [key for key in params if key.endswith("_cents")]:
        params[key.removesuffix("_cents")] = Money(params.pop(key)).format(language)
    for key in [key for key in params if isinstance(params[key], dt.date)]:
        params[key] = format_date(params[key], "long")  # in the locale forced by the caller
    if topic == "application_status":
        action = params.pop("action", None)
        params["update"] = _choice(APPLICATION_UPDATES, "action", action)
        if params.pop("budget_released", False):
            released = BUDGET_REST_RELEASED if action == "close" else BUDGET_RELEASED
            params["update"] += " " + gettext(released)
    if topic == "claim_decided":
        params["decision"] = _choice(CLAIM_DECISIONS, "decision", params.pop("decision", None))
    if topic == "placement_decided":
        decision = _choice(PLACEMENT_DECISIONS, "decision", params.pop("decision", None))
        params["decision"] = decision % params if "%(amount)s" in decision else decision
    subject = " ".join(_fill(subject_id, params).split())[:200]
    paragraphs = [_fill(GREETING, {"name": name}), _fill(body_id, params)]
    if reason:
        paragraphs.append(_fill(REASON, {"reason": reason}))
    paragraphs.append(_fill(LINK, {"url": _site_url()}))
    return subject, "\n\n".join(paragraphs) + "\n"


def _choice(sentences: dict[str, str], name: str, value: str | None) -> str:
    if value not in sentences:
        raise ValueError(f"{name} must be one of {', '.join(sentences)}, not {value!r}")
    return gettext(sentences[value])


def _fill(msgid: str, params: dict) -> str:
    missing = set(_PLACEHOLDER.findall(msgid)) - params.keys()
    if missing:
        raise ValueError(f"missing notification parameters: {', '.join(sorted(missing))}")
    return gettext(msgid) % params


def _site_url() -> str:
    # From BASE_URL even inside a request: the Host header is the sender's to choose.
    return external_url("home.index")


# --- sending ------------------------------------------------------------------------------

# Refusals of one message; other errors mean the server or connection failed, so the next
# message would fail the same way.
_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Send up to `limit` pending messages; (sent, failed attempts). Commits on its own.

    Without MAIL_SERVER (development) nothing is sent and messages stay pending. A message
    is claimed (status sent, sent_at empty) before it is handed to the SMTP server and gets
    its sent_at when the server took it; a failure puts it back as pending with one more
    attempt, or failed after MAX_ATTEMPTS. When the server cannot be reached the batch
    stops, so an outage uses up the attempts of one message, not of all.
    """
    require_no_unit_of_work("send_pending")
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return (0, 0)
    with unit_of_work():
        ids = list(
            session.scalars(
                sa.select(OutboxMessage.id)
                .where(OutboxMessage.status == MessageStatus.PENDING)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    sent = failed = 0
    with _Mailer(config) as mailer:
        for message_id in ids:
            message = _claim(message_id)
            if message is None:
                continue  # another sender took it
            try:
                mailer.send(_email(message, config["MAIL_FROM"]))
            except (smtplib.SMTPException, OSError) as error:
                _give_back(message, error)
                failed += 1
                if not isinstance(error, _MESSAGE_ERRORS):
                    break
            else:
                _mark_sent(message_id)
                sent += 1
    return sent, failed


def _claim(message_id: int) -> OutboxMessage | None:
    with unit_of_work():
        if not advance(
            OutboxMessage, message_id, MessageStatus.PENDING, MessageStatus.SENT, sent_at=None
        ):
            return None
        return session.get(OutboxMessage, message_id, populate_existing=True)


def _mark_sent(message_id: int) -> None:
    with unit_of_work():
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(sent_at=clock.now(), last_error=None)
        )


def _give_back(message: OutboxMessage, error: Exception) -> None:
    attempts = message.attempts + 1
    status = MessageStatus.FAILED if attempts >= MAX_ATTEMPTS else MessageStatus.PENDING
    text = f"{type(error).__name__}: {error}"[:500]
    with unit_of_work():
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status=status, attempts=attempts, last_error=text, sent_at=None)
        )


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "leerwallet.nl"
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(clock.now())
    # Stable per message, so a receiving system can drop a duplicate.
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which clears Content-*
    return email


class _Mailer:
    """One SMTP connection for a batch, opened at the first message."""

    def __init__(self, config) -> None:
        self._config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Mailer:
        return self

    def __exit__(self, *_exc) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()

    def send(self, email: EmailMessage) -> None:
        """Hand one message to the server; connects (and logs in) first if needed."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as error:
            if not isinstance(error, _MESSAGE_ERRORS):
                self._smtp.close()
                self._smtp = None
            raise

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=SMTP_TIMEOUT_SECONDS
        )
        try:
            if config.get("MAIL_USE_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


# --- reading ------------------------------------------------------------------------------


def messages_of_user(user_id: int, page: int, per_page: int = 20) -> tuple[list, int]:
    """One page of a user's messages, newest first, and how many there are."""
    where = OutboxMessage.user_id == user_id
    return _page(sa.select(OutboxMessage).where(where), where, page, per_page)


def outbox(status: MessageStatus | None, page: int, per_page: int = 50) -> tuple[list, int]:
    """One page of all messages (of one status), newest first, and how many there are."""
    where = OutboxMessage.status == status if status else sa.true()
    return _page(sa.select(OutboxMessage).where(where), where, page, per_page)


def _page(query, where, page: int, per_page: int) -> tuple[list, int]:
    total = session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(where)) or 0
    rows = session.scalars(
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total
