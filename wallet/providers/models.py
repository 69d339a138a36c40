"""Provider organisations. Accreditations and the verification workflow grow here."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class ProviderStatus(enum.StrEnum):
    """Where a provider stands in verification; only accredited providers take applications."""

    PENDING = "pending"
    ACCREDITED = "accredited"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Provider(Base):
    """A training provider organisation, identified by its KvK number."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kvk_number: Mapped[str] = mapped_column(sa.String(8), unique=True)
    status: Mapped[ProviderStatus] = mapped_column(
        str_enum(ProviderStatus, "provider_status"),
        default=ProviderStatus.PENDING,
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r} {self.status}>"
