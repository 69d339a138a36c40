"""email verification, registration signals, identity matches and held grants

Revision ID: 0030_email_verification
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:07:39.280534
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

OLD_GRANT_STATUSES = ("active", "expired")
NEW_GRANT_STATUSES = ("active", "expired", "held", "cancelled")


def _statuses(values: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{value}'" for value in values))


revision = "0030_email_verification"
down_revision = "0029_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "registration",
                "sign_in",
                name="account_signal_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("network", sa.String(length=50), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_signals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_signals")),
    )
    with op.batch_alter_table("account_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_signals_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_signals_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_signals_ip_address"), ["ip_address"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_signals_network"), ["network"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_signals_user_id"), ["user_id"], unique=False)

    op.create_table(
        "email_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_verifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_verifications")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_verifications_token_hash")),
    )
    with op.batch_alter_table("email_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_verifications_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "identity_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("other_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "person",
                "device",
                name="identity_match_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("found_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["other_user_id"], ["users.id"], name=op.f("fk_identity_matches_other_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_identity_matches_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_matches")),
        sa.UniqueConstraint(
            "user_id",
            "other_user_id",
            "kind",
            name=op.f("uq_identity_matches_user_id_other_user_id_kind"),
        ),
    )
    with op.batch_alter_table("identity_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_matches_other_user_id"), ["other_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_identity_matches_user_id"), ["user_id"], unique=False)

    op.create_table(
        "grant_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "released",
                "cancelled",
                name="hold_decision",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_grant_holds_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_grant_holds_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_grant_holds_grant_id_grants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_grant_holds_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_holds")),
        sa.UniqueConstraint("grant_id", name=op.f("uq_grant_holds_grant_id")),
    )
    with op.batch_alter_table("grant_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_holds_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grant_holds_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Staff accounts were made by the operator, an invitation or an organisation the platform
    # checked: they count as verified. Workers verify by a link they ask for on their page.
    op.execute("UPDATE users SET email_verified_at = created_at WHERE role <> 'worker'")
    # A grant can be held (one person, several accounts) and then cancelled: batch mode
    # rebuilds the table on SQLite, which cannot alter a constraint.
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_grants_grant_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_grants_grant_status"), _statuses(NEW_GRANT_STATUSES)
        )


def downgrade() -> None:
    op.execute("UPDATE grants SET status = 'active' WHERE status = 'held'")
    op.execute("UPDATE grants SET status = 'expired' WHERE status = 'cancelled'")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_grants_grant_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_grants_grant_status"), _statuses(OLD_GRANT_STATUSES)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")

    with op.batch_alter_table("grant_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_holds_user_id"))
        batch_op.drop_index(batch_op.f("ix_grant_holds_fund_id"))

    op.drop_table("grant_holds")
    with op.batch_alter_table("identity_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_matches_user_id"))
        batch_op.drop_index(batch_op.f("ix_identity_matches_other_user_id"))

    op.drop_table("identity_matches")
    with op.batch_alter_table("email_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_verifications_user_id"))

    op.drop_table("email_verifications")
    with op.batch_alter_table("account_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_signals_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_signals_network"))
        batch_op.drop_index(batch_op.f("ix_account_signals_ip_address"))
        batch_op.drop_index(batch_op.f("ix_account_signals_device_id"))
        batch_op.drop_index(batch_op.f("ix_account_signals_created_at"))

    op.drop_table("account_signals")
