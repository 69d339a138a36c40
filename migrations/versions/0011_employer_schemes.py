"""employer schemes: a scheme's kind (worker budget or employer reimbursement)

Revision ID: 0011_employer_schemes
Revises: 0010_employers
Create Date: 2026-12-01 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_employer_schemes"
down_revision = "0010_employers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing scheme is a worker budget scheme: the server default says so.
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "worker_budget",
                    "employer",
                    name="scheme_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="worker_budget",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_column("kind")
