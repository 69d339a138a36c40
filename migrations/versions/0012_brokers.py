"""brokers: the labour-broker role, caseload entries and their contact log

Revision ID: 0012_brokers
Revises: 0011_employer_schemes
Create Date: 2026-12-01 18:00:00
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0012_brokers"
down_revision = "0011_employer_schemes"
branch_labels = None
depends_on = None

OLD_ROLES = ("worker", "provider_staff", "employer_staff", "fund_admin", "platform_admin")
NEW_ROLES = ("worker", "provider_staff", "employer_staff", "fund_admin", "broker", "platform_admin")
STAGES = ("lead", "preparing", "submitted", "approved", "placed", "followed_up", "dropped")


def _roles(values: tuple[str, ...]) -> str:
    return "role IN ({})".format(", ".join(f"'{value}'" for value in values))


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    # Brokers belong to a fund: both role constraints are replaced (batch mode rebuilds the
    # table on SQLite, which cannot alter a constraint).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_user_role"), _roles(NEW_ROLES))
        batch_op.drop_constraint(op.f("ck_users_fund_admin_has_fund"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_users_fund_admin_has_fund"),
            "(role IN ('fund_admin', 'broker')) = (fund_id IS NOT NULL)",
        )
    op.create_table(
        "caseload_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("stage", _enum("caseload_stage", *STAGES), nullable=False),
        sa.Column("drop_reason", sa.String(length=500), nullable=True),
        sa.Column("next_step", sa.String(length=200), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["users.id"], name=op.f("fk_caseload_entries_broker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_caseload_entries_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_caseload_entries_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_entries")),
        sa.UniqueConstraint(
            "fund_id", "employer_id", name=op.f("uq_caseload_entries_fund_id_employer_id")
        ),
    )
    for column in ("broker_id", "employer_id", "fund_id"):
        op.create_index(op.f(f"ix_caseload_entries_{column}"), "caseload_entries", [column])
    op.create_table(
        "caseload_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("contact_kind", "visit", "call", "email"), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["users.id"], name=op.f("fk_caseload_contacts_broker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["caseload_entries.id"],
            name=op.f("fk_caseload_contacts_entry_id_caseload_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_contacts")),
    )
    op.create_index(op.f("ix_caseload_contacts_entry_id"), "caseload_contacts", ["entry_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_caseload_contacts_entry_id"), table_name="caseload_contacts")
    op.drop_table("caseload_contacts")
    for column in ("broker_id", "employer_id", "fund_id"):
        op.drop_index(op.f(f"ix_caseload_entries_{column}"), table_name="caseload_entries")
    op.drop_table("caseload_entries")
    op.execute("DELETE FROM users WHERE role = 'broker'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_fund_admin_has_fund"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_users_fund_admin_has_fund"), "(role = 'fund_admin') = (fund_id IS NOT NULL)"
        )
        batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_user_role"), _roles(OLD_ROLES))
