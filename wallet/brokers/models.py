"""A broker's caseload: employers in a fund's pipeline, and the contacts logged with them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum
from wallet.employers.models import Employer


class CaseloadStage(enum.StrEnum):
    """Where an employer stands in the fund's pipeline, from first lead to follow-up."""

    LEAD = "lead"
    PREPARING = "preparing"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PLACED = "placed"
    FOLLOWED_UP = "followed_up"
    DROPPED = "dropped"


class ContactKind(enum.StrEnum):
    """How a broker was in touch with an employer."""

    VISIT = "visit"
    CALL = "call"
    EMAIL = "email"


class CaseloadEntry(Base):
    """One employer in one fund's caseload, looked after by one broker."""

    __tablename__ = "caseload_entries"
    # An employer is in a fund's pipeline once: two brokers never chase the same employer.
    __table_args__ = (sa.UniqueConstraint("fund_id", "employer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    broker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    stage: Mapped[CaseloadStage] = mapped_column(
        str_enum(CaseloadStage, "caseload_stage"), default=CaseloadStage.LEAD
    )
    drop_reason: Mapped[str | None] = mapped_column(sa.String(500))
    next_step: Mapped[str | None] = mapped_column(sa.String(200))
    next_step_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    broker: Mapped[User] = relationship()
    employer: Mapped[Employer] = relationship()

    def __repr__(self) -> str:
        return f"<CaseloadEntry {self.id} employer={self.employer_id} {self.stage}>"


class CaseloadContact(Base):
    """A visit, call or e-mail with the employer of a caseload entry."""

    __tablename__ = "caseload_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("caseload_entries.id"), index=True)
    broker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    contacted_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    broker: Mapped[User] = relationship()
