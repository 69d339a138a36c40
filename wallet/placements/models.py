"""An employer's application to an employer scheme and the persons in it (placements).

A placement is one person in one application: reviewed by the fund on its own, and once
approved the fund's commitment (holds on the fund's pot) and the employment followed up at
6 and 12 months. Personal data is kept to what the fund decides on: name, date of birth,
where the person comes from and the new job. No BSN.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum
from wallet.employers.models import Employer
from wallet.schemes.models import Scheme


class EmployerApplicationStatus(enum.StrEnum):
    """A draft (composed by the employer or prepared by a broker) until the employer sends it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # persons under review
    DECIDED = "decided"  # every person approved, rejected or withdrawn
    WITHDRAWN = "withdrawn"  # by the employer before every person was decided
    DISCARDED = "discarded"  # a draft that was never sent


A = EmployerApplicationStatus
APPLICATION_TRANSITIONS: dict[tuple[EmployerApplicationStatus, str], EmployerApplicationStatus] = {
    (A.DRAFT, "submit"): A.SUBMITTED,
    (A.DRAFT, "discard"): A.DISCARDED,
    (A.SUBMITTED, "decide"): A.DECIDED,  # taken by the system when the last person is decided
    (A.SUBMITTED, "withdraw"): A.WITHDRAWN,
}
APPLICATION_ACTIONS = ("submit", "discard", "decide", "withdraw")


class PlacementStatus(enum.StrEnum):
    """One person's way from the application to the end of the follow-up."""

    DRAFT = "draft"  # in an application not sent yet
    IN_REVIEW = "in_review"
    APPROVED_ONCE = "approved_once"  # four eyes: one approval given, a second one needed
    APPROVED = "approved"  # budget committed; the placement runs and is followed up
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    NOT_STARTED = "not_started"  # closed: the person never started; commitment released
    ENDED_EARLY = "ended_early"  # closed: employment ended; what was not claimed released
    RETAINED = "retained"  # closed: still employed at the last follow-up


P = PlacementStatus
PLACEMENT_TRANSITIONS: dict[tuple[PlacementStatus, str], PlacementStatus] = {
    (P.DRAFT, "submit"): P.IN_REVIEW,
    (P.DRAFT, "withdraw"): P.WITHDRAWN,
    (P.IN_REVIEW, "approve"): P.APPROVED,  # or APPROVED_ONCE above the four-eyes threshold
    (P.IN_REVIEW, "reject"): P.REJECTED,
    (P.IN_REVIEW, "withdraw"): P.WITHDRAWN,
    (P.APPROVED_ONCE, "approve"): P.APPROVED,
    (P.APPROVED_ONCE, "reject"): P.REJECTED,
    (P.APPROVED_ONCE, "withdraw"): P.WITHDRAWN,
    (P.APPROVED, "not_started"): P.NOT_STARTED,
    (P.APPROVED, "end_early"): P.ENDED_EARLY,
    (P.APPROVED, "retain"): P.RETAINED,
}
PLACEMENT_ACTIONS = (
    "submit",
    "approve",
    "reject",
    "withdraw",
    "not_started",
    "end_early",
    "retain",
)
UNDECIDED = (P.DRAFT, P.IN_REVIEW, P.APPROVED_ONCE)
# A person in one of these states is taken: not to be listed again by this or another employer.
LIVE = (P.DRAFT, P.IN_REVIEW, P.APPROVED_ONCE, P.APPROVED)
CLOSED = (P.NOT_STARTED, P.ENDED_EARLY, P.RETAINED)


class ContractType(enum.StrEnum):
    """The new job's contract."""

    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"
    WORK_AND_LEARN = "work_and_learn"  # a BBL or hbo-duaal contract
    WORK_EXPERIENCE = "work_experience"  # a work-experience place, no contract yet


class EmployerApplication(Base):
    """An aanvraag: one employer, one scheme, one or many persons."""

    __tablename__ = "employer_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), index=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    status: Mapped[EmployerApplicationStatus] = mapped_column(
        str_enum(EmployerApplicationStatus, "employer_application_status"),
        default=A.DRAFT,
        index=True,
    )
    # A broker who prepared it for the employer to confirm; None when the employer made it.
    prepared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    employer: Mapped[Employer] = relationship()
    scheme: Mapped[Scheme] = relationship()
    placements: Mapped[list[Placement]] = relationship(
        back_populates="application", order_by="Placement.id"
    )


