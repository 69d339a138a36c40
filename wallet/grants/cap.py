"""A scheme's total cap: counted up and given back with one guarded statement each, so the
total granted never passes the cap under any concurrency. Every path that grants uses it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.core.db import session
from wallet.core.errors import Conflict
from wallet.schemes.models import Scheme

schemes_table = Scheme.__table__


class SchemeCapReached(Conflict):
    """The scheme's total cap is used up."""

    title = "Scheme budget used up"
    code = "scheme-cap-reached"


def cap_claim(scheme_id: int, cents: int) -> sa.Update:
    """The guarded UPDATE that counts `cents` against the scheme's total cap (no row hit:
    the cap is used up), for a caller that runs it with the fund's debit (ledger.move)."""
    return (
        sa.update(schemes_table)
        .where(
            schemes_table.c.id == scheme_id,
            sa.or_(
                schemes_table.c.total_cap_cents.is_(None),
                schemes_table.c.committed_cents + cents <= schemes_table.c.total_cap_cents,
            ),
        )
        .values(committed_cents=schemes_table.c.committed_cents + cents)
    )


def claim_cap(scheme_id: int, cents: int) -> None:
    """Count `cents` against the scheme's total cap, atomically; SchemeCapReached if full."""
    result = session.execute(cap_claim(scheme_id, cents))
    if result.rowcount != 1:
        raise SchemeCapReached(_("The budget of this scheme has been used up."))


def release_cap(scheme_id: int, cents: int) -> None:
    """Give `cents` back to the scheme's total cap (an employer commitment released)."""
    session.execute(
        sa.update(schemes_table)
        .where(schemes_table.c.id == scheme_id)
        .values(committed_cents=schemes_table.c.committed_cents - cents)
    )
