"""Claims on a fund are the fund's audit subjects (wallet.audit.scopes)."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.audit.scopes import register_fund_subjects
from wallet.claims.models import Claim

register_fund_subjects("claim", lambda fund_id: sa.select(Claim.id).where(Claim.fund_id == fund_id))
