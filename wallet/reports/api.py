"""/api/v1/open-data/TABLE: the public figures as JSON, no authentication; the same rows as
the CSV downloads and the page /openbaar."""

from __future__ import annotations

from marshmallow import Schema, fields

from wallet.api.common import Blueprint
from wallet.reports.open_data import rows
from wallet.reports.public_views import figures

blp = Blueprint(
    "api_open_data",
    __name__,
    url_prefix="/api/v1/open-data",
    description="Open data: what the funds did with their money (no login; fewer than 10 "
    "persons are never shown).",
)


class _Money(Schema):
    budget_cents = fields.Integer(metadata={"description": "Budget in euro cents"})
    committed_cents = fields.Integer(metadata={"description": "Committed in euro cents"})
    paid_cents = fields.Integer(metadata={"description": "Paid in euro cents"})


class _Counts(Schema):
    participants = fields.Integer(
        allow_none=True, metadata={"description": "Unique persons; null when suppressed"}
    )
    suppressed = fields.Boolean(
        metadata={
            "description": "True when the row describes fewer than 10 persons, or "
            "would let such a row be worked out from a total"
        }
    )


class _Received(_Counts):
    received_cents = fields.Integer(
        allow_none=True,
        metadata={"description": "Approved claims in euro cents; null when suppressed"},
    )


class FundRow(_Money, _Received):
    """A fund: budget (deposited), committed, paid, and its participants and what providers
    received from it."""

    fund = fields.String()


class SchemeRow(_Money):
    """A scheme of a fund: its budget (cap, or what it granted), committed and paid."""

    fund = fields.String()
    scheme = fields.String()


class CourseRow(_Received):
    """Participants of a course paid by a fund and what its provider received."""

    fund = fields.String()
    provider = fields.String()
    course = fields.String()


class ProviderRow(_Received):
    """Participants of a provider paid by a fund and what it received."""

    fund = fields.String()
    provider = fields.String()


class MunicipalityRow(_Counts):
    """Participants of a fund per municipality where they live."""

    fund = fields.String()
    municipality = fields.String()


def _table_schema(row: type[Schema]) -> type[Schema]:
    return type(
        f"{row.__name__}s",
        (Schema,),
        {
            "__doc__": f"The open-data table of {row.__name__}s and when it was computed.",
            "computed_at": fields.DateTime(),
            "rows": fields.List(fields.Nested(row)),
        },
    )


def _answer(table: str) -> dict:
    shown = figures()
    found = rows(shown, table)
    for row in found:
        if "participants" in row:
            row["suppressed"] = row["participants"] is None
    return {"computed_at": shown.computed_at, "rows": found}


def _route(table: str, row: type[Schema], summary: str) -> None:
    def view():
        return _answer(table)

    view.__name__ = f"open_data_{table}"
    view.__doc__ = summary
    blp.route(f"/{table}", methods=["GET"])(blp.response(200, _table_schema(row))(view))


_route("funds", FundRow, "Per fund: budget, committed, paid, participants and received.")
_route("schemes", SchemeRow, "Per scheme: budget, committed and paid.")
_route("courses", CourseRow, "Per course and fund: participants and money received.")
_route("providers", ProviderRow, "Per provider and fund: participants and money received.")
_route("municipalities", MunicipalityRow, "Per municipality and fund: participants.")
