"""reimbursements: employers' claims for the parts of a placement's reimbursement

Revision ID: 0014_reimbursements
Revises: 0013_placements
Create Date: 2026-12-01 20:10:40.852353
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0014_reimbursements"
down_revision = "0013_placements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reimbursement_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "part",
            sa.Enum(
                "first",
                "retention",
                name="reimb_part",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved_once",
                "approved",
                "rejected",
                "in_batch",
                "paid",
                name="reimbursement_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("invoice_number", sa.String(length=50), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("invoice_cents", sa.BigInteger(), nullable=False),
        sa.Column("eligible_cents", sa.BigInteger(), nullable=False),
        sa.Column("reimbursement_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("invoice_file", sa.String(length=80), nullable=False),
        sa.Column("ubl_file", sa.String(length=80), nullable=True),
        sa.Column("payment_proof_file", sa.String(length=80), nullable=False),
        sa.Column("employment_proof_file", sa.String(length=80), nullable=False),
        sa.Column("participation_proof_file", sa.String(length=80), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("approvals_needed", sa.SmallInteger(), nullable=False),
        sa.Column("first_approver_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_reimbursement_claims_amount_not_negative")
        ),
        sa.CheckConstraint(
            "eligible_cents > 0 AND eligible_cents <= invoice_cents",
            name=op.f("ck_reimbursement_claims_eligible_within_invoice"),
        ),
        sa.CheckConstraint(
            "invoice_cents > 0", name=op.f("ck_reimbursement_claims_invoice_positive")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_reimbursement_claims_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_reimbursement_claims_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["first_approver_id"],
            ["users.id"],
            name=op.f("fk_reimbursement_claims_first_approver_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_reimbursement_claims_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_reimbursement_claims_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_reimbursement_claims_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_reimbursement_claims_submitted_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_reimbursement_claims_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimbursement_claims")),
        sa.UniqueConstraint("reference", name=op.f("uq_reimbursement_claims_reference")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_reimbursement_claims_transaction_id")),
    )
    with op.batch_alter_table("reimbursement_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reimbursement_claims_employer_id"), ["employer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reimbursement_claims_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reimbursement_claims_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reimbursement_claims_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reimbursement_claims_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reimbursement_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimbursement_claims_status"))
        batch_op.drop_index(batch_op.f("ix_reimbursement_claims_provider_id"))
        batch_op.drop_index(batch_op.f("ix_reimbursement_claims_placement_id"))
        batch_op.drop_index(batch_op.f("ix_reimbursement_claims_fund_id"))
        batch_op.drop_index(batch_op.f("ix_reimbursement_claims_employer_id"))

    op.drop_table("reimbursement_claims")
