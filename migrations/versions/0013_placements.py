"""placements: employer applications, the persons in them and their follow-ups

Revision ID: 0013_placements
Revises: 0012_brokers
Create Date: 2026-12-01 19:45:50.634468
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0013_placements"
down_revision = "0012_brokers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employer_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "decided",
                "withdrawn",
                "discarded",
                name="employer_application_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("prepared_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employer_applications_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_employer_applications_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"],
            ["users.id"],
            name=op.f("fk_employer_applications_prepared_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_employer_applications_scheme_id_schemes")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_employer_applications_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_employer_applications_reference")),
    )
    with op.batch_alter_table("employer_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_employer_applications_employer_id"), ["employer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_employer_applications_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_employer_applications_scheme_id"), ["scheme_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_employer_applications_status"), ["status"], unique=False
        )

    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "in_review",
                "approved_once",
                "approved",
                "rejected",
                "withdrawn",
                "not_started",
                "ended_early",
                "retained",
                name="placement_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("person_key", sa.String(length=220), nullable=False),
        sa.Column("worker_email", sa.String(length=254), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("starting_situation", sa.String(length=30), nullable=False),
        sa.Column("from_sbi_code", sa.String(length=5), nullable=True),
        sa.Column("occupation", sa.String(length=200), nullable=False),
        sa.Column(
            "contract_type",
            sa.Enum(
                "permanent",
                "fixed_term",
                "work_and_learn",
                "work_experience",
                name="contract_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("hours_per_week", sa.SmallInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("training_kind", sa.String(length=30), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("training_description", sa.String(length=500), nullable=True),
        sa.Column("quote_cents", sa.BigInteger(), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=False),
        sa.Column("committed_cents", sa.BigInteger(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("retention_hold_id", sa.Integer(), nullable=True),
        sa.Column("first_approver_id", sa.Integer(), nullable=True),
        sa.Column("first_approved_cents", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "committed_cents >= 0", name=op.f("ck_placements_committed_not_negative")
        ),
        sa.CheckConstraint(
            "hours_per_week BETWEEN 1 AND 60", name=op.f("ck_placements_hours_range")
        ),
        sa.CheckConstraint("quote_cents > 0", name=op.f("ck_placements_quote_positive")),
        sa.CheckConstraint(
            "requested_cents >= 0", name=op.f("ck_placements_requested_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["employer_applications.id"],
            name=op.f("fk_placements_application_id_employer_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_placements_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_placements_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["first_approver_id"], ["users.id"], name=op.f("fk_placements_first_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["ledger_holds.id"], name=op.f("fk_placements_hold_id_ledger_holds")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_placements_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["retention_hold_id"],
            ["ledger_holds.id"],
            name=op.f("fk_placements_retention_hold_id_ledger_holds"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["course_runs.id"], name=op.f("fk_placements_run_id_course_runs")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_placements_scheme_id_schemes")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_placements_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_placements_hold_id")),
        sa.UniqueConstraint("retention_hold_id", name=op.f("uq_placements_retention_hold_id")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placements_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_placements_employer_id"), ["employer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_placements_person_key"), ["person_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_scheme_id"), ["scheme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "placement_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("still_employed", sa.Boolean(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_follow_ups_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_placement_follow_ups_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_follow_ups")),
        sa.UniqueConstraint(
            "placement_id", "months", name=op.f("uq_placement_follow_ups_placement_id_months")
        ),
    )
    with op.batch_alter_table("placement_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_follow_ups_due_on"), ["due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_placement_follow_ups_placement_id"), ["placement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("placement_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_follow_ups_placement_id"))
        batch_op.drop_index(batch_op.f("ix_placement_follow_ups_due_on"))

    op.drop_table("placement_follow_ups")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_worker_id"))
        batch_op.drop_index(batch_op.f("ix_placements_status"))
        batch_op.drop_index(batch_op.f("ix_placements_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_placements_person_key"))
        batch_op.drop_index(batch_op.f("ix_placements_employer_id"))
        batch_op.drop_index(batch_op.f("ix_placements_application_id"))

    op.drop_table("placements")
    with op.batch_alter_table("employer_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employer_applications_status"))
        batch_op.drop_index(batch_op.f("ix_employer_applications_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_employer_applications_fund_id"))
        batch_op.drop_index(batch_op.f("ix_employer_applications_employer_id"))

    op.drop_table("employer_applications")
