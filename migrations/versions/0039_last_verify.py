"""the outcome of each `ledger verify` run in a table, shared by every host

It was a JSON file (LEDGER_VERIFY_RESULT_FILE) that only the host that ran verify could read
unless the folder was shared; the setting is gone. No outcome is carried over: the next run
(nightly, or `flask ledger verify`) writes the first row.

Revision ID: 0039_last_verify
Revises: 0037_housekeeping
Create Date: 2026-12-02 10:40:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0039_last_verify"
down_revision = "0037_housekeeping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_verify_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "findings >= 0", name=op.f("ck_ledger_verify_runs_findings_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_verify_runs")),
    )
    with op.batch_alter_table("ledger_verify_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_verify_runs_finished_at"), ["finished_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_verify_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_verify_runs_finished_at"))
    op.drop_table("ledger_verify_runs")