class Placement(Base):
    """One person in an employer application, and what became of them."""

    __tablename__ = "placements"
    __table_args__ = (
        sa.CheckConstraint("quote_cents > 0", name="quote_positive"),
        sa.CheckConstraint("requested_cents >= 0", name="requested_not_negative"),
        sa.CheckConstraint("committed_cents >= 0", name="committed_not_negative"),
        sa.CheckConstraint("hours_per_week BETWEEN 1 AND 60", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("employer_applications.id"), index=True
    )
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), index=True)
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus, "placement_status"), default=P.DRAFT, index=True
    )
    # The person: name and date of birth, and a key of the two to find them listed twice.
    full_name: Mapped[str] = mapped_column(sa.String(200))
    date_of_birth: Mapped[dt.date]
    person_key: Mapped[str] = mapped_column(sa.String(220), index=True)
    worker_email: Mapped[str | None] = mapped_column(sa.String(254))
    worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Where the person comes from.
    starting_situation: Mapped[str] = mapped_column(sa.String(30))
    from_sbi_code: Mapped[str | None] = mapped_column(sa.String(5))
    # The new job.
    occupation: Mapped[str] = mapped_column(sa.String(200))
    contract_type: Mapped[ContractType] = mapped_column(str_enum(ContractType, "contract_type"))
    hours_per_week: Mapped[int] = mapped_column(sa.SmallInteger)
    start_date: Mapped[dt.date]
    # The training: a catalogue run, or a described course with the provider's quote.
    training_kind: Mapped[str] = mapped_column(sa.String(30))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_runs.id"))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"))
    training_description: Mapped[str | None] = mapped_column(sa.String(500))
    quote_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # Money: what the scheme would pay on the quote, what the fund committed, and the holds
    # on the fund's pot that carry it (the part paid after the retention months apart).
    requested_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    committed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_holds.id"), unique=True)
    retention_hold_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_holds.id"), unique=True
    )
    # Four eyes: the first approver and the amount they approved, until the second approves.
    first_approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    first_approved_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    closed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    application: Mapped[EmployerApplication] = relationship(back_populates="placements")
    employer: Mapped[Employer] = relationship()
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="placement", order_by="FollowUp.months"
    )


class FollowUp(Base):
    """Is the person still employed N months after the start? Due on a day, recorded once."""

    __tablename__ = "placement_follow_ups"
    __table_args__ = (sa.UniqueConstraint("placement_id", "months"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    months: Mapped[int] = mapped_column(sa.SmallInteger)
    due_on: Mapped[dt.date] = mapped_column(index=True)
    still_employed: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship(back_populates="follow_ups")


class ReimbursementPart(enum.StrEnum):
    """Which part of a placement's reimbursement a claim asks for."""

    FIRST = "first"  # on the paid invoice
    RETENTION = "retention"  # the part paid when the person is still employed after N months


class ReimbursementStatus(enum.StrEnum):
    """Where an employer's claim stands: reviewed as a provider's claim is, then paid."""

    SUBMITTED = "submitted"
    APPROVED_ONCE = "approved_once"
    APPROVED = "approved"  # posted to the employer's payable account
    REJECTED = "rejected"  # final: the employer may send a new claim for the same part
    IN_BATCH = "in_batch"
    PAID = "paid"


R = ReimbursementStatus
REIMBURSEMENT_TRANSITIONS: dict[tuple[ReimbursementStatus, str], ReimbursementStatus] = {
    (R.SUBMITTED, "approve"): R.APPROVED,  # or APPROVED_ONCE: four eyes
    (R.SUBMITTED, "reject"): R.REJECTED,
    (R.APPROVED_ONCE, "approve"): R.APPROVED,
    (R.APPROVED_ONCE, "reject"): R.REJECTED,
    (R.APPROVED, "batch"): R.IN_BATCH,
    (R.IN_BATCH, "pay"): R.PAID,
    (R.IN_BATCH, "unbatch"): R.APPROVED,  # the batch was discarded or its transfer failed
    (R.PAID, "return_payment"): R.APPROVED,  # the bank returned the transfer
}
REIMBURSEMENT_ACTIONS = ("approve", "reject", "batch", "pay", "unbatch", "return_payment")
LIVE_CLAIM = (R.SUBMITTED, R.APPROVED_ONCE, R.APPROVED, R.IN_BATCH, R.PAID)


class ReimbursementClaim(Base):
    """An employer's claim for one part of one placement's reimbursement, with the
    provider's invoice and the proofs: that the employer paid it, that the person is
    employed, that they take part in the training."""

    __tablename__ = "reimbursement_claims"
    __table_args__ = (
        sa.CheckConstraint("invoice_cents > 0", name="invoice_positive"),
        sa.CheckConstraint(
            "eligible_cents > 0 AND eligible_cents <= invoice_cents", name="eligible_within_invoice"
        ),
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    part: Mapped[ReimbursementPart] = mapped_column(str_enum(ReimbursementPart, "reimb_part"))
    status: Mapped[ReimbursementStatus] = mapped_column(
        str_enum(ReimbursementStatus, "reimbursement_status"), default=R.SUBMITTED, index=True
    )
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    invoice_number: Mapped[str] = mapped_column(sa.String(50))
    invoice_date: Mapped[dt.date]
    invoice_cents: Mapped[int] = mapped_column(sa.BigInteger)
    eligible_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # The scheme's share of the eligible cost within the commitment (the whole reimbursement)
    # and what this claim pays of it (this part).
    reimbursement_cents: Mapped[int] = mapped_column(sa.BigInteger)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    invoice_file: Mapped[str] = mapped_column(sa.String(80))
    ubl_file: Mapped[str | None] = mapped_column(sa.String(80))
    payment_proof_file: Mapped[str] = mapped_column(sa.String(80))
    employment_proof_file: Mapped[str] = mapped_column(sa.String(80))
    participation_proof_file: Mapped[str | None] = mapped_column(sa.String(80))
    # Fraud flags found at submission: [{"code", "severity", "reason"}]; a high one asks for a
    # second administrator, as on providers' claims.
    flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    approvals_needed: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    first_approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    placement: Mapped[Placement] = relationship()
