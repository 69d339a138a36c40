"""report indexes: the lookups of the fund's figures and reports at national scale

Measured with bench/reports.py's data set (1,000,000 grants) and bench/reports_indexes.py:
- ledger_postings (transaction_id, account_id) replaces (transaction_id): "this kind of
  transaction on this account" (deposits and expiries on a fund's pot, a transaction's
  other side) probes one index entry instead of every posting of the transaction;
- ledger_postings (account_id, transaction_id) replaces (account_id): an account's postings
  in transaction order, so a statement page can read its newest lines with a LIMIT;
- ledger_accounts (kind): the few accounts of a rare kind (receivables, payables) without
  reading a million grant accounts;
- claims (fund_id, status): a fund's claims waiting for review.

Revision ID: 0020_report_indexes
Revises: 0018_grant_reminders
Create Date: 2026-12-01 23:40:00
"""

from alembic import op

revision = "0020_report_indexes"
down_revision = "0018_grant_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_postings_transaction_id_account_id", ["transaction_id", "account_id"]
        )
        batch_op.create_index(
            "ix_ledger_postings_account_id_transaction_id", ["account_id", "transaction_id"]
        )
        batch_op.drop_index("ix_ledger_postings_transaction_id")
        batch_op.drop_index("ix_ledger_postings_account_id")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_accounts_kind", ["kind"])
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_fund_id_status", ["fund_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_fund_id_status")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_accounts_kind")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_postings_account_id", ["account_id"])
        batch_op.create_index("ix_ledger_postings_transaction_id", ["transaction_id"])
        batch_op.drop_index("ix_ledger_postings_account_id_transaction_id")
        batch_op.drop_index("ix_ledger_postings_transaction_id_account_id")
