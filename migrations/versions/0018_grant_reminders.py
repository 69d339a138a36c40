"""grant reminders: a grant's expiry reminders, one per threshold

Revision ID: 0018_grant_reminders
Revises: 0017_employer_payouts
Create Date: 2026-12-01 21:28:58.559745
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0018_grant_reminders"
down_revision = "0017_employer_payouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grant_expiry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        sa.Column("sent_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_grant_expiry_reminders_grant_id_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_expiry_reminders")),
        sa.UniqueConstraint(
            "grant_id", "days_before", name=op.f("uq_grant_expiry_reminders_grant_id_days_before")
        ),
    )
    with op.batch_alter_table("grant_expiry_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_expiry_reminders_grant_id"), ["grant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("grant_expiry_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_expiry_reminders_grant_id"))

    op.drop_table("grant_expiry_reminders")
