"""blocking accounts (users.blocked_at, blocked_reason, blocked_by_id) and a fund's region

Revision ID: 0031_account_admin
Revises: 0030_email_verification
Create Date: 2026-12-02 06:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0031_account_admin"
down_revision = "0030_email_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("blocked_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("blocked_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("blocked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_blocked_by_id_users"), "users", ["blocked_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_users_blocked_user_inactive"), "blocked_at IS NULL OR NOT active"
        )
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_column("region")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_blocked_user_inactive"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_users_blocked_by_id_users"), type_="foreignkey")
        batch_op.drop_column("blocked_by_id")
        batch_op.drop_column("blocked_reason")
        batch_op.drop_column("blocked_at")
