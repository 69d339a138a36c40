"""housekeeping: closed accounts and their pseudonymisation

An account can be closed (wallet.housekeeping.closing); after the legal retention period its
personal data is replaced by a pseudonym (wallet.housekeeping.pseudonyms). Both moments are
kept on the user; the index finds the closed accounts due without reading every user.

Revision ID: 0037_housekeeping
Revises: 0036_instances
Create Date: 2026-12-02 10:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0037_housekeeping"
down_revision = "0036_instances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("pseudonymised_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_users_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_closed_at"))
        batch_op.drop_column("pseudonymised_at")
        batch_op.drop_column("closed_at")
