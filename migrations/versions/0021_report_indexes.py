"""report indexes: the lookups behind the fund's figures and reports at national scale

Measured with bench/reports.py's data set (1,000,000 grants, 2.3 million postings) and
bench/reports_indexes.py:
- ledger_postings (transaction_id, account_id) replaces (transaction_id): "this kind of
  transaction on this account" (the expiries and deposits on a fund's pot, the other side of
  a transaction) probes one entry instead of reading every posting of each transaction
  (an expiry moves hundreds of grants);
- ledger_accounts (kind): the few accounts of a rare kind (receivables, payables) without
  reading a million grant accounts.

Revision ID: 0021_report_indexes
Revises: 0020_password_resets
Create Date: 2026-12-01 23:40:00
"""

from alembic import op

revision = "0021_report_indexes"
down_revision = "0020_password_resets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_postings_transaction_id_account_id", ["transaction_id", "account_id"]
        )
        batch_op.drop_index("ix_ledger_postings_transaction_id")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_accounts_kind", ["kind"])


def downgrade() -> None:
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_accounts_kind")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_postings_transaction_id", ["transaction_id"])
        batch_op.drop_index("ix_ledger_postings_transaction_id_account_id")
