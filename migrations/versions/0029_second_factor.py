"""second factor: TOTP factors (secrets encrypted) and single-use recovery codes

Revision ID: 0029_second_factor
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:35:00.000000
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0029_second_factor"
down_revision = "0028_token_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "totp_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_encrypted", sa.String(length=255), nullable=True),
        sa.Column("pending_encrypted", sa.String(length=255), nullable=True),
        sa.Column("confirmed_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_totp_factors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_factors")),
        sa.UniqueConstraint("user_id", name=op.f("uq_totp_factors_user_id")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    op.drop_table("totp_factors")
