"""password resets: single-use links that set a password (reset and invitation)

Revision ID: 0020_password_resets
Revises: 0019_bank_account_changes
Create Date: 2026-12-01 23:03:30.247282
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0020_password_resets"
down_revision = "0019_bank_account_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum(
                "reset",
                "invitation",
                name="password_link_purpose",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))

    op.drop_table("password_resets")
