"""employer share: an application's part paid by the worker's employer (a placement)

Revision ID: 0015_employer_share
Revises: 0014_reimbursements
Create Date: 2026-12-01 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_employer_share"
down_revision = "0014_reimbursements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode rebuilds the table on SQLite, which cannot alter a constraint.
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("employer_cents", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("placement_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_applications_placement_id_placements"),
            "placements",
            ["placement_id"],
            ["id"],
        )
        batch_op.drop_constraint(op.f("ck_applications_plan_adds_up"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_applications_plan_adds_up"),
            "employer_cents + covered_cents + copay_cents = price_cents",
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_applications_plan_adds_up"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_applications_plan_adds_up"), "covered_cents + copay_cents = price_cents"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_applications_placement_id_placements"), type_="foreignkey"
        )
        batch_op.drop_column("placement_id")
        batch_op.drop_column("employer_cents")
