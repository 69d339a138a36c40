"""Courses, their runs and the history of their prices."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum
from wallet.providers.models import Provider


class Modality(enum.StrEnum):
    """How a course is given."""

    CLASSROOM = "classroom"
    ONLINE = "online"
    BLENDED = "blended"


class VatTreatment(enum.StrEnum):
    """VAT on the price: most vocational training is exempt (CRKBO); otherwise 21 % included."""

    EXEMPT = "exempt"
    INCLUDED_21 = "included_21"


class Course(Base):
    """A course a provider offers; `code` is the provider's own, for imports."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "code"),
        sa.CheckConstraint("price_cents >= 0 AND price_cents <= 5000000", name="price_range"),
        sa.CheckConstraint("hours > 0 AND hours <= 10000", name="hours_range"),
        sa.CheckConstraint("nlqf_level IS NULL OR nlqf_level BETWEEN 1 AND 8", name="nlqf"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(50))
    title_nl: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str | None] = mapped_column(sa.String(200))
    title_de: Mapped[str | None] = mapped_column(sa.String(200))
    description_nl: Mapped[str] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    description_de: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    nlqf_level: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)
    programme_code: Mapped[str | None] = mapped_column(sa.String(20))  # crebo or CROHO
    sector: Mapped[str] = mapped_column(sa.String(32), index=True)
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    occupations: Mapped[list] = mapped_column(sa.JSON, default=list)
    hours: Mapped[int]
    modality: Mapped[Modality] = mapped_column(str_enum(Modality, "modality"))
    language: Mapped[str] = mapped_column(sa.String(2), default="nl")
    municipality_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    price_cents: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    vat: Mapped[VatTreatment] = mapped_column(str_enum(VatTreatment, "vat_treatment"))
    published: Mapped[bool] = mapped_column(default=True, index=True)
    unpublished_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    provider: Mapped[Provider] = relationship()
    runs: Mapped[list[CourseRun]] = relationship(
        back_populates="course", order_by="CourseRun.starts_on"
    )

    def title(self, language: str) -> str:
        """The title in `language`, Dutch where there is none."""
        return getattr(self, f"title_{language}", None) or self.title_nl

    def description(self, language: str) -> str:
        """The description in `language`, Dutch where there is none."""
        return getattr(self, f"description_{language}", None) or self.description_nl


class CourseRun(Base):
    """One run of a course: dates, seats and place."""

    __tablename__ = "course_runs"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "code"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("seats >= 0 AND seats <= 10000", name="seats_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(50))
    starts_on: Mapped[dt.date] = mapped_column(index=True)
    ends_on: Mapped[dt.date]
    seats: Mapped[int]
    municipality_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    location: Mapped[str | None] = mapped_column(sa.String(200))

    course: Mapped[Course] = relationship(back_populates="runs")


class PriceChange(Base):
    """Every change of a course's price, for administrators (pricing under the cap)."""

    __tablename__ = "course_price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    old_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    new_cents: Mapped[int] = mapped_column(sa.BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
