"""payments: SEPA execution date fixed at submit, returned transfers (also after a clawback),
statements imported once

Revision ID: 0008_payments
Revises: 0007_forms
Create Date: 2026-12-01 16:40:00
"""

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0008_payments"
down_revision = "0007_forms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("execution_date", sa.Date(), nullable=True))
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("returned_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "returned_after_clawback", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    connection = op.get_bind()
    batches = sa.table(
        "payout_batches",
        sa.column("id", sa.Integer),
        sa.column("submitted_at", wallet.core.db.UTCDateTime(timezone=True)),
        sa.column("execution_date", sa.Date),
    )
    # Files of batches submitted before this had the download day; the submit day is the
    # closest fixed date we know (the day the money went in transit, in the fund's time).
    submitted = connection.execute(
        sa.select(batches.c.id, batches.c.submitted_at).where(batches.c.submitted_at.is_not(None))
    ).all()
    amsterdam = ZoneInfo("Europe/Amsterdam")
    for batch_id, submitted_at in submitted:
        day = submitted_at.replace(tzinfo=submitted_at.tzinfo or dt.UTC).astimezone(amsterdam)
        connection.execute(
            sa.update(batches).where(batches.c.id == batch_id).values(execution_date=day.date())
        )
    # A file imported twice before this changed nothing the second time (its lines were
    # already settled or reported): keep the first import of each file.
    imports = sa.table(
        "bank_statement_imports",
        sa.column("id", sa.Integer),
        sa.column("fund_id", sa.Integer),
        sa.column("file_sha256", sa.String),
    )
    keep = [
        row[0]
        for row in connection.execute(
            sa.select(sa.func.min(imports.c.id)).group_by(imports.c.fund_id, imports.c.file_sha256)
        )
    ]
    if keep:
        connection.execute(sa.delete(imports).where(imports.c.id.not_in(keep)))
    with op.batch_alter_table("bank_statement_imports", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_bank_statement_imports_fund_id_file_sha256"), ["fund_id", "file_sha256"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_statement_imports", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_bank_statement_imports_fund_id_file_sha256"), type_="unique"
        )
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_column("returned_after_clawback")
        batch_op.drop_column("returned_at")
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_column("execution_date")
