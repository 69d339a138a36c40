"""several instances: job runs claimed per slot, so two schedulers run each scheduled run once

Revision ID: 0036_instances
Revises: 0034_identity_gaps
Create Date: 2026-12-02 10:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0036_instances"
down_revision = "0034_identity_gaps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("slot", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("started_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "slot", name=op.f("uq_job_runs_job_slot")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
