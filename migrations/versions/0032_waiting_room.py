"""waiting rooms in front of first-come window openings, and their tickets

Revision ID: 0032_waiting_room
Revises: 0031_account_admin
Create Date: 2026-12-02 06:50:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0032_waiting_room"
down_revision = "0031_account_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiting_rooms",
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("lead_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("rate_per_second", sa.Integer(), nullable=True),
        sa.Column("burst", sa.Integer(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("burst >= 0", name=op.f("ck_waiting_rooms_burst_not_negative")),
        sa.CheckConstraint("issued >= 0", name=op.f("ck_waiting_rooms_issued_not_negative")),
        sa.CheckConstraint(
            "lead_minutes BETWEEN 0 AND 1440", name=op.f("ck_waiting_rooms_lead_range")
        ),
        sa.CheckConstraint(
            "rate_per_second IS NULL OR rate_per_second > 0",
            name=op.f("ck_waiting_rooms_rate_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_waiting_rooms_scheme_id_schemes")
        ),
        sa.PrimaryKeyConstraint("scheme_id", name=op.f("pk_waiting_rooms")),
    )
    op.create_table(
        "waiting_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["waiting_rooms.scheme_id"],
            name=op.f("fk_waiting_tickets_scheme_id_waiting_rooms"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_waiting_tickets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_tickets")),
        sa.UniqueConstraint(
            "scheme_id", "number", name=op.f("uq_waiting_tickets_scheme_id_number")
        ),
        sa.UniqueConstraint(
            "scheme_id", "user_id", name=op.f("uq_waiting_tickets_scheme_id_user_id")
        ),
    )
    with op.batch_alter_table("waiting_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waiting_tickets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("waiting_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waiting_tickets_user_id"))
    op.drop_table("waiting_tickets")
    op.drop_table("waiting_rooms")
