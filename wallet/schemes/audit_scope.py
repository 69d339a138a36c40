"""A fund's schemes are the fund's audit subjects (wallet.audit.scopes)."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.audit.scopes import register_fund_subjects
from wallet.schemes.models import Scheme

register_fund_subjects(
    "scheme", lambda fund_id: sa.select(Scheme.id).where(Scheme.fund_id == fund_id)
)
