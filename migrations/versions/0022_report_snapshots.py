"""report snapshots: computed report figures kept in the database, shared by every process

Revision ID: 0022_report_snapshots
Revises: 0021_report_indexes
Create Date: 2026-12-02 00:10:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0022_report_snapshots"
down_revision = "0021_report_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=True),
        sa.Column("computed_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_report_snapshots_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshots")),
        sa.UniqueConstraint("key", name=op.f("uq_report_snapshots_key")),
    )
    with op.batch_alter_table("report_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_snapshots_fund_id"), ["fund_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_snapshots_fund_id"))
    op.drop_table("report_snapshots")
