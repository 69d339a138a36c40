"""references may be empty until named after the row's id

Revision ID: 0006_security
Revises: 0005
Create Date: 2026-12-01 16:40:00

Applications, claims and payout batches were inserted with the placeholder reference
'pending' in a unique column, so every concurrent insert waited on the first open
transaction. They are now inserted with no reference (unique allows many NULLs) and named
after their id in the same transaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_security"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (("applications", 20), ("claims", 20), ("payout_batches", 30))


def upgrade() -> None:
    for table, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "reference", existing_type=sa.String(length=length), nullable=True
            )


def downgrade() -> None:
    for table, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "reference", existing_type=sa.String(length=length), nullable=False
            )
