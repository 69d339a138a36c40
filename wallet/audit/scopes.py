"""Which audit events belong to a fund: each feature registers the subjects of its own that do.

Data passed in rather than imported: the audit trail sits below the features that write to it,
so a feature (claims, schemes, payouts, brokers' caseloads) tells it, once at start-up, how to
find the ids of its subjects of one fund (wallet/<feature>/audit_scope.py, imported by the app
factory).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

# subject_type -> a query of the ids of that type's subjects that belong to the fund
FundSubjects = Callable[[int], sa.Select]

_fund_subjects: dict[str, FundSubjects] = {}


def register_fund_subjects(subject_type: str, ids_of_fund: FundSubjects) -> None:
    """Events on subjects of `subject_type` whose id `ids_of_fund(fund_id)` selects are that
    fund's."""
    _fund_subjects[subject_type] = ids_of_fund


def fund_subjects() -> dict[str, FundSubjects]:
    """The registered subject types and their queries."""
    return dict(_fund_subjects)
