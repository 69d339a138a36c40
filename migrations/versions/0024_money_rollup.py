"""money rollup: the reports' ledger sums per fund and complete day, and their mark

report_money_days (fund, scheme, day, book, kind, cents) and report_hold_days (fund, scheme,
day, placed, resolved), filled by the `reports-rollup` job; report_rollup_marks says through
which day. ledger_transactions.created_at and ledger_holds created_at/resolved_at are indexed
so the days after the mark are read live without scanning the ledger.

Revision ID: 0024_money_rollup
Revises: 0023_report_people_indexes
Create Date: 2026-12-02 00:00:35.157248
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0024_money_rollup"
down_revision = "0023_report_people_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollup_marks",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("rolled_through", sa.Date(), nullable=True),
        sa.Column("updated_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_rollup_marks")),
    )
    op.create_table(
        "report_hold_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("placed_cents", sa.BigInteger(), nullable=False),
        sa.Column("resolved_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_report_hold_days_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_report_hold_days_scheme_id_schemes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_hold_days")),
    )
    with op.batch_alter_table("report_hold_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_hold_days_day"), ["day"], unique=False)
        batch_op.create_index("ix_report_hold_days_fund_id_day", ["fund_id", "day"], unique=False)

    op.create_table(
        "report_money_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("book", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_report_money_days_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_report_money_days_scheme_id_schemes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_money_days")),
    )
    with op.batch_alter_table("report_money_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_money_days_day"), ["day"], unique=False)
        batch_op.create_index("ix_report_money_days_fund_id_day", ["fund_id", "day"], unique=False)

    with op.batch_alter_table("ledger_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_holds_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_holds_resolved_at"), ["resolved_at"], unique=False
        )

    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_created_at"))

    with op.batch_alter_table("ledger_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_holds_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_ledger_holds_created_at"))

    with op.batch_alter_table("report_money_days", schema=None) as batch_op:
        batch_op.drop_index("ix_report_money_days_fund_id_day")
        batch_op.drop_index(batch_op.f("ix_report_money_days_day"))

    op.drop_table("report_money_days")
    with op.batch_alter_table("report_hold_days", schema=None) as batch_op:
        batch_op.drop_index("ix_report_hold_days_fund_id_day")
        batch_op.drop_index(batch_op.f("ix_report_hold_days_day"))

    op.drop_table("report_hold_days")
    op.drop_table("report_rollup_marks")
