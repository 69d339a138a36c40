"""payout_api: a payout batch keeps the providers left out when it was made, and why

Batches made before this did not keep it (it was shown once, on the page that made them):
theirs stays NULL, "not known", never an empty list that would claim nobody was left out.

Revision ID: 0016_payout_api
Revises: 0015_employer_share
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_payout_api"
down_revision = "0015_employer_share"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_out", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_column("left_out")
