"""Provider organisations and their accreditations."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class ProviderStatus(enum.StrEnum):
    """Where a provider stands in verification; only accredited providers take applications."""

    PENDING = "pending"
    ACCREDITED = "accredited"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class AccreditationKind(enum.StrEnum):
    """The kinds of recognition a training provider can show."""

    CRKBO = "crkbo"
    NRTO = "nrto"
    CREBO = "crebo"
    CROHO = "croho"
    BRANCH = "branch"


class Provider(Base):
    """A training provider organisation, identified by its KvK number."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kvk_number: Mapped[str] = mapped_column(sa.String(8), unique=True)
    vat_number: Mapped[str | None] = mapped_column(sa.String(20))
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    bic: Mapped[str | None] = mapped_column(sa.String(11))
    # Stripe Connect (Express): the connected account and what its webhooks last said.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    stripe_payouts_enabled: Mapped[bool] = mapped_column(default=False)
    street: Mapped[str | None] = mapped_column(sa.String(200))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    website: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[ProviderStatus] = mapped_column(
        str_enum(ProviderStatus, "provider_status"), default=ProviderStatus.PENDING
    )
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    accredited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="provider", order_by="Accreditation.id"
    )

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r} {self.status}>"


class Accreditation(Base):
    """A recognition with its evidence and validity (CRKBO, NRTO, crebo, CROHO, branch)."""

    __tablename__ = "accreditations"
    __table_args__ = (
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    kind: Mapped[AccreditationKind] = mapped_column(
        str_enum(AccreditationKind, "accreditation_kind")
    )
    reference: Mapped[str] = mapped_column(sa.String(50))
    evidence: Mapped[str] = mapped_column(sa.String(500))
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    provider: Mapped[Provider] = relationship(back_populates="accreditations")

    def valid_on(self, day: dt.date) -> bool:
        """Whether the accreditation holds on `day`."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class FundProviderExclusion(Base):
    """A fund's decision that its schemes pay no new applications at this provider.

    Accrediting, suspending and revoking a provider is a platform decision; a fund can only
    keep its own money away from a provider. While the row exists the funding plan skips the
    fund's grants for the provider's courses; undoing the exclusion removes the row (both
    steps are in the audit trail with their reason).
    """

    __tablename__ = "fund_provider_exclusions"
    __table_args__ = (sa.UniqueConstraint("fund_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    excluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    excluded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
