"""The names of the objects on a page of audit events: one query per subject type.

The audit trail sits below every feature (they all record into it), so it does not import
their models: it reads the few name columns through lightweight table constructs instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from wallet.core.db import session


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, sa.column("id"), *(sa.column(c) for c in columns))


_SCHEMES = _table("schemes", "name")
_GRANTS = _table("grants", "scheme_id")
_COURSES = _table("courses", "title_nl", "title_en", "title_de")


def _simple(table: str, column: str):
    t = _table(table, column)
    return lambda ids, _language: sa.select(t.c.id, t.c[column]).where(t.c.id.in_(ids))


def _course(ids, language: str):
    title = _COURSES.c.get(f"title_{language}", _COURSES.c.title_nl)
    name = sa.func.coalesce(title, _COURSES.c.title_nl)
    return sa.select(_COURSES.c.id, name).where(_COURSES.c.id.in_(ids))


def _grant(ids, _language: str):
    # A budget is known to its worker and the fund by its scheme's name.
    return (
        sa.select(_GRANTS.c.id, _SCHEMES.c.name)
        .join(_SCHEMES, _SCHEMES.c.id == _GRANTS.c.scheme_id)
        .where(_GRANTS.c.id.in_(ids))
    )


# Subject type -> query of (id, name) for some ids. Placements (a person's name and date of
# birth) and objects without a name of their own keep their number.
NAMES = {
    "application": _simple("applications", "reference"),
    "claim": _simple("claims", "reference"),
    "course": _course,
    "employer": _simple("employers", "name"),
    "employer_application": _simple("employer_applications", "reference"),
    "fund": _simple("funds", "name"),
    "grant": _grant,
    "payout_batch": _simple("payout_batches", "reference"),
    "payout_item": _simple("payout_items", "account_holder"),
    "provider": _simple("providers", "name"),
    "reimbursement_claim": _simple("reimbursement_claims", "reference"),
    "scheme": _simple("schemes", "name"),
    "user": _simple("users", "name"),
}


def subject_names(
    subjects: Iterable[tuple[str, int]], language: str = "nl"
) -> dict[tuple[str, int], str]:
    """{(subject type, id): name} for the subjects that have one, one query per type."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for subject_type, subject_id in subjects:
        if subject_type in NAMES:
            wanted[subject_type].add(subject_id)
    names: dict[tuple[str, int], str] = {}
    for subject_type, ids in wanted.items():
        for subject_id, name in session.execute(NAMES[subject_type](sorted(ids), language)):
            if name:
                names[(subject_type, subject_id)] = name
    return names
