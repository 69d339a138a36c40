"""oidc identities: a person's subject at an OpenID Connect issuer, linked to their account

oidc_identities (issuer, subject, user_id): issuer and subject unique together, and one
identity per issuer for an account.

Revision ID: 0026_oidc_identities
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:09:04.611315
"""

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0026_oidc_identities"
down_revision = "0025_passkeys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oidc_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_identities")),
        sa.UniqueConstraint("issuer", "subject", name="uq_oidc_identities_issuer_subject"),
        sa.UniqueConstraint("issuer", "user_id", name="uq_oidc_identities_issuer_user_id"),
    )
    with op.batch_alter_table("oidc_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_identities_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oidc_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_identities_user_id"))

    op.drop_table("oidc_identities")
