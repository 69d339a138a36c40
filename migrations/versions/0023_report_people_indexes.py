"""report people indexes: the lookups behind the reports' people figures at national scale

Measured with bench/reports.py's data set (1,000,000 grants, 500,000 applications) and
bench/reports_people.py (EXPLAIN ANALYZE before and after):
- applications (created_at): the applications of a quarter or a month without reading all
  of them (a year of two years' data is still read whole: the plans choose a scan);
- risk_flags (created_at): the flags raised in a period (the flags chart starts there).
application_parts (grant_id), suggested too, is left out: no plan of the people figures used
it (a fund's or a scheme's grants are hashed and application_parts read whole), and every
application would pay for it.

Revision ID: 0023_report_people_indexes
Revises: 0022_report_snapshots
Create Date: 2026-12-02 00:05:00
"""

from alembic import op

revision = "0023_report_people_indexes"
down_revision = "0022_report_snapshots"
branch_labels = None
depends_on = None

INDEXES = (
    ("applications", "ix_applications_created_at", ["created_at"]),
    ("risk_flags", "ix_risk_flags_created_at", ["created_at"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
