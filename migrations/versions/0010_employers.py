"""employers: employer organisations and their staff users

Revision ID: 0010_employers
Revises: 0009_review_web
Create Date: 2026-12-01 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0010_employers"
down_revision = "0009_review_web"
branch_labels = None
depends_on = None

OLD_ROLES = ("worker", "provider_staff", "fund_admin", "platform_admin")
NEW_ROLES = ("worker", "provider_staff", "employer_staff", "fund_admin", "platform_admin")


def _roles(values: tuple[str, ...]) -> str:
    return "role IN ({})".format(", ".join(f"'{value}'" for value in values))


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=False),
        sa.Column("sbi_code", sa.String(length=5), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("municipality_code", sa.String(length=64), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "verified",
                "suspended",
                "rejected",
                name="employer_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("verified_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint("kvk_number", name=op.f("uq_employers_kvk_number")),
    )
    # The role's CHECK constraint lists the roles: it is replaced by one that knows employer
    # staff (batch mode rebuilds the table on SQLite, which cannot alter a constraint).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_user_role"), _roles(NEW_ROLES))
        batch_op.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_employer_id"), ["employer_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_employer_id_employers"), "employers", ["employer_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_users_employer_staff_has_employer"),
            "(role = 'employer_staff') = (employer_id IS NOT NULL)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE role = 'employer_staff'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_employer_staff_has_employer"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_users_employer_id_employers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_employer_id"))
        batch_op.drop_column("employer_id")
        batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_user_role"), _roles(OLD_ROLES))
    op.drop_table("employers")
