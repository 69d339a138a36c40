"""review_web: e-mail addresses stored before NFKC and case folding are brought to that form

Login, grants by e-mail and every lookup now compare NFKC-normalised, case-folded addresses;
an address stored by the old rule (only lower-cased), like "straße@…" or a full-width one,
would no longer be found and its owner could not log in. An address whose new form another
account already has is left as it was (both people keep their accounts; an administrator
decides).

Revision ID: 0009_review_web
Revises: 0008_payments
Create Date: 2026-12-01 17:15:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009_review_web"
down_revision = "0008_payments"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))


def _normalised(email: str) -> str:
    # The rule of wallet.accounts.names.normalise_email, copied: a migration keeps its meaning.
    return unicodedata.normalize("NFKC", email).casefold().strip()


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {email for _id, email in rows}
    for user_id, email in rows:
        wanted = _normalised(email)
        if wanted != email and wanted not in taken:
            conn.execute(sa.update(users).where(users.c.id == user_id).values(email=wanted))
            taken.add(wanted)


def downgrade() -> None:
    pass  # the old form is not kept; the new one works with the old code for ASCII addresses
