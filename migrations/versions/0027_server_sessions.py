"""server sessions: the session store's table when no REDIS_URL is set

server_sessions holds each browser session under the SHA-256 of its cookie's token, with
its user, start, last seen, expiry (indexed, for the expire-sessions job), IP and user agent.

Revision ID: 0027_server_sessions
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:07:12.534540
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0027_server_sessions"
down_revision = "0026_oidc_identities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column("expires_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_server_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_sessions")),
    )
    with op.batch_alter_table("server_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_server_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("server_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_server_sessions_expires_at"))

    op.drop_table("server_sessions")
