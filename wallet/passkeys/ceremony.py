"""The relying party (this site) and the challenges of a WebAuthn ceremony.

A challenge is made by the server, kept in the person's session for
PASSKEY_CHALLENGE_SECONDS and taken out by the answer, right or wrong. An accepted answer
also records the challenge's digest (`mark_answered`), so a session cookie saved before the
answer cannot carry the same challenge into a second ceremony.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask import session as web_session
from sqlalchemy.dialects import postgresql, sqlite
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from wallet.core import clock
from wallet.core.db import session
from wallet.passkeys.models import AnsweredChallenge

SESSION_KEY = "passkey_ceremonies"


@dataclass(frozen=True)
class RelyingParty:
    """Who asks for the passkey: the id browsers bind a passkey to, and the page's origin."""

    id: str
    name: str
    origin: str


def relying_party() -> RelyingParty:
    """PASSKEY_RP_ID and PASSKEY_ORIGIN, each derived from BASE_URL when not set.

    Browsers refuse an IP address as relying party, so a loopback BASE_URL such as the
    development default http://127.0.0.1:5000 gives `localhost` (http://localhost:5000),
    which browsers treat as a secure context like 127.0.0.1.
    """
    config = current_app.config
    base = urlsplit(config["BASE_URL"])
    host, netloc = base.hostname or "localhost", base.netloc
    if _is_loopback_address(host):
        host = "localhost"
        netloc = f"localhost:{base.port}" if base.port else "localhost"
    return RelyingParty(
        id=config.get("PASSKEY_RP_ID") or host,
        name=config.get("PASSKEY_RP_NAME") or "Leerwallet",
        origin=config.get("PASSKEY_ORIGIN") or f"{base.scheme}://{netloc}",
    )


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lifetime() -> dt.timedelta:
    """How long a challenge can be answered."""
    return dt.timedelta(seconds=int(current_app.config.get("PASSKEY_CHALLENGE_SECONDS", 300)))


def new_challenge(purpose: str, **kept: str) -> bytes:
    """A fresh challenge for `purpose` (replacing an earlier one), kept in the session with
    `kept` (strings the answer needs, such as the new passkey's user handle)."""
    challenge = secrets.token_bytes(32)
    expires = (clock.now() + lifetime()).timestamp()
    pending = dict(web_session.get(SESSION_KEY) or {})
    pending[purpose] = {**kept, "challenge": bytes_to_base64url(challenge), "expires": expires}
    web_session[SESSION_KEY] = pending
    return challenge


def take_challenge(purpose: str) -> tuple[bytes, dict] | None:
    """The challenge for `purpose` and what was kept with it, removed from the session;
    None when there is none or it expired."""
    pending = dict(web_session.get(SESSION_KEY) or {})
    entry = pending.pop(purpose, None)
    web_session[SESSION_KEY] = pending
    if not isinstance(entry, dict) or clock.now().timestamp() > entry.get("expires", 0):
        return None
    return base64url_to_bytes(entry["challenge"]), entry


def mark_answered(challenge: bytes) -> bool:
    """Record in the caller's unit of work that `challenge` was answered; False when it was
    answered before. INSERT ... ON CONFLICT DO NOTHING: of two racing answers one wins."""
    now = clock.now()
    session.execute(
        sa.delete(AnsweredChallenge).where(AnsweredChallenge.answered_at < now - lifetime())
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    digest = hashlib.sha256(challenge).hexdigest()
    insert = dialect.insert(AnsweredChallenge).values(digest=digest, answered_at=now)
    # RETURNING, not rowcount: the driver may not count an INSERT ... ON CONFLICT's rows.
    returning = insert.on_conflict_do_nothing().returning(AnsweredChallenge.digest)
    return session.execute(returning).scalar() is not None
