"""passkeys: a user's WebAuthn credentials, and the digests of answered challenges

passkeys (user, name, credential id, public key, signature counter, transports, user handle,
added and last used); passkey_answered_challenges keeps the SHA-256 of each accepted
challenge for its lifetime, so no answer counts twice.

Revision ID: 0025_passkeys
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:09:42.082008
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0025_passkeys"
down_revision = "0024_money_rollup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passkey_answered_challenges",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("answered_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_passkey_answered_challenges")),
    )
    with op.batch_alter_table("passkey_answered_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passkey_answered_challenges_answered_at"), ["answered_at"], unique=False
        )

    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("user_handle", sa.String(length=100), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sign_count >= 0", name=op.f("ck_passkeys_sign_count_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    with op.batch_alter_table("passkeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passkeys_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("passkeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passkeys_user_id"))

    op.drop_table("passkeys")
    with op.batch_alter_table("passkey_answered_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passkey_answered_challenges_answered_at"))

    op.drop_table("passkey_answered_challenges")
