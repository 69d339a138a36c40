"""identity gaps: recovery codes hashed with argon2id, e-mail address changes

Recovery codes were stored as the SHA-256 of the code; each such hash is now hashed again
with argon2id and a salt of its own (wallet.twofactor.recovery verifies argon2id over that
SHA-256), so every code handed out before keeps working until it is used, and no stored
hash is a fast one any more. The column widens for argon2's encoded form; it is no longer
unique (salted hashes of two codes never collide, and none is looked up by value).

Revision ID: 0034_identity_gaps
Revises: 0033_everyday
Create Date: 2026-12-02 06:40:00.000000
"""

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher

import wallet.core.db

revision = "0034_identity_gaps"
down_revision = "0033_everyday"
branch_labels = None
depends_on = None

# wallet.twofactor.recovery's production parameters (OWASP's argon2id minimum); a hash keeps
# its parameters, so later changes there still verify these.
ARGON2 = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def _rehash_recovery_codes() -> None:
    connection = op.get_bind()
    codes = sa.table(
        "recovery_codes", sa.column("id", sa.Integer), sa.column("code_hash", sa.String)
    )
    hasher = PasswordHasher(**ARGON2)
    rows = connection.execute(
        sa.select(codes.c.id, codes.c.code_hash).where(~codes.c.code_hash.like("$argon2%"))
    ).all()
    for code_id, sha256 in rows:
        connection.execute(
            codes.update().where(codes.c.id == code_id).values(code_hash=hasher.hash(sha256))
        )


def upgrade() -> None:
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_recovery_codes_code_hash", type_="unique")
        batch_op.alter_column(
            "code_hash",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    _rehash_recovery_codes()
    op.create_table(
        "email_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("old_email", sa.String(length=254), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", wallet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", wallet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "confirmed",
                "taken",
                "cancelled",
                "replaced",
                name="email_change_outcome",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_changes")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_changes_token_hash")),
    )
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_changes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_changes_user_id"))
    op.drop_table("email_changes")
    # argon2id hashes cannot be turned back into SHA-256: the codes are dropped, and their
    # owners make new ones on the second-factor page.
    op.execute("DELETE FROM recovery_codes")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
        batch_op.create_unique_constraint("uq_recovery_codes_code_hash", ["code_hash"])
