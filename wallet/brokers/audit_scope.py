"""The caseload of a fund's brokers is the fund's audit subject (wallet.audit.scopes)."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.audit.scopes import register_fund_subjects
from wallet.brokers.models import CaseloadEntry

register_fund_subjects(
    "caseload_entry",
    lambda fund_id: sa.select(CaseloadEntry.id).where(CaseloadEntry.fund_id == fund_id),
)
