"""a provider's website, shown with its contact details on the course page

Revision ID: 0033_everyday
Revises: 0032_waiting_room
Create Date: 2026-12-02 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0033_everyday"
down_revision = "0032_waiting_room"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("website", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("website")
