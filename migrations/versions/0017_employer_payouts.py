"""employer_payouts: a payout batch pays employers too (their reimbursement claims)

A payout item pays exactly one payee, a provider or an employer; a payout line pays exactly
one claim, a provider's claim or an employer's reimbursement claim, and a reimbursement claim
is in at most one live line, as a claim is. Existing rows all pay providers' claims.

Revision ID: 0017_employer_payouts
Revises: 0016_payout_api
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_employer_payouts"
down_revision = "0016_payout_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch_op.alter_column("provider_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_items_employer_id_employers"),
            "employers",
            ["employer_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_payout_items_employer_id"), ["employer_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_payout_items_batch_id_employer_id"), ["batch_id", "employer_id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_payout_items_one_payee"),
            "(provider_id IS NULL) <> (employer_id IS NULL)",
        )
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reimbursement_claim_id", sa.Integer(), nullable=True))
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_lines_reimbursement_claim_id_reimbursement_claims"),
            "reimbursement_claims",
            ["reimbursement_claim_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_payout_lines_reimbursement_claim_id"),
            ["reimbursement_claim_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_payout_lines_live_reimbursement_claim",
            ["reimbursement_claim_id"],
            unique=True,
            postgresql_where=sa.text("NOT released"),
            sqlite_where=sa.text("NOT released"),
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_payout_lines_one_claim"),
            "(claim_id IS NULL) <> (reimbursement_claim_id IS NULL)",
        )


def downgrade() -> None:
    # Lines and items of employers cannot be kept by the older schema.
    op.execute("DELETE FROM payout_lines WHERE claim_id IS NULL")
    op.execute("DELETE FROM payout_items WHERE provider_id IS NULL")
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payout_lines_one_claim"), type_="check")
        batch_op.drop_index("uq_payout_lines_live_reimbursement_claim")
        batch_op.drop_index(batch_op.f("ix_payout_lines_reimbursement_claim_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_payout_lines_reimbursement_claim_id_reimbursement_claims"),
            type_="foreignkey",
        )
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("reimbursement_claim_id")
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payout_items_one_payee"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_payout_items_batch_id_employer_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_payout_items_employer_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_payout_items_employer_id_employers"), type_="foreignkey"
        )
        batch_op.alter_column("provider_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("employer_id")
