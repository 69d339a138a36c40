"""bank account changes: a new IBAN waits for a second person (issue 13 point 5)

Revision ID: 0019_bank_account_changes
Revises: 0018_grant_reminders
Create Date: 2026-12-01 23:03:17.910853
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0019_bank_account_changes"
down_revision = "0018_grant_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_account_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "owner_kind",
            sa.Enum(
                "provider",
                "employer",
                "fund",
                name="bank_owner_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("previous_iban", sa.String(length=34), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                "withdrawn",
                name="bank_change_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_bank_account_changes_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_bank_account_changes_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_account_changes")),
    )
    with op.batch_alter_table("bank_account_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_account_changes_owner", ["owner_kind", "owner_id"], unique=False
        )
        batch_op.create_index(
            "uq_bank_account_changes_pending",
            ["owner_kind", "owner_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_account_changes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bank_account_changes_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_bank_account_changes_owner")

    op.drop_table("bank_account_changes")
