"""token scopes: what an API token may do, until when, and when it was last used

api_tokens gets scopes (space-separated: read, claims, payouts, catalogue; never empty),
expires_at and last_used_at. Existing tokens keep working: they get every scope their user's
role may give a token, and expire 90 days after this migration (not after their creation,
which could cut an integration off the moment the release goes out).

Revision ID: 0028_token_scopes
Revises: 0024_money_rollup
Create Date: 2026-12-02 03:07:15.236148
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import wallet.core.db

revision = "0028_token_scopes"
down_revision = "0027_server_sessions"
branch_labels = None
depends_on = None

# As wallet.accounts.scopes.ROLE_SCOPES was when this migration was written.
ROLE_SCOPES = {
    "provider_staff": "read claims catalogue",
    "employer_staff": "read claims",
    "broker": "read claims",
    "fund_admin": "read claims payouts",
}


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("expires_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True)
        )

    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer),
        sa.column("scopes", sa.String),
        sa.column("expires_at", wallet.core.db.UTCDateTime(timezone=True)),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("role", sa.String))
    for role, scopes in ROLE_SCOPES.items():
        of_role = sa.select(users.c.id).where(users.c.role == role)
        op.execute(tokens.update().where(tokens.c.user_id.in_(of_role)).values(scopes=scopes))
    # A token of any other role (none can be made) may only read.
    op.execute(tokens.update().where(tokens.c.scopes.is_(None)).values(scopes="read"))
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    op.execute(tokens.update().values(expires_at=expiry))

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column(
            "expires_at",
            existing_type=wallet.core.db.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.create_check_constraint(
            op.f("ck_api_tokens_api_token_has_a_scope"), "scopes <> ''"
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_tokens_api_token_has_a_scope"), type_="check")
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
