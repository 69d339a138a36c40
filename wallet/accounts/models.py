"""Users with one role each, worker profiles, API tokens and failed-login records."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum

if TYPE_CHECKING:  # the relationships resolve these by name: accounts sits below them
    from wallet.employers.models import Employer
    from wallet.funds.models import Fund
    from wallet.providers.models import Provider


class Role(enum.StrEnum):
    """What a user is to Leerwallet; every permission check starts here."""

    WORKER = "worker"
    PROVIDER_STAFF = "provider_staff"
    EMPLOYER_STAFF = "employer_staff"
    FUND_ADMIN = "fund_admin"
    BROKER = "broker"
    PLATFORM_ADMIN = "platform_admin"


class User(UserMixin, Base):
    """Anyone who logs in. Provider staff belong to a provider, employer staff to an employer,
    fund administrators and labour brokers to a fund."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'provider_staff') = (provider_id IS NOT NULL)",
            name="provider_staff_has_provider",
        ),
        sa.CheckConstraint(
            # Labour brokers (arbeidsmakelaars) work for one fund, as its administrators do.
            "(role IN ('fund_admin', 'broker')) = (fund_id IS NOT NULL)",
            name="fund_admin_has_fund",
        ),
        sa.CheckConstraint(
            "(role = 'employer_staff') = (employer_id IS NOT NULL)",
            name="employer_staff_has_employer",
        ),
        # A blocked account is inactive: every way in (session, token, link, sign-in) that
        # asks for an active user refuses it without knowing about blocking.
        sa.CheckConstraint("blocked_at IS NULL OR NOT active", name="blocked_user_inactive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    fund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="nl")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the owner proved they read this address (a verification or invitation link); no
    # budget is granted or spent before (wallet.verification).
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by a platform administrator (wallet.useradmin) with a reason the owner is told.
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str | None] = mapped_column(sa.String(500))
    blocked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Closed at the owner's request or by an administrator (wallet.housekeeping.closing): the
    # account is inactive for good. After the legal retention period its personal data is
    # replaced by a pseudonym (wallet.housekeeping.pseudonyms), when `pseudonymised_at` is set.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    pseudonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[Provider | None] = relationship()
    fund: Mapped[Fund | None] = relationship()
    employer: Mapped[Employer | None] = relationship()
    profile: Mapped[WorkerProfile | None] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def email_verified(self) -> bool:
        """True once the owner opened a verification or invitation link sent to `email`."""
        return self.email_verified_at is not None

    @property
    def blocked(self) -> bool:
        """True while a platform administrator has blocked the account."""
        return self.blocked_at is not None

    @property
    def closed(self) -> bool:
        """True once the account is closed; it never opens again."""
        return self.closed_at is not None

    def has_role(self, *roles: Role) -> bool:
        """True when the user holds one of `roles`."""
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class WorkerProfile(Base):
    """What a worker tells about themselves; schemes decide eligibility from it."""

    __tablename__ = "worker_profiles"
    __table_args__ = (
        sa.CheckConstraint("education_level BETWEEN 1 AND 8", name="education_level_nlqf"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    date_of_birth: Mapped[dt.date]
    municipality_code: Mapped[str] = mapped_column(sa.String(64))
    employment_status: Mapped[str] = mapped_column(sa.String(20))
    sector: Mapped[str] = mapped_column(sa.String(32))
    occupation: Mapped[str] = mapped_column(sa.String(200))
    education_level: Mapped[int] = mapped_column(sa.SmallInteger)
    target_occupation: Mapped[str] = mapped_column(sa.String(200))
    # Optional home address (Dutch postcode "1234AB" and house number), for the fraud check
    # of many applicants of one provider living at one address.
    postcode: Mapped[str | None] = mapped_column(sa.String(6))
    house_number: Mapped[str | None] = mapped_column(sa.String(10))

    user: Mapped[User] = relationship(back_populates="profile")


class ApiToken(Base):
    """A token a provider's, employer's or fund's own system uses for the API, limited to its
    scopes and valid until it expires or is revoked. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint("scopes <> ''", name="api_token_has_a_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Space-separated scope names (wallet.accounts.scopes), e.g. "read claims".
    scopes: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Kept to the minute (one write a minute at most, not one per request).
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        """Revoked tokens never authenticate again."""
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        """Expired tokens never authenticate again."""
        return self.expires_at <= clock.now()


class LoginFailure(Base):
    """One failed login, counted to throttle guessing per e-mail address and per IP."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), index=True)
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class PasswordLinkPurpose(enum.StrEnum):
    """Why a set-your-password link was made: the owner forgot it, or a colleague invited them."""

    RESET = "reset"
    INVITATION = "invitation"


class PasswordReset(Base):
    """A single-use link that sets a user's password. Only the SHA-256 of its token is kept,
    so a copy of the database opens no account; `used_at` is set once, by a conditional UPDATE.

    A reset asked for an address without an account writes a row too, with no user and used
    from the start: both answers then do the same writes, so neither takes longer.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(
        str_enum(PasswordLinkPurpose, "password_link_purpose")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class EmailChangeOutcome(enum.StrEnum):
    """What became of a request for a new e-mail address."""

    CONFIRMED = "confirmed"  # the link was opened: the account has the new address
    TAKEN = "taken"  # the link was opened, but another account has that address
    CANCELLED = "cancelled"  # the owner took it back
    REPLACED = "replaced"  # a newer request (or a new password) voided it


class EmailChange(Base):
    """A request to move an account to a new e-mail address, waiting for the single-use link
    sent to that address (wallet.accounts.email_change). Only the SHA-256 of its token is
    kept; `used_at` is set once, by a conditional UPDATE, whatever the outcome."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The address the account had when the change was asked: a link made before another
    # change is void.
    old_email: Mapped[str] = mapped_column(sa.String(254))
    new_email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Empty while it waits.
    outcome: Mapped[EmailChangeOutcome | None] = mapped_column(
        str_enum(EmailChangeOutcome, "email_change_outcome")
    )

    user: Mapped[User] = relationship()
