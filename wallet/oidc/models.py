"""A person's identity at an OpenID Connect provider, linked to their Leerwallet account."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime


class OidcIdentity(Base):
    """The pseudonymous subject an issuer gives a person (DigiD through a broker gives one per
    service): issuer and subject together are the person, never the e-mail address or the
    name, which the person or the provider may change. An account holds at most one identity
    per issuer, and an identity belongs to one account."""

    __tablename__ = "oidc_identities"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject", name="uq_oidc_identities_issuer_subject"),
        sa.UniqueConstraint("issuer", "user_id", name="uq_oidc_identities_issuer_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    # OpenID Connect allows up to 255 ASCII characters for `sub`.
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
