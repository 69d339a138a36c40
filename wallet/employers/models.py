"""Employer organisations (werkgevers) and where they stand in verification."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class EmployerStatus(enum.StrEnum):
    """Where an employer stands; only a verified employer will apply to employer schemes."""

    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class Employer(Base):
    """An employer organisation, identified by its KvK number, with its sector (SBI code)."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kvk_number: Mapped[str] = mapped_column(sa.String(8), unique=True)
    # A two-digit division of the SBI 2008 (wallet/reference/data/sbi.csv).
    sbi_code: Mapped[str] = mapped_column(sa.String(5))
    street: Mapped[str] = mapped_column(sa.String(200))
    postcode: Mapped[str] = mapped_column(sa.String(10))
    city: Mapped[str] = mapped_column(sa.String(100))
    municipality_code: Mapped[str] = mapped_column(sa.String(64))
    iban: Mapped[str] = mapped_column(sa.String(34))
    bic: Mapped[str | None] = mapped_column(sa.String(11))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    status: Mapped[EmployerStatus] = mapped_column(
        str_enum(EmployerStatus, "employer_status"), default=EmployerStatus.PENDING
    )
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<Employer {self.id} {self.name!r} {self.status}>"
