"""fund provider exclusions

Revision ID: 0007_forms
Revises: 0006_security
Create Date: 2026-12-01 16:40:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0007_forms"
down_revision = "0006_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_provider_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("excluded_by_id", sa.Integer(), nullable=True),
        sa.Column("excluded_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["excluded_by_id"],
            ["users.id"],
            name=op.f("fk_fund_provider_exclusions_excluded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_provider_exclusions_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_fund_provider_exclusions_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_provider_exclusions")),
        sa.UniqueConstraint(
            "fund_id", "provider_id", name=op.f("uq_fund_provider_exclusions_fund_id_provider_id")
        ),
    )
    with op.batch_alter_table("fund_provider_exclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_provider_exclusions_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fund_provider_exclusions_provider_id"), ["provider_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fund_provider_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_provider_exclusions_provider_id"))
        batch_op.drop_index(batch_op.f("ix_fund_provider_exclusions_fund_id"))
    op.drop_table("fund_provider_exclusions")
