"""A user's passkeys and the challenges already answered (so no answer counts twice)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime


class Passkey(Base):
    """One WebAuthn credential of a user: its id, public key and signature counter.

    The private key never leaves the person's device; what is kept here opens nothing.
    `user_handle` is the random id the authenticator stores with a discoverable credential
    and gives back at sign-in; all passkeys of one user share it.
    """

    __tablename__ = "passkeys"
    __table_args__ = (sa.CheckConstraint("sign_count >= 0", name="sign_count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # base64url, as browsers send it in `rawId`: looked up on every sign-in.
    credential_id: Mapped[str] = mapped_column(sa.String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[list] = mapped_column(sa.JSON, default=list)
    user_handle: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AnsweredChallenge(Base):
    """The SHA-256 of a challenge whose answer was accepted. The unique digest makes every
    challenge good for one ceremony, also when an old session cookie is sent again; rows
    older than a challenge's lifetime are removed as new ones are written."""

    __tablename__ = "passkey_answered_challenges"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
