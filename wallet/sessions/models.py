"""Sessions kept on the server: the database store's table."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core.db import Base, UTCDateTime


class StoredSession(Base):
    """One browser's session. The cookie holds a random token; only its SHA-256 is kept here,
    so a copy of the table opens no session. IP address and user agent are shown to the owner
    on the sessions page; the session is not bound to them."""

    __tablename__ = "server_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The session's contents, as Flask's tagged JSON (flash messages are tuples).
    data: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    idle_seconds: Mapped[int]
    # The earlier of last seen plus the idle timeout and created plus the absolute limit.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45))
    user_agent: Mapped[str] = mapped_column(sa.String(300))
